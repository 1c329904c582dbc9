import CLinuxShims
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Writes log entries to journald with structured fields when it runs, else to syslog's
/// /dev/log. Messages are passed as data, never as a format string.
///
/// Every SystemLog of a process shares one socket, connected on first use (or by `connect()`)
/// and kept: a line written after the upcall has joined a container's mount namespace still
/// reaches the host's journal, not whatever socket the container has at the same path.
public struct SystemLog: Sendable {
    public enum Priority: Int32, Sendable {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7
    }

    public let identifier: String

    public init(identifier: String) {
        self.identifier = identifier
    }

    /// Connects the process's log socket now, if it is not yet, and returns its descriptor (to
    /// keep when closing the others), or nil when neither journald nor a syslog daemon listens.
    @discardableResult
    public static func connect() -> Int32? {
        LogSocket.shared.connect()
    }

    /// Sends one entry. `fields` are upper-case journald field names (KEY_SERIAL=…).
    public func write(_ priority: Priority, _ message: String, fields: [(String, String)] = []) {
        LogSocket.shared.send { kind in
            switch kind {
            case .journal: journalDatagram(priority, message, fields: fields)
            case .syslog: syslogDatagram(priority, message + Self.syslogSuffix(fields))
            }
        }
    }

    /// `smb3-upcall: error: message [key_serial=5]`: the line a program run by hand also writes
    /// to standard error, so that an admin sees it (`level` in swift-log's or syslog's words).
    public func echoLine(level: String, _ message: String, fields: [(String, String)]) -> String {
        "\(identifier): \(level): \(message)" + Self.syslogSuffix(fields)
    }

    /// The journal field name for a metadata key: `key.serial` → `KEY_SERIAL`. Journald takes
    /// only A-Z, 0-9 and `_` in field names, so the mapping is ASCII (`é` is not kept as `É`).
    public static func fieldName(_ key: String) -> String {
        String(
            decoding: key.utf8.map { byte in
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
    func journalDatagram(_ priority: Priority, _ message: String, fields: [(String, String)]) -> [UInt8] {
        var lines = [
            "MESSAGE=\(message)", "PRIORITY=\(priority.rawValue)", "SYSLOG_IDENTIFIER=\(identifier)",
            "SYSLOG_PID=\(getpid())",
        ]
        for (name, value) in fields {
            // A newline would start a forged field; values are single-line here.
            lines.append("\(name)=\(value.replacingNewlines())")
        }
        return Array((lines.map { $0.replacingNewlines() }.joined(separator: "\n") + "\n").utf8)
    }

    /// RFC 3164 without a timestamp (the daemon adds the time it received it), facility daemon:
    /// `<30>smb3-upcall[42]: message`.
    func syslogDatagram(_ priority: Priority, _ message: String) -> [UInt8] {
        Array("<\(LOG_DAEMON | priority.rawValue)>\(identifier)[\(getpid())]: \(message.replacingNewlines())".utf8)
    }
}

/// The process's one connected datagram socket to journald (or /dev/log).
final class LogSocket: Sendable {
    enum Kind: Sendable { case journal, syslog }

    static let shared = LogSocket()
    private static let journalSocket = "/run/systemd/journal/socket"
    private static let syslogSocket = "/dev/log"

    private let state = Mutex<(fd: Int32, kind: Kind)?>(nil)

    func connect() -> Int32? {
        state.withLock { state in
            if state == nil { state = Self.open() }
            return state?.fd
        }
    }

    /// Sends the datagram `make` builds for the connected kind. A daemon that restarted drops
    /// the connection (ECONNREFUSED): connect again once, by path.
    func send(_ make: (Kind) -> [UInt8]) {
        state.withLock { state in
            for attempt in 0..<2 {
                if state == nil { state = Self.open() }
                guard let (fd, kind) = state else { return }
                let datagram = make(kind)
                let sent = datagram.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if sent == datagram.count { return }
                let code = errno
                guard attempt == 0, code == ECONNREFUSED || code == ENOTCONN else { return }
                close(fd)
                state = nil
            }
        }
    }

    private static func open() -> (fd: Int32, kind: Kind)? {
        for (path, kind) in [(journalSocket, Kind.journal), (syslogSocket, .syslog)] {
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { return nil }
            guard var address = UnixSocketAddress(Array(path.utf8)),
                address.withSockaddr({ Glibc.connect(fd, $0, $1) }) == 0
            else {
                close(fd)
                continue
            }
            return (fd, kind)
        }
        return nil
    }
}

extension String {
    /// Byte-wise: CR and LF never occur inside a multi-byte UTF-8 sequence.
    fileprivate func replacingNewlines() -> String {
        String(decoding: utf8.map { $0 == 0x0A || $0 == 0x0D ? 0x20 : $0 }, as: UTF8.self)
    }
}
