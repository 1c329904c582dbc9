import SMB3Protocol

/// libFuzzer entry point: CIFS_IOC_GET_MNT_INFO and CIFS_IOC_GET_TCON_INFO replies. Must never
/// trap; whatever decodes encodes back to exactly its input, and the flag namers accept any word.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFSMountInfo(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let info = try? CIFSMountInfo(parsing: bytes[...], byteOrder: .little) {
        precondition(info.encoded(byteOrder: .little) == bytes)
        _ = info.dialectName
        _ = CIFSNames.fileSystemAttributes.names(of: UInt64(info.fileSystemAttributes))
        _ = CIFSNames.shareFlags.names(of: UInt64(info.shareFlags))
    }
    if let tcon = try? CIFSTreeConnectInfo(parsing: bytes[...], byteOrder: .little) {
        precondition(tcon.encoded(byteOrder: .little) == bytes)
    }
    return 0
}
