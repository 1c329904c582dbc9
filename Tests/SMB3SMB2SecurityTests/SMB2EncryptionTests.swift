import SMB3SMB2
import SMB3TestSupport
import SMB3Wire
import Testing

@testable import SMB3SMB2Security

/// Microsoft's "SMB 3.1.1 Encryption in Windows 10" (Open Specifications blog, 2015-09-09), as
/// reproduced in emc-isilon/pike pike/test/test_smb3_encryption_vector.py: a WRITE sealed with
/// AES-128-GCM.
@Suite("SMB2 encryption")
struct SMB2EncryptionTests {
    static let sessionKey = Secret(hexBytes("419FDDF34C1E001909D362AE7FB6AF79"))
    static let preauthHash = hexBytes(
        """
        B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9
        77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770
        """)
    static let sessionID: UInt64 = 0x1000_0000_0025
    static let nonce = hexBytes("C7D6822D269CAF48904C664C")
    static let plaintext = hexBytes(
        """
        FE534D4240000100000000000900010008000000000000000500000000000000FFFE000001000000
        25000000001000000000000000000000000000000000000031007000170000000000000000000000
        0600000004000000010000000400000000000000000000007000000000000000536D623320656E63
        72797074696F6E2074657374696E67
        """)
    static let transformed = hexBytes(
        """
        FD534D42BD73D97D2BC9001BCAFAC0FDFF5FEEBCC7D6822D269CAF48904C664C0000000087000000
        0000010025000000001000006ECDD2A7AFC7B47763057A041B8FD4DAFFE990B70C9E09D36C084E02
        D14EF247F8BDE38ACF6256F8B1D3B56F77FBDEB312FEA5E92CBCC1ED8FB2EBBFAA75E49A4A394BB4
        4576545567C24D4C014D47C9FBDFDAFD2C4F9B72F8D256452620A299F48E29E53D6B61D1C13A19E9
        1AF013F00D17E3ABC2FC3D36C8C1B6B93973253852DBD442E46EE8
        """)

    @Test func microsoftsVectorSealsByteForByte() throws {
        let keys = SMB2SessionKeys(
            sessionKey: Self.sessionKey, dialect: .smb311, preauthHash: Self.preauthHash, cipher: .aes128GCM)
        let encryption = try #require(keys.encryption)
        #expect(encryption.bytes == hexBytes("A2F5E80E5D59103034F32E52F698E5EC"))
        let sealer = try SMB2Encryptor(
            cipher: .aes128GCM, encryptionKey: encryption, decryptionKey: try #require(keys.decryption))
        #expect(try sealer.seal(Self.plaintext, sessionID: Self.sessionID, nonce: Self.nonce) == Self.transformed)
    }

    @Test func theServersSideOpensItAndRefusesATamperedOne() throws {
        let key = Secret(hexBytes("A2F5E80E5D59103034F32E52F698E5EC"))
        // The server decrypts with the client's encryption key.
        let server = try SMB2Encryptor(cipher: .aes128GCM, encryptionKey: key, decryptionKey: key)
        let (header, message) = try server.open(Self.transformed)
        #expect(message == Self.plaintext)
        #expect(header.sessionID == Self.sessionID && header.originalMessageSize == UInt32(Self.plaintext.count))
        for index in [0x14, 0x30, Self.transformed.count - 1] {  // nonce, session id, ciphertext
            var tampered = Self.transformed
            tampered[index] ^= 0x01
            #expect(throws: SMB2Error.self) { try server.open(tampered) }
        }
        var tag = Self.transformed
        tag[4] ^= 0x80
        #expect(throws: SMB2Error.badSignature(SMB2Command(rawValue: 0xFFFF))) { try server.open(tag) }
    }

    @Test func transformHeaderIsStrict() throws {
        let header = try SMB2TransformHeader(parsing: Self.transformed)
        #expect(header.encoded() == Array(Self.transformed[0..<52]))
        #expect(header.associatedData == Array(Self.transformed[20..<52]))
        for length in 0..<Self.transformed.count {
            #expect(throws: SMB2Error.self) { try SMB2TransformHeader(parsing: Array(Self.transformed[0..<length])) }
        }
        #expect(throws: SMB2Error.self) { try SMB2TransformHeader(parsing: Self.transformed + [0]) }
        #expect(throws: SMB2Error.self) {
            try SMB2Encryptor(cipher: .aes128CCM, encryptionKey: Self.sessionKey, decryptionKey: Self.sessionKey)
        }
    }
}
