import SMB3Protocol
import Testing

@testable import SMB3Reports

@Suite("JSONValue")
struct JSONValueTests {
    @Test func rendersOrderedCompactJSON() {
        let value = JSONValue.object([
            ("b", .uint(18_446_744_073_709_551_615)), ("a", .int(-1)),
            ("c", .array([.bool(true), .null, .double(1.5)])),
            ("d", .optionalString(nil)), ("e", .double(.nan)),
        ])
        #expect(value.rendered() == #"{"b":18446744073709551615,"a":-1,"c":[true,null,1.5],"d":null,"e":null}"#)
    }

    @Test func escapesPerRFC8259() {
        let text = "q\"b\\n\nr\rt\t\u{08}\u{0C}\u{01}\u{7F}é"
        #expect(JSONValue.string(text).rendered() == #""q\"b\\n\nr\rt\t\b\f\u0001\u007fé""#)
    }
}
