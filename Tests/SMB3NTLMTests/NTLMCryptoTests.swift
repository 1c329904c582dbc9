import SMB3Protocol
import Testing

@testable import SMB3NTLM

@Suite("NTLM crypto primitives")
struct NTLMCryptoTests {
    static let md4Vectors: [(String, String)] = [  // RFC 1320 appendix A.5
        ("", "31d6cfe0d16ae931b73c59d7e0c089c0"),
        ("a", "bde52cb31de33e46245e05fbdbd6fb24"),
        ("abc", "a448017aaf21d8525fc10ae87aa6729d"),
        ("message digest", "d9130a8164549fe818874806e1c7014b"),
        ("abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "043f8582f241db351ce627e153e7f0e4"),
        (String(repeating: "1234567890", count: 8), "e33b4ddc9c38f2199c3e7b164fcc0536"),
    ]

    static let md5Vectors: [(String, String)] = [  // RFC 1321 appendix A.5
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
        (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
    ]

    @Test(arguments: md4Vectors)
    func md4MatchesRFC1320(input: String, expected: String) {
        #expect(ntlmHexString(MD4.hash(Array(input.utf8))) == expected)
    }

    @Test(arguments: md5Vectors)
    func md5MatchesRFC1321(input: String, expected: String) {
        #expect(ntlmHexString(MD5.hash(Array(input.utf8))) == expected)
    }

    @Test func hashesAcrossThePaddingBoundaries() {
        // 55, 56 and 64 bytes take one, two and two blocks; the NT hash of "Password" is MS-NLMP 4.2.2.1.2.
        #expect(MD5.hash([UInt8](repeating: 0x61, count: 55)).count == 16)
        #expect(MD5.hash([UInt8](repeating: 0x61, count: 56)) != MD5.hash([UInt8](repeating: 0x61, count: 55)))
        #expect(ntlmHexString(MD4.hash(encodeUTF16LE("Password"))) == "a4f49c406510bdcab6824ee7c30fd852")
    }

    static let hmacVectors: [([UInt8], [UInt8], String)] = [  // RFC 2202 section 2
        ([UInt8](repeating: 0x0B, count: 16), Array("Hi There".utf8), "9294727a3638bb1c13f48ef8158bfc9d"),
        (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8), "750c783e6ab0b503eaa86e310a5db738"),
        ([UInt8](repeating: 0xAA, count: 16), [UInt8](repeating: 0xDD, count: 50), "56be34521d144c88dbb8c733f0e8b3f6"),
        (Array(1...25), [UInt8](repeating: 0xCD, count: 50), "697eaf0aca3a3aea3a75164746ffaa79"),
        (
            [UInt8](repeating: 0xAA, count: 80), Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
            "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"
        ),
        (
            [UInt8](repeating: 0xAA, count: 80),
            Array("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data".utf8),
            "6f630fad67cda0ee1fb1f562db3aa53e"
        ),
    ]

    @Test(arguments: hmacVectors)
    func hmacMD5MatchesRFC2202(key: [UInt8], message: [UInt8], expected: String) {
        #expect(ntlmHexString(HMACMD5.authenticationCode(key: key, message: message)) == expected)
    }

    @Test func rc4MatchesTheClassicVectors() {
        var cipher = RC4(key: Array("Key".utf8))
        #expect(ntlmHexString(cipher.process(Array("Plaintext".utf8))) == "bbf316e8d940af0ad3")
        cipher = RC4(key: Array("Wiki".utf8))
        #expect(ntlmHexString(cipher.process(Array("pedia".utf8))) == "1021bf0420")
        cipher = RC4(key: Array("Secret".utf8))
        #expect(ntlmHexString(cipher.process(Array("Attack at dawn".utf8))) == "45a01f645fc35b383552544b9bf5")
    }

    @Test func rc4KeystreamContinuesAcrossCalls() {
        // RFC 6229, 40-bit key 0x0102030405: offsets 0 and 1024.
        var cipher = RC4(key: [1, 2, 3, 4, 5])
        #expect(ntlmHexString(cipher.process([UInt8](repeating: 0, count: 16))) == "b2396305f03dc027ccc3524a0a1118a8")
        for _ in 0..<63 { _ = cipher.process([UInt8](repeating: 0, count: 16)) }
        #expect(ntlmHexString(cipher.process([UInt8](repeating: 0, count: 16))) == "30abbcc7c20b01609f23ee2d5f6bb7df")
    }
}
