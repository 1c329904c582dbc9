import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// A witness server whose NTLM CHALLENGE grants neither 128-bit keys nor key exchange is
/// refused unless ntlm_allow_weak_keys says otherwise (issue 13).
@Suite("NTLM: weak session keys refused")
struct NTLMWeakKeysTests {
    static func challenge(_ flags: NTLMNegotiateFlags) throws -> [UInt8] {
        try NTLMChallengeMessage(flags: flags, serverChallenge: [1, 2, 3, 4, 5, 6, 7, 8]).encoded()
    }

    static func auth3(_ challengeFlags: NTLMNegotiateFlags, allowWeakKeys: Bool = false) throws -> [UInt8] {
        var security = NTLMRPCSecurity(
            credentials: NTLMCredentials(userName: "u", domainName: "d", password: "pw"), level: .privacy,
            workstation: "c", allowWeakKeys: allowWeakKeys)
        _ = try security.bindToken(platform: RecordingPlatform())
        return try security.auth3Token(
            bindAckToken: try challenge(challengeFlags), headerSigning: false, platform: RecordingPlatform())
    }

    @Test func aStrongChallengeIsAnswered() throws {
        #expect(try !Self.auth3(.clientDefault).isEmpty)
    }

    @Test func withoutKeyExchangeOr128BitsItIsRefused() {
        let noExchange = #expect(throws: WitnessFailure.self) {
            try Self.auth3(NTLMNegotiateFlags.clientDefault.subtracting(.keyExchange))
        }
        #expect(noExchange?.description.contains("lacks NEGOTIATE_KEY_EXCH (") == true)
        #expect(noExchange?.description.contains("ntlm_allow_weak_keys = yes") == true)
        let weak = #expect(throws: WitnessFailure.self) {
            try Self.auth3(NTLMNegotiateFlags.clientDefault.subtracting([.key128, .keyExchange]))
        }
        #expect(weak?.description.contains("lacks NEGOTIATE_128 and NEGOTIATE_KEY_EXCH") == true)
        #expect(throws: WitnessFailure.self) { try Self.auth3(NTLMNegotiateFlags.clientDefault.subtracting(.key128)) }
    }

    @Test func allowedWhenConfigured() throws {
        #expect(
            try !Self.auth3(NTLMNegotiateFlags.clientDefault.subtracting([.key128, .keyExchange]), allowWeakKeys: true)
                .isEmpty)
        #expect(WitnessConfiguration().ntlmAllowWeakKeys == false)
        #expect(try WitnessConfiguration(parsing: "ntlm_allow_weak_keys = yes").ntlmAllowWeakKeys)
        #expect(throws: WitnessConfiguration.ParseError.self) {
            try WitnessConfiguration(parsing: "ntlm_allow_weak_keys = 40")
        }
        var configuration = WitnessConfiguration()
        configuration.ntlmAllowWeakKeys = true
        let worker = RegistrationWorker(
            registration: WitnessRegistryTests.registration(),
            credentials: .ntlm(NTLMCredentials(userName: "u", domainName: "", password: "pw")),
            configuration: configuration, clientName: "c", platform: RecordingPlatform(), onEvent: { _ in })
        #expect(try worker.authentication().allowWeakNTLMKeys)
    }
}
