/// Hexadecimal digits, both ways: the model's one hex parser and one hex formatter.

/// The value of one ASCII hex digit (either case), or nil.
package func hexDigitValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
}

/// `value` in lower-case hex, left-padded with zeros to at least `digits` digits, without a `0x`
/// (the kernel's `%08x`: key descriptions, smbinfo's flag words, NTLM flags).
public func zeroPaddedHex(_ value: some BinaryInteger, digits: Int) -> String {
    let text = String(value, radix: 16)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}

/// `0x` and `value` in lower-case hex, unpadded (`0x0`, `0x311`): the kernel's `0x%llx` (session
/// ids, connection ids, tree ids, dialects in DebugData), ids and flag words in messages.
public func prefixedHex(_ value: some BinaryInteger) -> String { "0x" + String(value, radix: 16) }

extension UInt8 {
    /// `0-9a-f`: the digits the kernel's `%x` prints.
    package var isLowercaseHexDigit: Bool { (0x30...0x39).contains(self) || (0x61...0x66).contains(self) }
}

/// Two lower-case hex digits per byte, joined by `separator`: `"0aff"` packed (keys in JSON,
/// Wireshark's form), `"0a ff"` spaced (smbinfo's key dump).
public func hexString(_ bytes: some Sequence<UInt8>, separator: String = "") -> String {
    var text: [UInt8] = []
    text.reserveCapacity(bytes.underestimatedCount * (2 + separator.utf8.count))
    var first = true
    for byte in bytes {
        if !first { text += separator.utf8 }
        first = false
        text.append(lowercaseHexDigits[Int(byte >> 4)])
        text.append(lowercaseHexDigits[Int(byte & 0x0F)])
    }
    return String(decoding: text, as: UTF8.self)
}

private let lowercaseHexDigits: [UInt8] = Array("0123456789abcdef".utf8)

/// Bytes from hex text: pairs of digits in either case, an optional leading `0x`, and spaces, tabs
/// and colons anywhere between digits (`"0x0a:0B ff"`). Nil for any other character or an odd
/// number of digits; empty text is no bytes.
public func parseHexBytes(_ text: some StringProtocol) -> [UInt8]? {
    var digits = text.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: ":") && $0 != UInt8(ascii: "\t") }
    if digits.count >= 2, digits[0] == UInt8(ascii: "0"), digits[1] | 0x20 == UInt8(ascii: "x") {
        digits.removeFirst(2)
    }
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    for pair in stride(from: 0, to: digits.count, by: 2) {
        guard let high = hexDigitValue(digits[pair]), let low = hexDigitValue(digits[pair + 1]) else { return nil }
        bytes.append(high << 4 | low)
    }
    return bytes
}
