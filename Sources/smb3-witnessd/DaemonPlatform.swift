import SMB3Errors
import SMB3EventLoop
import SMB3Kerberos
import SMB3Netlink
import SMB3Protocol
import SMB3System
import WitnessKit

extension EventLoopTCPStream: RPCByteStream {}
extension GSSDCEContext: KerberosRPCContext {}
extension AppendOnlyFile: EventLineFile {}

/// The witness logic's view of the system. Every wait and every call's timer happens in `loop`
/// (one thread for all descriptors); blocking C calls run on `kerberosThread` (GSS-API, which asks the KDC
/// synchronously) or `kernelThread` (NOTIFY and its ack, group look-ups, SOCK_DESTROY), never
/// on the cooperative pool. The thread count does not grow with the registrations.
final class DaemonPlatform: WitnessPlatform, KernelWitnessChannel {
    let sockets: SWNNetlinkSockets
    let family: CifsFamilyID
    let loop: ReadinessLoop
    let kerberosThread: BlockingCallThread
    let kernelThread: BlockingCallThread

    init(sockets: SWNNetlinkSockets, family: CifsFamilyID) throws(SystemError) {
        self.sockets = sockets
        self.family = family
        loop = try ReadinessLoop()
        kerberosThread = try BlockingCallThread()
        kernelThread = try BlockingCallThread()
    }

    func connect(address: String, port: UInt16, timeoutSeconds: Int32) async throws -> any RPCByteStream {
        try await EventLoopTCPStream.connect(address: address, port: port, timeoutSeconds: timeoutSeconds, loop: loop)
    }

    func notifyKernel(_ notify: SWNNotify) async throws -> Int32 {
        guard let familyID = family.current else {
            throw WitnessFailure("the cifs generic-netlink family is gone (cifs.ko unloaded?)")
        }
        return try await kernelThread.run { [sockets] in
            try sockets.sendRequest { sequence in notify.encoded(familyID: familyID, sequence: sequence) }
        }
    }

    func abortKernelConnections(to address: SWNSocketAddress) async throws -> InetDiag.AbortReport {
        try await kernelThread.run { try KernelConnections.abort(to: address.host, port: address.port) }
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

    func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await kerberosThread.run(body)
    }

    func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        let timer = loop.schedule(after: seconds, action)
        return { [loop] in loop.cancelTimer(timer) }
    }

    func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    func monotonicSeconds() -> Double { SystemClock.monotonicSeconds() }
    func fileTime() -> UInt64 { SystemClock.fileTime() }
    func unixTime() -> Double { SystemClock.unixTime() }

    /// A short procfs read (no network), so it runs where `status` is answered.
    func kernelDebugData() -> [UInt8]? {
        try? KernelFile.read("/proc/fs/cifs/DebugData", limit: DebugData.maximumInputSize)
    }

    /// Also a short procfs read; the unit's ProcSubset=pid keeps /proc/self.
    func mountTable() -> [UInt8]? {
        try? KernelFile.read("/proc/self/mountinfo", limit: MountTable.maximumInputSize)
    }

    // MARK: KernelWitnessChannel

    func receive() async throws -> [UInt8] {
        try await sockets.receive { [loop] descriptor in
            guard await loop.wait(for: descriptor, events: .readable) else { throw CancellationError() }
        }
    }

    func joinWitnessGroup() async throws(KernelWitnessJoinError) -> KernelWitnessJoin {
        let outcome = try? await kernelThread.run { [sockets] () -> Result<KernelWitnessJoin, KernelWitnessJoinError> in
            do throws(NetlinkError) {
                let joined = try sockets.joinWitnessGroup(
                    family: SWNGenericNetlink.familyName, group: SWNGenericNetlink.multicastGroup)
                return .success(
                    .joined(
                        familyID: joined.id,
                        description:
                            "\(joined.name)/\(joined.multicastGroup) (family id \(joined.id), group id \(joined.multicastGroupID))"
                    ))
            } catch {
                if error.isNotFound { return .success(.familyMissing) }
                if error.isPermissionDenied { return .failure(.permissionDenied) }
                return .failure(.failed("\(error)"))
            }
        }
        guard let outcome else { throw .failed("the kernel thread is gone") }
        return try outcome.get()
    }
}

/// The control socket, waited on in the readiness loop.
struct DaemonControlListener: ControlListener {
    let listener: UnixListener
    let loop: ReadinessLoop

    func accept() async throws -> any ControlConnection {
        DaemonControlConnection(connection: try await loop.accept(listener), loop: loop)
    }
}

final class DaemonControlConnection: ControlConnection {
    let connection: UnixConnection
    let loop: ReadinessLoop

    init(connection: UnixConnection, loop: ReadinessLoop) {
        self.connection = connection
        self.loop = loop
    }

    func readRequestLine() async throws -> String? { try await loop.readLine(connection, timeoutSeconds: 10) }

    func write(_ text: String, nonBlocking: Bool) -> Bool { connection.write(text, nonBlocking: nonBlocking) }
}
