import SMB3Protocol

/// libFuzzer entry point: CIFS_IOC_NOTIFY_INFO buffers (data_len from the kernel) and the
/// server's FILE_NOTIFY_INFORMATION chains. Must never trap; decoded chains round-trip.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCIFSNotify(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let records = try? CIFSNotifyRecord.parse(bytes[...]) {
        precondition((try? CIFSNotifyRecord.parse(CIFSNotifyRecord.encode(records)[...])) == records)
        _ = records.map { "\($0.action)" }
    }
    let request = CIFSNotifyInfoRequest(filter: .all, watchTree: true, dataLength: max(0, bytes.count - 9))
    if let data = try? request.replyData(from: bytes, byteOrder: .little) {
        precondition(data.count <= request.dataLength)
        _ = try? CIFSNotifyRecord.parse(data)
    }
    return 0
}
