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
        let suffix = fields.isEmpty ? "" : " [" + fields.map { "\($0.0.lowercased())=\($0.1)" }.joined(separator: " ") + "]"
        smb3_syslog(LOG_DAEMON | priority.rawValue, message + suffix)
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
    fileprivate func replacingNewlines() -> String {
        String(unicodeScalars.map { $0 == "\n" || $0 == "\r" ? " " : Character($0) })
    }
}
