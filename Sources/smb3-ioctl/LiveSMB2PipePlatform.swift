import SMB3AESCCM
import SMB3Errors
import SMB3Kerberos
import SMB3Protocol
import SMB3SMB2Security
import SMB3System
import ShadowCopyKit

/// The SMB2 pipe client's platform: one TCP connection to port 445, the system's random numbers
/// and clock.
final class LiveSMB2PipePlatform: SMB2PipePlatform {
    let connection: TCPClientConnection

    init(connection: TCPClientConnection) { self.connection = connection }

    static func connect(to host: String, timeoutSeconds: Int32) throws(SystemError) -> LiveSMB2PipePlatform {
        LiveSMB2PipePlatform(
            connection: try TCPClientConnection.connect(
                host: host, port: 445, connectTimeoutSeconds: min(timeoutSeconds, 15), ioTimeoutSeconds: timeoutSeconds)
        )
    }

    static func mount(containing path: String) -> MountTable.Mount? {
        guard let canonical = IoctlCalls.canonicalPath(path),
            let table = try? KernelFile.read("/proc/self/mountinfo")
        else { return nil }
        return MountTable.mount(containing: canonical, in: String(decoding: table, as: UTF8.self))
    }

    func send(_ bytes: [UInt8]) throws { try connection.send(bytes) }
    func receive(exactly count: Int) throws -> [UInt8] { try connection.receive(exactly: count) }
    func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
    func fileTime() -> UInt64 { SystemClock.fileTime() }
    var ccm: (any SMB2CCMCipher)? { LibcryptoAESCCM() }
    func kerberosInitialToken(host: String) throws -> (token: [UInt8], sessionKey: Secret) {
        try GSSInitiator.initialToken(host: host)
    }
}

/// `~/.smb3kit/shadow-copies` (the directory private to the user, 0700).
struct LiveShadowCopyRecords: ShadowCopyRecordStore {
    var directory: String { (Environment.get("HOME") ?? "/root") + "/.smb3kit" }
    var file: String { directory + "/shadow-copies" }

    func load() throws -> [ShadowCopyRecord] {
        guard (try FileStatus.of(file)) != nil else { return [] }
        return ShadowCopyRecord.parse(String(decoding: try ConfigurationFile.read(file), as: UTF8.self))
    }

    func save(_ records: [ShadowCopyRecord]) throws {
        try PrivateDirectory.prepare(directory)
        try ConfigurationFile.replace(file, with: ShadowCopyRecord.render(records))
    }
}
