import ArgumentParser
import SMB3Version

@main
struct IoctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smb3-ioctl",
        abstract: "Command line over the cifs.ko ioctls: server-side copy, unbuffered I/O, share and file info.",
        discussion: "Subcommands arrive with their own issues; this build answers --help and --version only.",
        version: SMB3KitVersion.string)

    func run() throws {
        print(Self.helpMessage())
        throw ExitCode.validationFailure
    }
}
