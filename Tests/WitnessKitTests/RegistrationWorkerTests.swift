import Synchronization
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// One connection to a fake witness cluster: the endpoint mapper on :135 (no auth) or the
/// witness service on :49155 (krb5 at integrity, with FakeKerberosContext's checksums). Every
/// answer is sent later, never from inside `write`, as from a socket.
final class FakeWitnessServerStream: RPCByteStream {
    static let witnessPort: UInt16 = 49155
    let port: UInt16
    let server: FakeWitnessServer
    let handlers = Mutex<(received: (@Sendable ([UInt8]) -> Void)?, closed: (@Sendable (String) -> Void)?)>((nil, nil))

    init(port: UInt16, server: FakeWitnessServer) {
        self.port = port
        self.server = server
    }

    func start(received: @escaping @Sendable ([UInt8]) -> Void, closed: @escaping @Sendable (String) -> Void) {
        handlers.withLock { $0 = (received, closed) }
    }

    func write(_ bytes: [UInt8]) throws {
        let packet = try DCERPCPacket(parsing: bytes)
        switch packet.type {
        case .bind:
            var body: [UInt8] = [0xB8, 0x10, 0xB8, 0x10, 0x34, 0x12, 0, 0, 0, 0, 0, 0]
            body += [1, 0, 0, 0] + [0, 0, 0, 0] + DCERPCSyntax.ndr20.uuid + [2, 0, 0, 0]
            let auth =
                port == Self.witnessPort
                ? DCERPCAuthVerifier(
                    type: DCERPCAuthType.kerberos.rawValue, level: DCERPCAuthLevel.integrity.rawValue, contextID: 1,
                    value: Array("AP-REP".utf8)) : nil
            send(
                DCERPCPacket(
                    type: .bindAck, flags: [.firstFragment, .lastFragment], callID: packet.callID, body: body,
                    auth: auth))
        case .request:
            let opnum = UInt16(packet.body[6]) | UInt16(packet.body[7]) << 8
            if !server.quiet { server.calls.withLock { $0.append((port, opnum)) } }
            if let stub = server.answer(port: port, opnum: opnum) {
                respond(callID: packet.callID, stub: stub)
            }
        default:
            break  // auth3
        }
    }

    func respond(callID: UInt32, stub: [UInt8]) {
        let body: [UInt8] = [UInt8(truncatingIfNeeded: stub.count), 0, 0, 0, 0, 0, 0, 0] + stub
        guard port == Self.witnessPort else {
            return send(
                DCERPCPacket(type: .response, flags: [.firstFragment, .lastFragment], callID: callID, body: body))
        }
        let pad = (16 - stub.count % 16) % 16
        // Without header signing the MIC covers stub and pad (KerberosRPCSecurity.unprotect).
        let token = FakeKerberosContext.checksum(
            stub + Array(repeating: 0, count: pad), size: FakeKerberosContext.micSize)
        send(
            DCERPCPacket(
                type: .response, flags: [.firstFragment, .lastFragment], callID: callID,
                body: body,
                auth: DCERPCAuthVerifier(
                    type: DCERPCAuthType.kerberos.rawValue, level: DCERPCAuthLevel.integrity.rawValue,
                    padLength: UInt8(pad), contextID: 1, value: token)))
    }

    private func send(_ packet: DCERPCPacket) {
        let bytes = packet.encoded()
        Task { self.handlers.withLock { $0.received }?(bytes) }
    }

    func shutdown() {
        let closed = handlers.withLock { handlers in
            defer { handlers.closed = nil }
            return handlers.closed
        }
        closed?("closed by us")
    }
}

/// The cluster: the endpoint mapper sends clients to :49155; the witness service lists one
/// witness interface (192.0.2.11), registers, answers the first AsyncNotify with a CLIENT_MOVE
/// to 192.168.3.45 and keeps the second pending until UnRegister.
///
/// `quiet` (for measuring what registrations cost): nothing is recorded, every AsyncNotify stays
/// pending, and timers are entries in a table, as in the daemon's loop, not sleeping tasks.
final class FakeWitnessServer: WitnessPlatform {
    let calls = Mutex<[(port: UInt16, opnum: UInt16)]>([])
    let notifies = Mutex<[SWNNotify]>([])
    let aborts = Mutex<[SWNSocketAddress]>([])
    let connections = Mutex<[String]>([])
    static let handle: [UInt8] = [0, 0, 0, 0] + Array(1...16)
    let quiet: Bool
    private let timers = Mutex<(next: UInt64, actions: [UInt64: @Sendable () -> Void])>((0, [:]))

    init(quiet: Bool = false) { self.quiet = quiet }

    func answer(port: UInt16, opnum: UInt16) -> [UInt8]? {
        if port == EndpointMapper.port { return Self.mapResponse() }
        switch WitnessRPC.Opnum(rawValue: opnum) {
        case .getInterfaceList: return Self.interfaceList()
        case .registerEx: return Self.handle + [0, 0, 0, 0]
        case .asyncNotify:
            if quiet { return nil }
            let earlier = calls.withLock { $0.filter { $0 == (FakeWitnessServerStream.witnessPort, opnum) }.count }
            return earlier == 1 ? Self.clientMove : nil
        case .unregister: return [0, 0, 0, 0]
        default: return nil
        }
    }

    /// ept_map's answer with one tower whose floor 4 is port 49155.
    static func mapResponse() -> [UInt8] {
        var tower = EndpointMapper.tower(for: WitnessRPC.interface)
        let portOffset = tower.count - 9 - 2
        tower[portOffset] = 0xC0
        tower[portOffset + 1] = 0x03
        var stub = Array(repeating: UInt8(0), count: 20)
        stub += [1, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0, 0]
        stub += withUnsafeBytes(of: UInt32(tower.count).littleEndian, Array.init)
        stub += withUnsafeBytes(of: UInt32(tower.count).littleEndian, Array.init) + tower
        return stub + Array(repeating: 0, count: (4 - tower.count % 4) % 4) + [0, 0, 0, 0]
    }

    /// One available interface, 192.0.2.11, flagged IPv4 and INTERFACE_WITNESS.
    static func interfaceList() -> [UInt8] {
        var entry = [UInt8](repeating: 0, count: 520) + [0xFF, 0xFF, 0xFF, 0xFF] + [1, 0, 0, 0] + [192, 0, 2, 11]
        entry += Array(repeating: 0, count: 16) + [5, 0, 0, 0]
        return [0, 0, 2, 0, 1, 0, 0, 0, 4, 0, 2, 0, 1, 0, 0, 0] + entry + [0, 0, 0, 0]
    }

    /// MS-SWN 4.x's CLIENT_MOVE to 192.168.3.45.
    static let clientMove: [UInt8] =
        [0, 0, 2, 0, 2, 0, 0, 0, 0x24, 0, 0, 0, 1, 0, 0, 0, 4, 0, 2, 0, 0x24, 0, 0, 0]
        + [0x24, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0] + [1, 0, 0, 0, 0xC0, 0xA8, 3, 0x2D]
        + Array(repeating: 0, count: 16) + [0, 0, 0, 0]

    func connect(address: String, port: UInt16, timeoutSeconds: Int32) async throws -> any RPCByteStream {
        if !quiet { connections.withLock { $0.append("\(address):\(port)") } }
        return FakeWitnessServerStream(port: port, server: self)
    }
    func notifyKernel(_ notify: SWNNotify) async throws -> Int32 {
        notifies.withLock { $0.append(notify) }
        return 0
    }
    func abortKernelConnections(to address: SWNSocketAddress) async throws -> InetDiag.AbortReport {
        aborts.withLock { $0.append(address) }
        return InetDiag.AbortReport(aborted: 1)
    }
    func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext {
        FakeKerberosContext()
    }
    func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try body()
    }
    func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        guard quiet else { return sleepingTimer(after: seconds, action) }
        // Never fires: the measurement ends long before any call's timeout.
        let id = timers.withLock { timers in
            timers.next += 1
            timers.actions[timers.next] = action
            return timers.next
        }
        return { [weak self] in _ = self?.timers.withLock { $0.actions.removeValue(forKey: id) } }
    }
    func randomBytes(_ count: Int) -> [UInt8] { Array(repeating: 5, count: count) }
    func monotonicSeconds() -> Double { 0 }
    func fileTime() -> UInt64 { 0 }
    func unixTime() -> Double { 1_700_000_000 }
}

@Suite("RegistrationWorker")
struct RegistrationWorkerTests {
    /// Register → notify → UnRegister through the worker, the machine and RPCConnection, with
    /// only the network and the kernel faked.
    @Test func registerNotifyAndUnregister() async throws {
        let server = FakeWitnessServer()
        var configuration = WitnessConfiguration()
        configuration.authLevel = .integrity
        let events = Mutex<[WitnessEvent]>([])
        let worker = RegistrationWorker(
            registration: WitnessRegistryTests.registration(credentials: .kerberos), credentials: .kerberos,
            configuration: configuration, clientName: "c", platform: server,
            onEvent: { event in events.withLock { $0.append(event) } })
        let (vector, vectorStatus) = try WitnessResponse.asyncNotify(FakeWitnessServer.clientMove)
        #expect(vector?.type == .clientMove && vectorStatus == 0)
        let running = Task { await worker.run() }
        await waitUntil {
            server.calls.withLock {
                $0.filter { $0 == (FakeWitnessServerStream.witnessPort, WitnessRPC.Opnum.asyncNotify.rawValue) }.count
            } == 2
        }
        #expect(worker.snapshot.phase == .registered, "\(worker.snapshot.lastError ?? "")")
        #expect(worker.snapshot.witnessServer == "192.0.2.11")
        #expect(
            server.connections.withLock { $0 } == [
                "192.0.2.12:135", "192.0.2.12:49155", "192.0.2.11:135", "192.0.2.11:49155",
            ])
        #expect(
            server.notifies.withLock { $0 }
                == [
                    SWNNotify(
                        registrationID: 1,
                        kind: .clientMove(SWNSocketAddress(host: .ipv4(IPv4Address(192, 168, 3, 45)), port: 445)))
                ])
        #expect(server.aborts.withLock { $0.count } == 1)

        worker.stop(reason: "the kernel unregistered it")
        await running.value
        let kinds = events.withLock { $0.map(\.kind) }
        #expect(kinds == [.registered, .clientMove, .unregistered])
        let move = try #require(events.withLock { $0.first { $0.kind == .clientMove } })
        #expect(move.forwarded && move.kernelResult == 0 && move.newAddresses == ["192.168.3.45"])
        let unregistered = try #require(events.withLock { $0.last })
        #expect(unregistered.detail == "the kernel unregistered it; UnRegister returned \(WitnessStatus.name(0))")
        #expect(server.calls.withLock { $0.last?.opnum } == WitnessRPC.Opnum.unregister.rawValue)
        #expect(worker.snapshot.phase == .stopped)
    }

    /// Waits for `condition` with a generous deadline (30 s).
    func waitUntil(_ condition: () -> Bool) async {
        for _ in 0..<3000 where !condition() { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
