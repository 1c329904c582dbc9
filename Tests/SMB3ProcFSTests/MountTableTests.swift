import Testing

@testable import SMB3ProcFS

@Suite("MountTable")
struct MountTableTests {
    static let mountInfo = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        30 22 0:40 / /mnt rw,relatime shared:2 - cifs //srv/a rw,vers=3.1.1,multichannel,max_channels=2
        31 30 0:41 / /mnt/x\\040y rw,relatime shared:3 - tmpfs tmpfs rw
        """

    @Test func theLongestMountPointPrefixWinsWhateverItsType() throws {
        let cifs = try #require(MountTable.mount(containing: "/mnt/file", in: Self.mountInfo))
        #expect(cifs.fileSystemType == "cifs" && cifs.source == "//srv/a")
        #expect(cifs.options.contains("max_channels=2"))
        // A non-cifs mount below the cifs one holds its own paths (and the escaped space is undone).
        #expect(MountTable.mount(containing: "/mnt/x y/f", in: Self.mountInfo)?.fileSystemType == "tmpfs")
        #expect(MountTable.mount(containing: "/mntx", in: Self.mountInfo)?.mountPoint == "/")
    }

    @Test func onlyCifsMountsAreListed() {
        #expect(MountTable(parsing: Self.mountInfo).mounts.map(\.mountPoint) == ["/mnt"])
    }

    @Test func softOrHardIsTheLastOfTheTwoWords() throws {
        let table = MountTable(
            parsing: """
                40 22 0:50 / /mnt/s rw,relatime - cifs //Srv/Data rw,vers=3.1.1,soft,witness
                41 22 0:51 / /mnt/h rw,relatime - cifs //srv/data/dir rw,vers=3.1.1,hard,witness
                42 22 0:52 / /mnt/o rw,relatime - smb3 //srv/other rw,soft,hard
                43 22 0:53 / /mnt/n rw,relatime - cifs //srv/data rw,vers=3.1.1
                """)
        #expect(table.mounts.map(\.isSoft) == [true, false, false, false])
        // The share matches whatever the case and a prefix path; another share or server does not.
        #expect(table.mounts.map { $0.isShare("DATA", of: "srv") } == [true, true, false, true])
        #expect(table.mounts[2].isShare("other", of: "srv") && !table.mounts[0].isShare("data", of: "srv2"))
        #expect(!MountTable.Mount(mountPoint: "/x", source: "srv:/data").isShare("data", of: "srv"))
    }
}
