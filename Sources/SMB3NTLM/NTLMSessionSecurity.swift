import SMB3Wire

/// NTLM message integrity and confidentiality with extended session security, MS-NLMP 3.4.
///
/// Each direction has its own signing key, its own RC4 handle (initialised once and never reset: the
/// keystream runs on across messages) and its own sequence number starting at 0. One RC4 handle serves
/// both sealing and the checksum encryption of its direction, so the order of calls matters:
///
/// Sending (client → server):
/// - integrity: `sign(pdu)`.
/// - privacy: `seal(plaintext, signing: pdu)` encrypts `plaintext` first, then the checksum. For DCE/RPC,
///   `plaintext` is stub + auth padding, and `pdu` is the whole PDU (header, body, padding, sec_trailer;
///   no auth value) with the plaintext still in place.
///
/// Receiving (server → client):
/// - integrity: `verify(pdu, signature:)`.
/// - privacy: `unseal(sealed, signature:, signing:)` decrypts first, then hands the plaintext to the
///   closure to rebuild the PDU as the server signed it (decrypted stub in place), then verifies.
///
/// A thrown verification error leaves the RC4 state advanced; discard the session after one.
public struct NTLMSessionSecurity: Sendable, CustomStringConvertible {
    public enum Role: Sendable, Hashable {
        case client
        case server
    }

    public static let signatureLength = 16

    public let flags: NTLMNegotiateFlags
    public let role: Role
    public private(set) var outboundSequenceNumber: UInt32 = 0
    public private(set) var inboundSequenceNumber: UInt32 = 0
    private let outboundSigningKey: [UInt8]
    private let inboundSigningKey: [UInt8]
    private var outboundHandle: RC4
    private var inboundHandle: RC4

    /// - Parameters:
    ///   - exportedSessionKey: the 16-byte ExportedSessionKey of the authentication.
    ///   - flags: the negotiated flags (those of the AUTHENTICATE message). EXTENDED_SESSIONSECURITY is
    ///     required; NEGOTIATE_128 / NEGOTIATE_56 choose the sealing key length.
    ///   - role: `.server` swaps the directions (for tests and loopback).
    public init(exportedSessionKey: Secret, flags: NTLMNegotiateFlags, role: Role = .client) throws {
        guard flags.contains(.extendedSessionSecurity) else {
            throw NTLMError.flagNotNegotiated(.extendedSessionSecurity)
        }
        guard exportedSessionKey.count == 16 else {
            throw NTLMError.invalidParameter("exported session key must be 16 bytes")
        }
        self.flags = flags
        self.role = role
        let key = exportedSessionKey.bytes
        let clientSigning = Self.signingKey(key, magic: "session key to client-to-server signing key magic constant")
        let serverSigning = Self.signingKey(key, magic: "session key to server-to-client signing key magic constant")
        let clientSealing = Self.sealingKey(
            key, flags: flags, magic: "session key to client-to-server sealing key magic constant")
        let serverSealing = Self.sealingKey(
            key, flags: flags, magic: "session key to server-to-client sealing key magic constant")
        switch role {
        case .client:
            (outboundSigningKey, inboundSigningKey) = (clientSigning, serverSigning)
            (outboundHandle, inboundHandle) = (RC4(key: clientSealing), RC4(key: serverSealing))
        case .server:
            (outboundSigningKey, inboundSigningKey) = (serverSigning, clientSigning)
            (outboundHandle, inboundHandle) = (RC4(key: serverSealing), RC4(key: clientSealing))
        }
    }

    /// SIGNKEY: MD5(ExportedSessionKey ‖ magic ‖ NUL), MS-NLMP 3.4.5.2.
    static func signingKey(_ exportedSessionKey: [UInt8], magic: String) -> [UInt8] {
        MD5.hash(exportedSessionKey + Array(magic.utf8) + [0])
    }

    /// SEALKEY with extended session security: the first 16, 7 or 5 key bytes (128, 56, 40 bit), then
    /// MD5(key ‖ magic ‖ NUL), MS-NLMP 3.4.5.3.
    static func sealingKey(_ exportedSessionKey: [UInt8], flags: NTLMNegotiateFlags, magic: String) -> [UInt8] {
        let length = flags.contains(.key128) ? 16 : flags.contains(.key56) ? 7 : 5
        return MD5.hash(Array(exportedSessionKey.prefix(length)) + Array(magic.utf8) + [0])
    }

    /// The 16-byte NTLMSSP_MESSAGE_SIGNATURE over `message` for the next outbound sequence number.
    public mutating func sign(_ message: [UInt8]) -> [UInt8] {
        let sequenceNumber = outboundSequenceNumber
        outboundSequenceNumber &+= 1
        return Self.signature(
            message, sequenceNumber: sequenceNumber, signingKey: outboundSigningKey, handle: &outboundHandle,
            flags: flags)
    }

    /// Encrypts `plaintext`, then signs `message` (which contains `plaintext` in clear).
    public mutating func seal(_ plaintext: [UInt8], signing message: [UInt8]) -> (sealed: [UInt8], signature: [UInt8]) {
        let sealed = outboundHandle.process(plaintext)
        return (sealed, sign(message))
    }

    /// GSS_WrapEx: encrypts `plaintext` and signs it.
    public mutating func seal(_ plaintext: [UInt8]) -> (sealed: [UInt8], signature: [UInt8]) {
        seal(plaintext, signing: plaintext)
    }

    /// Checks a received signature over `message` against the next inbound sequence number.
    public mutating func verify(_ message: [UInt8], signature: [UInt8]) throws {
        var reader = WireReader(signature)
        guard signature.count == Self.signatureLength,
            reader.readInteger(.little, as: UInt32.self) == 1,
            let receivedChecksum = reader.readBytes(8),
            let receivedSequence = reader.readInteger(.little, as: UInt32.self)
        else { throw NTLMError.malformedMessageSignature() }
        let expected = Self.signature(
            message, sequenceNumber: inboundSequenceNumber, signingKey: inboundSigningKey, handle: &inboundHandle,
            flags: flags)
        guard constantTimeEqual(Array(expected[4..<12]), Array(receivedChecksum)) else {
            throw NTLMError.checksumMismatch()
        }
        guard receivedSequence == inboundSequenceNumber else {
            throw NTLMError.sequenceMismatch(expected: inboundSequenceNumber, found: receivedSequence)
        }
        inboundSequenceNumber &+= 1
    }

    /// Decrypts `sealed`, rebuilds the signed message from the plaintext with `signedMessage`, verifies the
    /// signature over it, and returns the plaintext.
    public mutating func unseal(
        _ sealed: [UInt8], signature: [UInt8], signing signedMessage: ([UInt8]) throws -> [UInt8]
    ) throws -> [UInt8] {
        let plaintext = inboundHandle.process(sealed)
        try verify(try signedMessage(plaintext), signature: signature)
        return plaintext
    }

    /// GSS_UnwrapEx: decrypts `sealed` and verifies the signature over the plaintext.
    public mutating func unseal(_ sealed: [UInt8], signature: [UInt8]) throws -> [UInt8] {
        try unseal(sealed, signature: signature) { $0 }
    }

    public var description: String {
        "NTLMSessionSecurity(\(role), \(flags), out #\(outboundSequenceNumber), in #\(inboundSequenceNumber))"
    }

    /// Version 1 ‖ first 8 bytes of HMAC_MD5(SigningKey, SeqNum ‖ Message), RC4'd with KEY_EXCH ‖ SeqNum.
    private static func signature(
        _ message: [UInt8], sequenceNumber: UInt32, signingKey: [UInt8], handle: inout RC4,
        flags: NTLMNegotiateFlags
    ) -> [UInt8] {
        var sequence = WireWriter(capacity: 4)
        sequence.writeInteger(sequenceNumber, .little)
        var checksum = Array(
            HMACMD5.authenticationCode(key: signingKey, message: sequence.bytes + message).prefix(8))
        if flags.contains(.keyExchange) { checksum = handle.process(checksum) }
        var writer = WireWriter(capacity: signatureLength)
        writer.writeInteger(UInt32(1), .little)
        writer.writeBytes(checksum)
        writer.writeBytes(sequence.bytes)
        return writer.bytes
    }
}

func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
    guard lhs.count == rhs.count else { return false }
    var difference: UInt8 = 0
    for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
    return difference == 0
}
