import Dispatch
import SMB3Protocol
import Synchronization

/// One DCE/RPC association over a byte stream: bind (with NTLMSSP or krb5 at integrity or
/// privacy, or unauthenticated for the endpoint mapper), then calls. Binds with PFC_CONC_MPX so
/// a second call (UnRegister) can go out while one (AsyncNotify) is pending; a reader thread
/// hands every PDU to the `RPCAssociation`, which verifies it and reassembles fragments, and
/// wakes the caller whose reply is complete.
public final class RPCConnection: Sendable {
    public let peer: String
    private let stream: any RPCByteStream
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var nextCallID: UInt32 = 2
        var pending: [UInt32: Waiter] = [:]
        var association: RPCAssociation
        var closedError: DCERPCError?
    }

    final class Waiter: @unchecked Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        // Written once by the reader before signal(), read after wait(): the semaphore orders them.
        var result: Result<[UInt8], DCERPCError> = .failure(.unexpectedPacket("no reply"))
    }

    private init(peer: String, stream: any RPCByteStream, association: RPCAssociation) {
        self.peer = peer
        self.stream = stream
        state = Mutex(State(association: association))
    }

    /// Connects, binds `interface` and starts the reader. `authentication` nil means no auth
    /// (only the endpoint mapper accepts that).
    public static func open(
        platform: some WitnessPlatform, address: String, port: UInt16, interface: DCERPCSyntax,
        authentication: RPCAuthentication?, timeoutSeconds: Int32
    ) throws -> RPCConnection {
        let association =
            try authentication.map { try RPCAssociation(authentication: $0, platform: platform) } ?? RPCAssociation()
        let stream = try platform.connect(address: address, port: port, timeoutSeconds: timeoutSeconds)
        let connection = RPCConnection(
            peer: address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)", stream: stream,
            association: association)
        do {
            try connection.bind(interface: interface, platform: platform)
        } catch {
            stream.shutdown()
            throw error
        }
        platform.spawn(name: "rpc-reader \(connection.peer)") { connection.readLoop() }
        return connection
    }

    private func readPDU() throws -> [UInt8] {
        let header = try stream.read(exactly: DCERPCPacket.headerSize)
        let length = try DCERPCPacket.fragmentLength(header: header)
        return header + (try stream.read(exactly: length - DCERPCPacket.headerSize))
    }

    private func bind(interface: DCERPCSyntax, platform: some WitnessPlatform) throws {
        var association = state.withLock { $0.association }
        try stream.write(try association.bindRequest(interface: interface, platform: platform))
        if let auth3 = try association.acceptBindAck(try readPDU(), platform: platform) {
            try stream.write(auth3)
        }
        state.withLock { $0.association = association }
    }

    /// Sends one request and waits for its reply (or `timeoutSeconds`, after which the whole
    /// connection is closed: a lost reply leaves it in an unknown state).
    public func call(opnum: UInt16, stub: [UInt8], timeoutSeconds: Double? = nil) throws(DCERPCError) -> [UInt8] {
        let waiter = Waiter()
        try state.withLock { (state: inout State) throws(DCERPCError) in
            if let error = state.closedError { throw error }
            let callID = state.nextCallID
            state.nextCallID &+= 1
            let pdu = try state.association.request(callID: callID, opnum: opnum, stub: stub)
            state.pending[callID] = waiter
            do {
                try stream.write(pdu)
            } catch {
                state.pending[callID] = nil
                throw .connectionLost("\(error)")
            }
        }
        if let timeoutSeconds {
            if waiter.semaphore.wait(timeout: .now() + timeoutSeconds) == .timedOut {
                close(because: .connectionLost("no reply from \(peer) within \(Int(timeoutSeconds)) s"))
                _ = waiter.semaphore.wait(timeout: .now() + 5)
            }
        } else {
            waiter.semaphore.wait()
        }
        return try waiter.result.get()
    }

    /// Fails every pending call with `error` and closes the stream.
    public func close(because error: DCERPCError = .connectionLost("closed by us")) {
        let waiters = state.withLock { (state: inout State) -> [Waiter] in
            if state.closedError == nil { state.closedError = error }
            let waiters = Array(state.pending.values)
            state.pending.removeAll()
            return waiters
        }
        stream.shutdown()
        for waiter in waiters {
            waiter.result = .failure(error)
            waiter.semaphore.signal()
        }
    }

    public var isClosed: Bool { state.withLock { $0.closedError != nil } }

    private func readLoop() {
        while true {
            do {
                try handle(try readPDU())
            } catch let error as DCERPCError {
                close(because: error)
                return
            } catch {
                close(because: .connectionLost("\(error)"))
                return
            }
        }
    }

    private func handle(_ pdu: [UInt8]) throws {
        let complete = try state.withLock { (state: inout State) throws -> (Waiter, Result<[UInt8], DCERPCError>)? in
            let pending = state.pending
            guard case .reply(let callID, let result) = try state.association.receive(pdu, isPending: { pending[$0] != nil }),
                let waiter = state.pending.removeValue(forKey: callID)
            else { return nil }
            return (waiter, result)
        }
        if let (waiter, result) = complete {
            waiter.result = result
            waiter.semaphore.signal()
        }
    }
}
