import SMB3Protocol
import Testing

@testable import SMB3NTLM

@Suite("CHALLENGE parsing of untrusted bytes")
struct NTLMChallengeParsingTests {
    static let valid = NTLMSpecVectorTests.challengeMessage

    /// `valid` with a little-endian UInt16 or UInt32 replaced at `offset`.
    static func patched(_ offset: Int, _ value: UInt32, width: Int) -> [UInt8] {
        var bytes = valid
        for index in 0..<width { bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(index))) }
        return bytes
    }

    @Test func everyTruncationThrows() {
        for length in 0..<Self.valid.count {
            #expect(throws: NTLMError.self, "prefix of \(length) bytes") {
                try NTLMChallengeMessage(parsing: Array(Self.valid.prefix(length)))
            }
        }
    }

    @Test func shortHeaderIsTruncated() {
        #expect(throws: NTLMError.truncated(.header)) { try NTLMChallengeMessage(parsing: []) }
        #expect(throws: NTLMError.truncated(.header)) {
            try NTLMChallengeMessage(parsing: Array(Self.valid.prefix(47)))
        }
    }

    @Test func wrongSignatureOrType() {
        var bytes = Self.valid
        bytes[0] = 0x6E
        #expect(throws: NTLMError.badSignature()) { try NTLMChallengeMessage(parsing: bytes) }
        #expect(throws: NTLMError.unexpectedMessageType(expected: 2, found: 3)) {
            try NTLMChallengeMessage(parsing: Self.patched(8, 3, width: 4))
        }
    }

    @Test(arguments: [
        (16, UInt32(0xFFFF_FFFF), 4, NTLMField.targetName),  // TargetNameBufferOffset
        (16, UInt32(0x8000_0000), 4, NTLMField.targetName),
        (16, UInt32(102), 4, NTLMField.targetName),  // 102 + 3 > 104 bytes
        (12, UInt32(0xFFFF), 2, NTLMField.targetName),  // TargetNameLen
        (44, UInt32(0xFFFF_FFFF), 4, NTLMField.targetInfo),  // TargetInfoBufferOffset
        (44, UInt32(69), 4, NTLMField.targetInfo),  // one past: 69 + 36 > 104
        (40, UInt32(37), 2, NTLMField.targetInfo),  // TargetInfoLen one too long
        (40, UInt32(0xFFFF), 2, NTLMField.targetInfo),
    ])
    func outOfRangeFieldsThrow(offset: Int, value: UInt32, width: Int, field: NTLMField) {
        #expect(throws: NTLMError.fieldOutOfRange(field)) {
            try NTLMChallengeMessage(parsing: Self.patched(offset, value, width: width))
        }
    }

    @Test func emptyFieldOffsetsAreNotChecked() throws {
        var bytes = Self.patched(12, 0, width: 2)  // TargetNameLen 0 with offset 0x38 left as is
        bytes.replaceSubrange(16..<20, with: [0xFF, 0xFF, 0xFF, 0xFF])
        let challenge = try NTLMChallengeMessage(parsing: bytes)
        #expect(challenge.targetName == "")
    }

    @Test func malformedTargetInfoThrows() throws {
        func challenge(targetInfo: [UInt8]) throws -> NTLMChallengeMessage {
            var header = Array(Self.valid.prefix(48))
            header.replaceSubrange(12..<20, with: [0, 0, 0, 0, 48, 0, 0, 0])  // empty target name
            let length = UInt8(targetInfo.count)
            header.replaceSubrange(40..<48, with: [length, 0, length, 0, 48, 0, 0, 0])
            header[22] &= ~0x02  // no VERSION, so the payload may start at 48
            return try NTLMChallengeMessage(parsing: header + targetInfo)
        }
        // No MsvAvEOL.
        #expect(throws: NTLMError.self) { try challenge(targetInfo: [0x02, 0x00, 0x02, 0x00, 0x41, 0x00]) }
        // An AV pair header cut in half.
        #expect(throws: NTLMError.self) { try challenge(targetInfo: [0x02, 0x00, 0x02]) }
        // An AV pair whose length runs past the end.
        #expect(throws: NTLMError.self) { try challenge(targetInfo: [0x02, 0x00, 0x10, 0x00, 0x41, 0x00, 0, 0, 0, 0]) }
        // MsvAvTimestamp of 7 bytes, MsvAvFlags of 2.
        let shortTimestamp: [UInt8] = [0x07, 0x00, 0x07, 0x00] + [UInt8](repeating: 1, count: 7) + [0, 0, 0, 0]
        #expect(throws: NTLMError.self) { try challenge(targetInfo: shortTimestamp) }
        #expect(throws: NTLMError.self) { try challenge(targetInfo: [0x06, 0x00, 0x02, 0x00, 0x02, 0x00, 0, 0, 0, 0]) }
        // Just MsvAvEOL is fine, and bytes after it are ignored.
        #expect(try challenge(targetInfo: [0, 0, 0, 0, 0xEE]).targetInfo.pairs.isEmpty)
        let stamped = try challenge(
            targetInfo: [0x07, 0x00, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0])
        #expect(stamped.targetInfo.timestamp == 0x0807_0605_0403_0201)
        #expect(stamped.version == nil)
    }

    /// Every single-byte corruption either parses or throws; none traps.
    @Test func corruptingAnyByteNeverTraps() {
        for index in Self.valid.indices {
            for value: UInt8 in [0x00, 0x7F, 0x80, 0xFF] {
                var bytes = Self.valid
                bytes[index] = value
                _ = try? NTLMChallengeMessage(parsing: bytes)
            }
        }
    }

    @Test func authenticateParserRejectsTruncation() {
        let message = NTLMSpecVectorTests.authenticateMessage
        for length in 0..<message.count {
            #expect(throws: NTLMError.self, "prefix of \(length) bytes") {
                try NTLMAuthenticateMessage(parsing: Array(message.prefix(length)))
            }
        }
    }

    @Test func encodedChallengeRoundTrips() throws {
        var info = NTLMTargetInfo()
        info.set(.nbDomainName, to: encodeUTF16LE("SAMBA"))
        info.set(.timestamp, to: [1, 2, 3, 4, 5, 6, 7, 8])
        let challenge = NTLMChallengeMessage(
            flags: NTLMNegotiateFlags(rawValue: 0x628A_8215), serverChallenge: [9, 8, 7, 6, 5, 4, 3, 2],
            targetName: "SAMBA", targetInfo: info,
            version: NTLMVersion(productMajor: 6, productMinor: 1, productBuild: 0))
        #expect(try NTLMChallengeMessage(parsing: try challenge.encoded()) == challenge)
    }
}
