import SMB3Protocol

/// libFuzzer entry point: cifs.spnego key descriptions, bare and in keyctl_describe's form.
/// Parsing may throw but must never trap, and whatever parses must encode back to its input
/// (the codec has exactly one text for each value, so a hostile variant cannot slip through
/// as something else).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeyDescription(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let key = try? KeyDescription(parsing: bytes) {
        // Only the legacy 32-digit ip6 form is normalised; everything else round-trips.
        if !String(decoding: bytes, as: UTF8.self).contains("ip6=") || key.description.utf8.count == bytes.count {
            precondition(Array(key.description.utf8) == bytes, "round trip changed the description")
        }
        precondition(key.version == KeyDescription.supportedVersion)
        precondition(SecurityMechanism.known.contains(key.mechanism))
    }
    if let described = try? DescribedKey(parsing: String(decoding: bytes, as: UTF8.self)) {
        _ = try? described.spnegoDescription()
    }
    return 0
}
