import ArgumentParser
import IfacesKit

/// `smb3-ifaces [report] [MOUNTPOINT...] [--json|--prometheus] [--from-debugdata]`, the default subcommand.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Report server interfaces, channels, local interfaces and findings (the default).",
        discussion: IfacesHelp.discussion)

    @Argument(help: ArgumentHelp("cifs mount points to report (default: all).", valueName: "mountpoint"))
    var mountPoints: [String] = []

    @Flag(help: "Print the stable JSON report (one line; schema below).")
    var json = false

    @Flag(help: "Print Prometheus text exposition format (for node-exporter's textfile collector).")
    var prometheus = false

    @OptionGroup var inputs: IfacesInputs

    func validate() throws {
        if json && prometheus { throw ValidationError("--json and --prometheus exclude each other") }
    }

    func run() throws {
        let report = try inputs.report(mountPoints: mountPoints, askServers: true)
        if json {
            print(report.jsonReport())
        } else if prometheus {
            print(report.prometheusReport(), terminator: "")
        } else {
            print(report.textReport(), terminator: "")
        }
    }
}
