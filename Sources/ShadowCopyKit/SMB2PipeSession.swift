import SMB3Protocol
import SMB3SMB2Security

/// What the SMB2 pipe client needs from the platform: a connected byte stream to the server's
/// port 445, randomness and the time. The executable supplies it (SMB3System's
/// TCPClientConnection); tests script it.
public protocol SMB2PipePlatform {
    func send(_ bytes: [UInt8]) throws
    func receive(exactly count: Int) throws -> [UInt8]
    func randomBytes(_ count: Int) -> [UInt8]
    /// Now as a FILETIME (NTLMv2's timestamp when the server sends none).
    func fileTime() -> UInt64
    /// The calling user's Kerberos initial context token for `cifs@<host>` (RFC 4121 AP-REQ
    /// framing) and its session key, from GSS-API and the user's credentials cache, as the
    /// upcall makes it for cifs.ko.
    func kerberosInitialToken(host: String) throws -> (token: [UInt8], sessionKey: Secret)
    /// AES-CCM for servers that want it (SMB 3.0 and 3.0.2 encrypt only with AES-128-CCM); nil
    /// offers only the GCM ciphers.
    var ccm: (any SMB2CCMCipher)? { get }
}

/// How the pipe session authenticates: NTLM with a password, or the calling user's Kerberos
/// credentials (a `sec=krb5` mount's, found by GSS-API in the user's credentials cache).
public enum SMB2PipeAuthentication: Sendable {
    case ntlm(SMB2PipeCredentials)
    case kerberos

    /// For a mount command that reaches the exposed share the same way.
    public var mountOptions: String {
        switch self {
        case .ntlm(let credentials): "username=\(credentials.user)"
        case .kerberos: "sec=krb5"
        }
    }
}

/// NTLM credentials for the SMB2 session (mount.cifs `username=`, `domain=`, the password).
public struct SMB2PipeCredentials: Sendable {
    public var user: String
    public var domain: String
    public var password: Secret
    public var workstation: String

    public init(user: String, domain: String, password: Secret, workstation: String = "") {
        self.user = user
        self.domain = domain
        self.password = password
        self.workstation = workstation
    }
}

/// Why the pipe client stopped, in words a user can act on; the SMB2 or DCE/RPC error behind it
/// is kept for the detail.
public struct SMB2PipeFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One SMB2 connection to one server, used for one named pipe on `IPC$` (MS-SMB2 3.2): NEGOTIATE
/// with 3.1.1 pre-auth integrity, SESSION_SETUP with SPNEGO around NTLMSSP, every later request
/// signed and every response's signature verified, TREE_CONNECT, CREATE of the pipe, then
/// FSCTL_PIPE_TRANSCEIVE (plus READ while the server says BUFFER_OVERFLOW) per DCE/RPC PDU.
/// Blocking, one request in flight: a command-line client's whole life is a dozen round trips.
public final class SMB2PipeSession<Platform: SMB2PipePlatform> {
    /// Direct TCP framing (MS-SMB2 2.1): a zero byte and a 24-bit big-endian length.
    static var frameHeaderSize: Int { 4 }
    /// The largest response frame accepted: the 8 MiB a server may use for MaxTransactSize plus
    /// headers; more is treated as a broken or hostile peer.
    static var maximumFrameSize: Int { 8 * 1024 * 1024 + 4096 }
    /// How many interim (STATUS_PENDING) responses one request may get before its final answer.
    static var maximumInterimResponses: Int { 64 }
    /// The most bytes asked for per transceive or READ: one credit's worth.
    static var maximumPipeRead: UInt32 { 65536 }

    let platform: Platform
    public let server: String
    var credits = SMB2Credits()
    var sessionID: UInt64 = 0
    var treeID: UInt32 = 0
    var signer: SMB2Signer?
    /// Set when the session or the tree requires encryption: every later request is sealed and
    /// every response must come encrypted (and is then not signed).
    var encryptor: SMB2Encryptor?
    /// The session's keys, kept for a tree that turns encryption on.
    var keys: SMB2SessionKeys?
    var preauth = SMB2PreauthIntegrity()
    public private(set) var negotiated: SMB2NegotiateResponse?
    public private(set) var sessionFlags: SMB2SessionFlags = []

    public init(platform: Platform, server: String) {
        self.platform = platform
        self.server = server
    }

    /// The dialect, signing algorithm and whether responses are verified: for `-v` and reports.
    public var summary: String {
        guard let negotiated else { return "not connected" }
        let signing = signer.map { "\($0.algorithm)" } ?? "none"
        let sealing = encryptor.map { ", encryption \($0.cipher)" } ?? ""
        return "SMB \(negotiated.dialect), signing \(signing)\(sealing)"
    }

    // MARK: Framing and one exchange

    func sendFrame(_ message: [UInt8]) throws {
        let length = message.count
        guard length < 1 << 24 else { throw SMB2Error.tooLarge("request", length) }
        let frame: [UInt8] = [0, UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
        try platform.send(frame + message)
    }

    func receiveFrame() throws -> [UInt8] {
        let header = try platform.receive(exactly: Self.frameHeaderSize)
        guard header.count == Self.frameHeaderSize, header[0] == 0 else {
            throw SMB2Error.badHeader("direct TCP frame type \(header.first ?? 0)")
        }
        let length = Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
        guard length >= SMB2Header.size, length <= Self.maximumFrameSize else {
            throw SMB2Error.tooLarge("response frame", length)
        }
        return try platform.receive(exactly: length)
    }

    /// Sends one request and returns its final response (after any interim PENDING), with the
    /// request's bytes as sent (the pre-auth hash needs them). Signs the request and verifies the
    /// response once the session has a signing key; `allowing` are the non-success statuses the
    /// caller handles itself.
    func exchange(
        _ command: SMB2Command, body: [UInt8], allowing: Set<NTStatus> = [], expectedResponseSize: Int = 0
    ) throws -> (request: [UInt8], response: SMB2Message) {
        let charge = credits.charge(forPayload: max(body.count, expectedResponseSize))
        let request = credits.creditRequest(charge: charge)
        let messageID = try credits.consume(charge: charge)
        let header = SMB2Header(
            command: command, creditCharge: charge, credits: request, messageID: messageID,
            treeID: command == .negotiate || command == .sessionSetup ? 0 : treeID, sessionID: sessionID)
        var bytes = SMB2Message(header: header, body: body).bytes
        if let encryptor {
            try sendFrame(
                try encryptor.seal(bytes, sessionID: sessionID, nonce: platform.randomBytes(encryptor.nonceLength)))
        } else {
            if let signer { bytes = try signer.sign(bytes) }
            try sendFrame(bytes)
        }
        for _ in 0...Self.maximumInterimResponses {
            var frame = try receiveFrame()
            let decrypted = SMB2TransformHeader.isTransform(frame)
            if decrypted {
                guard let encryptor else { throw SMB2Failure.unexpected("an encrypted response to a plain request") }
                let opened = try encryptor.open(frame)
                guard opened.header.sessionID == sessionID else {
                    throw SMB2Failure.unexpected("an encrypted response for session \(opened.header.sessionID)")
                }
                frame = opened.message
            } else if encryptor != nil {
                throw SMB2PipeFailure("\(server) answered \(command) unencrypted in an encrypted session")
            }
            let messages = try SMB2Message.messages(inFrame: frame)
            guard messages.count == 1, let response = messages.first else {
                throw SMB2Error.unexpectedMessage("compound response to a single request")
            }
            guard response.header.messageID == messageID else {
                throw SMB2Error.unexpectedMessage("response to message \(response.header.messageID), not \(messageID)")
            }
            credits.grant(response.header.credits)
            if response.header.status == .pending, response.header.asyncID != nil { continue }
            if let signer, !decrypted {
                // Every response of a signed session must be signed (MS-SMB2 3.2.5.1.3); an
                // encrypted one is authenticated by its AEAD tag instead.
                guard response.header.flags.contains(.signed) else {
                    throw SMB2Failure.unsigned(command)
                }
                try signer.verify(response)
            }
            try response.requireResponse(to: command)
            try response.requireSuccess(allowing: allowing)
            return (bytes, response)
        }
        throw SMB2Error.unexpectedMessage("more than \(Self.maximumInterimResponses) interim responses to \(command)")
    }

    // MARK: Connection set-up

    /// NEGOTIATE (MS-SMB2 3.2.4.2.2): 2.1 to 3.1.1, pre-auth integrity SHA-512, GMAC/CMAC/HMAC
    /// signing offered in that order.
    public func negotiate() throws {
        // GCM first (faster); CCM only when the platform has it (swift-crypto has none).
        let ciphers: [SMB2Cipher] =
            platform.ccm == nil ? [.aes128GCM, .aes256GCM] : [.aes128GCM, .aes128CCM, .aes256GCM, .aes256CCM]
        let request = SMB2NegotiateRequest(
            clientGUID: platform.randomBytes(16),
            contexts: [
                .preauthIntegrity(hashAlgorithms: [.sha512], salt: platform.randomBytes(32)),
                .encryption(ciphers: ciphers),
                .signing(algorithms: [.aesGMAC, .aesCMAC, .hmacSHA256]),
            ])
        let (sent, message) = try exchange(.negotiate, body: request.encodedBody())
        let response = try SMB2NegotiateResponse(parsing: message)
        try response.validate(against: request)
        credits.largeMTU = response.capabilities.contains(.largeMTU)
        if response.dialect == .smb311 {
            preauth.update(with: sent)
            preauth.update(with: message.bytes)
        }
        negotiated = response
    }

    /// SESSION_SETUP with SPNEGO around NTLMSSP (MS-SMB2 3.2.4.2.3, RFC 4178, MS-NLMP): NegTokenInit
    /// with the NEGOTIATE, then NegTokenResp with the AUTHENTICATE and a mechListMIC; derives the
    /// signing key (3.1.1 from the session's pre-auth hash) and verifies the final response with it.
    public func authenticate(_ credentials: SMB2PipeCredentials) throws {
        guard let negotiated else { throw SMB2Failure.outOfOrder("SESSION_SETUP before NEGOTIATE") }
        let mechanisms = [MechanismOID.ntlmssp]
        var ntlm = NTLMClientContext(workstation: credentials.workstation)
        let first = try SpnegoInitialToken(mechanismTypes: mechanisms, mechanismToken: ntlm.negotiate()).encoded()
        var sessionHash = preauth
        let (sent1, message1) = try exchange(
            .sessionSetup, body: SMB2SessionSetupRequest(securityBuffer: first).encodedBody(),
            allowing: [.moreProcessingRequired])
        guard message1.header.status == .moreProcessingRequired else {
            throw SMB2Failure.unexpected("the server accepted the session without authentication")
        }
        sessionID = message1.header.sessionID
        if negotiated.dialect == .smb311 {
            sessionHash.update(with: sent1)
            sessionHash.update(with: message1.bytes)
        }
        let reply1 = try SpnegoResponseToken(parsing: SMB2SessionSetupResponse(parsing: message1).securityBuffer)
        guard let challenge = reply1.responseToken else {
            throw SMB2Failure.unexpected("SPNEGO reply without a challenge")
        }
        if let mechanism = reply1.supportedMechanism, mechanism != MechanismOID.ntlmssp {
            throw SMB2Failure.unexpected("the server chose \(mechanism), not NTLMSSP")
        }
        let ntlmCredentials = NTLMCredentials(
            userName: credentials.user, domainName: credentials.domain, password: credentials.password)
        let exportedKey = Secret(platform.randomBytes(16))
        let authenticateMessage = try ntlm.authenticate(
            challenge: challenge, credentials: ntlmCredentials, clientChallenge: platform.randomBytes(8),
            exportedSessionKey: exportedKey, timestamp: platform.fileTime())
        guard var ntlmSecurity = ntlm.sessionSecurity, let output = ntlm.output else {
            throw SMB2Failure.outOfOrder("NTLM finished without session security")
        }
        let mechanismList = try MechanismOID.mechanismTypeListDER(mechanisms)
        let mic = ntlmSecurity.sign(mechanismList)
        let second = try SpnegoResponseToken(responseToken: authenticateMessage, mechanismListMIC: mic).encoded()
        let (sent2, message2): ([UInt8], SMB2Message)
        do {
            (sent2, message2) = try exchange(
                .sessionSetup, body: SMB2SessionSetupRequest(securityBuffer: second).encodedBody())
        } catch let error as SMB2Error where error.status == .logonFailure {
            throw SMB2PipeFailure(
                "\(server) refused the user name or password of \(credentials.domain.isEmpty ? "" : credentials.domain + "\\")\(credentials.user) (\(error.status.map { "\($0)" } ?? ""))"
            )
        }
        if negotiated.dialect == .smb311 { sessionHash.update(with: sent2) }
        try finishSessionSetup(
            message2, user: credentials.user, sessionKey: output.exportedSessionKey, preauthHash: sessionHash.value
        ) { serverToken in
            if let serverMIC = serverToken.mechanismListMIC {
                try ntlmSecurity.verify(mechanismList, signature: serverMIC)
            }
        }
    }

    /// SESSION_SETUP with SPNEGO around the Kerberos AP-REQ (MS-SMB2 3.2.4.2.3, RFC 4121): one round
    /// trip. The server's AP-REP is not checked here (GSS-API's context ends with the token, as
    /// cifs.ko's upcall's does); the server proves it holds the session key by signing the final
    /// response with the key derived from it, which is verified.
    public func authenticateKerberos() throws {
        guard let negotiated else { throw SMB2Failure.outOfOrder("SESSION_SETUP before NEGOTIATE") }
        let ticket: (token: [UInt8], sessionKey: Secret)
        do {
            ticket = try platform.kerberosInitialToken(host: server)
        } catch {
            throw SMB2PipeFailure(
                "no Kerberos ticket for cifs/\(server): \(error) (kinit first, as for the sec=krb5 mount)")
        }
        let first = try SpnegoInitialToken(mechanismTypes: [MechanismOID.krb5], mechanismToken: ticket.token)
            .encoded()
        var sessionHash = preauth
        let (sent, message): ([UInt8], SMB2Message)
        do {
            (sent, message) = try exchange(
                .sessionSetup, body: SMB2SessionSetupRequest(securityBuffer: first).encodedBody(),
                allowing: [.moreProcessingRequired])
        } catch let error as SMB2Error where error.status == .logonFailure {
            throw SMB2PipeFailure("\(server) refused the Kerberos ticket (\(error.status.map { "\($0)" } ?? ""))")
        }
        guard message.header.status == .success else {
            throw SMB2Failure.unexpected("the server asked for another Kerberos round trip")
        }
        sessionID = message.header.sessionID
        if negotiated.dialect == .smb311 { sessionHash.update(with: sent) }
        try finishSessionSetup(
            message, user: "the Kerberos principal", sessionKey: ticket.sessionKey, preauthHash: sessionHash.value
        ) { serverToken in
            if let mechanism = serverToken.supportedMechanism, mechanism != MechanismOID.krb5,
                mechanism != MechanismOID.msKrb5
            {
                throw SMB2Failure.unexpected("the server chose \(mechanism), not Kerberos")
            }
        }
    }

    /// The last SESSION_SETUP response, whatever the mechanism: no guest or anonymous session, the
    /// SPNEGO state completed (`checkToken` checks the mechanism's own part), the session's keys
    /// derived and the response's signature verified with them.
    func finishSessionSetup(
        _ message: SMB2Message, user: String, sessionKey: Secret, preauthHash: [UInt8],
        checkToken: (SpnegoResponseToken) throws -> Void
    ) throws {
        guard let negotiated else { throw SMB2Failure.outOfOrder("SESSION_SETUP before NEGOTIATE") }
        let reply = try SMB2SessionSetupResponse(parsing: message)
        sessionFlags = reply.sessionFlags
        guard !reply.sessionFlags.contains(.isGuest), !reply.sessionFlags.contains(.isNull) else {
            throw SMB2PipeFailure("\(server) logged \(user) on as guest: the credentials were not accepted")
        }
        if !reply.securityBuffer.isEmpty {
            let final = try SpnegoResponseToken(parsing: reply.securityBuffer)
            if let state = final.state, state != .acceptCompleted {
                throw SMB2Failure.unexpected("SPNEGO state \(state.rawValue) after SUCCESS")
            }
            try checkToken(final)
        }
        let keys = SMB2SessionKeys(
            sessionKey: sessionKey, dialect: negotiated.dialect, preauthHash: preauthHash, cipher: negotiated.cipher)
        let algorithm: SMB2SigningAlgorithm =
            negotiated.dialect == .smb311 ? negotiated.signingAlgorithm : .implied(by: negotiated.dialect)
        let signer = try SMB2Signer(algorithm: algorithm, key: keys.signing)
        // The final SESSION_SETUP response is signed with the new key (MS-SMB2 3.2.5.3.1).
        if message.header.flags.contains(.signed) {
            try signer.verify(message)
        } else if negotiated.dialect == .smb311 {
            throw SMB2Failure.unsigned(.sessionSetup)
        }
        self.signer = signer
        self.keys = keys
        if reply.sessionFlags.contains(.encryptData) { try startEncryption() }
    }

    /// The cipher of an encrypted session: 3.1.1's negotiated one; AES-128-CCM for 3.0 and 3.0.2
    /// when the server has the encryption capability (MS-SMB2 3.2.5.2, 3.1.4.3).
    var sessionCipher: SMB2Cipher? {
        guard let negotiated else { return nil }
        switch negotiated.dialect {
        case .smb311: return negotiated.cipher
        case .smb300, .smb302: return negotiated.capabilities.contains(.encryption) ? .aes128CCM : nil
        default: return nil
        }
    }

    /// From now on every request is sealed (MS-SMB2 3.2.4.1.8): the session or the tree says so.
    func startEncryption() throws {
        guard encryptor == nil else { return }
        guard let keys, let cipher = sessionCipher, cipher != .none,
            let encryption = keys.encryption, let decryption = keys.decryption
        else {
            throw SMB2PipeFailure("\(server) requires encryption, but no cipher was negotiated")
        }
        encryptor = try SMB2Encryptor(
            cipher: cipher, encryptionKey: encryption, decryptionKey: decryption, ccm: platform.ccm)
    }

    public func treeConnect(share: String) throws {
        let (_, message) = try exchange(
            .treeConnect, body: SMB2TreeConnectRequest(server: server, share: share).encodedBody())
        let response = try SMB2TreeConnectResponse(parsing: message)
        treeID = message.header.treeID
        if response.shareFlags.contains(.encryptData) { try startEncryption() }
    }

    public func openPipe(_ name: String) throws -> SMB2FileID {
        let (_, message) = try exchange(.create, body: SMB2CreateRequest.pipe(name).encodedBody())
        return try SMB2CreateResponse(parsing: message).fileID
    }

    /// Writes one DCE/RPC PDU and reads the whole reply PDU: a transceive, then READs while the
    /// server answers BUFFER_OVERFLOW (MS-SMB2 3.2.5.14.4: the rest waits in the pipe).
    public func transceive(_ pipe: SMB2FileID, _ fragment: [UInt8]) throws -> [UInt8] {
        let request = SMB2IoctlRequest.transceive(fileID: pipe, fragment: fragment, maxOutput: Self.maximumPipeRead)
        let (_, message) = try exchange(
            .ioctl, body: request.encodedBody(), allowing: [.bufferOverflow],
            expectedResponseSize: Int(Self.maximumPipeRead))
        let reply = try SMB2IoctlResponse(parsing: message).output
        guard message.header.status == .bufferOverflow else { return reply }
        return try readWhileOverflowing(pipe, after: reply)
    }

    /// Writes a PDU that expects no reply of its own (a request fragment before the last).
    public func write(_ pipe: SMB2FileID, _ fragment: [UInt8]) throws {
        let (_, message) = try exchange(.write, body: SMB2WriteRequest(fileID: pipe, data: fragment).encodedBody())
        _ = try SMB2WriteResponse(parsing: message)
    }

    /// Reads the next PDU of a multi-fragment reply.
    public func readPDU(_ pipe: SMB2FileID) throws -> [UInt8] { try readWhileOverflowing(pipe, after: []) }

    /// READs appended to `start` until a READ ends without BUFFER_OVERFLOW (at least one): the rest
    /// of a PDU waiting in the pipe, bounded by the largest DCE/RPC fragment.
    func readWhileOverflowing(_ pipe: SMB2FileID, after start: [UInt8]) throws -> [UInt8] {
        var pdu = start
        var status = NTStatus.bufferOverflow
        while status == .bufferOverflow {
            guard pdu.count <= DCERPCPacket.maximumFragmentLength else { throw DCERPCError.tooLarge(pdu.count) }
            let read = SMB2ReadRequest(fileID: pipe, length: Self.maximumPipeRead)
            let (_, message) = try exchange(
                .read, body: read.encodedBody(), allowing: [.bufferOverflow],
                expectedResponseSize: Int(Self.maximumPipeRead))
            pdu += try SMB2ReadResponse(parsing: message).data
            status = message.header.status
        }
        return pdu
    }

    public func close(_ pipe: SMB2FileID) throws {
        let (_, message) = try exchange(.close, body: SMB2CloseRequest(fileID: pipe).encodedBody())
        _ = try SMB2CloseResponse(parsing: message)
    }

    public func treeDisconnect() throws {
        let (_, message) = try exchange(.treeDisconnect, body: SMB2EmptyBody.encoded())
        try SMB2EmptyBody.parse(message, command: .treeDisconnect)
        treeID = 0
    }

    public func logoff() throws {
        let (_, message) = try exchange(.logoff, body: SMB2EmptyBody.encoded())
        try SMB2EmptyBody.parse(message, command: .logoff)
    }
}

/// Failures of the session driver's own checks.
enum SMB2Failure {
    static func unsigned(_ command: SMB2Command) -> SMB2Error {
        SMB2Error.badSignature(command)
    }
    static func outOfOrder(_ what: String) -> SMB2Error { SMB2Error.unexpectedMessage(what) }
    static func unexpected(_ what: String) -> SMB2Error { SMB2Error.unexpectedMessage(what) }
}
