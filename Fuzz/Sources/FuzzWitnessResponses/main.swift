import SMB3Protocol

/// libFuzzer entry point: the NDR stubs of every MS-SWN response (GetInterfaceList,
/// Register/RegisterEx, UnRegister, AsyncNotify). The first byte picks the decoder.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWitnessResponses(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard let selector = bytes.first else { return 0 }
    let stub = Array(bytes.dropFirst())
    switch selector % 4 {
    case 0:
        if let (interfaces, _) = try? WitnessResponse.interfaceList(stub) {
            precondition(interfaces.count * WitnessInterface.ndrSize <= stub.count, "more interfaces than bytes")
        }
    case 1:
        if let (handle, status) = try? WitnessResponse.register(stub) {
            precondition(handle == nil || status == 0)
        }
    case 2:
        _ = try? WitnessResponse.status(stub)
    default:
        if let (notification, _) = try? WitnessResponse.asyncNotify(stub), let notification {
            precondition(notification.encodedBuffer().count <= stub.count)
        }
    }
    return 0
}
