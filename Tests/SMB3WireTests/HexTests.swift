import Testing

@testable import SMB3Wire

@Suite("Hex")
struct HexTests {
    @Test func formatsBytesPackedAndSpaced() {
        #expect(hexString([]) == "")
        #expect(hexString([0x00, 0x0A, 0xFF]) == "000aff")
        #expect(hexString([0x76, 0x23, 0xF7], separator: " ") == "76 23 f7")
        #expect(hexString([0x01], separator: " ") == "01")
        #expect(hexString([UInt8](0...255)).count == 512)
    }

    @Test func formatsPrefixedIntegers() {
        #expect(prefixedHex(UInt64(0)) == "0x0")
        #expect(prefixedHex(UInt16(0x311)) == "0x311")
        #expect(prefixedHex(UInt64.max) == "0xffffffffffffffff")
        #expect(zeroPaddedHex(UInt32(0x80), digits: 8) == "00000080")
    }

    @Test func parsesBytesWithSeparatorsAndAPrefix() {
        #expect(parseHexBytes("0x0a:0B ff") == [0x0A, 0x0B, 0xFF])
        #expect(parseHexBytes("0X0a") == [0x0A])
        #expect(parseHexBytes("\t01 02\t") == [1, 2])
        #expect(parseHexBytes("") == [])
        #expect(parseHexBytes("0x") == [])
        #expect(parseHexBytes("00") == [0])
    }

    @Test func rejectsEverythingElse() {
        for text in ["abc", "zz", "0", "0x0", "+f", "-0", "0g", "0x0x00", "ü1", "1ü", "12-34", "１２"] {
            #expect(parseHexBytes(text) == nil, "\(text)")
        }
    }

    @Test func roundTripsAnyBytes() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<64 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(parseHexBytes(hexString(bytes)) == bytes)
            #expect(parseHexBytes(hexString(bytes, separator: ":")) == bytes)
            #expect(parseHexBytes(hexString(bytes).uppercased()) == bytes)
        }
    }

    @Test func anyTextParsesOrIsRejectedWithoutTrapping() {
        // Every string of up to three characters over an alphabet of digits, separators, the prefix
        // letters and non-ASCII: the parser must answer, and an answer must round-trip.
        let alphabet = ["0", "a", "F", "x", "X", " ", ":", "\t", "g", "é", "\u{0}"]
        var texts = [""]
        for _ in 0..<3 { texts = texts + texts.flatMap { text in alphabet.map { text + $0 } } }
        for text in texts {
            if let bytes = parseHexBytes(text) {
                #expect(bytes.count * 2 <= text.utf8.count)
                #expect(parseHexBytes(hexString(bytes)) == bytes)
            }
        }
    }
}
