// Test support shared by the model's test targets (not shipped in any product).

/// Fixture bytes written as hex in a test: "c0 a8 03 2c" or "c0a8032c" → bytes; whitespace and newlines ignored.
public func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.utf8.filter { !($0 == 0x20 || $0 == 0x0A) })
    precondition(digits.count % 2 == 0, "odd hex digit count")
    func value(_ digit: UInt8) -> UInt8 {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        case 0x41...0x46: digit - 0x41 + 10
        default: preconditionFailure("not hex: \(digit)")
        }
    }
    return stride(from: 0, to: digits.count, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
}
