import SMB3Protocol

/// Which authentication a witness connection uses and at what level.
public struct RPCAuthentication: Sendable {
    public enum Method: Sendable {
        case ntlm(NTLMCredentials)
        /// krb5 (auth type 16, DCE style) to `service@host` with the daemon's own credentials.
        case kerberos(KerberosTarget)
    }

    public var method: Method
    public var level: DCERPCAuthLevel
    public var workstation: String
    /// NTLM: accept a CHALLENGE without NEGOTIATE_128 and NEGOTIATE_KEY_EXCH
    /// (ntlm_allow_weak_keys); refused by default.
    public var allowWeakNTLMKeys: Bool

    public init(method: Method, level: DCERPCAuthLevel, workstation: String, allowWeakNTLMKeys: Bool = false) {
        self.method = method
        self.level = level
        self.workstation = workstation
        self.allowWeakNTLMKeys = allowWeakNTLMKeys
    }
}

/// The daemon's Kerberos identity (witnessd.conf): the kernel passes only KRB_AUTH for a
/// Kerberos mount, no uid and no ccache, so the daemon authenticates as itself.
public struct KerberosClientCredentials: Sendable, Equatable {
    /// A principal name; nil means the first one in the keytab or the ccache's default.
    public var principal: String?
    /// A keytab MIT gets a TGT from on demand (`client_keytab` in the credential store).
    public var clientKeytab: String?
    /// Where the tickets live; nil means the default ccache.
    public var ccache: String?

    public init(principal: String? = nil, clientKeytab: String? = nil, ccache: String? = nil) {
        self.principal = principal
        self.clientKeytab = clientKeytab
        self.ccache = ccache
    }
}

public struct KerberosTarget: Sendable, Equatable {
    /// The service of the target name: `cifs`, the name Samba registers and Windows clients use.
    public var service: String
    /// The cluster's name from the mount (REGISTER's net name).
    public var host: String
    public var credentials: KerberosClientCredentials

    public init(service: String, host: String, credentials: KerberosClientCredentials) {
        self.service = service
        self.host = host
        self.credentials = credentials
    }
}

/// A krb5 GSS-API initiator context in DCE style, provided by the platform (the kit makes no
/// GSS calls). `signed`, when given, is the part of the PDU around `data` the checksum also
/// covers (DCE/RPC header signing).
public protocol KerberosRPCContext: AnyObject, Sendable {
    var isEstablished: Bool { get }
    /// One leg of the exchange (nil input for the first); returns the token to send.
    func step(_ input: [UInt8]?) throws -> [UInt8]
    func wrapTokenSize(dataLength: Int) throws -> Int
    func micTokenSize() throws -> Int
    func wrap(_ pdu: inout [UInt8], data: Range<Int>, signed: Range<Int>?, tokenSize: Int) throws -> [UInt8]
    func unwrap(_ pdu: inout [UInt8], data: Range<Int>, signed: Range<Int>?, token: [UInt8]) throws
    func mic(_ message: [UInt8]) throws -> [UInt8]
    func verifyMIC(_ message: [UInt8], token: [UInt8]) throws
}

/// One connection's authentication: the tokens of bind and auth3, then the protection of every
/// request and response. `dataRange` is stub + auth pad; the PDU's last `authValueSize` bytes
/// are the auth value (a placeholder when protecting).
protocol RPCSecurityContext: Sendable {
    var authType: DCERPCAuthType { get }
    var level: DCERPCAuthLevel { get }
    /// The token for bind.
    mutating func bindToken(platform: some WitnessPlatform) throws -> [UInt8]
    /// The bind_ack's token in, the auth3 token out. `headerSigning`: the server echoed
    /// PFC_SUPPORT_HEADER_SIGN.
    mutating func auth3Token(
        bindAckToken: [UInt8], headerSigning: Bool, platform: some WitnessPlatform
    ) throws
        -> [UInt8]
    func authValueSize(dataLength: Int) throws -> Int
    mutating func protect(_ pdu: inout [UInt8], dataRange: Range<Int>) throws
    mutating func unprotect(_ pdu: inout [UInt8], dataRange: Range<Int>, authLength: Int) throws
}

/// Per-connection NTLMSSP state: the exchange in bind/auth3, then signing and sealing of every
/// PDU (MS-RPCE 2.2.2.11: the signature covers the whole PDU up to the auth value).
struct NTLMRPCSecurity: RPCSecurityContext {
    static let signatureSize = 16
    var authType: DCERPCAuthType { .ntlmssp }
    var context: NTLMClientContext
    var session: NTLMSessionSecurity?
    let credentials: NTLMCredentials
    let level: DCERPCAuthLevel
    let allowWeakKeys: Bool

    /// What a CHALLENGE must grant unless weak keys are allowed: 128-bit keys, and an exported
    /// session key that is random rather than the key exchange key itself.
    static let strongKeys: NTLMNegotiateFlags = [.key128, .keyExchange]

    init(credentials: NTLMCredentials, level: DCERPCAuthLevel, workstation: String, allowWeakKeys: Bool = false) {
        self.credentials = credentials
        self.level = level
        self.allowWeakKeys = allowWeakKeys
        context = NTLMClientContext(workstation: workstation)
    }

    /// Already authenticated, with `session` (tests and fuzzing): no credentials are kept.
    init(session: NTLMSessionSecurity, level: DCERPCAuthLevel) {
        self.init(
            credentials: NTLMCredentials(userName: "", domainName: "", ntHash: Secret([])), level: level,
            workstation: "")
        self.session = session
    }

    mutating func bindToken(platform: some WitnessPlatform) throws -> [UInt8] { context.negotiate() }

    /// NTLM always signs the whole PDU (MS-RPCE 2.2.2.11), header signing or not.
    mutating func auth3Token(
        bindAckToken challenge: [UInt8], headerSigning: Bool, platform: some WitnessPlatform
    )
        throws -> [UInt8]
    {
        guard !challenge.isEmpty else { throw DCERPCError.unexpectedPacket("bind_ack without an NTLMSSP challenge") }
        if !allowWeakKeys {
            let missing = Self.strongKeys.subtracting(try NTLMChallengeMessage(parsing: challenge).flags)
            guard missing.isEmpty else {
                let names = [(NTLMNegotiateFlags.key128, "NEGOTIATE_128"), (.keyExchange, "NEGOTIATE_KEY_EXCH")]
                    .filter { missing.contains($0.0) }.map(\.1)
                throw WitnessFailure(
                    "the witness server's NTLM CHALLENGE lacks \(names.joined(separator: " and ")) (its session keys would be weak: "
                        + "56 or 40 bits, or no random exported key); refused. ntlm_allow_weak_keys = yes in "
                        + "witnessd.conf accepts it")
            }
        }
        let message = try context.authenticate(
            challenge: challenge, credentials: credentials, clientChallenge: platform.randomBytes(8),
            exportedSessionKey: Secret(platform.randomBytes(16)), timestamp: platform.fileTime())
        session = context.sessionSecurity
        // From here on only the session is used. The context would keep the three messages, the
        // parsed CHALLENGE and a second copy of the RC4 states for the connection's life.
        context = NTLMClientContext(workstation: context.workstation)
        return message
    }

    func authValueSize(dataLength: Int) -> Int { Self.signatureSize }

    /// Fills in the signature (and seals the stub at privacy) of an encoded request whose auth
    /// value is a 16-byte placeholder. `dataRange` is stub + auth pad.
    mutating func protect(_ pdu: inout [UInt8], dataRange: Range<Int>) throws {
        guard var session else { throw DCERPCError.unexpectedPacket("request before authentication finished") }
        let signedPart = Array(pdu[..<(pdu.count - Self.signatureSize)])
        let signature: [UInt8]
        if level == .privacy {
            let result = session.seal(Array(pdu[dataRange]), signing: signedPart)
            pdu.replaceSubrange(dataRange, with: result.sealed)
            signature = result.signature
        } else {
            signature = session.sign(signedPart)
        }
        pdu.replaceSubrange((pdu.count - Self.signatureSize)..., with: signature)
        self.session = session
    }

    /// Verifies (and unseals) a received fragment in place.
    mutating func unprotect(_ pdu: inout [UInt8], dataRange: Range<Int>, authLength: Int) throws {
        guard var session else { throw DCERPCError.unexpectedPacket("response before authentication finished") }
        let signature = Array(pdu[(pdu.count - authLength)...])
        let signedEnd = pdu.count - authLength
        if level == .privacy {
            let frame = pdu
            let plaintext = try session.unseal(Array(pdu[dataRange]), signature: signature) { plaintext in
                var rebuilt = Array(frame[..<signedEnd])
                rebuilt.replaceSubrange(dataRange, with: plaintext)
                return rebuilt
            }
            pdu.replaceSubrange(dataRange, with: plaintext)
        } else {
            try session.verify(Array(pdu[..<signedEnd]), signature: signature)
        }
        self.session = session
    }
}

/// krb5 in DCE style (auth type 16): bind carries the AP-REQ, bind_ack the server's AP-REP,
/// auth3 our AP-REP. Privacy seals stub + pad with gss_wrap_iov; integrity is gss_get_mic.
/// With header signing both cover header .. sec_trailer, as Samba's gensec_gse does.
struct KerberosRPCSecurity: RPCSecurityContext {
    let context: any KerberosRPCContext
    let level: DCERPCAuthLevel
    var headerSigning = false
    var authType: DCERPCAuthType { .kerberos }

    init(context: any KerberosRPCContext, level: DCERPCAuthLevel) {
        self.context = context
        self.level = level
    }

    mutating func bindToken(platform: some WitnessPlatform) throws -> [UInt8] {
        let token = try context.step(nil)
        guard !token.isEmpty, !context.isEstablished else {
            throw DCERPCError.unexpectedPacket("krb5: the first leg produced no AP-REQ")
        }
        return token
    }

    mutating func auth3Token(
        bindAckToken: [UInt8], headerSigning: Bool, platform: some WitnessPlatform
    ) throws
        -> [UInt8]
    {
        guard !bindAckToken.isEmpty else { throw DCERPCError.unexpectedPacket("bind_ack without a krb5 AP-REP") }
        let token = try context.step(bindAckToken)
        guard context.isEstablished, !token.isEmpty else {
            throw DCERPCError.unexpectedPacket("krb5: the context is not complete after the server's AP-REP")
        }
        self.headerSigning = headerSigning
        return token
    }

    func authValueSize(dataLength: Int) throws -> Int {
        level == .privacy ? try context.wrapTokenSize(dataLength: dataLength) : try context.micTokenSize()
    }

    mutating func protect(_ pdu: inout [UInt8], dataRange: Range<Int>) throws {
        let size = try authValueSize(dataLength: dataRange.count)
        let signedEnd = pdu.count - size
        guard signedEnd >= dataRange.upperBound else { throw DCERPCError.badAuthLength(size) }
        let token: [UInt8]
        if level == .privacy {
            token = try context.wrap(
                &pdu, data: dataRange, signed: headerSigning ? 0..<signedEnd : nil, tokenSize: size)
        } else {
            token = try context.mic(headerSigning ? Array(pdu[..<signedEnd]) : Array(pdu[dataRange]))
        }
        guard token.count == size else { throw DCERPCError.badAuthLength(token.count) }
        pdu.replaceSubrange(signedEnd..., with: token)
    }

    mutating func unprotect(_ pdu: inout [UInt8], dataRange: Range<Int>, authLength: Int) throws {
        let signedEnd = pdu.count - authLength
        guard signedEnd >= dataRange.upperBound else { throw DCERPCError.badAuthLength(authLength) }
        let token = Array(pdu[signedEnd...])
        if level == .privacy {
            try context.unwrap(&pdu, data: dataRange, signed: headerSigning ? 0..<signedEnd : nil, token: token)
        } else {
            try context.verifyMIC(headerSigning ? Array(pdu[..<signedEnd]) : Array(pdu[dataRange]), token: token)
        }
    }
}
