#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims

/// Writes log entries to journald with structured fields when it runs, else to syslog.
/// Messages are passed as data, never as a format string.
public struct SystemLog: Sendable {
    public enum Priority: Int32, Sendable {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7
    }

    public let identifier: String
    private static let journalSocket = "/run/systemd/journal/socket"

    public init(identifier: String) {
        self.identifier = identifier
        // openlog keeps the pointer: hand it memory that lives as long as the process.
        let ident = strdup(identifier)
        openlog(ident, LOG_PID, LOG_DAEMON)
    }

    /// Sends one entry. `fields` are upper-case journald field names (KEY_SERIAL=…).
    public func write(_ priority: Priority, _ message: String, fields: [(String, String)] = []) {
        if sendToJournal(priority, message, fields: fields) { return }
        smb3_syslog(LOG_DAEMON | priority.rawValue, message + Self.syslogSuffix(fields))
    }

    /// The journal field name for a metadata key: `key.serial` → `KEY_SERIAL`. Journald takes
    /// only A-Z, 0-9 and `_` in field names, so the mapping is ASCII (`é` is not kept as `É`).
    public static func fieldName(_ key: String) -> String {
        String(decoding: key.utf8.map { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - 0x20
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): byte
            default: UInt8(ascii: "_")
            }
        }, as: UTF8.self)
    }

    /// ` [key_serial=5 server_host=srv]` for syslog, where fields have no structure.
    public static func syslogSuffix(_ fields: [(String, String)]) -> String {
        guard !fields.isEmpty else { return "" }
        return " [" + fields.map { "\(asciiLowercased($0.0))=\($0.1)" }.joined(separator: " ") + "]"
    }

    private static func asciiLowercased(_ name: String) -> String {
        String(decoding: name.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// The journal's native protocol: one datagram of `FIELD=value` lines.
    private func sendToJournal(_ priority: Priority, _ message: String, fields: [(String, String)]) -> Bool {
        guard access(Self.journalSocket, W_OK) == 0 else { return false }
        var lines = ["MESSAGE=\(message)", "PRIORITY=\(priority.rawValue)", "SYSLOG_IDENTIFIER=\(identifier)", "SYSLOG_PID=\(getpid())"]
        for (name, value) in fields {
            // A newline would start a forged field; values are single-line here.
            lines.append("\(name)=\(value.replacingNewlines())")
        }
        let datagram = Array((lines.map { $0.replacingNewlines() }.joined(separator: "\n") + "\n").utf8)
        return sendUnixDatagram(datagram, to: Array(Self.journalSocket.utf8))
    }
}

extension String {
    /// Byte-wise: CR and LF never occur inside a multi-byte UTF-8 sequence.
    fileprivate func replacingNewlines() -> String {
        String(decoding: utf8.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }, as: UTF8.self)
    }
}
