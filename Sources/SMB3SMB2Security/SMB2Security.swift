import Crypto
import CryptoExtras
import SMB3SMB2
import SMB3Wire

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The SMB 3.1.1 pre-authentication integrity hash (MS-SMB2 3.2.5.2, 3.2.5.3): SHA-512 chained
/// over the messages, starting from 64 zero bytes. The connection's chain covers NEGOTIATE
/// request and response; a session's starts from it and goes on over every SESSION_SETUP
/// request and every response but the final SUCCESS one.
public struct SMB2PreauthIntegrity: Hashable, Sendable {
    public static let length = 64

    /// The hash so far.
    public private(set) var value: [UInt8]

    public init() { value = Array(repeating: 0, count: Self.length) }
    public init(continuing value: [UInt8]) { self.value = value }

    /// value = SHA-512(value ‖ message).
    public mutating func update(with message: [UInt8]) {
        var hash = SHA512()
        hash.update(data: value)
        hash.update(data: message)
        value = Array(hash.finalize())
    }
}

/// SP800-108 key derivation in counter mode with HMAC-SHA256 as the PRF, r = 32 (MS-SMB2 3.1.4.2):
/// K(i) = HMAC(Ki, [i]₃₂ ‖ Label ‖ 0x00 ‖ Context ‖ [L]₃₂), big-endian counters, as many blocks as
/// L bits need. Built on swift-crypto's HMAC; only the framing is here.
public enum SMB2KeyDerivation {
    public static func derive(key: [UInt8], label: [UInt8], context: [UInt8], bits: Int) -> [UInt8] {
        let symmetricKey = SymmetricKey(data: key)
        let length = UInt32(clamping: bits)
        var output: [UInt8] = []
        var counter: UInt32 = 1
        while output.count * 8 < bits {
            var hmac = HMAC<SHA256>(key: symmetricKey)
            hmac.update(data: bigEndian(counter))
            hmac.update(data: label)
            hmac.update(data: [0])
            hmac.update(data: context)
            hmac.update(data: bigEndian(length))
            output += Array(hmac.finalize())
            counter += 1
        }
        return Array(output.prefix(bits / 8))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value),
        ]
    }
}

/// A session's keys (MS-SMB2 3.2.5.3.1).
public struct SMB2SessionKeys: Sendable {
    public let dialect: SMB2Dialect
    public let signing: Secret
    /// Nil for 2.x.
    public let application: Secret?
    /// Client to server; nil for 2.x.
    public let encryption: Secret?
    /// Server to client; nil for 2.x.
    public let decryption: Secret?

    /// `sessionKey` is what GSS (NTLM or Kerberos) exported. Session.SessionKey is its first 16
    /// bytes, zero-padded if shorter; the cipher keys of an AES-256 cipher derive from all of it.
    /// `preauthHash` is the session's final pre-auth hash (3.1.1 only).
    public init(sessionKey: Secret, dialect: SMB2Dialect, preauthHash: [UInt8] = [], cipher: SMB2Cipher? = nil) {
        let full = sessionKey.bytes
        let short = Array(full.prefix(16)) + Array(repeating: 0, count: max(0, 16 - full.count))
        self.dialect = dialect
        func derive(_ key: SMB2KeyDerivationInput.Key) -> Secret? {
            guard let input = SMB2KeyDerivationInput.input(for: key, dialect: dialect, preauthHash: preauthHash)
            else { return nil }
            let bits = SMB2KeyDerivationInput.bits(for: key, cipher: cipher)
            let base = bits == 256 ? full : short
            return Secret(SMB2KeyDerivation.derive(key: base, label: input.label, context: input.context, bits: bits))
        }
        signing = derive(.signing) ?? Secret(short)
        application = derive(.application)
        encryption = derive(.encryption)
        decryption = derive(.decryption)
    }
}

/// Signs and verifies SMB2 messages (MS-SMB2 3.1.4.1): HMAC-SHA256 truncated to 16 bytes (2.x),
/// AES-128-CMAC (3.x), or AES-128-GMAC with the MessageId nonce (3.1.1 with the signing context).
/// The signature covers the whole message with its Signature field zeroed.
public struct SMB2Signer: Sendable {
    public let algorithm: SMB2SigningAlgorithm
    private let key: SymmetricKey

    public init(algorithm: SMB2SigningAlgorithm, key: Secret) throws {
        guard [.hmacSHA256, .aesCMAC, .aesGMAC].contains(algorithm) else {
            throw SMB2Error.unsupported("signing algorithm \(algorithm)")
        }
        if algorithm != .hmacSHA256 {
            guard [16, 24, 32].contains(key.count) else { throw SMB2Error.unsupported("\(key.count)-byte AES key") }
        }
        self.algorithm = algorithm
        self.key = SymmetricKey(data: key.bytes)
    }

    /// The 16-byte signature of `message` (a whole SMB2 message, header first).
    public func signature(of message: [UInt8]) throws -> [UInt8] {
        let header = try SMB2Header(parsing: message[...])
        var zeroed = message
        for index in SMB2Header.signatureOffset..<(SMB2Header.signatureOffset + SMB2Header.signatureLength) {
            zeroed[index] = 0
        }
        switch algorithm {
        case .hmacSHA256:
            return Array(HMAC<SHA256>.authenticationCode(for: zeroed, using: key).prefix(16))
        case .aesCMAC:
            var cmac = try AES.CMAC(key: key)
            cmac.update(data: zeroed)
            return Array(cmac.finalize())
        default:
            // GMAC: AES-GCM with nothing to encrypt and the message as additional data; the tag
            // is the signature.
            let nonce = try AES.GCM.Nonce(data: smb2GMACNonce(for: header))
            let sealed = try AES.GCM.seal([UInt8](), using: key, nonce: nonce, authenticating: zeroed)
            return Array(sealed.tag)
        }
    }

    /// `message` with SMB2_FLAGS_SIGNED set and its signature filled in.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        guard message.count >= SMB2Header.size else { throw SMB2Error.truncated("header") }
        var signed = message
        signed[16] |= UInt8(truncatingIfNeeded: SMB2HeaderFlags.signed.rawValue)
        let signature = try signature(of: signed)
        signed.replaceSubrange(
            SMB2Header.signatureOffset..<(SMB2Header.signatureOffset + SMB2Header.signatureLength), with: signature)
        return signed
    }

    /// Throws ``SMB2Error/Code/badSignature`` unless `message` carries the signature its bytes
    /// give; the comparison takes the same time wherever the bytes differ.
    public func verify(_ message: SMB2Message) throws {
        let expected = try signature(of: message.bytes)
        var difference: UInt8 = 0
        for (left, right) in zip(expected, message.header.signature) { difference |= left ^ right }
        guard difference == 0, message.header.signature.count == expected.count else {
            throw SMB2Error.badSignature(message.header.command)
        }
    }
}

/// Encrypts requests and decrypts responses of an encrypted session (MS-SMB2 3.1.4.3) with
/// AES-GCM: the nonce's first 12 bytes, the transform header from Nonce on as associated data, the
/// tag as the header's Signature. AES-CCM has no swift-crypto API, so a client built on this must
/// offer only the GCM ciphers.
public struct SMB2Encryptor: Sendable {
    public let cipher: SMB2Cipher
    private let encryptionKey: SymmetricKey
    private let decryptionKey: SymmetricKey

    public init(cipher: SMB2Cipher, encryptionKey: Secret, decryptionKey: Secret) throws {
        guard cipher == .aes128GCM || cipher == .aes256GCM else {
            throw SMB2Error.unsupported("cipher \(cipher) (only AES-GCM is implemented)")
        }
        guard encryptionKey.count * 8 == cipher.keyBits, decryptionKey.count * 8 == cipher.keyBits else {
            throw SMB2Error.unsupported("\(encryptionKey.count)-byte key for \(cipher)")
        }
        self.cipher = cipher
        self.encryptionKey = SymmetricKey(data: encryptionKey.bytes)
        self.decryptionKey = SymmetricKey(data: decryptionKey.bytes)
    }

    /// The transform header and ciphertext of `message` for `sessionID`, under a 12-byte `nonce`.
    public func seal(_ message: [UInt8], sessionID: UInt64, nonce: [UInt8]) throws -> [UInt8] {
        guard nonce.count == 12 else { throw SMB2Error.unsupported("\(nonce.count)-byte GCM nonce") }
        var header = SMB2TransformHeader(
            nonce: nonce, originalMessageSize: UInt32(message.count), sessionID: sessionID)
        let sealed = try AES.GCM.seal(
            message, using: encryptionKey, nonce: try AES.GCM.Nonce(data: nonce),
            authenticating: header.associatedData)
        header.signature = Array(sealed.tag)
        return header.encoded() + Array(sealed.ciphertext)
    }

    /// The plaintext of an encrypted frame, checked against its tag.
    public func open(_ frame: [UInt8]) throws -> (header: SMB2TransformHeader, message: [UInt8]) {
        let header = try SMB2TransformHeader(parsing: frame)
        let box = try AES.GCM.SealedBox(
            nonce: try AES.GCM.Nonce(data: header.nonce.prefix(12)), ciphertext: frame[SMB2TransformHeader.size...],
            tag: header.signature)
        do {
            return (header, Array(try AES.GCM.open(box, using: decryptionKey, authenticating: header.associatedData)))
        } catch {
            throw SMB2Error.badSignature(SMB2Command(rawValue: 0xFFFF))
        }
    }
}
