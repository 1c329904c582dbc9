import SMB3Protocol

/// /etc/smb3kit/witnessd.conf: `key = value` lines, `#` comments. Unknown keys are errors so
/// a typo does not silently fall back to a default.
public struct WitnessConfiguration: Sendable, Equatable {
    public static let defaultPath = "/etc/smb3kit/witnessd.conf"

    /// RegisterEx KeepAliveTimeout: how long one AsyncNotify may wait before ERROR_TIMEOUT.
    public var keepAliveTimeout: UInt32 = 120
    public var interfacePolicy: WitnessInterfacePolicy = .anyAvailable
    public var authLevel: DCERPCAuthLevel = .privacy
    /// ClientComputerName in RegisterEx; empty means the host name.
    public var clientName = ""
    public var connectTimeout: Int32 = 10
    /// Upper bound of the exponential backoff between re-registration attempts.
    public var maximumBackoff: Double = 60
    public var controlSocket = "/run/smb3-witnessd/control"
    /// JSON lines of every event, appended; empty means none.
    public var eventsFile = ""
    /// After the kernel accepted a CLIENT_MOVE or an UNAVAILABLE RESOURCE_CHANGE, abort its TCP
    /// connections to the old address: cifs.ko otherwise acts only when its 7 s receive
    /// timeout expires or data arrives.
    public var abortConnections = true
    /// At most one abort per registration in this many seconds, so that a flood of moves
    /// cannot reset the kernel's connection faster than its own 7 s receive timeout would.
    public var abortInterval: Double = 10
    /// NTLM mounts: accept a witness server whose CHALLENGE grants neither 128-bit keys nor
    /// key exchange (NEGOTIATE_128, NEGOTIATE_KEY_EXCH). Off: such a server is refused.
    public var ntlmAllowWeakKeys = false
    /// Kerberos mounts: the service of the witness server's name (`<service>@<net name>`).
    public var kerberosService = "cifs"
    /// Kerberos mounts: who the daemon is (krb5_principal, krb5_client_keytab, krb5_ccache).
    public var kerberosCredentials = KerberosClientCredentials()

    public init() {}

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    /// Lines, `#` and `=` are found by Unicode scalar, not by Character: "\r\n" is one Character,
    /// so a CRLF file would otherwise be one line whose values take in the lines after them.
    public init(parsing text: String) throws(ParseError) {
        self.init()
        for (index, rawLine) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated()
        {
            let lineNumber = index + 1
            let line =
                rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? rawLine[...]
            let trimmed = Substring(line).trimmingSpaces().unicodeScalars
            if trimmed.isEmpty { continue }
            guard let equals = trimmed.firstIndex(of: "=") else {
                throw ParseError(line: lineNumber, message: "expected 'key = value'")
            }
            let key = String(String.UnicodeScalarView(trimmed[..<equals])).trimmingSpaces()
            let value = String(String.UnicodeScalarView(trimmed[trimmed.index(after: equals)...])).trimmingSpaces()
            func number<T: FixedWidthInteger>(_ range: ClosedRange<T>) throws(ParseError) -> T {
                guard let parsed = T(value), range.contains(parsed) else {
                    throw ParseError(line: lineNumber, message: "\(key) must be a number in \(range)")
                }
                return parsed
            }
            switch key {
            case "keepalive_timeout": keepAliveTimeout = try number(0...86400)
            case "interface_policy":
                guard let policy = WitnessInterfacePolicy(rawValue: value) else {
                    throw ParseError(
                        line: lineNumber,
                        message:
                            "interface_policy must be one of \(WitnessInterfacePolicy.allCases.map(\.rawValue).joined(separator: ", "))"
                    )
                }
                interfacePolicy = policy
            case "auth_level":
                switch value {
                case "integrity", "sign": authLevel = .integrity
                case "privacy", "seal": authLevel = .privacy
                default: throw ParseError(line: lineNumber, message: "auth_level must be integrity or privacy")
                }
            case "client_name": clientName = value
            case "connect_timeout": connectTimeout = try number(1...300)
            case "max_backoff": maximumBackoff = Double(try number(1...3600) as Int)
            case "control_socket": controlSocket = value
            case "events_file": eventsFile = value
            case "abort_connections":
                switch value {
                case "yes", "true", "1": abortConnections = true
                case "no", "false", "0": abortConnections = false
                default: throw ParseError(line: lineNumber, message: "abort_connections must be yes or no")
                }
            case "abort_interval": abortInterval = Double(try number(1...3600) as Int)
            case "ntlm_allow_weak_keys":
                switch value {
                case "yes", "true", "1": ntlmAllowWeakKeys = true
                case "no", "false", "0": ntlmAllowWeakKeys = false
                default: throw ParseError(line: lineNumber, message: "ntlm_allow_weak_keys must be yes or no")
                }
            case "krb5_service":
                guard !value.isEmpty, !value.unicodeScalars.contains("@"), !value.unicodeScalars.contains("/") else {
                    throw ParseError(line: lineNumber, message: "krb5_service must be a bare service name such as cifs")
                }
                kerberosService = value
            case "krb5_principal": kerberosCredentials.principal = value.isEmpty ? nil : value
            case "krb5_client_keytab": kerberosCredentials.clientKeytab = value.isEmpty ? nil : value
            case "krb5_ccache": kerberosCredentials.ccache = value.isEmpty ? nil : value
            default: throw ParseError(line: lineNumber, message: "unknown key '\(key)'")
            }
        }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" }),
            let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" && $0 != "\r" })
        else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
