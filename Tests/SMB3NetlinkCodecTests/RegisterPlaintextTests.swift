import SMB3Protocol
import SMB3TestSupport
import Testing

@testable import SMB3NetlinkCodec

/// The copies of REGISTER's password the daemon makes are zeroed once used (issue 13).
@Suite("REGISTER plaintext copies")
struct RegisterPlaintextTests {
    static let password = Array("Passw0rd!".utf8)

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { Array(haystack[$0..<($0 + needle.count)]) == needle }
    }

    @Test func zeroOverwritesInPlace() {
        var bytes: [UInt8] = [1, 2, 3, 4]
        Secret.zero(&bytes)
        #expect(bytes == [0, 0, 0, 0])
        var empty: [UInt8] = []
        Secret.zero(&empty)
        #expect(empty.isEmpty)
    }

    /// What the daemon's receive loop does with the captured REGISTER: after the event is
    /// parsed, the datagram, the message payload and every attribute are zeroed, and only the
    /// registration's Secret still has the password.
    @Test func everyCopyOfTheCapturedRegisterIsZeroed() throws {
        var datagram = SWNKernelMessageTests.capturedRegister
        #expect(Self.contains(datagram, Self.password))
        var messages = try NetlinkMessage.split(datagram)
        var generic = try GenericNetlinkMessage(parsing: messages[0].payload)
        let event = try SWNKernelEvent(parsing: generic)
        generic.zeroAttributes()
        messages[0].zeroPayload()
        Secret.zero(&datagram)
        #expect(datagram.allSatisfy { $0 == 0 } && datagram.count == 240)
        #expect(messages[0].payload.allSatisfy { $0 == 0 })
        #expect(generic.attributes.allSatisfy { $0.payload.allSatisfy { $0 == 0 } })
        #expect(!generic.attributes.isEmpty)
        guard case .register(let registration) = event, case .ntlm(_, let secret, _) = registration.credentials else {
            Issue.record("not an NTLM REGISTER")
            return
        }
        #expect(secret.bytes == Self.password)
    }

    /// The NT hash made from the Secret equals the one from a String of the password, for valid
    /// and invalid UTF-8 alike (no behaviour change), and matches MS-NLMP 4.2.2.1.2.
    @Test func ntHashFromTheSecretNeedsNoString() {
        let vector = NTLMCredentials(userName: "User", domainName: "Domain", password: Secret(Array("Password".utf8)))
        #expect(vector.ntHash.bytes == hexBytes("a4f49c406510bdcab6824ee7c30fd852"))
        let inputs: [[UInt8]] = [
            Self.password, [], Array("pässwörd€".utf8), [0xF0, 0x9F, 0x98, 0x80, 0x41],  // U+1F600: a surrogate pair
            [0xFF, 0x41], [0xE2, 0x82], [0xED, 0xA0, 0x80, 0x42], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80],
            [0xE2, 0x28, 0xA1], [0x61, 0xF0, 0x9F, 0x98],
        ]
        for bytes in inputs {
            let fromSecret = NTLMCredentials(userName: "u", domainName: "d", password: Secret(bytes))
            let fromString = NTLMCredentials(
                userName: "u", domainName: "d", password: String(decoding: bytes, as: UTF8.self))
            #expect(fromSecret.ntHash == fromString.ntHash, "\(bytes)")
            #expect(encodeUTF16LE(utf8: bytes) == encodeUTF16LE(String(decoding: bytes, as: UTF8.self)), "\(bytes)")
        }
    }
}
