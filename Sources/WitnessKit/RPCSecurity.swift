import SMB3Protocol

/// Which authentication a witness connection uses and at what level.
public struct RPCAuthentication: Sendable {
    public enum Method: Sendable {
        case ntlm(NTLMCredentials)
    }

    public var method: Method
    public var level: DCERPCAuthLevel
    public var workstation: String

    public init(method: Method, level: DCERPCAuthLevel, workstation: String) {
        self.method = method
        self.level = level
        self.workstation = workstation
    }
}

/// Per-connection NTLMSSP state: the exchange in bind/auth3, then signing and sealing of every
/// PDU (MS-RPCE 2.2.2.11: the signature covers the whole PDU up to the auth value).
struct NTLMRPCSecurity {
    static let signatureSize = 16
    var context: NTLMClientContext
    var session: NTLMSessionSecurity?
    let credentials: NTLMCredentials
    let level: DCERPCAuthLevel

    init(credentials: NTLMCredentials, level: DCERPCAuthLevel, workstation: String) {
        self.credentials = credentials
        self.level = level
        context = NTLMClientContext(workstation: workstation)
    }

    mutating func negotiate() -> [UInt8] { context.negotiate() }

    mutating func authenticate(challenge: [UInt8], platform: some WitnessPlatform) throws -> [UInt8] {
        let message = try context.authenticate(
            challenge: challenge, credentials: credentials, clientChallenge: platform.randomBytes(8),
            exportedSessionKey: Secret(platform.randomBytes(16)), timestamp: platform.fileTime())
        session = context.sessionSecurity
        return message
    }

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
