/// Prometheus text exposition format 0.0.4, the one writer for every program's metrics
/// (`smb3-ifaces --prometheus`, `smb3-witnessd metrics`).
public struct PrometheusText: Sendable {
    /// The `# TYPE` of a metric family.
    public enum MetricType: String, Sendable {
        case gauge
        case counter
    }

    /// The text so far; every line ends with a newline.
    public private(set) var text = ""

    public init() {}

    /// Starts a family: its `# HELP` and `# TYPE` lines.
    public mutating func family(_ name: String, _ help: String, type: MetricType = .gauge) {
        text += "# HELP \(name) \(Self.escapeHelp(help))\n# TYPE \(name) \(type.rawValue)\n"
    }

    /// One sample of the current family; label values are escaped.
    public mutating func sample(_ name: String, _ value: some BinaryInteger) {
        sample(name, [], value)
    }

    public mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: some BinaryInteger) {
        sample(name, labels.map { ($0.key, $0.value) }, value)
    }

    public mutating func sample(_ name: String, _ labels: [(String, String)], _ value: some BinaryInteger) {
        text += name
        if !labels.isEmpty {
            text += "{"
            text += labels.map { "\($0.0)=\"\(Self.escapeLabel($0.1))\"" }.joined(separator: ",")
            text += "}"
        }
        text += " \(value)\n"
    }

    /// Label values escape backslash, double quote and line feed.
    public static func escapeLabel(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }

    /// HELP text escapes backslash and line feed.
    static func escapeHelp(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
