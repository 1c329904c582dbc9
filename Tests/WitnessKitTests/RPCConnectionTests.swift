import Synchronization
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// A stream whose far end is a tiny unauthenticated DCE/RPC server: bind gets a bind_ack,
/// each request goes to `answer`, which returns the reply stub (sent at once) or nil (held
/// until `reply(callID:stub:)`). Bytes go back in `chunkSize` pieces.
final class FakeRPCStream: RPCByteStream {
    struct State {
        var received: (@Sendable ([UInt8]) -> Void)?
        var closed: (@Sendable (String) -> Void)?
        var requests: [(callID: UInt32, opnum: UInt16, stub: [UInt8])] = []
        var isShutDown = false
        var written: [DCERPCPacketType] = []
    }
    let state = Mutex(State())
    let chunkSize: Int
    /// The bind_ack's auth verifier (an NTLM CHALLENGE), for authenticated binds.
    let bindAckAuth: DCERPCAuthVerifier?
    let answer: @Sendable (UInt16, [UInt8]) -> [UInt8]?

    init(
        chunkSize: Int = 4096, bindAckAuth: DCERPCAuthVerifier? = nil,
        answer: @escaping @Sendable (UInt16, [UInt8]) -> [UInt8]? = { _, stub in stub }
    ) {
        self.chunkSize = chunkSize
        self.bindAckAuth = bindAckAuth
        self.answer = answer
    }

    func start(received: @escaping @Sendable ([UInt8]) -> Void, closed: @escaping @Sendable (String) -> Void) {
        state.withLock {
            $0.received = received
            $0.closed = closed
        }
    }

    struct Closed: Error {}

    func write(_ bytes: [UInt8]) throws {
        guard !state.withLock({ $0.isShutDown }) else { throw Closed() }
        let packet = try DCERPCPacket(parsing: bytes)
        state.withLock { $0.written.append(packet.type) }
        switch packet.type {
        case .bind:
            var body: [UInt8] = [0xB8, 0x10, 0xB8, 0x10, 0x34, 0x12, 0, 0, 0, 0]  // max 4280/4280, group, no sec_addr
            body += [0, 0]  // pad to 4
            body += [1, 0, 0, 0] + [0, 0, 0, 0] + DCERPCSyntax.ndr20.uuid + [2, 0, 0, 0]
            let ack = DCERPCPacket(
                type: .bindAck, flags: [.firstFragment, .lastFragment], callID: packet.callID, body: body,
                auth: bindAckAuth)
            Task { self.deliver(ack.encoded()) }
        case .request:
            let body = packet.body
            let opnum = UInt16(body[6]) | UInt16(body[7]) << 8
            let stub = Array(body[8...])
            state.withLock { $0.requests.append((packet.callID, opnum, stub)) }
            // As a socket does: the answer comes later, never from inside write.
            if let reply = answer(opnum, stub) { Task { self.reply(callID: packet.callID, stub: reply) } }
        default:
            break
        }
    }

    /// A one-fragment response to `callID`.
    func reply(callID: UInt32, stub: [UInt8]) {
        let body: [UInt8] = [UInt8(truncatingIfNeeded: stub.count), 0, 0, 0, 0, 0, 0, 0] + stub
        deliver(
            DCERPCPacket(type: .response, flags: [.firstFragment, .lastFragment], callID: callID, body: body).encoded())
    }

    func deliver(_ bytes: [UInt8]) {
        guard let received = state.withLock({ $0.received }) else { return }
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkSize, bytes.count)
            received(Array(bytes[offset..<end]))
            offset = end
        }
    }

    /// The server hangs up.
    func hangUp() {
        let closed = state.withLock { state in
            defer { state.closed = nil }
            return state.closed
        }
        closed?("peer closed the connection")
    }

    func shutdown() {
        state.withLock { $0.isShutDown = true }
        hangUp()
    }

    var requests: [(callID: UInt32, opnum: UInt16, stub: [UInt8])] { state.withLock { $0.requests } }
}

/// The test platforms' timer: a task that sleeps (the daemon's timers are entries in its
/// poll loop); cancelling it ends the sleep before `action`.
func sleepingTimer(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
    let task = Task {
        try await Task.sleep(for: .seconds(seconds))
        action()
    }
    return { task.cancel() }
}

/// A platform whose only connection is `stream`; krb5 is never asked for.
final class StreamPlatform: WitnessPlatform {
    let stream: FakeRPCStream
    init(_ stream: FakeRPCStream) { self.stream = stream }
    func connect(address: String, port: UInt16, timeoutSeconds: Int32) async throws -> any RPCByteStream { stream }
    func notifyKernel(_ notify: SWNNotify) async throws -> Int32 { 0 }
    func abortKernelConnections(to address: SWNSocketAddress) async throws -> InetDiag.AbortReport {
        InetDiag.AbortReport(aborted: 0)
    }
    func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext {
        throw RefusingPlatform.Refused()
    }
    func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try body()
    }
    func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        sleepingTimer(after: seconds, action)
    }
    func randomBytes(_ count: Int) -> [UInt8] { Array(repeating: 3, count: count) }
    func monotonicSeconds() -> Double { 0 }
    func fileTime() -> UInt64 { 0 }
    func unixTime() -> Double { 0 }
}

@Suite("RPCConnection")
struct RPCConnectionTests {
    static func open(_ stream: FakeRPCStream) async throws -> RPCConnection {
        try await RPCConnection.open(
            platform: StreamPlatform(stream), address: "192.0.2.12", port: 135, interface: EndpointMapper.interface,
            authentication: nil, timeoutSeconds: 30)
    }

    @Test func bindThenACallGetsItsReply() async throws {
        let stream = FakeRPCStream { opnum, stub in [UInt8(opnum)] + stub }
        let connection = try await Self.open(stream)
        #expect(connection.peer == "192.0.2.12:135")
        #expect(try await connection.call(opnum: 3, stub: [9, 8, 7], timeoutSeconds: 30) == [3, 9, 8, 7])
        #expect(stream.requests.map(\.callID) == [2])
        #expect(try await connection.call(opnum: 4, stub: [], timeoutSeconds: 30) == [4])
        #expect(stream.requests.map(\.callID) == [2, 3])
    }

    /// bind carries NEGOTIATE, and the CHALLENGE in bind_ack is answered by auth3 (the
    /// association must keep the state its bind request left: NTLM remembers NEGOTIATE).
    @Test func anNTLMBindIsAnsweredWithAuth3() async throws {
        let challenge = try NTLMWeakKeysTests.challenge(.clientDefault)
        let stream = FakeRPCStream(
            bindAckAuth: DCERPCAuthVerifier(
                type: DCERPCAuthType.ntlmssp.rawValue, level: DCERPCAuthLevel.privacy.rawValue, contextID: 1,
                value: challenge))
        let authentication = RPCAuthentication(
            method: .ntlm(NTLMCredentials(userName: "u", domainName: "d", password: "pw")), level: .privacy,
            workstation: "c")
        _ = try await RPCConnection.open(
            platform: StreamPlatform(stream), address: "192.0.2.12", port: 49155, interface: WitnessRPC.interface,
            authentication: authentication, timeoutSeconds: 30)
        #expect(stream.state.withLock { $0.written } == [.bind, .auth3])
    }

    /// TCP may cut a PDU anywhere: one byte at a time still makes whole PDUs.
    @Test func bytesArrivingOneAtATimeAreReassembled() async throws {
        let stream = FakeRPCStream(chunkSize: 1) { _, stub in stub.reversed() }
        let connection = try await Self.open(stream)
        #expect(try await connection.call(opnum: 1, stub: [1, 2, 3]) == [3, 2, 1])
    }

    /// PFC_CONC_MPX: a second call (UnRegister) goes out while the first (AsyncNotify) is
    /// pending, and each reply finds its own caller.
    @Test func concurrentCallsAreMatchedByCallID() async throws {
        let stream = FakeRPCStream { _, _ in nil }
        let connection = try await Self.open(stream)
        async let first = connection.call(opnum: 1, stub: [1])
        async let second = connection.call(opnum: 2, stub: [2])
        await waitUntil { stream.requests.count == 2 }
        let ids = stream.requests.map(\.callID)
        let secondID = try #require(stream.requests.first { $0.opnum == 2 }?.callID)
        let firstID = try #require(stream.requests.first { $0.opnum == 1 }?.callID)
        #expect(Set(ids) == [2, 3])
        stream.reply(callID: secondID, stub: [0xB])
        stream.reply(callID: firstID, stub: [0xA])
        #expect(try await first == [0xA])
        #expect(try await second == [0xB])
    }

    @Test func aCallWithoutReplyTimesOutAndClosesTheConnection() async throws {
        let stream = FakeRPCStream { _, _ in nil }
        let connection = try await Self.open(stream)
        await #expect(throws: DCERPCError.connectionLost("no reply from 192.0.2.12:135 within 0 s")) {
            _ = try await connection.call(opnum: 1, stub: [], timeoutSeconds: 0.05)
        }
        #expect(connection.isClosed)
        #expect(stream.state.withLock { $0.isShutDown })
        await #expect(throws: DCERPCError.self) { _ = try await connection.call(opnum: 1, stub: []) }
    }

    /// A call held by a handler (the AsyncNotify long poll) gets its reply without a task
    /// waiting, and one left unanswered closes the connection at its timeout.
    @Test func aCallWithAHandlerGetsItsReplyOrTimesOut() async throws {
        let stream = FakeRPCStream { opnum, stub in opnum == 1 ? [7] + stub : nil }
        let connection = try await Self.open(stream)
        let (replies, continuation) = AsyncStream.makeStream(of: RPCConnection.Reply.self)
        connection.call(opnum: 1, stub: [1], timeoutSeconds: 30) { continuation.yield($0) }
        var iterator = replies.makeAsyncIterator()
        #expect(try await iterator.next()?.get() == [7, 1])
        #expect(!connection.isClosed)
        connection.call(opnum: 2, stub: [], timeoutSeconds: 0.05) { continuation.yield($0) }
        // DCERPCError's == compares codes only: the reason says which failure it was.
        func reason(_ reply: RPCConnection.Reply?) -> String? {
            if case .failure(let error) = reply { return error.description }
            return nil
        }
        #expect(reason(await iterator.next()) == "connection lost: no reply from 192.0.2.12:135 within 0 s")
        #expect(connection.isClosed)
        // On a closed connection the handler fails at once.
        connection.call(opnum: 1, stub: [], timeoutSeconds: 30) { continuation.yield($0) }
        #expect(reason(await iterator.next()) == "connection lost: no reply from 192.0.2.12:135 within 0 s")
    }

    @Test func aLostStreamFailsThePendingCall() async throws {
        let stream = FakeRPCStream { _, _ in nil }
        let connection = try await Self.open(stream)
        let pending = Task { try await connection.call(opnum: 1, stub: []) }
        await waitUntil { stream.requests.count == 1 }
        stream.hangUp()
        await #expect(throws: DCERPCError.connectionLost("peer closed the connection")) { _ = try await pending.value }
    }

    @Test func aMalformedPDUClosesTheConnection() async throws {
        let stream = FakeRPCStream { _, _ in nil }
        let connection = try await Self.open(stream)
        let pending = Task { try await connection.call(opnum: 1, stub: []) }
        await waitUntil { stream.requests.count == 1 }
        // Version 9: not DCE/RPC.
        stream.deliver([9, 0, 2, 3, 0x10, 0, 0, 0, 16, 0, 0, 0, 2, 0, 0, 0])
        await #expect(throws: DCERPCError.self) { _ = try await pending.value }
        #expect(connection.isClosed)
    }

    @Test func cancellingTheCallerEndsItsCall() async throws {
        let stream = FakeRPCStream { _, _ in nil }
        let connection = try await Self.open(stream)
        let caller = Task { try await connection.call(opnum: 1, stub: []) }
        await waitUntil { stream.requests.count == 1 }
        caller.cancel()
        await #expect(throws: DCERPCError.connectionLost("cancelled")) { _ = try await caller.value }
        #expect(!connection.isClosed)
    }

    /// Waits for `condition` with a generous deadline (30 s).
    func waitUntil(_ condition: () -> Bool) async {
        for _ in 0..<3000 where !condition() { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
