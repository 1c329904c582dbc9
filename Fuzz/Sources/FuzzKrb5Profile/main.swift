import SMB3Protocol

/// libFuzzer entry point: krb5.conf as --check-setup reads it (UTF-8 with replacement). Parsing
/// may throw but must never trap, must be deterministic, must name a line of the input, and what
/// it accepts must answer lookups without trapping.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKrb5Profile(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    let lineCount = RequestKeyRules.lines(of: text).count
    let profile: Krb5Profile
    do {
        profile = try Krb5Profile(parsing: text)
    } catch {
        precondition((1...max(lineCount, 1)).contains(error.line), "an error names line \(error.line) of \(lineCount)")
        precondition((try? Krb5Profile(parsing: text)) == nil, "parsing is not deterministic")
        return 0
    }
    precondition((try? Krb5Profile(parsing: text)) == profile, "parsing is not deterministic")
    if let realm = profile.value(["libdefaults", "default_realm"]) {
        _ = profile.values(["realms", realm, "kdc"])
    }
    for section in profile.sections {
        precondition(!section.name.isEmpty, "a section without a name")
        for node in section.nodes { _ = profile.values([section.name, node.name]) }
    }
    // The same parser's neighbours on the same input: request-key rules and kernel config.
    _ = RequestKeyRules.spnegoRules(RequestKeyRules.parse(text, file: "fuzz"))
    _ = KernelConfig(parsing: text)
    return 0
}
