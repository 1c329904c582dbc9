import SMB3Protocol

/// One DCE/RPC association's protocol state, without I/O: the security context (used in both
/// directions), the negotiated fragment size and the replies being reassembled. `RPCConnection`
/// adds the stream, the reader thread and the waiting callers; the fuzz target FuzzRPCReply
/// feeds server bytes to it directly.
public struct RPCAssociation: Sendable {
    static let contextID: UInt32 = 1
    /// Our max_xmit/max_recv offer; Samba answers 4280 or 5840.
    static let fragmentSize: UInt16 = 4280
    /// A hostile peer cannot make us buffer more than this for one call.
    public static let maximumReplySize = 1 << 20

    var security: (any RPCSecurityContext)?
    /// What the server accepts in one fragment (from bind_ack, at most our offer).
    public private(set) var maxTransmit = Int(fragmentSize)
    /// Reassembled stubs of calls whose last fragment has not come yet.
    private var partial: [UInt32: [UInt8]] = [:]

    /// What one PDU from the server amounted to.
    public enum Received: Equatable, Sendable {
        /// Nothing anyone waits for: bind_nak, shutdown, or a reply to an abandoned call.
        case ignored
        /// A fragment of a pending call was kept; more are to come.
        case fragment(callID: UInt32)
        /// A pending call's reply is complete: its stub, or its fault.
        case reply(callID: UInt32, Result<[UInt8], DCERPCError>)
    }

    init(security: (any RPCSecurityContext)?) { self.security = security }

    /// No authentication (only the endpoint mapper accepts that).
    public init() { self.init(security: nil) }

    /// Before bind: the security context for `authentication` (a krb5 context from the platform).
    public init(authentication: RPCAuthentication, platform: some WitnessPlatform) throws {
        switch authentication.method {
        case .ntlm(let credentials):
            self.init(
                security: NTLMRPCSecurity(
                    credentials: credentials, level: authentication.level, workstation: authentication.workstation,
                    allowWeakKeys: authentication.allowWeakNTLMKeys))
        case .kerberos(let target):
            self.init(
                security: KerberosRPCSecurity(
                    context: try platform.kerberosContext(
                        for: target, confidentiality: authentication.level == .privacy),
                    level: authentication.level))
        }
    }

    /// After an NTLMSSP bind whose session security is `session` (tests and fuzzing).
    public init(ntlmSession session: NTLMSessionSecurity, level: DCERPCAuthLevel) {
        self.init(security: NTLMRPCSecurity(session: session, level: level))
    }

    /// After a krb5 bind with an established `context` (tests and fuzzing).
    public init(kerberosContext context: any KerberosRPCContext, level: DCERPCAuthLevel, headerSigning: Bool) {
        var security = KerberosRPCSecurity(context: context, level: level)
        security.headerSigning = headerSigning
        self.init(security: security)
    }

    public var isAuthenticated: Bool { security != nil }

    // MARK: bind

    /// The bind PDU (call id 1) for `interface`, with the first token of the authentication.
    public mutating func bindRequest(interface: DCERPCSyntax, platform: some WitnessPlatform) throws -> [UInt8] {
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
        return bind.encoded()
    }

    /// The server's answer to bind: checks it, finishes the authentication and returns the
    /// auth3 PDU to send, if the authentication has one. Nothing changes if it throws.
    public mutating func acceptBindAck(_ pdu: [UInt8], platform: some WitnessPlatform) throws -> [UInt8]? {
        var security = self.security
        let reply = try DCERPCPacket(parsing: pdu)
        let ack = try DCERPCBindAck(parsing: reply)
        guard let first = ack.results.first else { throw DCERPCError.truncated("bind_ack without results") }
        guard first.result == 0 else { throw DCERPCError.contextRejected(result: first.result, reason: first.reason) }
        var auth3: [UInt8]?
        if var current = security {
            let token = try current.auth3Token(
                bindAckToken: reply.auth?.value ?? [], headerSigning: reply.flags.contains(.supportHeaderSign),
                platform: platform)
            auth3 = DCERPCPacket(
                type: .auth3, flags: [.firstFragment, .lastFragment], callID: 1, body: DCERPCBody.auth3,
                auth: DCERPCAuthVerifier(
                    type: current.authType.rawValue, level: current.level.rawValue, contextID: Self.contextID,
                    value: token)
            ).encoded()
            security = current
        }
        self.security = security
        maxTransmit = min(Int(ack.maxReceiveFragment), Int(Self.fragmentSize))
        return auth3
    }

    // MARK: calls

    /// One request PDU, signed or sealed at the association's level. Throws `tooLarge` if it does
    /// not fit one fragment; the sequence numbers advance only when the PDU is returned.
    public mutating func request(callID: UInt32, opnum: UInt16, stub: [UInt8]) throws(DCERPCError) -> [UInt8] {
        var pdu: [UInt8]
        if var security {
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
                guard pdu.count <= maxTransmit else { throw DCERPCError.tooLarge(pdu.count) }
                try security.protect(&pdu, dataRange: 24..<(24 + stub.count + pad))
            } catch let error as DCERPCError {
                throw error
            } catch {
                throw .unexpectedPacket("signing failed: \(error)")
            }
            self.security = security
        } else {
            pdu = DCERPCPacket(
                type: .request, flags: [.firstFragment, .lastFragment], callID: callID,
                body: DCERPCBody.request(opnum: opnum, stub: stub)
            ).encoded()
        }
        guard pdu.count <= maxTransmit else { throw .tooLarge(pdu.count) }
        return pdu
    }

    /// One PDU from the server, exactly as long as its header says: verified (and unsealed) if
    /// the association is authenticated, then added to the reply of its call if `isPending`
    /// says a caller waits for that call id. Throws when the connection cannot go on: a
    /// malformed or unverifiable PDU, an unsigned response at integrity or privacy, or a reply
    /// larger than `maximumReplySize`.
    public mutating func receive(_ pdu: [UInt8], isPending: (UInt32) -> Bool) throws -> Received {
        guard try DCERPCPacket.fragmentLength(header: pdu) == pdu.count else {
            throw DCERPCError.badFragmentLength(pdu.count)
        }
        var raw = pdu
        let authLength = Int(raw[10]) | Int(raw[11]) << 8
        let type = raw[2]
        if authLength > 0, type == DCERPCPacketType.response.rawValue {
            let trailerStart = raw.count - authLength - DCERPCAuthVerifier.trailerSize
            guard trailerStart >= 24 else { throw DCERPCError.badAuthLength(authLength) }
            guard var security = self.security else {
                throw DCERPCError.unexpectedPacket("signed reply on an unauthenticated connection")
            }
            try security.unprotect(&raw, dataRange: 24..<trailerStart, authLength: authLength)
            self.security = security
        } else if type == DCERPCPacketType.response.rawValue, security != nil {
            // At integrity or privacy an unsigned reply is a downgrade: refuse it.
            throw DCERPCError.unexpectedPacket("unsigned response on an authenticated connection")
        }
        let packet = try DCERPCPacket(parsing: raw)
        let reply: DCERPCReply
        do {
            reply = try DCERPCReply(parsing: packet)
        } catch {
            return .ignored  // bind_nak, shutdown, etc.: nothing waits on them
        }
        let callID = packet.callID
        guard isPending(callID) else { return .ignored }  // a reply to an abandoned call
        switch reply {
        case .fault(let status):
            partial[callID] = nil
            return .reply(callID: callID, .failure(.fault(status: status)))
        case .response(let stub):
            var collected = partial.removeValue(forKey: callID) ?? []
            collected += stub
            guard collected.count <= Self.maximumReplySize else { throw DCERPCError.tooLarge(collected.count) }
            if packet.flags.contains(.lastFragment) {
                return .reply(callID: callID, .success(collected))
            }
            partial[callID] = collected
            return .fragment(callID: callID)
        }
    }

    /// How many bytes wait in unfinished replies (all of them for pending calls).
    public var bufferedReplyBytes: Int { partial.values.reduce(0) { $0 + $1.count } }
}
