import Foundation
import SMB3Protocol

/// The real lab captures of SMB3ProtocolTests, read from the source tree (they are that target's resources).
enum IfacesFixtures {
    struct Missing: Error { let path: String }

    static var labDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SMB3ProtocolTests/Fixtures/lab")
    }

    static func debugData(_ name: String) throws -> DebugData {
        let path = labDirectory.appendingPathComponent(name).path
        guard let data = FileManager.default.contents(atPath: path) else { throw Missing(path: path) }
        return try DebugData(parsing: [UInt8](data))
    }

    static func mount(
        _ source: String = "//127.0.0.1/share", at mountPoint: String = "/mnt/s", options: String
    ) -> MountTable.Mount {
        let line = "36 25 0:33 / \(mountPoint) rw,relatime shared:1 - cifs \(source) \(options)"
        return MountTable(parsing: line).mounts[0]
    }

    static let multichannelOptions =
        "rw,vers=3.1.1,cache=strict,username=alice,uid=0,noforceuid,gid=0,noforcegid,addr=127.0.0.1,file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,rsize=4194304,wsize=4194304,bsize=1048576,retrans=1,echo_interval=60,actimeo=1,closetimeo=1,multichannel,max_channels=2"
    static let singleChannelOptions =
        "rw,vers=3.1.1,cache=strict,username=alice,uid=0,noforceuid,gid=0,noforcegid,addr=127.0.0.1,soft,nounix,serverino,mapposix,echo_interval=60,actimeo=1,closetimeo=1"
}
