import Logging
import SMB3System

/// The one swift-log backend of the programs: journald (structured fields) or syslog's /dev/log
/// through `SystemLog`, optionally echoed to standard error.
///
/// Metadata become journal fields (`key.serial` → `KEY_SERIAL`); on syslog, which has no fields,
/// they follow the message as ` [key_serial=5]`. Every handler of a process writes through the
/// one log socket SystemLog keeps, connected once (on first use or by `SystemLog.connect()`), so
/// creating a handler per Logger costs nothing and opens nothing.
///
/// Lives apart from SMB3System because the static request-key handler (smb3-upcall) links
/// SMB3System but no Swift package, swift-log included; it writes `SystemLog` directly.
///
/// Executables create it (`Logger(label:factory:)`); kits only receive the `Logger`.
public struct SystemLogHandler: LogHandler {
    /// Where entries go.
    public enum Destination: Sendable {
        /// The journal (or syslog) only.
        case systemLog
        /// The journal, and a line `identifier: level: message [fields]` on standard error, for an
        /// admin running a program by hand.
        case systemLogEchoedToStandardError
        /// Only `identifier: message` on standard error (a program run outside systemd, whose
        /// standard error is its log).
        case standardError
    }

    public let log: SystemLog
    public let destination: Destination
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]

    public init(identifier: String, logLevel: Logger.Level = .info, destination: Destination = .systemLog) {
        self.log = SystemLog(identifier: identifier)
        self.logLevel = logLevel
        self.destination = destination
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let fields = Self.fields(metadata, event.metadata)
        switch destination {
        case .systemLog:
            log.write(Self.priority(event.level), "\(event.message)", fields: fields)
        case .systemLogEchoedToStandardError:
            log.write(Self.priority(event.level), "\(event.message)", fields: fields)
            Console.printError(log.echoLine(level: "\(event.level)", "\(event.message)", fields: fields))
        case .standardError:
            Console.printError("\(log.identifier): \(event.message)")
        }
    }

    /// The journal fields of an entry: the handler's metadata, overridden by the entry's, sorted
    /// by key, with journald's names (`key.serial` → `KEY_SERIAL`).
    public static func fields(_ handler: Logger.Metadata, _ entry: Logger.Metadata?) -> [(String, String)] {
        let merged = handler.merging(entry ?? [:]) { $1 }
        return merged.sorted { $0.key < $1.key }.map { (SystemLog.fieldName($0.key), "\($0.value)") }
    }

    /// syslog(3) has no trace or critical: they go out as debug and error.
    public static func priority(_ level: Logger.Level) -> SystemLog.Priority {
        switch level {
        case .trace, .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error, .critical: .error
        }
    }
}
