import SMB3Protocol

/// libFuzzer entry point: CIFS_QUERY_INFO reply buffers and every information-class decoder
/// (server-supplied bytes). The first byte picks the decoder, the rest is the reply. Decoding may
/// throw but must never trap, and what decodes must encode to a reply that decodes to the same value.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFSQueryInfo(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard let selector = bytes.first else { return 0 }
    let reply = bytes.dropFirst()
    switch selector % 8 {
    case 0:
        if let value = try? FileBasicInformation(parsing: reply) {
            precondition((try? FileBasicInformation(parsing: value.encoded()[...])) == value)
            _ = value.creationTime.iso8601
        }
    case 1:
        if let value = try? FileStandardInformation(parsing: reply) {
            precondition((try? FileStandardInformation(parsing: value.encoded()[...])) == value)
        }
    case 2:
        if let value = try? FileFsFullSizeInformation(parsing: reply) {
            precondition((try? FileFsFullSizeInformation(parsing: value.encoded()[...])) == value)
        }
    case 3:
        if let value = try? FileAllInformation(parsing: reply) {
            precondition((try? FileAllInformation(parsing: value.encoded()[...])) == value)
        }
    case 4:
        if let value = try? FileStreamInformation(parsing: reply) {
            precondition((try? FileStreamInformation(parsing: value.encoded()[...])) == value)
            _ = value.streams.map(\.displayName)
        }
    case 5:
        if let value = try? FileCompressionInformation(parsing: reply) {
            precondition((try? FileCompressionInformation(parsing: value.encoded()[...])) == value)
        }
    case 6:
        _ = try? FileInfoScalar.indexNumber(reply)
        _ = try? FileInfoScalar.accessFlags(reply)
        _ = try? FileInfoScalar.alignmentRequirement(reply)
    default:
        // The ioctl buffer itself: header with the returned length at offset 16.
        if let request = try? CIFSQueryInfo(infoType: 1, fileInfoClass: 18, replyCapacity: Int(selector)) {
            if let slice = try? request.reply(from: Array(reply)) {
                precondition(slice.count <= request.replyCapacity)
            }
        }
    }
    return 0
}
