import Logging
import SMB3System

/// swift-log over journald/syslog. Metadata become journal fields: `key.serial` → `KEY_SERIAL`.
struct SystemLogHandler: LogHandler {
    let log: SystemLog
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    /// An admin running the handler by hand sees the lines too.
    let echoToTerminal: Bool

    init(log: SystemLog, logLevel: Logger.Level, echoToTerminal: Bool) {
        self.log = log
        self.logLevel = logLevel
        self.echoToTerminal = echoToTerminal
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { (SystemLog.fieldName($0.key), "\($0.value)") }
        log.write(Self.priority(event.level), "\(event.message)", fields: fields)
        if echoToTerminal {
            Console.printError("smb3-upcall: \(event.level): \(event.message)" + SystemLog.syslogSuffix(fields))
        }
    }

    static func priority(_ level: Logger.Level) -> SystemLog.Priority {
        switch level {
        case .trace, .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error, .critical: .error
        }
    }
}
