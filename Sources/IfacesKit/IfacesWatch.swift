import Logging

/// What woke the watch loop.
public enum IfacesWatchWakeUp: Sendable, Hashable {
    /// rtnetlink link or address events arrived.
    case events
    /// The DebugData interval passed with no event.
    case timeout
    /// A signal interrupted the wait; the loop asks `takeReloadRequest()` whether it was SIGHUP.
    case interrupted
}

/// The world `IfacesWatch` runs in: the report's inputs, the event source, the outputs. The
/// executable conforms with rtnetlink, signals, standard output and files; tests with a script.
public protocol IfacesWatchEnvironment {
    /// Reads the inputs and builds the report. A throw ends the watch (the conformer has said why).
    mutating func report() throws -> IfacesReport
    /// Sleeps until an event, `timeoutMilliseconds`, or a signal.
    mutating func wait(timeoutMilliseconds: Int32) -> IfacesWatchWakeUp
    /// Whether a reload (SIGHUP) was requested since the last call.
    mutating func takeReloadRequest() -> Bool
    /// Writes one JSON report line to standard output, unbuffered (followers read it at once).
    mutating func writeReportLine(_ line: String)
    /// Rewrites the Prometheus textfile, if one was asked for. A failure is thrown, not printed:
    /// the watch logs it once, not on every report.
    mutating func writePrometheus(_ text: String) throws
    /// Tells the service manager (Type=notify) that the first report is out.
    mutating func notifyReady(status: String)
}

/// `smb3-ifaces watch`: a JSON line for the first report and for every report that differs from the
/// previous one (or after SIGHUP, even unchanged), re-read on rtnetlink events and every interval.
public struct IfacesWatch {
    /// Why a report was made; the raw value is the journal's IFACES_REASON.
    public enum Reason: String, Sendable {
        case start
        case rtnetlinkEvent = "rtnetlink event"
        case debugDataPoll = "DebugData poll"
        case reload = "SIGHUP"
    }

    /// A link comes up with several messages in a row (link, then addresses): events closer
    /// together than this are one change.
    public static let settleMilliseconds: Int32 = 50

    public let intervalMilliseconds: Int32
    public let logger: Logger

    private var lastLine = ""
    private var reason = Reason.start
    private var forced = true
    /// The textfile failure logged last; repeats of it stay quiet until a write succeeds.
    private var prometheusFailure: String?

    public init(intervalSeconds: Int, logger: Logger) {
        self.intervalMilliseconds = Int32(clamping: intervalSeconds * 1000)
        self.logger = logger
    }

    /// Runs until the environment's `report()` throws.
    public mutating func run(in environment: inout some IfacesWatchEnvironment) throws -> Never {
        while true {
            try reportIfChanged(in: &environment)
            waitForChange(in: &environment)
        }
    }

    /// Builds the report and writes it when it changed, or when a report is due anyway (the
    /// first, and after a reload).
    mutating func reportIfChanged(in environment: inout some IfacesWatchEnvironment) throws {
        let report = try environment.report()
        let line = report.jsonReport()
        defer { forced = false }
        guard line != lastLine || forced else { return }
        environment.writeReportLine(line)
        let message = line == lastLine ? "report refreshed (\(reason.rawValue))" : "report changed (\(reason.rawValue))"
        logger.info(
            "\(message)", metadata: ["ifaces.reason": "\(reason.rawValue)", "ifaces.mounts": "\(report.mounts.count)"])
        writePrometheus(report, in: &environment)
        if reason == .start { environment.notifyReady(status: "watching \(report.mounts.count) mount(s)") }
        lastLine = line
    }

    /// Writes the textfile. A directory that does not exist (node-exporter not installed) fails
    /// on every report: the failure is logged when it first happens or changes, and the recovery once.
    mutating func writePrometheus(_ report: IfacesReport, in environment: inout some IfacesWatchEnvironment) {
        do {
            try environment.writePrometheus(report.prometheusReport())
            if prometheusFailure != nil {
                logger.notice("Prometheus textfile written again")
                prometheusFailure = nil
            }
        } catch {
            let text = "\(error)"
            guard text != prometheusFailure else { return }
            logger.warning(
                "cannot write the Prometheus textfile: \(text) (not retried in the log until it changes or succeeds)")
            prometheusFailure = text
        }
    }

    /// Sleeps until something may have changed, and records why it woke.
    mutating func waitForChange(in environment: inout some IfacesWatchEnvironment) {
        switch environment.wait(timeoutMilliseconds: intervalMilliseconds) {
        case .events:
            while environment.wait(timeoutMilliseconds: Self.settleMilliseconds) == .events {}
            reason = .rtnetlinkEvent
        case .timeout:
            reason = .debugDataPoll
        case .interrupted:
            // Another signal than SIGHUP: the report is read again, but written only if it changed.
            guard environment.takeReloadRequest() else { return }
            reason = .reload
            forced = true
        }
    }
}
