import SMB3Protocol

extension JSONValue {
    /// `{"value": 32, "names": ["ARCHIVE"]}` for a flag word.
    static func flags(_ value: UInt32, _ table: CIFSFlagTable) -> JSONValue {
        .object([
            ("value", .uint(UInt64(value))), ("names", .array(table.names(of: UInt64(value)).map { .string($0) })),
        ])
    }

    /// `{"nt": 1334…, "utc": "2024-…Z"}` for an NT time.
    static func time(_ time: NTTime) -> JSONValue {
        .object([("nt", .uint(time.rawValue)), ("utc", .string(time.iso8601))])
    }
}
