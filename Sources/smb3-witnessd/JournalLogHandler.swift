import Logging
import SMB3System

/// The daemon's swift-log backend: journald (syslog without it) through `SystemLog`, metadata as
/// journal fields (`witness.event` → `WITNESS_EVENT`, which `journalctl WITNESS_EVENT=…` finds).
struct JournalLogHandler: LogHandler {
    let journal: SystemLog
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = metadata.merging(event.metadata ?? [:]) { $1 }.sorted { $0.key < $1.key }
        journal.write(
            Self.journalPriority[event.level] ?? .error, "\(event.message)",
            fields: fields.map { (SystemLog.fieldName($0.key), "\($0.value)") })
    }

    static let journalPriority: [Logger.Level: SystemLog.Priority] = [
        .trace: .debug, .debug: .debug, .info: .info, .notice: .notice, .warning: .warning,
    ]
}
