import SMB3Protocol
import Testing

@testable import SMB3NTLM

@Suite("NTLM client exchange and session security")
struct NTLMClientContextTests {
    static let credentials = NTLMCredentials(userName: "witness", domainName: "SAMBA", password: "Secret123")
    static let clientChallenge: [UInt8] = [0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]
    static let exportedKey = Secret(Array(0x20..<0x30))
    static let serverTimestamp: UInt64 = 0x01DB_2C3D_4E5F_6071
    static let clientTimestamp: UInt64 = 0x01DB_0000_0000_0001

    /// A CHALLENGE like Samba 4.22's (neg_flags 0x628a8215: no SEAL, no 56), with or without MsvAvTimestamp.
    static func sambaChallenge(timestamp: UInt64?) throws -> [UInt8] {
        var info = NTLMTargetInfo()
        info.set(.nbDomainName, to: encodeUTF16LE("SAMBA"))
        info.set(.nbComputerName, to: encodeUTF16LE("DC1"))
        info.set(.dnsDomainName, to: encodeUTF16LE("samba.example"))
        info.set(.dnsComputerName, to: encodeUTF16LE("dc1.samba.example"))
        if let timestamp {
            var writer = WireWriter()
            writer.writeInteger(timestamp, .little)
            info.set(.timestamp, to: writer.bytes)
        }
        return try NTLMChallengeMessage(
            flags: NTLMNegotiateFlags(rawValue: 0x628A_8215), serverChallenge: [1, 2, 3, 4, 5, 6, 7, 8],
            targetName: "SAMBA", targetInfo: info,
            version: NTLMVersion(productMajor: 6, productMinor: 1, productBuild: 0)
        ).encoded()
    }

    @Test func negotiateMessageLayout() {
        var context = NTLMClientContext()
        let message = context.negotiate()
        #expect(message.count == 40)
        #expect(Array(message.prefix(12)) == ntlmSignature + [1, 0, 0, 0])
        #expect(Array(message[12..<16]) == [0x35, 0x82, 0x88, 0xE2])  // 0xe2888235
        #expect(Array(message[16..<32]) == [0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0])
        #expect(Array(message[32..<40]) == [6, 1, 0, 0, 0, 0, 0, 0x0F])

        var withoutVersion = NTLMClientContext(version: nil)
        let short = withoutVersion.negotiate()
        #expect(short.count == 32)
        #expect(Array(short[12..<16]) == [0x35, 0x82, 0x88, 0xE0])
        #expect(Array(short[16..<32]) == [0, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0])
    }

    @Test func roundTripWithServerTimestampCarriesMIC() throws {
        var context = NTLMClientContext(workstation: "WITNESSD")
        let negotiate = context.negotiate()
        let challenge = try Self.sambaChallenge(timestamp: Self.serverTimestamp)
        let message = try context.authenticate(
            challenge: challenge, credentials: Self.credentials, clientChallenge: Self.clientChallenge,
            exportedSessionKey: Self.exportedKey, timestamp: Self.clientTimestamp)

        let parsed = try NTLMAuthenticateMessage(parsing: message)
        // Offered 0xe2888235 minus what Samba withheld (SEAL, 56).
        #expect(parsed.flags.rawValue == 0x6288_8215)
        #expect(context.output?.negotiatedFlags == parsed.flags)
        #expect(parsed.userName == "witness")
        #expect(parsed.domainName == "SAMBA")
        #expect(parsed.workstation == "WITNESSD")
        #expect(parsed.version == .sambaClient)
        #expect(parsed.lmChallengeResponse == [UInt8](repeating: 0, count: 24))

        // The NTLMv2 blob: header, the server's timestamp, our challenge, AV pairs with MsvAvFlags = MIC.
        let nt = parsed.ntChallengeResponse
        let blob = Array(nt.dropFirst(16))
        #expect(Array(blob.prefix(8)) == [1, 1, 0, 0, 0, 0, 0, 0])
        var reader = WireReader(Array(blob[8..<16]))
        #expect(reader.readInteger(.little, as: UInt64.self) == Self.serverTimestamp)
        #expect(Array(blob[16..<24]) == Self.clientChallenge)
        #expect(Array(blob.suffix(4)) == [0, 0, 0, 0])
        let info = try NTLMTargetInfo(parsing: Array(blob[28...]))
        #expect(info.flags == NTLMTargetInfo.micPresentFlag)
        #expect(info.timestamp == Self.serverTimestamp)
        #expect(info.dnsComputerName == "dc1.samba.example")

        // NTProofStr, session base key and the key exchange, recomputed from the spec formulas.
        let key = Self.credentials.responseKeyNT.bytes
        let proof = HMACMD5.authenticationCode(key: key, message: [1, 2, 3, 4, 5, 6, 7, 8] + blob)
        #expect(Array(nt.prefix(16)) == proof)
        var unwrap = RC4(key: HMACMD5.authenticationCode(key: key, message: proof))
        #expect(unwrap.process(parsed.encryptedRandomSessionKey) == Self.exportedKey.bytes)
        #expect(context.output?.exportedSessionKey == Self.exportedKey)

        // MIC over NEGOTIATE ‖ CHALLENGE ‖ AUTHENTICATE with the MIC zeroed, at offset 72.
        #expect(context.output?.hasMIC == true)
        var zeroed = message
        zeroed.replaceSubrange(72..<88, with: [UInt8](repeating: 0, count: 16))
        let mic = HMACMD5.authenticationCode(key: Self.exportedKey.bytes, message: negotiate + challenge + zeroed)
        #expect(parsed.mic == mic)
        #expect(Array(message[72..<88]) == mic)

        #expect(context.sessionSecurity?.flags == parsed.flags)
        #expect(context.challenge?.targetName == "SAMBA")
    }

    @Test func withoutServerTimestampUsesInjectedTimeAndLMv2() throws {
        var context = NTLMClientContext(workstation: "WITNESSD", targetName: "host/dc1.samba.example")
        _ = context.negotiate()
        let message = try context.authenticate(
            challenge: try Self.sambaChallenge(timestamp: nil), credentials: Self.credentials,
            clientChallenge: Self.clientChallenge, exportedSessionKey: Self.exportedKey,
            timestamp: Self.clientTimestamp)
        let parsed = try NTLMAuthenticateMessage(parsing: message)
        #expect(parsed.mic == nil)
        #expect(context.output?.hasMIC == false)
        #expect(Array(parsed.lmChallengeResponse.suffix(8)) == Self.clientChallenge)
        let blob = Array(parsed.ntChallengeResponse.dropFirst(16))
        var reader = WireReader(Array(blob[8..<16]))
        #expect(reader.readInteger(.little, as: UInt64.self) == Self.clientTimestamp)
        let info = try NTLMTargetInfo(parsing: Array(blob[28...]))
        #expect(info.flags == nil)
        #expect(info.value(for: .targetName) == encodeUTF16LE("host/dc1.samba.example"))
    }

    /// Samba reads the MIC at offset 72 whatever the flags say, so a client without a version still leaves
    /// eight zero bytes there.
    @Test func micStaysAtOffset72WithoutVersion() throws {
        var context = NTLMClientContext(version: nil)
        let negotiate = context.negotiate()
        let challenge = try Self.sambaChallenge(timestamp: Self.serverTimestamp)
        let message = try context.authenticate(
            challenge: challenge, credentials: Self.credentials, clientChallenge: Self.clientChallenge,
            exportedSessionKey: Self.exportedKey, timestamp: 0)
        #expect(context.output?.negotiatedFlags.contains(.version) == false)
        #expect(Array(message[64..<72]) == [UInt8](repeating: 0, count: 8))
        var zeroed = message
        zeroed.replaceSubrange(72..<88, with: [UInt8](repeating: 0, count: 16))
        let mic = HMACMD5.authenticationCode(key: Self.exportedKey.bytes, message: negotiate + challenge + zeroed)
        #expect(Array(message[72..<88]) == mic)
    }

    @Test func refusesWhatItCannotDo() throws {
        var context = NTLMClientContext()
        let challenge = try Self.sambaChallenge(timestamp: nil)
        #expect(throws: NTLMError.outOfOrder()) {
            try context.authenticate(
                challenge: challenge, credentials: Self.credentials, clientChallenge: Self.clientChallenge,
                exportedSessionKey: Self.exportedKey, timestamp: 0)
        }
        _ = context.negotiate()

        var noESS = challenge
        noESS[22] &= ~0x08  // clear EXTENDED_SESSIONSECURITY (0x00080000)
        #expect(throws: NTLMError.flagNotNegotiated(.extendedSessionSecurity)) {
            try context.authenticate(
                challenge: noESS, credentials: Self.credentials, clientChallenge: Self.clientChallenge,
                exportedSessionKey: Self.exportedKey, timestamp: 0)
        }
        var oemOnly = challenge
        oemOnly[20] = (oemOnly[20] & ~0x01) | 0x02
        #expect(throws: NTLMError.flagNotNegotiated(.unicode)) {
            try context.authenticate(
                challenge: oemOnly, credentials: Self.credentials, clientChallenge: Self.clientChallenge,
                exportedSessionKey: Self.exportedKey, timestamp: 0)
        }
        #expect(throws: NTLMError.self) {
            try context.authenticate(
                challenge: challenge, credentials: Self.credentials, clientChallenge: [1, 2, 3],
                exportedSessionKey: Self.exportedKey, timestamp: 0)
        }
        #expect(throws: NTLMError.self) {
            try context.authenticate(
                challenge: challenge, credentials: Self.credentials, clientChallenge: Self.clientChallenge,
                exportedSessionKey: Secret([1]), timestamp: 0)
        }
        _ = try context.authenticate(
            challenge: challenge, credentials: Self.credentials, clientChallenge: Self.clientChallenge,
            exportedSessionKey: Self.exportedKey, timestamp: 0)
        #expect(throws: NTLMError.outOfOrder()) {
            try context.authenticate(
                challenge: challenge, credentials: Self.credentials, clientChallenge: Self.clientChallenge,
                exportedSessionKey: Self.exportedKey, timestamp: 0)
        }
        #expect(throws: NTLMError.flagNotNegotiated(.extendedSessionSecurity)) {
            try NTLMSessionSecurity(exportedSessionKey: Self.exportedKey, flags: [.sign, .seal, .keyExchange])
        }
    }

    @Test func userNameIsUppercasedOneCodePointAtATime() {
        #expect(windowsUppercased("straße-ǆ-user") == "STRAßE-Ǆ-USER")
    }

    @Test func credentialsNeverPrintTheHash() {
        #expect("\(Self.credentials)" == "SAMBA\\witness")
        #expect("\(Self.credentials.ntHash)" == "<redacted 16 bytes>")
    }

    static let sessionFlags = NTLMNegotiateFlags.clientDefault.union(.version)

    @Test func integrityBothDirections() throws {
        var client = try NTLMSessionSecurity(exportedSessionKey: Self.exportedKey, flags: Self.sessionFlags)
        var server = try NTLMSessionSecurity(
            exportedSessionKey: Self.exportedKey, flags: Self.sessionFlags, role: .server)
        for round in 0..<3 {
            let request = Array("request \(round)".utf8)
            let signature = client.sign(request)
            #expect(signature.count == 16)
            #expect(Array(signature.suffix(4)) == [UInt8(round), 0, 0, 0])
            try server.verify(request, signature: signature)

            let response = Array("response \(round)".utf8)
            try client.verify(response, signature: server.sign(response))
        }
        #expect(client.outboundSequenceNumber == 3)
        #expect(client.inboundSequenceNumber == 3)
    }

    /// DCE/RPC privacy: the stub (+ auth pad) is sealed, the whole PDU with the stub in clear is signed.
    @Test func privacyWithSeparateSignedPDU() throws {
        var client = try NTLMSessionSecurity(exportedSessionKey: Self.exportedKey, flags: Self.sessionFlags)
        var server = try NTLMSessionSecurity(
            exportedSessionKey: Self.exportedKey, flags: Self.sessionFlags, role: .server)
        let header: [UInt8] = [5, 0, 0, 3, 0x10, 0, 0, 0]
        let trailer: [UInt8] = [0x0A, 0x06, 0, 0, 0, 0, 0, 0]
        let stub = Array("witness register request + pad".utf8)

        let (sealed, signature) = client.seal(stub, signing: header + stub + trailer)
        #expect(sealed != stub)
        let opened = try server.unseal(sealed, signature: signature) { header + $0 + trailer }
        #expect(opened == stub)

        // And back, through the plain GSS_UnwrapEx form.
        let (reply, replySignature) = server.seal(Array("ok".utf8))
        #expect(try client.unseal(reply, signature: replySignature) == Array("ok".utf8))
    }

    @Test func tamperingIsDetected() throws {
        var client = try NTLMSessionSecurity(exportedSessionKey: Self.exportedKey, flags: Self.sessionFlags)
        var server = try NTLMSessionSecurity(
            exportedSessionKey: Self.exportedKey, flags: Self.sessionFlags, role: .server)
        let signature = client.sign([1, 2, 3])
        var copy = server
        #expect(throws: NTLMError.checksumMismatch()) { try copy.verify([1, 2, 4], signature: signature) }
        copy = server
        var replayed = signature
        replayed[12] = 7
        #expect(throws: NTLMError.sequenceMismatch(expected: 0, found: 7)) {
            try copy.verify([1, 2, 3], signature: replayed)
        }
        copy = server
        #expect(throws: NTLMError.malformedMessageSignature()) { try copy.verify([1, 2, 3], signature: [1, 0, 0]) }
        var wrongVersion = signature
        wrongVersion[0] = 2
        #expect(throws: NTLMError.malformedMessageSignature()) {
            try copy.verify([1, 2, 3], signature: wrongVersion)
        }
        try server.verify([1, 2, 3], signature: signature)
    }

    @Test func flagsDescribeThemselves() {
        let expected =
            "0x62088215 [UNICODE|REQUEST_TARGET|SIGN|NTLM|ALWAYS_SIGN|EXTENDED_SESSIONSECURITY|VERSION|128|KEY_EXCH]"
        #expect("\(NTLMNegotiateFlags(rawValue: 0x6208_8215))" == expected)
        #expect("\(NTLMNegotiateFlags(rawValue: 0x0400_0001))" == "0x04000001 [UNICODE|0x04000000]")
    }
}
