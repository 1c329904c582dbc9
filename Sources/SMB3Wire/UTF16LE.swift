/// UTF-16LE as SMB, NTLMSSP and MS-SWN put names on the wire.

/// Encodes UTF-16LE, no terminator.
package func encodeUTF16LE(_ text: String) -> [UInt8] {
    var writer = WireWriter(capacity: text.utf16.count * 2)
    for unit in text.utf16 { writer.writeInteger(unit, .little) }
    return writer.bytes
}

/// UTF-8 bytes as UTF-16LE, invalid sequences replaced by U+FFFD as `String(decoding:as:)`
/// replaces them. The result is allocated once at its largest possible size (two bytes per
/// UTF-8 byte), so no reallocation leaves a partial copy behind: for passwords.
package func encodeUTF16LE(utf8 bytes: [UInt8]) -> [UInt8] {
    var units: [UInt8] = []
    units.reserveCapacity(bytes.count * 2)
    var iterator = bytes.makeIterator()
    var decoder = UTF8()
    func append(_ scalar: Unicode.Scalar) {
        UTF16.encode(scalar) { unit in
            units.append(UInt8(truncatingIfNeeded: unit))
            units.append(UInt8(truncatingIfNeeded: unit >> 8))
        }
    }
    while true {
        switch decoder.decode(&iterator) {
        case .scalarValue(let scalar): append(scalar)
        case .error: append("\u{FFFD}")
        case .emptyInput: return units
        }
    }
}

/// Decodes UTF-16LE leniently, for names that are shown, not trusted: an odd trailing byte is
/// dropped and lone surrogates become U+FFFD. With `upToNUL` the text ends at the first NUL
/// (MS-SWN's NUL-terminated names and NUL-padded fixed arrays).
package func decodeUTF16LELeniently(_ bytes: some Collection<UInt8>, upToNUL: Bool = false) -> String {
    var units: [UInt16] = []
    units.reserveCapacity(bytes.count / 2)
    var iterator = bytes.makeIterator()
    while let low = iterator.next(), let high = iterator.next() {
        let unit = UInt16(low) | UInt16(high) << 8
        if upToNUL && unit == 0 { break }
        units.append(unit)
    }
    return String(decoding: units, as: UTF16.self)
}
