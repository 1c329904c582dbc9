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

/// `0x` and `value` in lower-case hex, unpadded: the kernel's `0x%llx` (session ids, connection ids,
/// tree ids, dialects in DebugData).
public func prefixedHex(_ value: some BinaryInteger) -> String { "0x" + String(value, radix: 16) }

extension UInt8 {
    /// `0-9a-f`: the digits the kernel's `%x` prints.
    package var isLowercaseHexDigit: Bool { (0x30...0x39).contains(self) || (0x61...0x66).contains(self) }
}
