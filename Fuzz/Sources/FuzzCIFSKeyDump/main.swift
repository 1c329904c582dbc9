import SMB3Protocol

/// libFuzzer entry point: the CIFS_DUMP_FULL_KEY and CIFS_DUMP_KEY buffers the kernel fills.
/// Must never trap; the key lengths must stay inside the buffer and `in_size`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFSKeyDump(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let keys = try? CIFSFullKeyDebugInfo(parsing: bytes[...], byteOrder: .little) {
        precondition(
            CIFSFullKeyDebugInfo.headerSize + keys.sessionKey.count + keys.serverInKey.count + keys.serverOutKey.count
                <= bytes.count)
        let again = keys.encoded(bufferSize: bytes.count, byteOrder: .little)
        precondition((try? CIFSFullKeyDebugInfo(parsing: again[...], byteOrder: .little)) == keys)
    }
    if let legacy = try? CIFSKeyDebugInfo(parsing: bytes[...], byteOrder: .little) {
        precondition(legacy.encoded(byteOrder: .little) == bytes)
    }
    return 0
}
