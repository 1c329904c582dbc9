import SMB3Protocol
import Testing

@testable import SMB3SpnegoKey

@Suite("SpnegoUpcallPayload")
struct SpnegoUpcallPayloadTests {
    static let key = Secret(Array(0x10..<0x30))  // 32 bytes, an aes256 session key's size
    static let blob: [UInt8] = [0x60, 0x03, 0x06, 0x01, 0x00]

    @Test func encodesExactlyHeaderKeyAndBlob() throws {
        let payload = try SpnegoUpcallPayload(sessionKey: Self.key, securityBlob: Self.blob)
        let bytes = payload.encoded(byteOrder: .little)
        #expect(bytes.count == 16 + 32 + 5)
        #expect(Array(bytes[0..<16]) == [2, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0, 0, 5, 0, 0, 0])
        #expect(Array(bytes[16..<48]) == Self.key.bytes)
        #expect(Array(bytes[48...]) == Self.blob)
    }

    @Test func bigEndianHostsWriteBigEndianHeaders() throws {
        let bytes = try SpnegoUpcallPayload(sessionKey: Secret([1]), securityBlob: [2]).encoded(byteOrder: .big)
        #expect(Array(bytes[0..<16]) == [0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1])
    }

    @Test func hostOrderIsLittleOnThisMachine() {
        #expect(ByteOrder.host == .little)  // x86_64 and arm64 both
    }

    @Test func roundTripsAndRejectsATrailingByte() throws {
        let payload = try SpnegoUpcallPayload(sessionKey: Self.key, securityBlob: Self.blob, flags: 7)
        let bytes = payload.encoded()
        #expect(try SpnegoUpcallPayload(parsing: bytes) == payload)
        #expect(throws: PayloadError(.lengthMismatch, "")) { try SpnegoUpcallPayload(parsing: bytes + [0]) }
        // cifs-utils sends 4 trailing zero bytes (sizeof with data[1]); a strict decoder notices.
        #expect(throws: PayloadError(.lengthMismatch, "")) { try SpnegoUpcallPayload(parsing: bytes + [0, 0, 0, 0]) }
    }

    @Test func rejectsBadHeaders() {
        #expect(throws: PayloadError(.truncated, "")) { try SpnegoUpcallPayload(parsing: [2, 0, 0, 0]) }
        #expect(throws: PayloadError(.unsupportedVersion, "")) {
            try SpnegoUpcallPayload(parsing: [1, 0, 0, 0] + Array(repeating: 0, count: 12), byteOrder: .little)
        }
        #expect(throws: PayloadError(.sessionKeyTooLong, "")) {
            try SpnegoUpcallPayload(
                parsing: [2, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0], byteOrder: .little)
        }
        #expect(throws: PayloadError(.securityBlobTooLong, "")) {
            try SpnegoUpcallPayload(parsing: [2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0], byteOrder: .little)
        }
        #expect(throws: PayloadError(.lengthMismatch, "")) {
            try SpnegoUpcallPayload(parsing: [2, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9], byteOrder: .little)
        }
    }

    @Test func refusesToBuildOversizeFields() {
        #expect(throws: PayloadError(.sessionKeyTooLong, "")) {
            try SpnegoUpcallPayload(sessionKey: Secret(Array(repeating: 0, count: 65)), securityBlob: [])
        }
        #expect(throws: PayloadError(.securityBlobTooLong, "")) {
            try SpnegoUpcallPayload(sessionKey: Self.key, securityBlob: Array(repeating: 0, count: 65536))
        }
    }

    @Test func everyTruncationIsRejected() throws {
        let bytes = try SpnegoUpcallPayload(sessionKey: Self.key, securityBlob: Self.blob).encoded()
        for end in 0..<bytes.count {
            #expect(throws: PayloadError.self) { try SpnegoUpcallPayload(parsing: Array(bytes[..<end])) }
        }
    }

    @Test func secretsDoNotPrint() throws {
        let payload = try SpnegoUpcallPayload(sessionKey: Self.key, securityBlob: Self.blob)
        let printed = "\(payload) \(String(reflecting: payload))"
        #expect(printed.contains("<redacted 32 bytes>"))
        #expect(!printed.contains("16, 17, 18"))
    }
}
