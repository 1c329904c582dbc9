import SMB3System
import Synchronization
import WitnessKit
import SMB3Reports

/// Fans events out to the journal (one structured entry each), the JSON-lines file and the
/// control-socket followers.
final class DaemonEventSink: WitnessEventSink {
    let log: SystemLog
    private let debug: Bool
    private let outputs = Mutex<(file: AppendOnlyFile?, followers: [UnixConnection])>((nil, []))

    init(log: SystemLog, debug: Bool) {
        self.log = log
        self.debug = debug
    }

    func setEventsFile(_ file: AppendOnlyFile?) { outputs.withLock { $0.file = file } }

    func addFollower(_ connection: UnixConnection) { outputs.withLock { $0.followers.append(connection) } }

    func record(_ event: WitnessEvent) {
        let priority: SystemLog.Priority =
            switch event.kind {
            case .registrationFailed: .warning
            case .resourceChange, .clientMove, .shareMove, .ipChange, .serverDropped: .notice
            case .registered, .unregistered: .info
            }
        log.write(priority, event.message, fields: event.journalFields)
        let line = event.json.rendered()
        let (file, followers) = outputs.withLock { ($0.file, $0.followers) }
        if let file {
            do { try file.appendLine(line) } catch { log.write(.warning, "events file: \(error)") }
        }
        // A follower that stops reading is dropped rather than allowed to stall the worker.
        let gone = followers.filter { !$0.write(line + "\n", nonBlocking: true) }
        if !gone.isEmpty {
            outputs.withLock { state in state.followers.removeAll { follower in gone.contains { $0 === follower } } }
        }
    }

    func log(_ level: WitnessLogLevel, _ message: String) {
        switch level {
        case .error: log.write(.error, message)
        case .warning: log.write(.warning, message)
        case .info: log.write(.info, message)
        case .debug: if debug { log.write(.debug, message) }
        }
    }
}
