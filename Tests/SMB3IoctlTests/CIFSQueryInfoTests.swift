import SMB3Protocol
import Testing

@testable import SMB3Ioctl

@Suite("smb_query_info and its inverted lengths")
struct CIFSQueryInfoTests {
    @Test func headerLayoutPutsCapacityAt16AndInputLengthAt20() throws {
        let request = try CIFSQueryInfo(
            infoType: 4, fileInfoClass: 0x11, additionalInformation: 7, mode: .fsctl, replyCapacity: 40,
            input: [0xAA, 0xBB])
        let bytes = request.encoded(byteOrder: .little)
        #expect(bytes.count == 24 + 40)
        #expect(Array(bytes[0..<4]) == [4, 0, 0, 0])  // info_type
        #expect(Array(bytes[4..<8]) == [0x11, 0, 0, 0])  // file_info_class
        #expect(Array(bytes[8..<12]) == [7, 0, 0, 0])  // additional_information
        #expect(Array(bytes[12..<16]) == [1, 0, 0, 0])  // flags = PASSTHRU_FSCTL
        #expect(Array(bytes[16..<20]) == [40, 0, 0, 0])  // input_buffer_length = reply capacity
        #expect(Array(bytes[20..<24]) == [2, 0, 0, 0])  // output_buffer_length = input bytes
        #expect(Array(bytes[24..<26]) == [0xAA, 0xBB])
        #expect(bytes[26...].allSatisfy { $0 == 0 })
    }

    @Test func bufferHoldsTheLargerOfInputAndCapacity() throws {
        let request = try CIFSQueryInfo(infoType: 4, replyCapacity: 8, input: [UInt8](repeating: 1, count: 16))
        #expect(request.bufferSize == 40)
        #expect(request.encoded().count == 40)
    }

    @Test func enforcesTheKernelInputLimit() {
        #expect(throws: CIFSABIError(.tooLarge, "")) {
            try CIFSQueryInfo(infoType: 1, replyCapacity: 0, input: [UInt8](repeating: 0, count: 1025))
        }
        #expect(throws: CIFSABIError(.tooLarge, "")) { try CIFSQueryInfo(infoType: 1, replyCapacity: (1 << 20) + 1) }
        #expect((try? CIFSQueryInfo(infoType: 1, replyCapacity: 0, input: [UInt8](repeating: 0, count: 1024))) != nil)
    }

    @Test func replyReadsTheReturnedLengthFromField16() throws {
        let request = try CIFSQueryInfo(infoType: 1, fileInfoClass: 6, replyCapacity: 8)
        var buffer = request.encoded(byteOrder: .little)
        buffer[16] = 8
        for index in 24..<32 { buffer[index] = UInt8(index) }
        #expect(Array(try request.reply(from: buffer, byteOrder: .little)) == Array(24..<32))
        buffer[16] = 4
        #expect(Array(try request.reply(from: buffer, byteOrder: .little)) == [24, 25, 26, 27])
    }

    @Test func replyRejectsLengthsBeyondCapacityOrBuffer() throws {
        let request = try CIFSQueryInfo(infoType: 1, fileInfoClass: 6, replyCapacity: 8)
        var buffer = request.encoded(byteOrder: .little)
        buffer[16] = 9
        #expect(throws: CIFSABIError(.invalidLength, "")) { try request.reply(from: buffer, byteOrder: .little) }
        buffer[16] = 8
        #expect(throws: CIFSABIError(.truncated, "")) {
            try request.reply(from: Array(buffer.prefix(28)), byteOrder: .little)
        }
        #expect(throws: CIFSABIError(.truncated, "")) {
            try request.reply(from: Array(buffer.prefix(10)), byteOrder: .little)
        }
    }

    @Test func classTableMatchesSmbinfo() throws {
        #expect(FileInfoClass.all.count == 12)
        #expect(Set(FileInfoClass.all.map(\.name)).count == 12)
        let expected: [(String, UInt32, UInt32, Int)] = [
            ("file-access", 1, 8, 4), ("file-align", 1, 17, 4), ("file-all", 1, 18, 16384), ("file-basic", 1, 4, 40),
            ("file-ea", 1, 7, 4), ("fs-full-size", 2, 7, 32), ("file-internal", 1, 6, 8), ("file-mode", 1, 16, 4),
            ("file-position", 1, 14, 8), ("file-standard", 1, 5, 24), ("file-stream", 1, 22, 16384),
            ("file-compression", 1, 28, 16),
        ]
        for (name, type, number, capacity) in expected {
            let infoClass = try #require(FileInfoClass.named(name))
            let request = try infoClass.request()
            #expect(
                request.infoType == type && request.fileInfoClass == number && request.replyCapacity == capacity,
                "\(name)")
            #expect(request.mode == .queryInfo && request.input.isEmpty)
        }
        #expect(FileInfoClass.named("nope") == nil)
    }
}
