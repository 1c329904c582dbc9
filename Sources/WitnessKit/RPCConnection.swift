import Dispatch
import SMB3Protocol
import Synchronization

/// One DCE/RPC association over a byte stream: bind (with NTLMSSP or krb5 at integrity or
/// privacy, or unauthenticated for the endpoint mapper), then calls. Binds with PFC_CONC_MPX so
/// a second call (UnRegister) can go out while one (AsyncNotify) is pending; a reader thread
/// routes responses by call id and reassembles fragments.
public final class RPCConnection: Sendable {
    public let peer: String
    private let stream: any RPCByteStream
    private let state: Mutex<State>
    private static let contextID: UInt32 = 1
    /// Our max_xmit/max_recv offer; Samba answers 4280 or 5840.
    private static let fragmentSize: UInt16 = 4280
    /// A hostile peer cannot make us buffer more than this for one call.
    private static let maximumReplySize = 1 << 20

    private struct State: ~Copyable {
        var nextCallID: UInt32 = 2
        var pending: [UInt32: Waiter] = [:]
        var partial: [UInt32: [UInt8]] = [:]
        var security: (any RPCSecurityContext)?
        var closedError: DCERPCError?
        var maxTransmit = Int(RPCConnection.fragmentSize)
    }

    final class Waiter: @unchecked Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        // Written once by the reader before signal(), read after wait(): the semaphore orders them.
        var result: Result<[UInt8], DCERPCError> = .failure(.unexpectedPacket("no reply"))
    }

    private init(peer: String, stream: any RPCByteStream, security: (any RPCSecurityContext)?) {
        self.peer = peer
        self.stream = stream
        state = Mutex(State(security: security))
    }

    /// Connects, binds `interface` and starts the reader. `authentication` nil means no auth
    /// (only the endpoint mapper accepts that).
    public static func open(
        platform: some WitnessPlatform, address: String, port: UInt16, interface: DCERPCSyntax,
        authentication: RPCAuthentication?, timeoutSeconds: Int32
    ) throws -> RPCConnection {
        var security: (any RPCSecurityContext)?
        if let authentication {
            switch authentication.method {
            case .ntlm(let credentials):
                security = NTLMRPCSecurity(
                    credentials: credentials, level: authentication.level, workstation: authentication.workstation,
                    allowWeakKeys: authentication.allowWeakNTLMKeys)
            case .kerberos(let target):
                security = KerberosRPCSecurity(
                    context: try platform.kerberosContext(for: target, confidentiality: authentication.level == .privacy),
                    level: authentication.level)
            }
        }
        let stream = try platform.connect(address: address, port: port, timeoutSeconds: timeoutSeconds)
        let connection = RPCConnection(
            peer: address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)", stream: stream,
            security: security)
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
        var security = state.withLock { $0.security }
        let flags: DCERPCPacketFlags = [.firstFragment, .lastFragment, .supportHeaderSign, .concurrentMultiplex]
        var bindAuth: DCERPCAuthVerifier?
        if var current = security {
            bindAuth = DCERPCAuthVerifier(
                type: current.authType.rawValue, level: current.level.rawValue, contextID: Self.contextID,
                value: try current.bindToken(platform: platform))
            security = current
        }
        let bind = DCERPCPacket(
            type: .bind, flags: flags, callID: 1,
            body: DCERPCBody.bind(interface: interface, maxFragment: Self.fragmentSize), auth: bindAuth)
        try stream.write(bind.encoded())
        let reply = try DCERPCPacket(parsing: try readPDU())
        let ack = try DCERPCBindAck(parsing: reply)
        guard let first = ack.results.first else { throw DCERPCError.truncated("bind_ack without results") }
        guard first.result == 0 else { throw DCERPCError.contextRejected(result: first.result, reason: first.reason) }
        if var current = security {
            let token = try current.auth3Token(
                bindAckToken: reply.auth?.value ?? [], headerSigning: reply.flags.contains(.supportHeaderSign),
                platform: platform)
            let auth3 = DCERPCPacket(
                type: .auth3, flags: [.firstFragment, .lastFragment], callID: 1, body: DCERPCBody.auth3,
                auth: DCERPCAuthVerifier(
                    type: current.authType.rawValue, level: current.level.rawValue, contextID: Self.contextID,
                    value: token))
            try stream.write(auth3.encoded())
            security = current
        }
        let negotiated = min(Int(ack.maxReceiveFragment), Int(Self.fragmentSize))
        state.withLock {
            $0.security = security
            $0.maxTransmit = negotiated
        }
    }

    /// Sends one request and waits for its reply (or `timeoutSeconds`, after which the whole
    /// connection is closed: a lost reply leaves it in an unknown state).
    public func call(opnum: UInt16, stub: [UInt8], timeoutSeconds: Double? = nil) throws(DCERPCError) -> [UInt8] {
        let waiter = Waiter()
        try state.withLock { (state: inout State) throws(DCERPCError) in
            if let error = state.closedError { throw error }
            let callID = state.nextCallID
            state.nextCallID &+= 1
            var pdu: [UInt8]
            if var security = state.security {
                let pad = (16 - stub.count % 16) % 16
                do {
                    let packet = DCERPCPacket(
                        type: .request, flags: [.firstFragment, .lastFragment], callID: callID,
                        body: DCERPCBody.request(opnum: opnum, stub: stub),
                        auth: DCERPCAuthVerifier(
                            type: security.authType.rawValue, level: security.level.rawValue, padLength: UInt8(pad),
                            contextID: Self.contextID,
                            value: Array(repeating: 0, count: try security.authValueSize(dataLength: stub.count + pad))))
                    pdu = packet.encoded()
                    // Checked before protecting: a protected PDU that is never sent would
                    // leave the sequence numbers out of step with the server's.
                    guard pdu.count <= state.maxTransmit else { throw DCERPCError.tooLarge(pdu.count) }
                    try security.protect(&pdu, dataRange: 24..<(24 + stub.count + pad))
                } catch let error as DCERPCError {
                    throw error
                } catch {
                    throw .unexpectedPacket("signing failed: \(error)")
                }
                state.security = security
            } else {
                pdu = DCERPCPacket(
                    type: .request, flags: [.firstFragment, .lastFragment], callID: callID,
                    body: DCERPCBody.request(opnum: opnum, stub: stub)
                ).encoded()
            }
            guard pdu.count <= state.maxTransmit else { throw .tooLarge(pdu.count) }
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
                var raw = try readPDU()
                try handle(&raw)
            } catch let error as DCERPCError {
                close(because: error)
                return
            } catch {
                close(because: .connectionLost("\(error)"))
                return
            }
        }
    }

    private func handle(_ raw: inout [UInt8]) throws {
        guard raw.count >= DCERPCPacket.headerSize else { throw DCERPCError.truncated("header") }
        let authLength = Int(raw[10]) | Int(raw[11]) << 8
        let type = raw[2]
        if authLength > 0, type == DCERPCPacketType.response.rawValue {
            let trailerStart = raw.count - authLength - DCERPCAuthVerifier.trailerSize
            guard trailerStart >= 24 else { throw DCERPCError.badAuthLength(authLength) }
            let frame = raw
            raw = try state.withLock { (state: inout State) throws -> [UInt8] in
                guard var security = state.security else { throw DCERPCError.unexpectedPacket("signed reply on an unauthenticated connection") }
                var copy = frame
                try security.unprotect(&copy, dataRange: 24..<trailerStart, authLength: authLength)
                state.security = security
                return copy
            }
        } else if type == DCERPCPacketType.response.rawValue, state.withLock({ $0.security != nil }) {
            // At integrity or privacy an unsigned reply is a downgrade: refuse it.
            throw DCERPCError.unexpectedPacket("unsigned response on an authenticated connection")
        }
        let packet = try DCERPCPacket(parsing: raw)
        let reply: DCERPCReply
        do {
            reply = try DCERPCReply(parsing: packet)
        } catch {
            return  // bind_nak, shutdown, etc.: nothing waits on them
        }
        let complete: (Waiter, Result<[UInt8], DCERPCError>)? = try state.withLock { (state: inout State) throws(DCERPCError) in
            guard let waiter = state.pending[packet.callID] else { return nil }  // a reply to an abandoned call
            switch reply {
            case .fault(let status):
                state.partial[packet.callID] = nil
                state.pending[packet.callID] = nil
                return (waiter, .failure(.fault(status: status)))
            case .response(let stub):
                var collected = state.partial[packet.callID] ?? []
                collected += stub
                guard collected.count <= Self.maximumReplySize else { throw .tooLarge(collected.count) }
                if packet.flags.contains(.lastFragment) {
                    state.partial[packet.callID] = nil
                    state.pending[packet.callID] = nil
                    return (waiter, .success(collected))
                }
                state.partial[packet.callID] = collected
                return nil
            }
        }
        if let (waiter, result) = complete {
            waiter.result = result
            waiter.semaphore.signal()
        }
    }
}
