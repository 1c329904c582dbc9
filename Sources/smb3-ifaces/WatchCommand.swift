import ArgumentParser
import IfacesKit
import SMB3Netlink
import SMB3System

#if canImport(Glibc)
import Glibc
#endif

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
        PendingSignal.install(SIGHUP)
        let journal = getenv("JOURNAL_STREAM") != nil ? SystemLog(identifier: "smb3-ifaces") : nil
        var last = ""
        var reason = "start"
        var forced = true
        while true {
            let report = try inputs.report(mountPoints: mountPoints, askServers: false)
            let line = report.jsonReport()
            if line != last || forced {
                IoctlCalls.writeStandardOutput(line)
                let message = line == last ? "report refreshed (\(reason))" : "report changed (\(reason))"
                if let journal {
                    journal.write(
                        .info, message,
                        fields: [("IFACES_REASON", reason), ("IFACES_MOUNTS", String(report.mounts.count))])
                } else {
                    Console.printError("smb3-ifaces: \(message)")
                }
                if let prometheusFile {
                    do {
                        try AtomicTextFile.write(report.prometheusReport(), to: prometheusFile)
                    } catch {
                        Console.printError("smb3-ifaces: \(error)")
                    }
                }
                if reason == "start" { ServiceManagerNotifier.notify("READY=1\nSTATUS=watching \(report.mounts.count) mount(s)") }
                last = line
            }
            forced = false
            switch events.waitForEvents(timeoutMilliseconds: Int32(interval * 1000)) {
            case .events:
                // Links come up with several messages in a row (link, then addresses): settle briefly.
                while events.waitForEvents(timeoutMilliseconds: 50) == .events {}
                reason = "rtnetlink event"
            case .timeout:
                reason = "DebugData poll"
            case .interrupted:
                guard PendingSignal.take() else { continue }
                reason = "SIGHUP"
                forced = true
            }
        }
    }
}
