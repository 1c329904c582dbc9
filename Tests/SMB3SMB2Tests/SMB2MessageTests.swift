import SMB3TestSupport
import SMB3Wire
import Testing

@testable import SMB3SMB2

@Suite("SMB2 header and messages")
struct SMB2HeaderTests {
    @Test func negotiateRequestHeaderMatchesWindows() throws {
        let header = try SMB2Header(parsing: MicrosoftVectors.negotiateRequest)
        #expect(header.command == .negotiate && header.creditCharge == 1 && header.credits == 0x80)
        // MessageId 1: Windows spent 0 on the SMB1 multi-protocol NEGOTIATE before it.
        #expect(header.messageID == 1 && header.reserved == 0xFEFF && header.treeID == 0 && header.asyncID == nil)
        #expect(!header.isResponse)
        #expect(header.encoded() == Array(MicrosoftVectors.negotiateRequest.prefix(64)))
    }

    @Test func writeRequestHeaderFields() throws {
        let header = try SMB2Header(parsing: MicrosoftVectors.smb300WriteRequest)
        #expect(header.command == .write && header.flags == .signed && header.messageID == 4)
        #expect(header.treeID == 1 && header.sessionID == 0x8_e400_1400_0011 && header.credits == 0x40)
    }

    @Test func asyncFormCarriesAsyncID() throws {
        let header = SMB2Header(
            command: .ioctl, flags: [.serverToRedirector], messageID: 7, sessionID: 9, status: .pending,
            asyncID: 0x1122_3344_5566_7788)
        let bytes = header.encoded()
        #expect(bytes.count == 64)
        #expect(bytes[16] == 0x03)  // SERVER_TO_REDIR | ASYNC_COMMAND
        #expect(Array(bytes[32..<40]) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        let parsed = try SMB2Header(parsing: bytes)
        #expect(parsed.asyncID == 0x1122_3344_5566_7788 && parsed.treeID == 0 && parsed.status == .pending)
        #expect(parsed.flags.contains(.asyncCommand))
    }

    @Test func syncEncodingClearsAStrayAsyncFlag() throws {
        let header = SMB2Header(command: .echo, flags: [.asyncCommand], treeID: 5)
        let parsed = try SMB2Header(parsing: header.encoded())
        #expect(parsed.asyncID == nil && parsed.treeID == 5 && !parsed.flags.contains(.asyncCommand))
    }

    @Test func badHeadersAreRefused() {
        var bytes = MicrosoftVectors.negotiateRequest
        #expect(throws: SMB2Error(.truncated, "")) { try SMB2Header(parsing: Array(bytes.prefix(63))) }
        bytes[0] = 0xFF
        #expect(throws: SMB2Error(.badHeader, "")) { try SMB2Header(parsing: bytes) }
        bytes = MicrosoftVectors.negotiateRequest
        bytes[4] = 63
        #expect(throws: SMB2Error(.badHeader, "")) { try SMB2Header(parsing: bytes) }
    }

    @Test func commandNames() {
        #expect("\(SMB2Command.sessionSetup)" == "SESSION_SETUP")
        #expect("\(SMB2Command(rawValue: 0x42))" == "command 0x0042")
    }

    @Test func compoundFramesSplitAtNextCommand() throws {
        let first = SMB2Message(
            header: SMB2Header(command: .create, flags: .serverToRedirector, nextCommand: 72),
            body: [1, 2, 3, 4, 5, 6, 7, 8])
        let second = SMB2Message(header: SMB2Header(command: .close, flags: .serverToRedirector), body: [9, 9])
        let messages = try SMB2Message.messages(inFrame: first.bytes + second.bytes)
        #expect(messages.count == 2)
        #expect(messages[0].bytes == first.bytes && messages[1].bytes == second.bytes)
        #expect(messages[1].header.command == .close)
    }

    @Test func compoundOffsetsAreChecked() {
        for next: UInt32 in [4, 60, 70, 200] {
            let message = SMB2Message(
                header: SMB2Header(command: .create, nextCommand: next), body: Array(repeating: 0, count: 16))
            #expect(throws: SMB2Error(.badOffset, "")) { try SMB2Message.messages(inFrame: message.bytes) }
        }
    }

    @Test func compoundChainIsCapped() {
        var frame: [UInt8] = []
        for _ in 0..<(SMB2Message.maximumCompoundCount + 1) {
            frame += SMB2Header(command: .echo, nextCommand: 64).encoded()
        }
        frame += SMB2Header(command: .echo).encoded()
        #expect(throws: SMB2Error(.tooLarge, "")) { try SMB2Message.messages(inFrame: frame) }
    }

    @Test func statusChecks() throws {
        let message = SMB2Message(
            header: SMB2Header(command: .sessionSetup, flags: .serverToRedirector, status: .moreProcessingRequired),
            body: [])
        #expect(throws: SMB2Error(.status, "")) { try message.requireSuccess() }
        try message.requireSuccess(allowing: [.moreProcessingRequired])
        do {
            try message.requireSuccess()
        } catch let error as SMB2Error {
            #expect(error.status == .moreProcessingRequired)
            #expect(error.description == "SMB2 SESSION_SETUP: STATUS_MORE_PROCESSING_REQUIRED (0xC0000016)")
        }
        #expect(throws: SMB2Error(.unexpectedMessage, "")) { try message.requireResponse(to: .negotiate) }
    }
}

@Suite("NTSTATUS")
struct NTStatusTests {
    @Test func namesAndHex() {
        #expect("\(NTStatus.accessDenied)" == "STATUS_ACCESS_DENIED (0xC0000022)")
        #expect("\(NTStatus.pipeNotAvailable)" == "STATUS_PIPE_NOT_AVAILABLE (0xC00000AC)")
        #expect("\(NTStatus.networkSessionExpired)" == "STATUS_NETWORK_SESSION_EXPIRED (0xC000035C)")
        #expect("\(NTStatus(0xC0DE_0001))" == "0xC0DE0001")
        #expect("\(NTStatus(0x15))" == "0x00000015")
        #expect(NTStatus.success.name == "STATUS_SUCCESS")
    }

    @Test func everyValueNamedOnce() {
        let values = NTStatus.names.map(\.status)
        #expect(Set(values).count == values.count)
        let names = NTStatus.names.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.hasPrefix("STATUS_") })
    }

    @Test func severity() {
        #expect(NTStatus.accessDenied.isError && !NTStatus.accessDenied.isWarning)
        #expect(NTStatus.bufferOverflow.isWarning && !NTStatus.bufferOverflow.isError)
        #expect(!NTStatus.pending.isError && !NTStatus.success.isError)
    }
}
