import SMB3Protocol

/// Byte counts as smb3-ioctl's options take them: decimal digits with an optional unit K, M, G or
/// T (powers of 1024, any case, also written Ki/KiB, Mi/MiB, ...), or `0x` and hex digits.
public enum ByteCountText {
    /// What a rejection says is accepted.
    static let forms =
        "give decimal digits with an optional K, M, G or T (powers of 1024; also written Ki or KiB, ...), "
        + "or 0x and hex digits"

    public static func value(of text: String) throws(IoctlCommandError) -> UInt64 {
        guard let value = parse(text) else { throw IoctlCommandError.usage("'\(text)' is not a byte count: \(forms)") }
        return value
    }

    private static let shifts: [String: UInt64] = [
        "": 0, "K": 10, "KI": 10, "KIB": 10, "M": 20, "MI": 20, "MIB": 20, "G": 30, "GI": 30, "GIB": 30, "T": 40,
        "TI": 40, "TIB": 40,
    ]

    /// Nil for anything else, and for values past 2^64 - 1.
    static func parse(_ text: String) -> UInt64? {
        let bytes = Array(text.utf8)
        if bytes.count > 2, bytes[0] == UInt8(ascii: "0"), bytes[1] | 0x20 == UInt8(ascii: "x") {
            return number(bytes[2...], radix: 16, digit: hexDigitValue)
        }
        let digitCount = bytes.prefix { (0x30...0x39).contains($0) }.count
        let unit = String(decoding: bytes[digitCount...], as: UTF8.self).uppercased()
        guard let shift = shifts[unit],
            let count = number(bytes[..<digitCount], radix: 10, digit: { $0 &- 0x30 })
        else { return nil }
        let (value, overflow) = count.multipliedReportingOverflow(by: 1 << shift)
        return overflow ? nil : value
    }

    /// The digits' value; nil when there are none, one is not a digit, or the value overflows.
    private static func number(_ digits: ArraySlice<UInt8>, radix: UInt64, digit: (UInt8) -> UInt8?) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard let digit = digit(byte) else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: radix)
            let (sum, carry) = shifted.addingReportingOverflow(UInt64(digit))
            guard !overflow, !carry else { return nil }
            value = sum
        }
        return value
    }
}
