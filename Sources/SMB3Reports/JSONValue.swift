/// A JSON value with ordered object keys, rendered without Foundation.
public indirect enum JSONValue: Hashable, Sendable {
    case string(String)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.rendered() == rhs.rendered() }
    public func hash(into hasher: inout Hasher) { hasher.combine(rendered()) }

    /// Compact JSON text on one line.
    public func rendered() -> String {
        var out = ""
        write(into: &out)
        return out
    }

    /// Appends the compact text to `out`.
    public func write(into out: inout String) {
        switch self {
        case .string(let text): Self.quote(text, into: &out)
        case .int(let value): out += String(value)
        case .uint(let value): out += String(value)
        case .double(let value):
            // JSON has no NaN or infinity.
            if value.isFinite { out += String(value) } else { out += "null" }
        case .bool(let value): out += value ? "true" : "false"
        case .null: out += "null"
        case .array(let values):
            out += "["
            for (index, value) in values.enumerated() {
                if index > 0 { out += "," }
                value.write(into: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, member) in members.enumerated() {
                if index > 0 { out += "," }
                Self.quote(member.0, into: &out)
                out += ":"
                member.1.write(into: &out)
            }
            out += "}"
        }
    }

    /// RFC 8259 §7: quote, backslash and control characters are escaped; everything else is UTF-8 as is.
    private static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{00}"..."\u{1F}", "\u{7F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}

extension JSONValue {
    public static func optionalString(_ value: String?) -> JSONValue {
        if let value { return .string(value) }
        return .null
    }
    public static func optionalInt(_ value: Int64?) -> JSONValue {
        if let value { return .int(value) }
        return .null
    }
    public static func optionalUInt(_ value: UInt64?) -> JSONValue {
        if let value { return .uint(value) }
        return .null
    }
}
