import SMB3Wire
import Testing

@Suite("Hex formatting")
struct HexTests {
    /// The kernel's `0x%llx` and `%08x`, for zero, small and full-width values.
    @Test func prefixedAndPaddedForms() {
        #expect(prefixedHex(0 as UInt64) == "0x0")
        #expect(prefixedHex(0x311 as UInt16) == "0x311")
        #expect(prefixedHex(UInt64.max) == "0xffffffffffffffff")
        #expect(zeroPaddedHex(0x2a as UInt32, digits: 8) == "0000002a")
        #expect(zeroPaddedHex(0x1_0000_0000 as UInt64, digits: 8) == "100000000")
    }
}
