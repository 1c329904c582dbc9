import SMB3Protocol

/// libFuzzer entry point: one DCE/RPC fragment from the witness server or the endpoint mapper.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDCERPCPDU(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let packet = try? DCERPCPacket(parsing: bytes) {
        _ = try? DCERPCBindAck(parsing: packet)
        _ = try? DCERPCReply(parsing: packet)
        // Re-encoding keeps the fragment's length (header, body, pad, verifier).
        precondition(packet.encoded().count <= bytes.count, "re-encoding grew the fragment")
    }
    _ = try? EndpointMapper.ports(fromMapResponse: bytes)
    return 0
}
