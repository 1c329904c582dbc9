import SMB3Protocol

/// libFuzzer entry point: cifs.spnego key descriptions, bare and in keyctl_describe's form.
/// Parsing may throw but must never trap, and it must round-trip: parse → render → parse gives
/// the same value, and the rendering is the input itself (the codec has exactly one text for each
/// value, so a hostile variant cannot slip through as something else). The one allowed difference
/// is the legacy 32-digit `%pi6` address, which renders in today's `%pI6` form.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKeyDescription(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let key = try? KeyDescription(parsing: bytes) {
        let rendered = key.description
        let reparsed = try? KeyDescription(parsing: rendered)
        precondition(reparsed == key, "the rendering parses to another value")
        precondition(reparsed?.description == rendered, "rendering is not stable")
        precondition(
            Array(rendered.utf8) == bytes || Array(legacyIPv6Form(of: key).utf8) == bytes,
            "round trip changed the description")
        precondition(key.version == KeyDescription.supportedVersion)
        precondition(SecurityMechanism.known.contains(key.mechanism))
        precondition(key.uid != KeyDescription.invalidUID && key.credUID != KeyDescription.invalidUID)
    }
    let text = String(decoding: bytes, as: UTF8.self)
    if let described = try? DescribedKey(parsing: text) {
        precondition(described.keyctlText == text, "keyctl_describe text does not round-trip")
        precondition(described.uid != KeyDescription.invalidUID && described.gid != KeyDescription.invalidUID)
        _ = try? described.spnegoDescription()
    }
    return 0
}

/// The key's text with its IPv6 address as old kernels' `%pi6` printed it (32 digits, no colons).
private func legacyIPv6Form(of key: KeyDescription) -> String {
    guard case .ipv6(let address) = key.address else { return key.description }
    let full = address.fullDescription
    let legacy = String(full.filter { $0 != ":" })
    // host= cannot hold '=' or ';', so the first ";ip6=<full>;" is the address field.
    var text = key.description
    guard let range = text.firstRange(of: ";ip6=\(full);") else { return text }
    text.replaceSubrange(range, with: ";ip6=\(legacy);")
    return text
}
