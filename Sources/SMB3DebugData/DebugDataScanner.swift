import SMB3Wire

/// Byte-level helpers for one line of DebugData.
///
/// Lines are `ArraySlice<UInt8>` views into the input; every index used here is derived from the
/// slice's own bounds, so no helper can trap on short or odd input. Text fields are decoded leniently
/// (invalid UTF-8 becomes U+FFFD) only when they are stored.
enum DebugDataText {
    /// Space, tab, CR, VT and FF. Tabs and runs of spaces are treated alike so that captures whose
    /// tabs were expanded (mail, terminals) still parse.
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }

    static func trimmed(_ text: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var start = text.startIndex
        var end = text.endIndex
        while start < end, isBlank(text[start]) { start += 1 }
        while end > start, isBlank(text[end - 1]) { end -= 1 }
        return text[start..<end]
    }

    static func hasPrefix(_ text: ArraySlice<UInt8>, _ prefix: [UInt8]) -> Bool {
        text.count >= prefix.count && text.prefix(prefix.count).elementsEqual(prefix)
    }

    static func hasSuffix(_ text: ArraySlice<UInt8>, _ suffix: [UInt8]) -> Bool {
        text.count >= suffix.count && text.suffix(suffix.count).elementsEqual(suffix)
    }

    /// The text after `prefix`, with blanks trimmed; `nil` when `text` does not start with it.
    static func remainder(_ text: ArraySlice<UInt8>, after prefix: [UInt8]) -> ArraySlice<UInt8>? {
        guard hasPrefix(text, prefix) else { return nil }
        return trimmed(text.dropFirst(prefix.count))
    }

    /// The first occurrence of `needle` in `text`. Linear in `text.count` for the short keys used here.
    static func firstRange(of needle: [UInt8], in text: ArraySlice<UInt8>) -> Range<Int>? {
        guard let first = needle.first, text.count >= needle.count else { return nil }
        let last = text.endIndex - needle.count
        var index = text.startIndex
        while index <= last {
            if text[index] == first && text[index..<(index + needle.count)].elementsEqual(needle) {
                return index..<(index + needle.count)
            }
            index += 1
        }
        return nil
    }

    static func contains(_ needle: [UInt8], in text: ArraySlice<UInt8>) -> Bool {
        firstRange(of: needle, in: text) != nil
    }

    /// The blank-separated word that follows `key` (blanks between are skipped): `nil` when `key` is
    /// absent, empty when nothing follows it.
    static func word(after key: [UInt8], in text: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        guard let range = firstRange(of: key, in: text) else { return nil }
        var start = range.upperBound
        while start < text.endIndex, isBlank(text[start]) { start += 1 }
        var end = start
        while end < text.endIndex, !isBlank(text[end]) { end += 1 }
        return text[start..<end]
    }

    /// The text between `key` and the next occurrence of `terminator` (or the end), trimmed; `nil` when
    /// `key` is absent.
    static func text(
        after key: [UInt8], upTo terminator: [UInt8]?, in text: ArraySlice<UInt8>
    )
        -> ArraySlice<UInt8>?
    {
        guard let range = firstRange(of: key, in: text) else { return nil }
        let rest = text[range.upperBound...]
        if let terminator, let end = firstRange(of: terminator, in: rest) {
            return trimmed(rest[rest.startIndex..<end.lowerBound])
        }
        return trimmed(rest)
    }

    /// The blank-separated words of `text`.
    static func words(_ text: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        text.split(whereSeparator: isBlank)
    }

    static func containsWord(_ word: [UInt8], in text: ArraySlice<UInt8>) -> Bool {
        words(text).contains { $0.elementsEqual(word) }
    }

    /// Decodes stored text; invalid UTF-8 becomes U+FFFD rather than failing the parse.
    static func string(_ text: ArraySlice<UInt8>) -> String {
        String(decoding: text, as: UTF8.self)
    }

    /// A short, printable excerpt of a field for a diagnostic.
    static func excerpt(_ text: ArraySlice<UInt8>) -> String {
        let limit = 40
        let shown = string(text.prefix(limit))
        return text.count > limit ? "'\(shown)…'" : "'\(shown)'"
    }

    /// `%d`, `%u`, `%zu`, `%lu`: optional `-` (signed types only), then decimal digits, nothing else.
    static func decimal<T: FixedWidthInteger>(_ text: ArraySlice<UInt8>, as type: T.Type = T.self) -> T? {
        var digits = text
        var negative = false
        if T.isSigned, digits.first == UInt8(ascii: "-") {
            negative = true
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty else { return nil }
        var value: T = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = T(byte - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            // Accumulate negative values downwards so that T.min parses.
            let (next, overflow2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
        }
        return value
    }

    /// `0x%x`, `0x%llx`: a `0x` prefix, then hexadecimal digits, nothing else.
    static func hexadecimal<T: FixedWidthInteger & UnsignedInteger>(
        _ text: ArraySlice<UInt8>, as type: T.Type = T.self
    )
        -> T?
    {
        guard text.count > 2, text.first == UInt8(ascii: "0"),
            text.dropFirst().first == UInt8(ascii: "x") || text.dropFirst().first == UInt8(ascii: "X")
        else { return nil }
        let digits = text.dropFirst(2)
        guard !digits.isEmpty else { return nil }
        var value: T = 0
        for byte in digits {
            guard let nibble = hexDigitValue(byte) else { return nil }
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 16)
            let (next, overflow2) = shifted.addingReportingOverflow(T(nibble))
            guard !overflow1, !overflow2 else { return nil }
            value = next
        }
        return value
    }
}

/// Collects diagnostics up to ``DebugData/maximumDiagnostics``.
struct DebugDataDiagnosticSink {
    var line = 0
    var diagnostics: [DebugData.Diagnostic] = []
    var omitted = 0

    mutating func report(_ code: DebugData.Diagnostic.Code, _ detail: @autoclosure () -> String) {
        guard diagnostics.count < DebugData.maximumDiagnostics else {
            omitted += 1
            return
        }
        diagnostics.append(DebugData.Diagnostic(line: line, code: code, detail: detail()))
    }

    /// The decimal value of the word after `key`, or `nil` with a diagnostic when it is there but does
    /// not parse (or is missing and `required`).
    mutating func decimal<T: FixedWidthInteger>(
        _ key: [UInt8], in line: ArraySlice<UInt8>, field: String, required: Bool = true, as type: T.Type = T.self
    ) -> T? {
        guard let word = DebugDataText.word(after: key, in: line) else {
            if required { report(.missingField, field) }
            return nil
        }
        guard let value = DebugDataText.decimal(word, as: T.self) else {
            report(.invalidNumber, "\(field): \(DebugDataText.excerpt(word))")
            return nil
        }
        return value
    }

    /// Like ``decimal(_:in:field:required:as:)`` for `0x`-prefixed hexadecimal values.
    mutating func hexadecimal<T: FixedWidthInteger & UnsignedInteger>(
        _ key: [UInt8], in line: ArraySlice<UInt8>, field: String, required: Bool = true, as type: T.Type = T.self
    ) -> T? {
        guard let word = DebugDataText.word(after: key, in: line) else {
            if required { report(.missingField, field) }
            return nil
        }
        guard let value = DebugDataText.hexadecimal(word, as: T.self) else {
            report(.invalidNumber, "\(field): \(DebugDataText.excerpt(word))")
            return nil
        }
        return value
    }

    /// A `%d` uid (`from_kuid()` returns a `uid_t`), kept as the 32-bit uid: `-1` reads as 4294967295.
    mutating func uid(_ key: [UInt8], in line: ArraySlice<UInt8>, field: String) -> UInt32? {
        guard let word = DebugDataText.word(after: key, in: line) else {
            report(.missingField, field)
            return nil
        }
        if let signed = DebugDataText.decimal(word, as: Int32.self) { return UInt32(bitPattern: signed) }
        if let unsigned = DebugDataText.decimal(word, as: UInt32.self) { return unsigned }
        report(.invalidNumber, "\(field): \(DebugDataText.excerpt(word))")
        return nil
    }
}
