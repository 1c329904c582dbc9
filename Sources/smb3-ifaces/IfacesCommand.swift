import ArgumentParser
import SMB3System
import SMB3Version

/// `smb3-ifaces`: multichannel network interfaces of cifs mounts.
///
/// Exit status: 0 success, 1 the input could not be read or parsed, 2 usage error.
@main
struct IfacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smb3-ifaces",
        abstract: "Report SMB3 multichannel network interfaces of cifs mounts",
        discussion: """
            'debugdata' parses /proc/fs/cifs/DebugData: the servers, sessions and channels of every cifs \
            mount and the network interfaces each server advertised. Exit status: 0 success, 1 the file \
            could not be read or parsed, 2 usage error.
            """,
        version: SMB3KitVersion.string,
        subcommands: [DebugDataCommand.self])

    /// The per-mount report is not written yet; say so instead of printing something made up.
    func run() throws {
        Console.printError(
            "smb3-ifaces: the per-mount interface report is not implemented yet; "
                + "run 'smb3-ifaces debugdata' for what the kernel reports")
        throw ExitCode.failure
    }

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
