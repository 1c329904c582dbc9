import SMB3SPNEGO
import SMB3TestSupport
import SMB3Wire
import Testing

@testable import SMB3SMB2

/// A response message of `command` with `body`.
func responseMessage(_ command: SMB2Command, _ body: [UInt8], status: NTStatus = .success) -> SMB2Message {
    SMB2Message(header: SMB2Header(command: command, flags: .serverToRedirector, status: status), body: body)
}

@Suite("SMB2 NEGOTIATE")
struct SMB2NegotiateTests {
    static let salt = hexBytes("FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF")

    @Test func requestMatchesWindowsByteForByte() throws {
        let request = SMB2NegotiateRequest(
            dialects: [.smb202, .smb210, .smb300, .smb302, .smb311], securityMode: [],
            capabilities: SMB2Capabilities(rawValue: 0x3F),
            clientGUID: hexBytes("ECD86F326276024F9F7752B89BB33F3A"),
            contexts: [
                .preauthIntegrity(hashAlgorithms: [.sha512], salt: Self.salt),
                .encryption(ciphers: [.aes128GCM, .aes128CCM]),
            ])
        let header = SMB2Header(command: .negotiate, credits: 0x80, messageID: 1, reserved: 0xFEFF)
        #expect(SMB2Message(header: header, body: request.encodedBody()).bytes == MicrosoftVectors.negotiateRequest)
    }

    @Test func requestWithoutSMB311SendsNoContexts() {
        let request = SMB2NegotiateRequest(
            dialects: [.smb210, .smb300], clientGUID: Array(repeating: 7, count: 16),
            contexts: SMB2NegotiateRequest.standardContexts(salt: Self.salt))
        let body = request.encodedBody()
        #expect(body.count == 36 + 4)
        #expect(Array(body[28..<36]) == Array(repeating: 0, count: 8))  // ClientStartTime
    }

    @Test func standardContextsAreAlignedAndPreferGMAC() throws {
        let request = SMB2NegotiateRequest(
            clientGUID: Array(repeating: 1, count: 16), contexts: SMB2NegotiateRequest.standardContexts(salt: Self.salt)
        )
        let bytes = SMB2Header(command: .negotiate).encoded() + request.encodedBody()
        let offset = Int(bytes[64 + 28]) | Int(bytes[64 + 29]) << 8
        #expect(offset % 8 == 0)
        let contexts = try SMB2NegotiateResponse.contexts(in: bytes, offset: offset, count: 3, fixedEnd: 64)
        #expect(contexts == SMB2NegotiateRequest.standardContexts(salt: Self.salt))
        #expect(contexts[2] == .signing(algorithms: [.aesGMAC, .aesCMAC, .hmacSHA256]))
    }

    @Test func windowsResponseDecodes() throws {
        let message = try SMB2Message(parsing: MicrosoftVectors.negotiateResponse)
        let response = try SMB2NegotiateResponse(parsing: message)
        #expect(response.dialect == .smb311 && response.securityMode == .signingEnabled)
        #expect(response.capabilities == SMB2Capabilities(rawValue: 0x2F))
        #expect(response.maxReadSize == 0x80_0000 && response.maxWriteSize == 0x80_0000)
        #expect(response.securityBuffer.count == 0x140 && response.securityBuffer.prefix(2) == [0x60, 0x82])
        #expect(response.contexts.count == 2)
        #expect(response.preauthHashAlgorithm == .sha512)
        #expect(response.cipher == .aes128GCM)
        // No signing context: 3.1.1 signs with AES-CMAC.
        #expect(response.signingAlgorithm == .aesCMAC)
        let request = SMB2NegotiateRequest(
            dialects: [.smb202, .smb210, .smb300, .smb302, .smb311], clientGUID: [],
            contexts: [
                .preauthIntegrity(hashAlgorithms: [.sha512], salt: Self.salt),
                .encryption(ciphers: [.aes128GCM, .aes128CCM]),
            ])
        try response.validate(against: request)
    }

    @Test func validationRefusesWhatWasNotOffered() throws {
        let response = try SMB2NegotiateResponse(parsing: try SMB2Message(parsing: MicrosoftVectors.negotiateResponse))
        let only30 = SMB2NegotiateRequest(dialects: [.smb300], clientGUID: [], contexts: [])
        #expect(throws: SMB2Error(.unsupported, "")) { try response.validate(against: only30) }
        let ccmOnly = SMB2NegotiateRequest(
            clientGUID: [],
            contexts: [.preauthIntegrity(hashAlgorithms: [.sha512], salt: []), .encryption(ciphers: [.aes128CCM])])
        #expect(throws: SMB2Error(.unsupported, "")) { try response.validate(against: ccmOnly) }
    }

    @Test func signingContextChoosesTheAlgorithm() throws {
        let body = Self.responseBody(
            dialect: .smb311,
            contexts: [
                .preauthIntegrity(hashAlgorithms: [.sha512], salt: [1, 2]), .signing(algorithms: [.aesGMAC]),
            ])
        let response = try SMB2NegotiateResponse(parsing: responseMessage(.negotiate, body))
        #expect(response.signingAlgorithm == .aesGMAC)
        try response.validate(
            against: SMB2NegotiateRequest(clientGUID: [], contexts: SMB2NegotiateRequest.standardContexts(salt: [])))
        let twoSigning = Self.responseBody(
            dialect: .smb311,
            contexts: [
                .preauthIntegrity(hashAlgorithms: [.sha512], salt: []), .signing(algorithms: [.aesGMAC, .aesCMAC]),
            ])
        #expect(throws: SMB2Error(.unsupported, "")) {
            try SMB2NegotiateResponse(parsing: responseMessage(.negotiate, twoSigning)).validate(
                against: SMB2NegotiateRequest(clientGUID: [], contexts: SMB2NegotiateRequest.standardContexts(salt: []))
            )
        }
    }

    @Test func olderDialectsImplyTheirSigning() throws {
        let response = try SMB2NegotiateResponse(
            parsing: responseMessage(.negotiate, Self.responseBody(dialect: .smb210)))
        #expect(response.signingAlgorithm == .hmacSHA256 && response.contexts.isEmpty)
        #expect(SMB2SigningAlgorithm.implied(by: .smb302) == .aesCMAC)
        #expect("\(SMB2Dialect.smb302)" == "3.0.2" && "\(SMB2Dialect(rawValue: 0x999))" == "0x0999")
    }

    @Test func badResponsesAreRefused() throws {
        let good = Self.responseBody(dialect: .smb311, contexts: [.encryption(ciphers: [.aes128GCM])])
        // Every truncation fails cleanly.
        for length in 0..<good.count {
            #expect(throws: SMB2Error.self) {
                try SMB2NegotiateResponse(parsing: responseMessage(.negotiate, Array(good.prefix(length))))
            }
        }
        var badSize = good
        badSize[0] = 64
        #expect(throws: SMB2Error(.badStructureSize, "")) {
            try SMB2NegotiateResponse(parsing: responseMessage(.negotiate, badSize))
        }
        // Security buffer pointing into the fixed part.
        var overlapping = Self.responseBody(dialect: .smb210, securityBuffer: [1, 2, 3])
        overlapping[56] = 64
        #expect(throws: SMB2Error(.badOffset, "")) {
            try SMB2NegotiateResponse(parsing: responseMessage(.negotiate, overlapping))
        }
        // Security buffer running past the end.
        var long = Self.responseBody(dialect: .smb210, securityBuffer: [1, 2, 3])
        long[58] = 4
        #expect(throws: SMB2Error(.badOffset, "")) {
            try SMB2NegotiateResponse(parsing: responseMessage(.negotiate, long))
        }
        // Too many contexts.
        var many = good
        many[6] = 200
        #expect(throws: SMB2Error(.tooLarge, "")) {
            try SMB2NegotiateResponse(parsing: responseMessage(.negotiate, many))
        }
        // A request is not a response.
        let request = SMB2Message(header: SMB2Header(command: .negotiate), body: good)
        #expect(throws: SMB2Error(.unexpectedMessage, "")) { try SMB2NegotiateResponse(parsing: request) }
    }

    @Test func contextAlgorithmCountsAreCapped() throws {
        var data: [UInt8] = [0xFF, 0x00]
        data += Array(repeating: 0, count: 600)
        #expect(throws: SMB2Error(.tooLarge, "")) { try SMB2NegotiateContext(type: 2, data: data) }
        #expect(throws: SMB2Error(.truncated, "")) { try SMB2NegotiateContext(type: 1, data: [1, 0, 8, 0, 1, 0]) }
        #expect(try SMB2NegotiateContext(type: 5, data: [1, 2]) == .other(type: 5, data: [1, 2]))
    }

    /// A NEGOTIATE response body: fixed part, security buffer at 128, contexts 8-aligned after it.
    static func responseBody(
        dialect: SMB2Dialect, securityBuffer: [UInt8] = [], contexts: [SMB2NegotiateContext] = []
    ) -> [UInt8] {
        var writer = WireWriter()
        writer.writeInteger(UInt16(65), .little)
        writer.writeInteger(UInt16(1), .little)
        writer.writeInteger(dialect.rawValue, .little)
        writer.writeInteger(UInt16(contexts.count), .little)
        writer.writeBytes(Array(repeating: 0xAB, count: 16))
        writer.writeInteger(UInt32(0x2F), .little)
        for _ in 0..<3 { writer.writeInteger(UInt32(65536), .little) }
        writer.writeInteger(UInt64(1), .little)
        writer.writeInteger(UInt64(2), .little)
        writer.writeInteger(UInt16(securityBuffer.isEmpty ? 0 : 128), .little)
        writer.writeInteger(UInt16(securityBuffer.count), .little)
        let contextOffset = (128 + securityBuffer.count + 7) / 8 * 8
        writer.writeInteger(UInt32(contexts.isEmpty ? 0 : contextOffset), .little)
        writer.writeBytes(securityBuffer)
        for context in contexts {
            writer.pad(toMultipleOf: 8, base: 64)
            writer.writeInteger(context.type, .little)
            writer.writeInteger(UInt16(context.data.count), .little)
            writer.writeInteger(UInt32(0), .little)
            writer.writeBytes(context.data)
        }
        return writer.bytes
    }
}

@Suite("SMB2 SESSION_SETUP, TREE_CONNECT, LOGOFF")
struct SMB2SessionTests {
    @Test func windowsSessionSetupRequestReencodes() throws {
        let message = try SMB2Message(parsing: MicrosoftVectors.sessionSetupRequest1)
        let token = Array(message.bytes[88...])
        let request = SMB2SessionSetupRequest(
            securityBuffer: token, securityMode: .signingEnabled, capabilities: .dfs)
        #expect(message.header.encoded() + request.encodedBody() == MicrosoftVectors.sessionSetupRequest1)
    }

    /// The security buffer is the existing SPNEGO code's business: Windows' first token is a
    /// NegTokenInit offering NTLMSSP (1.3.6.1.4.1.311.2.2.10) with the NTLM NEGOTIATE inside.
    @Test func windowsSecurityBufferIsASpnegoInitialToken() throws {
        let message = try SMB2Message(parsing: MicrosoftVectors.sessionSetupRequest1)
        let token = try SpnegoInitialToken(parsing: Array(message.bytes[88...]))
        #expect(token.mechanismTypes.map { "\($0)" } == ["1.3.6.1.4.1.311.2.2.10"])
        #expect(Array(token.mechanismToken.prefix(12)) == Array("NTLMSSP\0".utf8) + [1, 0, 0, 0])
    }

    @Test func windowsChallengeResponseDecodes() throws {
        let message = try SMB2Message(parsing: MicrosoftVectors.sessionSetupResponse1)
        #expect(message.header.status == .moreProcessingRequired)
        #expect(message.header.sessionID == 0x0000_1000_0000_0019)
        try message.requireSuccess(allowing: [.moreProcessingRequired])
        let response = try SMB2SessionSetupResponse(parsing: message)
        #expect(response.sessionFlags == [] && response.securityBuffer.count == 0xB3)
        #expect(response.securityBuffer.prefix(3) == [0xA1, 0x81, 0xB0])  // negTokenResp
    }

    @Test func sessionSetupResponseBoundsAreChecked() throws {
        let good: [UInt8] = [9, 0, 4, 0, 72, 0, 2, 0, 0xAA, 0xBB]
        #expect(
            try SMB2SessionSetupResponse(parsing: responseMessage(.sessionSetup, good)).sessionFlags == .encryptData)
        for length in 0..<8 {
            #expect(throws: SMB2Error.self) {
                try SMB2SessionSetupResponse(parsing: responseMessage(.sessionSetup, Array(good.prefix(length))))
            }
        }
        var past = good
        past[6] = 3
        #expect(throws: SMB2Error(.badOffset, "")) {
            try SMB2SessionSetupResponse(parsing: responseMessage(.sessionSetup, past))
        }
        var inFixed = good
        inFixed[4] = 70
        #expect(throws: SMB2Error(.badOffset, "")) {
            try SMB2SessionSetupResponse(parsing: responseMessage(.sessionSetup, inFixed))
        }
    }

    @Test func treeConnectToIPC() throws {
        let body = SMB2TreeConnectRequest(server: "smb", share: "IPC$").encodedBody()
        #expect(Array(body.prefix(8)) == [9, 0, 0, 0, 72, 0, 20, 0])
        #expect(Array(body[8...]) == encodeUTF16LE("\\\\smb\\IPC$"))
        let answer: [UInt8] = [16, 0, 2, 0, 0x00, 0x80, 0, 0, 0, 0, 0, 0, 0x9F, 0x01, 0x1F, 0x00]
        let response = try SMB2TreeConnectResponse(parsing: responseMessage(.treeConnect, answer))
        #expect(response.shareType == .pipe && response.shareFlags == .encryptData)
        #expect(response.maximalAccess == 0x001F_019F)
        #expect(throws: SMB2Error(.truncated, "")) {
            try SMB2TreeConnectResponse(parsing: responseMessage(.treeConnect, Array(answer.prefix(15))))
        }
    }

    @Test func logoffAndTreeDisconnect() throws {
        #expect(SMB2EmptyBody.encoded() == [4, 0, 0, 0])
        try SMB2EmptyBody.parse(responseMessage(.logoff, [4, 0, 0, 0]), command: .logoff)
        try SMB2EmptyBody.parse(responseMessage(.treeDisconnect, [4, 0, 0, 0]), command: .treeDisconnect)
        #expect(throws: SMB2Error(.badStructureSize, "")) {
            try SMB2EmptyBody.parse(responseMessage(.logoff, [5, 0, 0, 0]), command: .logoff)
        }
        #expect(throws: SMB2Error(.unexpectedMessage, "")) {
            try SMB2EmptyBody.parse(responseMessage(.logoff, [4, 0, 0, 0]), command: .treeDisconnect)
        }
    }
}

@Suite("SMB2 CREATE, IOCTL, READ, WRITE, CLOSE, ERROR on a pipe")
struct SMB2PipeTests {
    static let fileID = SMB2FileID(persistent: 0x0102_0304_0506_0708, volatile: 0x1112_1314_1516_1718)

    @Test func pipeCreateRequest() {
        let body = SMB2CreateRequest.pipe("FssagentRpc").encodedBody()
        #expect(body.count == 56 + 22)
        var reader = WireReader(body)
        #expect(reader.readInteger(.little, as: UInt16.self) == 57)
        _ = reader.readBytes(2)
        #expect(reader.readInteger(.little, as: UInt32.self) == 2)  // Impersonation
        _ = reader.readBytes(16)
        #expect(reader.readInteger(.little, as: UInt32.self) == 0x0012_019F)
        #expect(reader.readInteger(.little, as: UInt32.self) == 0)
        #expect(reader.readInteger(.little, as: UInt32.self) == 3)  // share read | write
        #expect(reader.readInteger(.little, as: UInt32.self) == 1)  // FILE_OPEN
        #expect(reader.readInteger(.little, as: UInt32.self) == 0x40)  // FILE_NON_DIRECTORY_FILE
        #expect(reader.readInteger(.little, as: UInt16.self) == 120)
        #expect(reader.readInteger(.little, as: UInt16.self) == 22)
        #expect(Array(body[56...]) == encodeUTF16LE("FssagentRpc"))
        #expect(SMB2CreateRequest.pipe("").encodedBody().count == 57)
    }

    static func createResponseBody(contexts: [UInt8] = []) -> [UInt8] {
        var writer = WireWriter()
        writer.writeInteger(UInt16(89), .little)
        writer.writeInteger(UInt8(0), .little)
        writer.writeInteger(UInt8(0), .little)
        writer.writeInteger(UInt32(1), .little)  // FILE_OPENED
        for value in 1...6 { writer.writeInteger(UInt64(value), .little) }
        writer.writeInteger(UInt32(0x80), .little)
        writer.writeInteger(UInt32(0), .little)
        fileID.write(to: &writer)
        writer.writeInteger(UInt32(contexts.isEmpty ? 0 : 152), .little)
        writer.writeInteger(UInt32(contexts.count), .little)
        writer.writeBytes(contexts.isEmpty ? [0] : contexts)
        return writer.bytes
    }

    @Test func createResponseGivesTheFileID() throws {
        let created = try SMB2CreateResponse(parsing: responseMessage(.create, Self.createResponseBody()))
        #expect(created.fileID == Self.fileID && created.createAction == 1 && created.attributes.endOfFile == 6)
        let withContexts = try SMB2CreateResponse(
            parsing: responseMessage(.create, Self.createResponseBody(contexts: [1, 2, 3, 4])))
        #expect(withContexts.createContexts == [1, 2, 3, 4])
        var bad = Self.createResponseBody(contexts: [1, 2, 3, 4])
        bad[84] = 0xFF  // contexts length 255
        #expect(throws: SMB2Error(.badOffset, "")) { try SMB2CreateResponse(parsing: responseMessage(.create, bad)) }
        #expect(throws: SMB2Error(.truncated, "")) {
            try SMB2CreateResponse(parsing: responseMessage(.create, Array(Self.createResponseBody().prefix(87))))
        }
    }

    @Test func transceiveRequest() {
        let body = SMB2IoctlRequest.transceive(fileID: Self.fileID, fragment: [5, 0, 0, 3], maxOutput: 4280)
            .encodedBody()
        var reader = WireReader(body)
        #expect(reader.readInteger(.little, as: UInt16.self) == 57)
        _ = reader.readBytes(2)
        #expect(reader.readInteger(.little, as: UInt32.self) == 0x0011_C017)
        _ = reader.readBytes(16)
        #expect(reader.readInteger(.little, as: UInt32.self) == 120)  // InputOffset
        #expect(reader.readInteger(.little, as: UInt32.self) == 4)  // InputCount
        #expect(reader.readInteger(.little, as: UInt32.self) == 0)  // MaxInputResponse
        #expect(reader.readInteger(.little, as: UInt32.self) == 124)  // OutputOffset
        #expect(reader.readInteger(.little, as: UInt32.self) == 0)  // OutputCount
        #expect(reader.readInteger(.little, as: UInt32.self) == 4280)
        #expect(reader.readInteger(.little, as: UInt32.self) == 1)  // IS_FSCTL
        #expect(Array(body[56...]) == [5, 0, 0, 3])
    }

    static func ioctlResponseBody(output: [UInt8], outputOffset: UInt32 = 112) -> [UInt8] {
        var writer = WireWriter()
        writer.writeInteger(UInt16(49), .little)
        writer.writeInteger(UInt16(0), .little)
        writer.writeInteger(SMB2IoctlRequest.pipeTransceive, .little)
        fileID.write(to: &writer)
        writer.writeInteger(UInt32(112), .little)
        writer.writeInteger(UInt32(0), .little)
        writer.writeInteger(outputOffset, .little)
        writer.writeInteger(UInt32(output.count), .little)
        writer.writeInteger(UInt32(0), .little)
        writer.writeInteger(UInt32(0), .little)
        writer.writeBytes(output)
        return writer.bytes
    }

    @Test func transceiveResponseWithOverflow() throws {
        let message = responseMessage(.ioctl, Self.ioctlResponseBody(output: [5, 0, 2, 3, 9]), status: .bufferOverflow)
        try message.requireSuccess(allowing: [.bufferOverflow])
        let answer = try SMB2IoctlResponse(parsing: message)
        #expect(answer.output == [5, 0, 2, 3, 9] && answer.input.isEmpty && answer.fileID == Self.fileID)
        #expect(answer.controlCode == SMB2IoctlRequest.pipeTransceive)
        for offset: UInt32 in [100, 113, 0xFFFF_FFFF] {
            #expect(throws: SMB2Error(.badOffset, "")) {
                try SMB2IoctlResponse(
                    parsing: responseMessage(
                        .ioctl, Self.ioctlResponseBody(output: [1, 2, 3, 4, 5], outputOffset: offset)))
            }
        }
    }

    @Test func readRequestAndResponse() throws {
        let body = SMB2ReadRequest(fileID: Self.fileID, length: 65536).encodedBody()
        #expect(body.count == 49 && body[0] == 49 && Array(body[4..<8]) == [0, 0, 1, 0])
        let answer: [UInt8] = [17, 0, 80, 0, 3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0xA, 0xB, 0xC]
        let read = try SMB2ReadResponse(parsing: responseMessage(.read, answer, status: .bufferOverflow))
        #expect(read.data == [0xA, 0xB, 0xC] && read.dataRemaining == 7)
        var bad = answer
        bad[4] = 4
        #expect(throws: SMB2Error(.badOffset, "")) { try SMB2ReadResponse(parsing: responseMessage(.read, bad)) }
        bad = answer
        bad[2] = 79
        #expect(throws: SMB2Error(.badOffset, "")) { try SMB2ReadResponse(parsing: responseMessage(.read, bad)) }
    }

    @Test func windowsWriteReencodesAndItsResponseDecodes() throws {
        let header = try SMB2Header(parsing: MicrosoftVectors.smb300WriteRequest)
        let write = SMB2WriteRequest(
            fileID: SMB2FileID(persistent: 0x0200_0039_0000_0115, volatile: 0x0000_0239_0000_0001),
            data: Array("Smb3 encryption testing".utf8), writeChannelInfoOffset: 0x70)
        #expect(header.encoded() + write.encodedBody() == MicrosoftVectors.smb300WriteRequest)
        let answer = try SMB2WriteResponse(parsing: try SMB2Message(parsing: MicrosoftVectors.smb300WriteResponse))
        #expect(answer.count == 23 && answer.remaining == 0)
    }

    @Test func closeRequestAndResponse() throws {
        let body = SMB2CloseRequest(fileID: Self.fileID).encodedBody()
        #expect(body.count == 24 && body[0] == 24 && Array(body[8..<16]) == [8, 7, 6, 5, 4, 3, 2, 1])
        var writer = WireWriter()
        writer.writeInteger(UInt16(60), .little)
        writer.writeInteger(UInt16(0), .little)
        writer.writeInteger(UInt32(0), .little)
        for value in 1...6 { writer.writeInteger(UInt64(value), .little) }
        writer.writeInteger(UInt32(0x80), .little)
        let closed = try SMB2CloseResponse(parsing: responseMessage(.close, writer.bytes))
        #expect(closed.attributes.endOfFile == 6 && closed.attributes.fileAttributes == 0x80)
        #expect(throws: SMB2Error(.truncated, "")) {
            try SMB2CloseResponse(parsing: responseMessage(.close, Array(writer.bytes.prefix(59))))
        }
    }

    @Test func errorResponses() throws {
        let plain = try SMB2ErrorResponse(
            parsing: responseMessage(.create, [9, 0, 0, 0, 0, 0, 0, 0, 0], status: .objectNameNotFound))
        #expect(plain.status == .objectNameNotFound && plain.errorData.isEmpty && plain.contexts.isEmpty)
        // Two contexts, the second 8-byte aligned.
        let data: [UInt8] = [2, 0, 0, 0, 0, 0, 0, 0, 0xA, 0xB, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 0xC]
        let body: [UInt8] = [9, 0, 2, 0, UInt8(data.count), 0, 0, 0] + data
        let withContexts = try SMB2ErrorResponse(parsing: responseMessage(.create, body, status: .accessDenied))
        #expect(withContexts.contexts == [.init(id: 0, data: [0xA, 0xB]), .init(id: 7, data: [0xC])])
        var truncated = body
        truncated[4] = 30
        #expect(throws: SMB2Error(.badOffset, "")) {
            try SMB2ErrorResponse(parsing: responseMessage(.create, truncated, status: .accessDenied))
        }
        var tooMany = body
        tooMany[2] = 200
        #expect(throws: SMB2Error(.tooLarge, "")) {
            try SMB2ErrorResponse(parsing: responseMessage(.create, tooMany, status: .accessDenied))
        }
        var overrun = body
        overrun[2] = 3
        #expect(throws: SMB2Error(.truncated, "")) {
            try SMB2ErrorResponse(parsing: responseMessage(.create, overrun, status: .accessDenied))
        }
    }
}

@Suite("SMB2 credits")
struct SMB2CreditsTests {
    @Test func negotiateUsesMessageIDZeroAndTheOneCredit() throws {
        var credits = SMB2Credits()
        #expect(try credits.consume(charge: 1) == 0)
        #expect(credits.balance == 0)
        #expect(throws: SMB2Error(.noCredits, "")) { try credits.consume(charge: 1) }
        credits.grant(31)
        #expect(try credits.consume(charge: 1) == 1)
        #expect(credits.nextMessageID == 2 && credits.balance == 30)
    }

    @Test func multiCreditChargesAndIDs() throws {
        var credits = SMB2Credits()
        #expect(credits.charge(forPayload: 1_048_576) == 1)  // no LARGE_MTU: always 1
        credits.largeMTU = true
        #expect(credits.charge(forPayload: 0) == 1)
        #expect(credits.charge(forPayload: 65536) == 1)
        #expect(credits.charge(forPayload: 65537) == 2)
        #expect(credits.charge(forPayload: 1_048_576) == 16)
        credits.grant(20)
        _ = try credits.consume(charge: 1)
        #expect(try credits.consume(charge: 16) == 1)
        #expect(credits.nextMessageID == 17 && credits.balance == 4)
        #expect(throws: SMB2Error(.noCredits, "")) { try credits.consume(charge: 5) }
        #expect(credits.nextMessageID == 17 && credits.balance == 4)
    }

    @Test func grantsAreClampedAndRequestsTopUp() {
        var credits = SMB2Credits()
        for _ in 0..<200 { credits.grant(UInt16.max) }
        #expect(credits.balance == SMB2Credits.maximumBalance)
        credits = SMB2Credits()
        #expect(credits.creditRequest(charge: 1) == 64)
        credits.grant(99)
        #expect(credits.creditRequest(charge: 1) == 1)
        #expect(credits.creditRequest(charge: 16, target: 200) == 116)
    }
}

@Suite("SMB2 key derivation table and GMAC nonce")
struct SMB2KeyTableTests {
    @Test func labelsPerDialect() {
        let hash = Array(repeating: UInt8(7), count: 64)
        #expect(SMB2KeyDerivationInput.input(for: .signing, dialect: .smb210, preauthHash: hash) == nil)
        let signing30 = SMB2KeyDerivationInput.input(for: .signing, dialect: .smb302, preauthHash: hash)
        #expect(signing30?.label == Array("SMB2AESCMAC\0".utf8) && signing30?.context == Array("SmbSign\0".utf8))
        let encryption30 = SMB2KeyDerivationInput.input(for: .encryption, dialect: .smb300, preauthHash: hash)
        #expect(encryption30?.context == Array("ServerIn \0".utf8))
        let decryption311 = SMB2KeyDerivationInput.input(for: .decryption, dialect: .smb311, preauthHash: hash)
        #expect(decryption311?.label == Array("SMBS2CCipherKey\0".utf8) && decryption311?.context == hash)
        #expect(SMB2KeyDerivationInput.bits(for: .encryption, cipher: .aes256GCM) == 256)
        #expect(SMB2KeyDerivationInput.bits(for: .signing, cipher: .aes256GCM) == 128)
    }

    @Test func gmacNonce() {
        let request = SMB2Header(command: .write, messageID: 0x0102_0304_0506_0708)
        #expect(smb2GMACNonce(for: request) == [8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0])
        let response = SMB2Header(command: .write, flags: .serverToRedirector, messageID: 5)
        #expect(smb2GMACNonce(for: response) == [5, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0])
        let cancel = SMB2Header(command: .cancel, messageID: 5)
        #expect(smb2GMACNonce(for: cancel) == [5, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0])
    }
}
