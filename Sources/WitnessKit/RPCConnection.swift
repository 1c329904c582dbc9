import SMB3Protocol
import Synchronization

/// One DCE/RPC association over a byte stream: bind (with NTLMSSP or krb5 at integrity or
/// privacy, or unauthenticated for the endpoint mapper), then calls. Binds with PFC_CONC_MPX so
/// a second call (UnRegister) can go out while one (AsyncNotify) is pending. The stream pushes
/// bytes in; they are cut into PDUs here and handed to the `RPCAssociation`, which verifies
/// them and reassembles fragments; a caller whose reply is complete is resumed (or its handler
/// called). No task or thread waits on the socket, and a call's timeout is a platform timer,
/// not a sleeping task.
public final class RPCConnection: Sendable {
    public let peer: String
    private let stream: any RPCByteStream
    private let platform: any WitnessPlatform
    private let state: Mutex<State>

    public typealias Reply = Result<[UInt8], DCERPCError>

    private enum Pending {
        /// Sent; nobody suspended on it yet.
        case awaiting
        case waiting(CheckedContinuation<Reply, Never>)
        /// Came (or failed) before its caller suspended.
        case arrived(Reply)
        /// A caller that does not wait: the handler gets the reply wherever it completes.
        case handler(@Sendable (Reply) -> Void)
    }

    private struct State: ~Copyable {
        var nextCallID: UInt32 = 2
        var pending: [UInt32: Pending] = [:]
        /// What cancels the timer of each call sent with a timeout.
        var deadlines: [UInt32: @Sendable () -> Void] = [:]
        var association = RPCAssociation()
        var closedError: DCERPCError?
        /// Bytes of a PDU whose end has not come yet.
        var inbound: [UInt8] = []
        /// Until bind_ack: the next PDU is the bind's answer (call id 1), taken raw.
        var binding = false
    }

    /// The bind's call id (C706 §12.6.4.3: any value; the calls count on from 2).
    static let bindCallID: UInt32 = 1

    init(peer: String, stream: any RPCByteStream, platform: any WitnessPlatform) {
        self.peer = peer
        self.stream = stream
        self.platform = platform
        state = Mutex(State())
    }

    /// Connects, starts the stream and binds `interface`. `authentication` nil means no auth
    /// (only the endpoint mapper accepts that).
    public static func open(
        platform: some WitnessPlatform, address: String, port: UInt16, interface: DCERPCSyntax,
        authentication: RPCAuthentication?, timeoutSeconds: Int32
    ) async throws -> RPCConnection {
        let stream = try await platform.connect(address: address, port: port, timeoutSeconds: timeoutSeconds)
        let connection = RPCConnection(
            peer: address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)", stream: stream,
            platform: platform)
        connection.start()
        do {
            try await connection.bind(
                interface: interface, authentication: authentication, platform: platform,
                timeoutSeconds: Double(timeoutSeconds))
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    func start() {
        stream.start(
            received: { [weak self] bytes in self?.received(bytes) },
            closed: { [weak self] reason in self?.close(because: .connectionLost(reason)) })
    }

    /// bind, bind_ack, auth3. The security context's legs run through `runBlocking`: the krb5
    /// one asks a KDC for a ticket.
    func bind(
        interface: DCERPCSyntax, authentication: RPCAuthentication?, platform: some WitnessPlatform,
        timeoutSeconds: Double
    ) async throws {
        let (association, bind) = try await platform.runBlocking { () -> (RPCAssociation, [UInt8]) in
            var association =
                try authentication.map { try RPCAssociation(authentication: $0, platform: platform) }
                ?? RPCAssociation()
            // The request first: it moves the security context on (NTLM remembers NEGOTIATE).
            let bind = try association.bindRequest(interface: interface, platform: platform)
            return (association, bind)
        }
        try state.withLock { (state: inout State) throws(DCERPCError) in
            if let error = state.closedError { throw error }
            state.association = association
            state.binding = true
            state.pending[Self.bindCallID] = .awaiting
        }
        try send(bind)
        startDeadline(of: Self.bindCallID, seconds: timeoutSeconds)
        let ack = try await reply(to: Self.bindCallID).get()
        let (accepted, auth3) = try await platform.runBlocking { () -> (RPCAssociation, [UInt8]?) in
            var accepted = association
            let auth3 = try accepted.acceptBindAck(ack, platform: platform)
            return (accepted, auth3)
        }
        state.withLock { $0.association = accepted }
        if let auth3 { try send(auth3) }
    }

    private func send(_ pdu: [UInt8]) throws(DCERPCError) {
        do {
            try stream.write(pdu)
        } catch {
            throw .connectionLost("\(error)")
        }
    }

    /// Sends one request and waits for its reply (or `timeoutSeconds`, after which the whole
    /// connection is closed: a lost reply leaves it in an unknown state).
    public func call(opnum: UInt16, stub: [UInt8], timeoutSeconds: Double? = nil) async throws(DCERPCError) -> [UInt8] {
        let callID = try request(opnum: opnum, stub: stub, pending: .awaiting)
        if let timeoutSeconds { startDeadline(of: callID, seconds: timeoutSeconds) }
        return try await reply(to: callID).get()
    }

    /// Sends one request without waiting: `handler` gets its reply, or the failure (the
    /// connection closed, `timeoutSeconds` passed), once, on whichever thread completes it. A
    /// long poll held this way costs no task.
    public func call(
        opnum: UInt16, stub: [UInt8], timeoutSeconds: Double?, handler: @escaping @Sendable (Reply) -> Void
    ) {
        let callID: UInt32
        do {
            callID = try request(opnum: opnum, stub: stub, pending: .handler(handler))
        } catch {
            return handler(.failure(error))
        }
        if let timeoutSeconds { startDeadline(of: callID, seconds: timeoutSeconds) }
    }

    /// Builds and queues one request; its reply goes to `pending`.
    private func request(opnum: UInt16, stub: [UInt8], pending: Pending) throws(DCERPCError) -> UInt32 {
        // The PDU is built and queued under the lock: the signing sequence numbers must reach
        // the server in the order they were taken.
        try state.withLock { (state: inout State) throws(DCERPCError) -> UInt32 in
            if let error = state.closedError { throw error }
            let callID = state.nextCallID
            state.nextCallID &+= 1
            let pdu = try state.association.request(callID: callID, opnum: opnum, stub: stub)
            state.pending[callID] = pending
            do {
                try stream.write(pdu)
            } catch {
                state.pending[callID] = nil
                throw .connectionLost("\(error)")
            }
            return callID
        }
    }

    /// Closes the connection if `callID` is still unanswered after `seconds`.
    private func startDeadline(of callID: UInt32, seconds: Double) {
        let cancel = platform.schedule(after: seconds) { [weak self] in
            guard let self else { return }
            let unanswered = state.withLock { state -> Bool in
                state.deadlines[callID] = nil
                switch state.pending[callID] {
                case .awaiting, .waiting, .handler: return true
                case .arrived, nil: return false
                }
            }
            if unanswered { close(because: .connectionLost("no reply from \(peer) within \(Int(seconds)) s")) }
        }
        // Answered meanwhile: the timer is not needed (and would find the call gone anyway).
        let answered = state.withLock { state -> Bool in
            switch state.pending[callID] {
            case .awaiting, .waiting, .handler:
                state.deadlines[callID] = cancel
                return false
            case .arrived, nil: return true
            }
        }
        if answered { cancel() }
    }

    private func reply(to callID: UInt32) async -> Reply {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reply, Never>) in
                let ready = state.withLock { state -> Reply? in
                    switch state.pending[callID] {
                    case .awaiting:
                        state.pending[callID] = .waiting(continuation)
                        return nil
                    case .arrived(let result):
                        state.pending[callID] = nil
                        return result
                    case .waiting, .handler, nil:
                        return .failure(.connectionLost("call \(callID) is not pending"))
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            complete([(callID, .failure(.connectionLost("cancelled")))])
        }
    }

    /// Hands results to their callers: resumes those suspended, calls the handlers, keeps the
    /// rest for their callers; a completed call's timer is cancelled.
    private func complete(_ results: [(UInt32, Reply)]) {
        let (resumable, handled, timers) = state.withLock { state in
            var resumable: [(CheckedContinuation<Reply, Never>, Reply)] = []
            var handled: [(@Sendable (Reply) -> Void, Reply)] = []
            var timers: [@Sendable () -> Void] = []
            for (callID, result) in results {
                switch state.pending[callID] {
                case .awaiting: state.pending[callID] = .arrived(result)
                case .waiting(let continuation):
                    state.pending[callID] = nil
                    resumable.append((continuation, result))
                case .handler(let handler):
                    state.pending[callID] = nil
                    handled.append((handler, result))
                case .arrived, nil: break
                }
                if let cancel = state.deadlines.removeValue(forKey: callID) { timers.append(cancel) }
            }
            return (resumable, handled, timers)
        }
        for cancel in timers { cancel() }
        for (continuation, result) in resumable { continuation.resume(returning: result) }
        for (handler, result) in handled { handler(result) }
    }

    /// Fails every pending call with `error` and closes the stream.
    public func close(because error: DCERPCError = .connectionLost("closed by us")) {
        let failed = state.withLock { state -> [(UInt32, Reply)] in
            if state.closedError == nil { state.closedError = error }
            state.inbound.removeAll()
            return state.pending.keys.map { ($0, .failure(error)) }
        }
        complete(failed)
        stream.shutdown()
    }

    public var isClosed: Bool { state.withLock { $0.closedError != nil } }

    /// Bytes from the stream: every complete PDU goes to the association (or, during bind, to
    /// the bind); a malformed or unverifiable one ends the connection.
    func received(_ bytes: [UInt8]) {
        let outcome = state.withLock { state -> Result<[(UInt32, Reply)], DCERPCError> in
            guard state.closedError == nil else { return .success([]) }
            state.inbound += bytes
            var completed: [(UInt32, Reply)] = []
            while state.inbound.count >= DCERPCPacket.headerSize {
                let length: Int
                do {
                    length = try DCERPCPacket.fragmentLength(
                        header: Array(state.inbound.prefix(DCERPCPacket.headerSize)))
                } catch {
                    return .failure(error as? DCERPCError ?? .connectionLost("\(error)"))
                }
                guard state.inbound.count >= length else { break }
                let pdu = Array(state.inbound.prefix(length))
                state.inbound.removeFirst(length)
                if state.binding {
                    state.binding = false
                    completed.append((Self.bindCallID, .success(pdu)))
                    continue
                }
                let pending = state.pending
                do {
                    if case .reply(let callID, let result) = try state.association.receive(
                        pdu, isPending: { pending[$0] != nil })
                    {
                        completed.append((callID, result))
                    }
                } catch let error as DCERPCError {
                    return .failure(error)
                } catch {
                    return .failure(.connectionLost("\(error)"))
                }
            }
            // A drained buffer gives its storage back (removeFirst keeps the capacity): connections
            // idle for minutes between replies would each hold the largest reply they ever took.
            if state.inbound.isEmpty { state.inbound = [] }
            return .success(completed)
        }
        switch outcome {
        case .success(let completed): complete(completed)
        case .failure(let error): close(because: error)
        }
    }
}
