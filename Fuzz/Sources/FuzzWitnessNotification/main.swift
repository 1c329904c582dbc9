import SMB3Protocol

/// libFuzzer entry point: the AsyncNotify MessageBuffer (packed, not NDR). The first byte gives
/// the type, the second NumberOfMessages; the rest is the buffer. Whatever decodes has exactly
/// NumberOfMessages messages and never re-encodes longer than it came: records may carry bytes
/// beyond what they declare (12 + 24×Num ≤ Length is all MS-SWN asks), never fewer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWitnessNotification(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard bytes.count >= 2 else { return 0 }
    let buffer = Array(bytes.dropFirst(2))
    if let notification = try? WitnessNotification(
        type: UInt32(bytes[0] % 6), numberOfMessages: UInt32(bytes[1]), buffer: buffer)
    {
        precondition(notification.messages.count == Int(bytes[1]), "message count differs")
        if notification.type != .resourceChange {
            precondition(notification.encodedBuffer().count <= buffer.count, "address lists re-encode longer")
        }
    }
    return 0
}
