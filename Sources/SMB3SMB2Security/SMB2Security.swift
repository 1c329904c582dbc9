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

/// AES-CCM with SMB's parameters (an 11-byte nonce, a 16-byte tag; MS-SMB2 3.1.4.3), supplied by
/// the platform: swift-crypto has no AES-CCM, and the model imports no C library.
public protocol SMB2CCMCipher: Sendable {
    func seal(
        _ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], authenticating: [UInt8]
    ) throws -> (
        ciphertext: [UInt8], tag: [UInt8]
    )
    /// The plaintext, or a throw when the tag does not verify.
    func open(
        _ ciphertext: ArraySlice<UInt8>, tag: [UInt8], key: [UInt8], nonce: [UInt8], authenticating: [UInt8]
    ) throws -> [UInt8]
}

/// Encrypts requests and decrypts responses of an encrypted session (MS-SMB2 3.1.4.3): the
/// cipher's nonce (12 bytes for GCM, 11 for CCM) at the start of the header's 16-byte Nonce, the
/// transform header from Nonce on as associated data, the tag as the header's Signature. AES-GCM
/// comes from swift-crypto; AES-CCM from the `ccm` the platform supplies (without one, a session
/// that needs CCM is refused here).
public struct SMB2Encryptor: Sendable {
    public let cipher: SMB2Cipher
    private let encryptionKey: Secret
    private let decryptionKey: Secret
    private let ccm: (any SMB2CCMCipher)?

    public var isGCM: Bool { cipher == .aes128GCM || cipher == .aes256GCM }
    /// The nonce length this cipher takes (the rest of the header's 16 bytes stays zero).
    public var nonceLength: Int { isGCM ? 12 : 11 }

    public init(
        cipher: SMB2Cipher, encryptionKey: Secret, decryptionKey: Secret, ccm: (any SMB2CCMCipher)? = nil
    ) throws {
        switch cipher {
        case .aes128GCM, .aes256GCM: break
        case .aes128CCM, .aes256CCM:
            guard ccm != nil else { throw SMB2Error.unsupported("cipher \(cipher) (no AES-CCM implementation here)") }
        default: throw SMB2Error.unsupported("cipher \(cipher)")
        }
        guard encryptionKey.count * 8 == cipher.keyBits, decryptionKey.count * 8 == cipher.keyBits else {
            throw SMB2Error.unsupported("\(encryptionKey.count)-byte key for \(cipher)")
        }
        self.cipher = cipher
        self.encryptionKey = encryptionKey
        self.decryptionKey = decryptionKey
        self.ccm = ccm
    }

    /// The transform header and ciphertext of `message` for `sessionID`, under `nonce`
    /// (`nonceLength` bytes, never reused with this key).
    public func seal(_ message: [UInt8], sessionID: UInt64, nonce: [UInt8]) throws -> [UInt8] {
        guard nonce.count == nonceLength else { throw SMB2Error.unsupported("\(nonce.count)-byte \(cipher) nonce") }
        var header = SMB2TransformHeader(
            nonce: nonce, originalMessageSize: UInt32(message.count), sessionID: sessionID)
        if let ccm, !isGCM {
            let sealed = try ccm.seal(
                message, key: encryptionKey.bytes, nonce: nonce, authenticating: header.associatedData)
            header.signature = sealed.tag
            return header.encoded() + sealed.ciphertext
        }
        let sealed = try AES.GCM.seal(
            message, using: SymmetricKey(data: encryptionKey.bytes), nonce: try AES.GCM.Nonce(data: nonce),
            authenticating: header.associatedData)
        header.signature = Array(sealed.tag)
        return header.encoded() + Array(sealed.ciphertext)
    }

    /// The plaintext of an encrypted frame, checked against its tag.
    public func open(_ frame: [UInt8]) throws -> (header: SMB2TransformHeader, message: [UInt8]) {
        let header = try SMB2TransformHeader(parsing: frame)
        let nonce = Array(header.nonce.prefix(nonceLength))
        let ciphertext = frame[SMB2TransformHeader.size...]
        do {
            if let ccm, !isGCM {
                return (
                    header,
                    try ccm.open(
                        ciphertext, tag: header.signature, key: decryptionKey.bytes, nonce: nonce,
                        authenticating: header.associatedData)
                )
            }
            let box = try AES.GCM.SealedBox(
                nonce: try AES.GCM.Nonce(data: nonce), ciphertext: ciphertext, tag: header.signature)
            return (
                header,
                Array(
                    try AES.GCM.open(
                        box, using: SymmetricKey(data: decryptionKey.bytes), authenticating: header.associatedData))
            )
        } catch {
            throw SMB2Error.badSignature(SMB2Command(rawValue: 0xFFFF))
        }
    }
}
