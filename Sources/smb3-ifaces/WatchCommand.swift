import ArgumentParser
import IfacesKit
import Logging
import SMB3Logging
import SMB3Netlink
import SMB3RouteNetlink
import SMB3System

/// `smb3-ifaces watch`: re-reports when local interfaces or DebugData's channels change.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print a JSON report line whenever local interfaces or cifs channels change.",
        discussion: """
            Sleeps in poll(2) on an rtnetlink socket subscribed to link and address events (NIC added, \
            removed, renamed, up/down, addresses), so a local change is reported at once with no polling. \
            cifs has no change notification, so DebugData (channels, server interfaces) is re-read every \
            --interval seconds (default 10; the kernel itself refreshes the server's interface list only \
            every 600 s, and channels change on reconnects). A JSON line (the --json schema) is written to \
            standard output for the first report and for every report that differs from the previous one; \
            with --prometheus-file the textfile is rewritten atomically (write to FILE.tmp, then rename). \
            Server interfaces always come from DebugData here: no FSCTL is sent to the servers per poll. \
            SIGHUP (systemctl reload smb3-ifaces, which the udev rule runs on NIC add/remove/rename) \
            re-reads everything and writes a report even if nothing changed. Under systemd \
            (systemd/smb3-ifaces.service, Type=notify) READY is sent after the first report and each \
            change is logged to the journal with the fields IFACES_REASON and IFACES_MOUNTS.
            """)

    @Argument(help: ArgumentHelp("cifs mount points to watch (default: all).", valueName: "mountpoint"))
    var mountPoints: [String] = []

    @Option(help: ArgumentHelp("Seconds between DebugData reads (1-3600).", valueName: "seconds"))
    var interval: Int = 10

    @Option(help: ArgumentHelp("Also rewrite this Prometheus textfile on every change.", valueName: "file"))
    var prometheusFile: String?

    @OptionGroup var inputs: IfacesInputs

    func validate() throws {
        guard (1...3600).contains(interval) else { throw ValidationError("--interval must be 1 to 3600 seconds") }
    }

    func run() throws {
        let events: RouteEventSocket
        do {
            events = try RouteEventSocket()
        } catch {
            Console.printError("smb3-ifaces: \(error)")
            throw ExitCode.failure
        }
        PendingSignal.install(PendingSignal.hangup)
        // Under systemd the changes go to the journal with their fields; else to standard error.
        let destination: SystemLogHandler.Destination =
            Environment.get("JOURNAL_STREAM") != nil ? .systemLog : .standardError
        let logger = Logger(label: "smb3-ifaces") { _ in
            SystemLogHandler(identifier: "smb3-ifaces", destination: destination)
        }
        var environment = LiveWatchEnvironment(
            inputs: inputs, mountPoints: mountPoints, prometheusFile: prometheusFile, events: events)
        var watch = IfacesWatch(intervalSeconds: interval, logger: logger)
        try watch.run(in: &environment)
    }
}
