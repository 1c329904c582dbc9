import SMB3Kerberos
import SMB3Netlink
import SMB3Protocol
import SMB3System
import Synchronization
import WitnessKit

extension TCPStream: RPCByteStream {}
extension GSSDCEContext: KerberosRPCContext {}

/// The witness logic's view of the system: TCP, the kernel's NOTIFY, clocks and threads.
final class DaemonPlatform: WitnessPlatform {
    let sockets: SWNNetlinkSockets
    /// The cifs family id; it changes when cifs.ko is reloaded.
    let familyID = Mutex<UInt16?>(nil)

    init(sockets: SWNNetlinkSockets) { self.sockets = sockets }

    func connect(address: String, port: UInt16, timeoutSeconds: Int32) throws -> any RPCByteStream {
        try TCPStream(address: address, port: port, timeoutSeconds: timeoutSeconds)
    }

    func notifyKernel(_ notify: SWNNotify) throws -> Int32 {
        guard let family = familyID.withLock({ $0 }) else {
            throw WitnessFailure("the cifs generic-netlink family is gone (cifs.ko unloaded?)")
        }
        return try sockets.sendRequest { sequence in notify.encoded(familyID: family, sequence: sequence) }
    }

    func abortKernelConnections(to address: SWNSocketAddress) throws -> InetDiag.AbortReport {
        try KernelConnections.abort(to: address.host, port: address.port)
    }

    /// With a client keytab and no ccache, tickets go to a private in-memory ccache rather than
    /// root's default one, which belongs to whoever logs in as root.
    static let keytabCCache = "MEMORY:smb3-witnessd"

    func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext {
        var credentials = target.credentials
        if credentials.clientKeytab != nil && credentials.ccache == nil { credentials.ccache = Self.keytabCCache }
        let credential = try GSSCredential(
            principal: credentials.principal, clientKeytab: credentials.clientKeytab, ccache: credentials.ccache)
        return try GSSDCEContext(
            service: target.service, host: target.host, credential: credential, confidentiality: confidentiality)
    }

    func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    func monotonicSeconds() -> Double { SystemClock.monotonicSeconds() }
    func fileTime() -> UInt64 { SystemClock.fileTime() }
    func unixTime() -> Double { SystemClock.unixTime() }
    func spawn(name: String, _ body: @escaping @Sendable () -> Void) { BackgroundThread.detach(body) }
}

