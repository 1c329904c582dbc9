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
}
