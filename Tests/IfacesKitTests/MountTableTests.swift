import SMB3Protocol
import Testing

@Suite struct MountTableTests {
    static let mountInfo = """
        22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
        36 25 0:33 / /mnt/s rw,relatime shared:7 - cifs //127.0.0.1/share rw,vers=3.1.1,addr=127.0.0.1,multichannel,max_channels=2
        37 25 0:34 / /mnt/with\\040space rw,relatime shared:8 - smb3 //srv.example/Data/sub rw,vers=3.0,addr=192.0.2.1
        38 25 0:35 / /proc rw - proc proc rw
        """

    @Test func parsesCifsAndSmb3MountsOfMountinfo() throws {
        let table = MountTable(parsing: Self.mountInfo)
        #expect(table.mounts.count == 2)
        let first = try #require(table.mounts.first)
        #expect(first.mountPoint == "/mnt/s")
        #expect(first.source == "//127.0.0.1/share")
        #expect(first.server == "127.0.0.1" && first.share == "share")
        #expect(first.isMultichannel && first.maximumChannels == 2)
        #expect(first.serverAddress == "127.0.0.1")
        #expect(first.version == "3.1.1")
        let second = table.mounts[1]
        #expect(second.mountPoint == "/mnt/with space")
        #expect(second.fileSystemType == "smb3")
        #expect(second.server == "srv.example" && second.share == "Data")
        #expect(!second.isMultichannel && second.maximumChannels == 1)
    }

    @Test func parsesProcMounts() throws {
        let text =
            "//127.0.0.1/share /mnt/s cifs rw,relatime,vers=3.1.1,multichannel,max_channels=4 0 0\nproc /proc proc rw 0 0\n"
        let table = MountTable(parsing: text)
        let mount = try #require(table.mounts.first)
        #expect(table.mounts.count == 1)
        #expect(mount.mountPoint == "/mnt/s" && mount.maximumChannels == 4 && mount.isMultichannel)
    }

    @Test func maxChannelsAloneMeansMultichannel() {
        let mount = MountTable.Mount(mountPoint: "/m", source: "//s/x", options: ["max_channels=3"])
        #expect(mount.isMultichannel)
        let off = MountTable.Mount(mountPoint: "/m", source: "//s/x", options: ["nomultichannel"])
        #expect(!off.isMultichannel)
    }

    @Test func garbageLinesAreSkipped() {
        let table = MountTable(parsing: "x\n- - -\n\\\\\\ 1 2 3 4 5 6 7 8 9 - \n\n")
        #expect(table.mounts.isEmpty)
        #expect(MountTable(parsing: [0xff, 0xfe, 0x0a]).mounts.isEmpty)
    }

    @Test func unescapeKeepsBadEscapes() {
        #expect(MountTable.unescape("a\\040b") == "a b")
        #expect(MountTable.unescape("a\\09b") == "a\\09b")
        #expect(MountTable.unescape("a\\777") == "a\\777")
        #expect(MountTable.unescape("end\\04") == "end\\04")
    }

    @Test func nonUNCSourceHasNoServer() {
        let mount = MountTable.Mount(mountPoint: "/m", source: "server:share")
        #expect(mount.server == nil && mount.share == nil)
    }
}
