import CLibcrypto
import SMB3SMB2
import SMB3SMB2Security

/// AES-CCM (128 or 256) from OpenSSL's libcrypto with SMB's parameters: an 11-byte nonce (so a
/// 4-byte length field) and a 16-byte tag (MS-SMB2 3.1.4.3). swift-crypto has no AES-CCM; this is
/// the maintained library's, through EVP, not a mode written here.
public struct LibcryptoAESCCM: SMB2CCMCipher {
    static let nonceLength: Int32 = 11
    static let tagLength: Int32 = 16

    public init() {}

    public func seal(
        _ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], authenticating aad: [UInt8]
    ) throws -> (
        ciphertext: [UInt8], tag: [UInt8]
    ) {
        let context = try Self.context(key: key, nonce: nonce, encrypting: true, tag: nil)
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        // CCM needs the plaintext's length before the associated data.
        try Self.check(EVP_EncryptUpdate(context, nil, &length, nil, Int32(plaintext.count)), "length")
        try Self.check(EVP_EncryptUpdate(context, nil, &length, aad, Int32(aad.count)), "associated data")
        var ciphertext = [UInt8](repeating: 0, count: max(plaintext.count, 1))
        try Self.check(EVP_EncryptUpdate(context, &ciphertext, &length, plaintext, Int32(plaintext.count)), "encrypt")
        try Self.check(EVP_EncryptFinal_ex(context, &ciphertext, &length), "final")
        var tag = [UInt8](repeating: 0, count: Int(Self.tagLength))
        try Self.check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_GET_TAG, Self.tagLength, &tag), "tag")
        return (Array(ciphertext.prefix(plaintext.count)), tag)
    }

    public func open(
        _ ciphertext: ArraySlice<UInt8>, tag: [UInt8], key: [UInt8], nonce: [UInt8], authenticating aad: [UInt8]
    ) throws -> [UInt8] {
        guard tag.count == Int(Self.tagLength) else { throw SMB2Error.unsupported("\(tag.count)-byte CCM tag") }
        let context = try Self.context(key: key, nonce: nonce, encrypting: false, tag: tag)
        defer { EVP_CIPHER_CTX_free(context) }
        var length: Int32 = 0
        let input = Array(ciphertext)
        try Self.check(EVP_DecryptUpdate(context, nil, &length, nil, Int32(input.count)), "length")
        try Self.check(EVP_DecryptUpdate(context, nil, &length, aad, Int32(aad.count)), "associated data")
        var plaintext = [UInt8](repeating: 0, count: max(input.count, 1))
        // CCM verifies the tag in this call: it fails (returns <= 0) on a mismatch.
        guard EVP_DecryptUpdate(context, &plaintext, &length, input, Int32(input.count)) > 0 else {
            throw SMB2Error.badSignature(SMB2Command(rawValue: 0xFFFF))
        }
        return Array(plaintext.prefix(input.count))
    }

    /// A context with the cipher for the key's size, SMB's nonce and tag lengths, the key and nonce.
    static func context(key: [UInt8], nonce: [UInt8], encrypting: Bool, tag: [UInt8]?) throws -> OpaquePointer {
        guard nonce.count == Int(nonceLength) else { throw SMB2Error.unsupported("\(nonce.count)-byte CCM nonce") }
        let cipher: OpaquePointer?
        switch key.count {
        case 16: cipher = EVP_aes_128_ccm()
        case 32: cipher = EVP_aes_256_ccm()
        default: throw SMB2Error.unsupported("\(key.count)-byte AES-CCM key")
        }
        guard let context = EVP_CIPHER_CTX_new() else { throw SMB2Error.unsupported("EVP_CIPHER_CTX_new failed") }
        do {
            let mode: Int32 = encrypting ? 1 : 0
            try check(EVP_CipherInit_ex(context, cipher, nil, nil, nil, mode), "init")
            try check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_IVLEN, nonceLength, nil), "nonce length")
            if var tag {
                try check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, tagLength, &tag), "expected tag")
            } else {
                try check(EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_AEAD_SET_TAG, tagLength, nil), "tag length")
            }
            try check(EVP_CipherInit_ex(context, nil, nil, key, nonce, mode), "key")
            return context
        } catch {
            EVP_CIPHER_CTX_free(context)
            throw error
        }
    }

    static func check(_ result: Int32, _ step: String) throws {
        guard result > 0 else { throw SMB2Error.unsupported("libcrypto AES-CCM \(step) failed") }
    }
}
