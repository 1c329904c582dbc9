import SMB3Protocol

/// libFuzzer entry point: the FSRVP response stubs. The first byte picks the decoder, the rest is
/// the stub; every decoder may throw and must never trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFSRVPResponses(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard let selector = bytes.first else { return 0 }
    let stub = Array(bytes.dropFirst())
    switch selector % 6 {
    case 0: _ = try? FSRVPResponse.shareMapping(stub)
    case 1: _ = try? FSRVPResponse.pathSupported(stub)
    case 2: _ = try? FSRVPResponse.supportedVersion(stub)
    case 3: _ = try? FSRVPResponse.guid(stub)
    case 4: _ = try? FSRVPResponse.pathShadowCopied(stub)
    default: _ = try? FSRVPResponse.status(stub)
    }
    return 0
}
