import SMB3Protocol

/// libFuzzer entry point: self-relative security descriptors (QUERY_INFO InfoType 3) and quota
/// entry chains (InfoType 4), both server-supplied. The first byte picks the decoder. Must never
/// trap; what decodes must survive an encode/decode round trip unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSecurityDescriptor(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard let selector = bytes.first else { return 0 }
    let body = bytes.dropFirst()
    if selector & 1 == 0 {
        if let descriptor = try? SecurityDescriptor(parsing: body) {
            precondition((try? SecurityDescriptor(parsing: descriptor.encoded()[...])) == descriptor)
            _ = descriptor.owner?.description
            _ = descriptor.dacl?.entries.map { "\($0.kind) \($0.sid?.description ?? "")" }
        }
    } else if let entries = try? QuotaEntry.parse(body) {
        precondition((try? QuotaEntry.parse(QuotaEntry.encode(entries)[...])) == entries)
    }
    return 0
}
