import IfacesKit
import SMB3Netlink
import SMB3RouteNetlink
import SMB3System

/// `watch` on this host: the report from the live inputs, rtnetlink events, SIGHUP, standard
/// output, the Prometheus textfile and sd_notify. A class: it owns the rtnetlink socket.
final class LiveWatchEnvironment: IfacesWatchEnvironment {
    private let inputs: IfacesInputs
    private let mountPoints: [String]
    private let prometheusFile: String?
    private let events: RouteEventSocket

    init(inputs: IfacesInputs, mountPoints: [String], prometheusFile: String?, events: consuming RouteEventSocket) {
        self.inputs = inputs
        self.mountPoints = mountPoints
        self.prometheusFile = prometheusFile
        self.events = events
    }

    /// Server interfaces always from DebugData here: no FSCTL is sent to the servers per poll.
    func report() throws -> IfacesReport { try inputs.report(mountPoints: mountPoints, askServers: false) }

    func wait(timeoutMilliseconds: Int32) -> IfacesWatchWakeUp {
        switch events.waitForEvents(timeoutMilliseconds: timeoutMilliseconds) {
        case .events: .events
        case .timeout: .timeout
        case .interrupted: .interrupted
        }
    }

    func takeReloadRequest() -> Bool { PendingSignal.take() }

    func writeReportLine(_ line: String) { IoctlCalls.writeStandardOutput(line) }

    func writePrometheus(_ text: String) throws {
        guard let prometheusFile else { return }
        try AtomicTextFile.write(text, to: prometheusFile)
    }

    func notifyReady(status: String) { ServiceManagerNotifier.notify("READY=1\nSTATUS=\(status)") }
}
