import UpcallRelay

/// libFuzzer entry point: the upcall service's request and reply. Decoding may throw but must
/// never trap, and whatever decodes must encode back to exactly its input (one encoding per
/// value, so nothing hostile can pass as something else).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUpcallService(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let request = try? UpcallServiceRequest(decoding: bytes) {
        precondition(request.encoded() == bytes, "request round trip changed the bytes")
    }
    if let reply = try? UpcallServiceReply(decoding: bytes) {
        precondition(reply.encoded() == bytes, "reply round trip changed the bytes")
    }
    return 0
}
