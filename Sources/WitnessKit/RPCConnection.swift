import SMB3Protocol
import Synchronization

/// One DCE/RPC association over a byte stream: bind (with NTLMSSP or krb5 at integrity or
/// privacy, or unauthenticated for the endpoint mapper), then calls. Binds with PFC_CONC_MPX so
/// a second call (UnRegister) can go out while one (AsyncNotify) is pending. The stream pushes
/// bytes in; they are cut into PDUs here and handed to the `RPCAssociation`, which verifies
/// them and reassembles fragments; a caller whose reply is complete is resumed. No task or
/// thread waits on the socket.
public final class RPCConnection: Sendable {
    public let peer: String
    private let stream: any RPCByteStream
    private let state: Mutex<State>

    private enum Reply {
        /// Sent; nobody suspended on it yet.
        case awaiting
        case waiting(CheckedContinuation<Result<[UInt8], DCERPCError>, Never>)
        /// Came (or failed) before its caller suspended.
        case arrived(Result<[UInt8], DCERPCError>)
    }

    private struct State: ~Copyable {
        var nextCallID: UInt32 = 2
        var pending: [UInt32: Reply] = [:]
        var association = RPCAssociation()
        var closedError: DCERPCError?
        /// Bytes of a PDU whose end has not come yet.
        var inbound: [UInt8] = []
        /// Until bind_ack: the next PDU is the bind's answer (call id 1), taken raw.
        var binding = false
    }

    /// The bind's call id (C706 §12.6.4.3: any value; the calls count on from 2).
    static let bindCallID: UInt32 = 1

    init(peer: String, stream: any RPCByteStream) {
        self.peer = peer
        self.stream = stream
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
            peer: address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)", stream: stream)
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
        let ack = try await reply(to: Self.bindCallID, timeoutSeconds: timeoutSeconds).get()
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
        // The PDU is built and queued under the lock: the signing sequence numbers must reach
        // the server in the order they were taken.
        let callID = try state.withLock { (state: inout State) throws(DCERPCError) -> UInt32 in
            if let error = state.closedError { throw error }
            let callID = state.nextCallID
            state.nextCallID &+= 1
            let pdu = try state.association.request(callID: callID, opnum: opnum, stub: stub)
            state.pending[callID] = .awaiting
            do {
                try stream.write(pdu)
            } catch {
                state.pending[callID] = nil
                throw .connectionLost("\(error)")
            }
            return callID
        }
        return try await reply(to: callID, timeoutSeconds: timeoutSeconds).get()
    }

    private func reply(to callID: UInt32, timeoutSeconds: Double?) async -> Result<[UInt8], DCERPCError> {
        guard let timeoutSeconds else { return await reply(to: callID) }
        return await withTaskGroup(of: Result<[UInt8], DCERPCError>?.self) { group in
            group.addTask { await self.reply(to: callID) }
            group.addTask {
                try? await Task.sleep(for: .seconds(timeoutSeconds))
                if !Task.isCancelled {
                    self.close(because: .connectionLost("no reply from \(self.peer) within \(Int(timeoutSeconds)) s"))
                }
                return nil
            }
            while let next = await group.next() {
                if let result = next {
                    group.cancelAll()
                    return result
                }
            }
            return .failure(.connectionLost("cancelled"))
        }
    }

    private func reply(to callID: UInt32) async -> Result<[UInt8], DCERPCError> {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8], DCERPCError>, Never>) in
                let ready = state.withLock { state -> Result<[UInt8], DCERPCError>? in
                    switch state.pending[callID] {
                    case .awaiting:
                        state.pending[callID] = .waiting(continuation)
                        return nil
                    case .arrived(let result):
                        state.pending[callID] = nil
                        return result
                    case .waiting, nil:
                        return .failure(.connectionLost("call \(callID) is not pending"))
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            complete([(callID, .failure(.connectionLost("cancelled")))])
        }
    }

    /// Hands results to their callers: resumes those suspended, keeps the rest for them.
    private func complete(_ results: [(UInt32, Result<[UInt8], DCERPCError>)]) {
        let resumable = state.withLock { state in
            var resumable: [(CheckedContinuation<Result<[UInt8], DCERPCError>, Never>, Result<[UInt8], DCERPCError>)] =
                []
            for (callID, result) in results {
                switch state.pending[callID] {
                case .awaiting: state.pending[callID] = .arrived(result)
                case .waiting(let continuation):
                    state.pending[callID] = nil
                    resumable.append((continuation, result))
                case .arrived, nil: break
                }
            }
            return resumable
        }
        for (continuation, result) in resumable { continuation.resume(returning: result) }
    }

    /// Fails every pending call with `error` and closes the stream.
    public func close(because error: DCERPCError = .connectionLost("closed by us")) {
        let failed = state.withLock { state -> [(UInt32, Result<[UInt8], DCERPCError>)] in
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
        let outcome = state.withLock { state -> Result<[(UInt32, Result<[UInt8], DCERPCError>)], DCERPCError> in
            guard state.closedError == nil else { return .success([]) }
            state.inbound += bytes
            var completed: [(UInt32, Result<[UInt8], DCERPCError>)] = []
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
            return .success(completed)
        }
        switch outcome {
        case .success(let completed): complete(completed)
        case .failure(let error): close(because: error)
        }
    }
}
