import SMB3AESCCM
import SMB3SMB2
import SMB3SMB2Security
import SMB3TestSupport
import SMB3Wire
import Testing

/// The expected bytes were computed once by Python's `cryptography` (AESCCM with tag_length=16):
/// another binding, so a wrong nonce length, tag length or order of the associated data here
/// would not match. That it is the cipher Samba speaks is proven in the lab (fsrvp-snapshots).
@Suite("AES-CCM from libcrypto")
struct LibcryptoAESCCMTests {
    static let nonce = Array(UInt8(0xA0)..<0xAB)
    static let associatedData = Array(UInt8(0)..<32)
    static let plaintext = Array("SMB2 pipe transceive over AES-CCM".utf8)

    @Test(arguments: [
        (
            Array(UInt8(0x10)..<0x20), "3F055CC53C68BA2A72E47D615C097AC76FA4D069155B62564EAF9189080569604E",
            "27026857829478A895B475137E293B59"
        ),
        (
            Array(UInt8(0x20)..<0x40), "870A8C6E9144F665DF12A71C20A4CCB260464859EE03F4009FC7C5408FA18C1645",
            "6F2E79DF7840EEDF5952E66AE3631F2D"
        ),
    ])
    func sealsAsAnotherImplementationDoesAndOpensItsOwn(key: [UInt8], ciphertext: String, tag: String) throws {
        let ccm = LibcryptoAESCCM()
        let sealed = try ccm.seal(Self.plaintext, key: key, nonce: Self.nonce, authenticating: Self.associatedData)
        #expect(sealed.ciphertext == hexBytes(ciphertext))
        #expect(sealed.tag == hexBytes(tag))
        let opened = try ccm.open(
            sealed.ciphertext[...], tag: sealed.tag, key: key, nonce: Self.nonce, authenticating: Self.associatedData)
        #expect(opened == Self.plaintext)
    }

    @Test func anyChangeIsRefused() throws {
        let ccm = LibcryptoAESCCM()
        let key = Array(UInt8(0x10)..<0x20)
        let sealed = try ccm.seal(Self.plaintext, key: key, nonce: Self.nonce, authenticating: Self.associatedData)
        var tag = sealed.tag
        tag[3] ^= 1
        var ciphertext = sealed.ciphertext
        ciphertext[0] ^= 0x80
        var associatedData = Self.associatedData
        associatedData[31] ^= 1
        var nonce = Self.nonce
        nonce[10] ^= 1
        let cases: [([UInt8], [UInt8], [UInt8], [UInt8])] = [
            (sealed.ciphertext, tag, Self.nonce, Self.associatedData),
            (ciphertext, sealed.tag, Self.nonce, Self.associatedData),
            (sealed.ciphertext, sealed.tag, Self.nonce, associatedData),
            (sealed.ciphertext, sealed.tag, nonce, Self.associatedData),
        ]
        for (body, tag, nonce, associatedData) in cases {
            #expect(throws: (any Error).self) {
                try ccm.open(body[...], tag: tag, key: key, nonce: nonce, authenticating: associatedData)
            }
        }
        #expect(throws: (any Error).self) {
            try ccm.seal(Self.plaintext, key: key, nonce: Self.nonce + [0], authenticating: [])
        }
    }

    @Test(arguments: [SMB2Cipher.aes128CCM, .aes256CCM])
    func anEncryptorWithCCMSealsWithAnElevenByteNonce(cipher: SMB2Cipher) throws {
        let key = Secret(Array(repeating: 0x42, count: cipher.keyBits / 8))
        let client = try SMB2Encryptor(cipher: cipher, encryptionKey: key, decryptionKey: key, ccm: LibcryptoAESCCM())
        #expect(client.nonceLength == 11)
        let frame = try client.seal(Self.plaintext, sessionID: 0x77, nonce: Self.nonce)
        let header = try SMB2TransformHeader(parsing: frame)
        #expect(header.nonce == Self.nonce + Array(repeating: 0, count: 5))
        #expect(try client.open(frame).message == Self.plaintext)
        var tampered = frame
        tampered[tampered.count - 1] ^= 1
        #expect(throws: (any Error).self) { try client.open(tampered) }
        #expect(throws: (any Error).self) {
            try SMB2Encryptor(cipher: cipher, encryptionKey: key, decryptionKey: key)
        }
    }
}
