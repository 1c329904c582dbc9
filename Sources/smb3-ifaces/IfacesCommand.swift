import ArgumentParser
import IfacesKit
import SMB3System
import SMB3Version

/// `smb3-ifaces [MOUNTPOINT...] [--json] [--prometheus] [--from-debugdata]`: multichannel network
/// interfaces of cifs mounts.
///
/// Exit status: 0 success, 1 the input could not be read or parsed (or a named mount point is not a
/// cifs mount), 2 usage error.
@main
struct IfacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smb3-ifaces",
        abstract: "Report SMB3 multichannel network interfaces of cifs mounts",
        discussion: IfacesHelp.discussion,
        version: SMB3KitVersion.string,
        subcommands: [ReportCommand.self, DebugDataCommand.self, WatchCommand.self],
        defaultSubcommand: ReportCommand.self)

    /// ArgumentParser's usual entry point, except that usage errors exit with 2 and one line on stderr.
    static func main() {
        do {
            var command = try parseAsRoot(Array(CommandLine.arguments.dropFirst()))
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                let message = message(for: error).split(whereSeparator: \.isNewline).joined(separator: " ")
                Console.printError("smb3-ifaces: \(message) (see 'smb3-ifaces --help')")
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
