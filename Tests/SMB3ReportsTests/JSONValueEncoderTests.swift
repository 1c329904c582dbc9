import Testing

@testable import SMB3Reports

@Suite("JSONValueEncoder")
struct JSONValueEncoderTests {
    struct Channel: Encodable {
        var number: Int
        var address: String?
        var up: Bool
    }

    enum State: String, Encodable {
        case connected
        case disconnected
    }

    struct Mount: Encodable {
        var zeta: UInt64
        var alpha: Int32
        var state: State
        var ratio: Double?
        var channels: [Channel]
        var tags: [String?]
        var extra: JSONValue
    }

    @Test func keepsDeclarationOrderAndWritesNilAsNull() throws {
        let mount = Mount(
            zeta: .max, alpha: -2, state: .connected, ratio: nil,
            channels: [
                Channel(number: 1, address: "192.0.2.1", up: true), Channel(number: 2, address: nil, up: false),
            ],
            tags: ["a", nil], extra: .object([("z", .int(1)), ("a", .null)]))
        let text = try mount.jsonText()
        #expect(
            text
                == #"{"zeta":18446744073709551615,"alpha":-2,"state":"connected","ratio":null,"#
                + #""channels":[{"number":1,"address":"192.0.2.1","up":true},{"number":2,"address":null,"up":false}],"#
                + #""tags":["a",null],"extra":{"z":1,"a":null}}"#)
    }

    struct Custom: Encodable {
        var value: UInt32
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(value, forKey: .value)
            var names = container.nestedUnkeyedContainer(forKey: .names)
            try names.encode("ARCHIVE")
            try container.encode(value + 1, forKey: .value)  // a key written twice keeps its first place
        }
        enum Key: String, CodingKey {
            case value
            case names
        }
    }

    @Test func customConformancesAndRepeatedKeys() throws {
        #expect(try Custom(value: 32).jsonText() == #"{"value":33,"names":["ARCHIVE"]}"#)
    }

    @Test func jsonValueRoundTripsUnchanged() throws {
        let value = JSONValue.array([.uint(1), .int(-1), .double(0.5), .string("x\n"), .null, .object([])])
        #expect(try JSONValueEncoder().encode(value) == value)
        #expect(try JSONValueEncoder().encode([value]) == .array([value]))
    }
}

@Suite("PrometheusText")
struct PrometheusTextTests {
    @Test func familiesSamplesAndEscaping() {
        var out = PrometheusText()
        out.family("smb3_x", "Line one\\two")
        out.sample("smb3_x", ["path": "/mnt/\"a\"\\b\nc"], 3)
        out.family("smb3_y_total", "Counted.", type: .counter)
        out.sample("smb3_y_total", 7)
        #expect(
            out.text == """
                # HELP smb3_x Line one\\\\two
                # TYPE smb3_x gauge
                smb3_x{path="/mnt/\\"a\\"\\\\b\\nc"} 3
                # HELP smb3_y_total Counted.
                # TYPE smb3_y_total counter
                smb3_y_total 7

                """)
    }
}
