import SMB3Protocol

/// A command's facts as one value: encoded, it is the `--json` object (keys in declaration
/// order, `nil` as `null`); `lines` renders the same facts as text. Text and JSON come from one
/// value, so they cannot drift apart.
protocol IoctlReportBody: Encodable {
    /// The text output, one entry per line.
    var lines: [String] { get }
}

extension IoctlReport {
    init(_ body: some IoctlReportBody) {
        // encodedJSON: the report types' encode(to:) never throw; should one ever, the JSON says so.
        let json = body.encodedJSON
        self.init(lines: body.lines, json: json)
    }
}

/// `{"value": 32, "names": ["ARCHIVE"]}`: a flag word and the names of its set bits.
struct FlagWord: Encodable {
    let value: UInt32
    let names: [String]

    init(_ value: UInt32, _ table: CIFSFlagTable) {
        self.value = value
        names = table.names(of: UInt64(value))
    }

    /// smbinfo's form: `0x00000020 (ARCHIVE)`, or the hex alone when no name applies.
    var text: String { names.isEmpty ? cifsHex32(value) : "\(cifsHex32(value)) (\(names.joined(separator: ",")))" }
}

/// `{"nt": 1334…, "utc": "2024-…Z"}`: an NT time, and the same instant in UTC ISO 8601.
struct ReportTime: Encodable {
    let nt: UInt64
    let utc: String

    init(_ time: NTTime) {
        nt = time.rawValue
        utc = time.iso8601
    }
}

/// `{"value": 2, "name": "LZNT1"}`: a code and its name.
struct NamedCode: Encodable {
    let value: UInt64
    let name: String
}

/// Bytes, in JSON as packed lower-case hex (`"0aff"`).
struct HexBytes: Encodable {
    let bytes: [UInt8]

    var packed: String { hexString(bytes) }
    /// smbinfo's form: `0a ff`.
    var spaced: String { hexString(bytes, separator: " ") }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(packed)
    }
}

/// A value written as its description, in JSON and in text (SIDs, notify actions).
struct Described<Value: CustomStringConvertible>: Encodable, CustomStringConvertible {
    let value: Value

    init(_ value: Value) { self.value = value }

    var description: String { value.description }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A one-byte BOOLEAN from the wire: `true` or `false` in JSON, the byte itself in text (smbinfo
/// prints the byte).
struct WireBoolean: Encodable {
    let byte: UInt8

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(byte != 0)
    }
}
