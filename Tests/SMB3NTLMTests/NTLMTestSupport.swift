import SMB3Protocol

@testable import SMB3NTLM

/// "01 23 ab" → bytes. Spaces and newlines are ignored; a malformed string yields an empty array so the
/// test using it fails visibly.
func ntlmHex(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    guard digits.count % 2 == 0 else { return [] }
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        guard let byte = UInt8(digits[index..<next], radix: 16) else { return [] }
        bytes.append(byte)
        index = next
    }
    return bytes
}

func ntlmHexString(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}
