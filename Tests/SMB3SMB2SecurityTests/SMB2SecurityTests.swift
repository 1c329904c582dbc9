import SMB3SMB2
import SMB3TestSupport
import SMB3Wire
import Testing

@testable import SMB3SMB2Security

/// Vectors from Microsoft's Open Specifications blog, as reproduced in emc-isilon/pike
/// pike/test/test_smb3_encryption_vector.py: "SMB 3.1.1 Pre-authentication integrity in Windows 10"
/// (2015-08-11), "Encryption in SMB 3.0: a protocol perspective" (2012-10-05) and "SMB 3.1.1
/// Encryption in Windows 10" (2015-09-09).
@Suite("SMB2 pre-auth integrity, key derivation, signing")
struct SMB2SecurityTests {
    /// The five messages of the 3.1.1 exchange and the hash after each.
    static let exchange: [(message: [UInt8], hash: String)] = [
        (
            MicrosoftVectors.negotiateRequest,
            "DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C7362B8C47122594CDE0"
                + "CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426"
        ),
        (
            MicrosoftVectors.negotiateResponse,
            "324BFA92A4F3A190E466EBEA08D9C110DC88BFED758D9846ECC6F541CC1D02AE3C94A79F36011E99"
                + "7E13F841B91B50957AD07B19C8E2539C0B23FDAE09D2C513"
        ),
        (
            MicrosoftVectors.sessionSetupRequest1,
            "AC0B0F2B9986257700365E416D142A6EDC96DF03594A19E52A15F6BD0D041CD5D432F8ED42C55E33"
                + "197A50C9EC00F1462B50C592211B1471A04B56088FDFD5F9"
        ),
        (
            MicrosoftVectors.sessionSetupResponse1,
            "2729E3440DFDDD839E37193F6E8F20C20CEFB3469E453A70CD980EEC06B88357"
                + "40A73760085633364C8989895ECE81BF102DEEB14D4B7D48AFA76901A7A38387"
        ),
        (
            MicrosoftVectors.sessionSetupRequest2,
            "0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB7928622DDDAD522D97"
                + "51640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01"
        ),
    ]

    @Test func preauthIntegrityChainMatchesMicrosoft() {
        var preauth = SMB2PreauthIntegrity()
        #expect(preauth.value == Array(repeating: 0, count: 64))
        for step in Self.exchange {
            preauth.update(with: step.message)
            #expect(preauth.value == hexBytes(step.hash))
        }
    }

    @Test func smb311SigningKeyMatchesMicrosoft() {
        var preauth = SMB2PreauthIntegrity()
        for step in Self.exchange { preauth.update(with: step.message) }
        let keys = SMB2SessionKeys(
            sessionKey: Secret(hexBytes("270E1BA896585EEB7AF3472D3B4C75A7")), dialect: .smb311,
            preauthHash: preauth.value)
        #expect(keys.signing.bytes == hexBytes("73FE7A9A77BEF0BDE49C650D8CCB5F76"))
    }

    @Test func smb300CipherKeysMatchMicrosoft() {
        let keys = SMB2SessionKeys(
            sessionKey: Secret(hexBytes("B4546771B515F766A86735532DD6C4F0")), dialect: .smb300, cipher: .aes128CCM)
        #expect(keys.encryption?.bytes == hexBytes("261B72350558F2E9DCF613070383EDBF"))
        #expect(keys.decryption?.bytes == hexBytes("8FE2B57EC34D2DB5B1A9727F526BBDB5"))
        #expect(keys.signing.count == 16 && keys.application?.count == 16)
    }

    @Test func smb311CipherKeysMatchMicrosoft() {
        let hash = hexBytes(
            "B23F3CBFD69487D9832B79B1594A367CDD950909B774C3A4C412B4FCEA9EDDDBA7DB256BA2EA30E9"
                + "77F11F9B113247578E0E915C6D2A513B8F2FCA5707DC8770")
        let keys = SMB2SessionKeys(
            sessionKey: Secret(hexBytes("419FDDF34C1E001909D362AE7FB6AF79")), dialect: .smb311, preauthHash: hash,
            cipher: .aes128GCM)
        #expect(keys.encryption?.bytes == hexBytes("A2F5E80E5D59103034F32E52F698E5EC"))
        #expect(keys.decryption?.bytes == hexBytes("748C50868C90F302962A5C35F5F9A8BF"))
    }

    @Test func smb2xSignsWithTheSessionKeyItself() {
        let keys = SMB2SessionKeys(sessionKey: Secret(Array(repeating: 9, count: 8)), dialect: .smb210)
        #expect(keys.signing.bytes == Array(repeating: 9, count: 8) + Array(repeating: 0, count: 8))
        #expect(keys.application == nil && keys.encryption == nil && keys.decryption == nil)
    }

    @Test func aes256CipherKeysAre32BytesFromTheFullKey() {
        let long = Secret(Array(0..<32))
        let short = Secret(Array(0..<16) + Array(repeating: 0xEE, count: 16))
        let a = SMB2SessionKeys(sessionKey: long, dialect: .smb311, preauthHash: [], cipher: .aes256GCM)
        let b = SMB2SessionKeys(sessionKey: short, dialect: .smb311, preauthHash: [], cipher: .aes256GCM)
        #expect(a.encryption?.count == 32)
        #expect(a.encryption != b.encryption)  // the whole GSS key counts
        #expect(a.signing == b.signing)  // signing uses its first 16 bytes
    }

    /// Microsoft's SMB 3.0 WRITE (flags SIGNED, signature zero) signed with the 3.1.1 signing key
    /// above; the expected values are OpenSSL 3.0's (`openssl mac` CMAC with AES-128-CBC, HMAC with
    /// SHA256, GMAC with AES-128-GCM and IV 04000000 00000000 00000000), an implementation apart
    /// from swift-crypto's BoringSSL.
    static let write = MicrosoftVectors.smb300WriteRequest
    static let key = Secret(hexBytes("73FE7A9A77BEF0BDE49C650D8CCB5F76"))

    @Test func signaturesMatchOpenSSL() throws {
        let cmac = try SMB2Signer(algorithm: .aesCMAC, key: Self.key)
        #expect(try cmac.signature(of: Self.write) == hexBytes("E23DEB441C1A82F5DFC4786F2DE9CBAE"))
        let hmac = try SMB2Signer(algorithm: .hmacSHA256, key: Self.key)
        #expect(try hmac.signature(of: Self.write) == hexBytes("E576E99677D8B00A5E0B41935A46F225"))
        let gmac = try SMB2Signer(algorithm: .aesGMAC, key: Self.key)
        #expect(try gmac.signature(of: Self.write) == hexBytes("5D5462F60EF27B89BF1BFE74454F996C"))
    }

    @Test func signThenVerifyAndRefuseTampering() throws {
        for algorithm in [SMB2SigningAlgorithm.hmacSHA256, .aesCMAC, .aesGMAC] {
            let signer = try SMB2Signer(algorithm: algorithm, key: Self.key)
            var unsigned = Self.write
            unsigned[16] = 0  // no SIGNED flag yet
            let signed = try signer.sign(unsigned)
            #expect(signed[16] & 0x08 != 0)
            #expect(Array(signed[48..<64]) != Array(repeating: 0, count: 16))
            // The signature ignores what the Signature field held.
            #expect(try signer.signature(of: signed) == Array(signed[48..<64]))
            try signer.verify(try SMB2Message(parsing: signed))
            for index in [0, 20, 47, 64, signed.count - 1] {
                var tampered = signed
                tampered[index] ^= 0x01
                #expect(throws: SMB2Error.self) { try signer.verify(try SMB2Message(parsing: tampered)) }
            }
            var badSignature = signed
            badSignature[50] ^= 0x80
            #expect(throws: SMB2Error(.badSignature, "")) { try signer.verify(try SMB2Message(parsing: badSignature)) }
        }
    }

    @Test func gmacBindsTheNonceToTheRole() throws {
        let signer = try SMB2Signer(algorithm: .aesGMAC, key: Self.key)
        let signed = try signer.sign(Self.write)
        var asResponse = signed
        asResponse[16] |= 0x01  // SERVER_TO_REDIR changes the nonce (and the bytes)
        #expect(try signer.signature(of: asResponse) != Array(signed[48..<64]))
    }

    @Test func signerRefusesBadKeysAndAlgorithms() {
        #expect(throws: SMB2Error(.unsupported, "")) {
            try SMB2Signer(algorithm: .aesCMAC, key: Secret([1, 2, 3]))
        }
        #expect(throws: SMB2Error(.unsupported, "")) {
            try SMB2Signer(algorithm: SMB2SigningAlgorithm(rawValue: 9), key: Self.key)
        }
        #expect(throws: SMB2Error(.truncated, "")) {
            try SMB2Signer(algorithm: .aesCMAC, key: Self.key).sign([0xFE, 0x53])
        }
    }

    @Test func kdfProducesAsManyBlocksAsAsked() {
        let k128 = SMB2KeyDerivation.derive(key: [1], label: [2], context: [3], bits: 128)
        let k256 = SMB2KeyDerivation.derive(key: [1], label: [2], context: [3], bits: 256)
        let k384 = SMB2KeyDerivation.derive(key: [1], label: [2], context: [3], bits: 384)
        #expect(k128.count == 16 && k256.count == 32 && k384.count == 48)
        // L is part of the input: a longer key is not an extension of a shorter one.
        #expect(Array(k256.prefix(16)) != k128)
        #expect(Array(k384.prefix(32)) != k256)
    }
}
