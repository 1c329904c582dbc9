import SMB3Protocol
import Testing

@testable import SMB3NTLM

/// MS-NLMP section 4.2.4 (NTLMv2 Authentication) examples, as transcribed in jborean93/ntlm-auth
/// tests/expected_values.py ("[MS-NLMP] v28 2016-07-14"). impacket's tests/SMB_RPC/test_ntlm.py omits the
/// Z(4) after the AV pairs and passes the sealing key as the signing key in its GSS_WrapEx check, so its
/// NTLMv2 numbers differ from the spec's; the spec's are used here.
@Suite("MS-NLMP 4.2.4 NTLMv2 vectors")
struct NTLMSpecVectorTests {
    static let credentials = NTLMCredentials(userName: "User", domainName: "Domain", password: "Password")
    static let serverChallenge = ntlmHex("01 23 45 67 89 ab cd ef")
    static let clientChallenge = [UInt8](repeating: 0xAA, count: 8)
    static let randomSessionKey = Secret([UInt8](repeating: 0x55, count: 16))
    /// MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", MsvAvEOL.
    static let targetInfo = ntlmHex(
        """
        02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00 01 00 0c 00
        53 00 65 00 72 00 76 00 65 00 72 00 00 00 00 00
        """)
    static let temp = ntlmHex(
        """
        01 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00
        aa aa aa aa aa aa aa aa 00 00 00 00 02 00 0c 00
        44 00 6f 00 6d 00 61 00 69 00 6e 00 01 00 0c 00
        53 00 65 00 72 00 76 00 65 00 72 00 00 00 00 00
        00 00 00 00
        """)
    /// 4.2.4.3 CHALLENGE_MESSAGE (its TargetNameLen of 3 is as published).
    static let challengeMessage = ntlmHex(
        """
        4e 54 4c 4d 53 53 50 00 02 00 00 00 03 00 0c 00
        38 00 00 00 33 82 8a e2 01 23 45 67 89 ab cd ef
        00 00 00 00 00 00 00 00 24 00 24 00 44 00 00 00
        06 00 70 17 00 00 00 0f 53 00 65 00 72 00 76 00
        65 00 72 00 02 00 0c 00 44 00 6f 00 6d 00 61 00
        69 00 6e 00 01 00 0c 00 53 00 65 00 72 00 76 00
        65 00 72 00 00 00 00 00
        """)
    /// 4.2.4.3 AUTHENTICATE_MESSAGE.
    static let authenticateMessage = ntlmHex(
        """
        4e 54 4c 4d 53 53 50 00 03 00 00 00 18 00 18 00
        6c 00 00 00 54 00 54 00 84 00 00 00 0c 00 0c 00
        48 00 00 00 08 00 08 00 54 00 00 00 10 00 10 00
        5c 00 00 00 10 00 10 00 d8 00 00 00 35 82 88 e2
        05 01 28 0a 00 00 00 0f 44 00 6f 00 6d 00 61 00
        69 00 6e 00 55 00 73 00 65 00 72 00 43 00 4f 00
        4d 00 50 00 55 00 54 00 45 00 52 00 86 c3 50 97
        ac 9c ec 10 25 54 76 4a 57 cc cc 19 aa aa aa aa
        aa aa aa aa 68 cd 0a b8 51 e5 1c 96 aa bc 92 7b
        eb ef 6a 1c 01 01 00 00 00 00 00 00 00 00 00 00
        00 00 00 00 aa aa aa aa aa aa aa aa 00 00 00 00
        02 00 0c 00 44 00 6f 00 6d 00 61 00 69 00 6e 00
        01 00 0c 00 53 00 65 00 72 00 76 00 65 00 72 00
        00 00 00 00 00 00 00 00 c5 da d2 54 4f c9 79 90
        94 ce 1c e9 0b c9 d0 3e
        """)

    @Test func ntowfv2() {
        #expect(ntlmHexString(Self.credentials.ntHash.bytes) == "a4f49c406510bdcab6824ee7c30fd852")  // 4.2.2.1.2
        #expect(ntlmHexString(Self.credentials.responseKeyNT.bytes) == "0c868a403bfd7a93a3001ef22ef02e3f")
    }

    @Test func responsesAndSessionBaseKey() throws {
        let response = try NTLMv2Response(
            responseKeyNT: Self.credentials.responseKeyNT, serverChallenge: Self.serverChallenge,
            clientChallenge: Self.clientChallenge, timestamp: 0, targetInfo: Self.targetInfo, omitsLMResponse: false)
        #expect(ntlmHexString(response.sessionBaseKey.bytes) == "8de40ccadbc14a82f15cb0ad0de95ca3")
        #expect(ntlmHexString(response.ntProofString) == "68cd0ab851e51c96aabc927bebef6a1c")
        #expect(response.ntChallengeResponse == ntlmHex("68cd0ab851e51c96aabc927bebef6a1c") + Self.temp)
        #expect(ntlmHexString(response.lmChallengeResponse) == "86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa")

        var cipher = RC4(key: response.sessionBaseKey.bytes)  // KXKEY = SessionBaseKey for NTLMv2
        #expect(ntlmHexString(cipher.process(Self.randomSessionKey.bytes)) == "c5dad2544fc9799094ce1ce90bc9d03e")
    }

    @Test func parsesTheChallengeMessage() throws {
        let challenge = try NTLMChallengeMessage(parsing: Self.challengeMessage)
        #expect(challenge.flags.rawValue == 0xE28A_8233)
        #expect(challenge.serverChallenge == Self.serverChallenge)
        #expect(challenge.targetInfo.nbDomainName == "Domain")
        #expect(challenge.targetInfo.nbComputerName == "Server")
        #expect(challenge.targetInfo.timestamp == nil)
        #expect(try challenge.targetInfo.encoded() == Self.targetInfo)
        #expect(challenge.version == NTLMVersion(productMajor: 6, productMinor: 0, productBuild: 6000))
    }

    @Test func buildsTheAuthenticateMessageByteForByte() throws {
        var context = NTLMClientContext(
            workstation: "COMPUTER", version: NTLMVersion(productMajor: 5, productMinor: 1, productBuild: 2600))
        #expect(context.offeredFlags.rawValue == 0xE288_8235)
        _ = context.negotiate()
        let message = try context.authenticate(
            challenge: Self.challengeMessage, credentials: Self.credentials, clientChallenge: Self.clientChallenge,
            exportedSessionKey: Self.randomSessionKey, timestamp: 0)
        #expect(ntlmHexString(message) == ntlmHexString(Self.authenticateMessage))
        #expect(context.output?.negotiatedFlags.rawValue == 0xE288_8235)
        #expect(context.output?.exportedSessionKey == Self.randomSessionKey)
        #expect(context.output?.hasMIC == false)
    }

    @Test func sealingAndSigningKeys() {
        let key = Self.randomSessionKey.bytes
        let flags = NTLMNegotiateFlags(rawValue: 0xE28A_8233)
        let sealing = NTLMSessionSecurity.sealingKey(
            key, flags: flags, magic: "session key to client-to-server sealing key magic constant")
        let signing = NTLMSessionSecurity.signingKey(
            key, magic: "session key to client-to-server signing key magic constant")
        #expect(ntlmHexString(sealing) == "59f600973cc4960a25480a7c196e4c58")
        #expect(ntlmHexString(signing) == "4788dc861b4782f35d43fd98fe1a2d39")
    }

    @Test func gssWrapEx() throws {
        var security = try NTLMSessionSecurity(
            exportedSessionKey: Self.randomSessionKey, flags: NTLMNegotiateFlags(rawValue: 0xE28A_8233))
        let (sealed, signature) = security.seal(encodeUTF16LE("Plaintext"))
        #expect(ntlmHexString(sealed) == "54e50165bf1936dc996020c1811b0f06fb5f")
        #expect(ntlmHexString(signature) == "010000007fb38ec5c55d497600000000")
        #expect(security.outboundSequenceNumber == 1)
    }

    /// Not in the spec: jborean93/ntlm-auth tests/unit/test_session_security.py test_sign_no_seal_message,
    /// the same keys signing without sealing first (so the checksum takes the first 8 keystream bytes).
    @Test func signWithoutSealing() throws {
        var security = try NTLMSessionSecurity(
            exportedSessionKey: Self.randomSessionKey,
            flags: NTLMNegotiateFlags(rawValue: 0xE28A_8233).subtracting(.seal))
        #expect(ntlmHexString(security.sign(encodeUTF16LE("Plaintext"))) == "0100000074d045342c4f1cd500000000")
    }
}
