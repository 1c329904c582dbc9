import SMB3Protocol

/// libFuzzer entry point: FSCTL_QUERY_NETWORK_INTERFACE_INFO replies (server bytes) and mount
/// tables. Decoding may throw but must never trap; a decoded reply re-encodes to the same entries.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNetworkInterfaceInfo(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let info = try? NetworkInterfaceInfo(decoding: bytes) {
        _ = info.kernelOrder
        precondition((try? NetworkInterfaceInfo(decoding: info.encoded()))?.entries == info.entries)
    }
    for mount in MountTable(parsing: bytes).mounts {
        _ = (mount.isSoft, mount.isShare("share", of: "server"), mount.isMultichannel)
    }
    return 0
}
