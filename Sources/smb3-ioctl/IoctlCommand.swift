import ArgumentParser
import IoctlKit
import Logging
import SMB3Reports
import SMB3System
import SMB3Version

@main
struct IoctlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smb3-ioctl",
        abstract:
            "Command line over the cifs.ko ioctls: server-side copy, share and file info, snapshots, quotas, ACLs, sparse files.",
        discussion: """
            Every command takes --json for one JSON object on standard output. Errors are one line on \
            standard error.

            Exit status: 0 success; 1 the operation failed (the message names the errno); 2 usage \
            error; 3 the path is not on a cifs (SMB) mount.
            """,
        version: SMB3KitVersion.string,
        subcommands: [
            CopySubcommand.self, InfoSubcommand.self, QuerySubcommand.self, SnapshotsSubcommand.self,
            QuotaSubcommand.self, SecdescSubcommand.self, KeysSubcommand.self, NotifySubcommand.self,
            ShutdownSubcommand.self, SetIntegritySubcommand.self, CompressionSubcommand.self, FsctlSubcommand.self,
            ReadSubcommand.self, WriteSubcommand.self, CopyUnbufferedSubcommand.self, SnapshotSubcommand.self,
            SparseSubcommand.self, SetSparseSubcommand.self, ZeroSubcommand.self,
        ])

    /// ArgumentParser exits 64 on usage errors; smb3-ioctl promises 2, and one line on stderr.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as IoctlCommandError {
            Console.printError("smb3-ioctl: \(error.message)")
            exit(status: error.status.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                exit(status: 0)
            }
            if let exit = error as? ExitCode {
                Self.exit(status: exit.rawValue)
            }
            let text = message(for: error).split(separator: "\n").map { $0.drop(while: \.isWhitespace) }
            Console.printError("smb3-ioctl: \(text.joined(separator: " ")) (see smb3-ioctl --help)")
            exit(status: IoctlCommandError.ExitStatus.usage.rawValue)
        }
    }

    static func exit(status: Int32) -> Never {
        Self.exit(withError: status == 0 ? nil : ExitCode(status))
    }
}

/// Options every subcommand shares.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Flag(name: [.short, .long], help: "Log each system call to standard error.")
    var verbose = false

    func makeSystem() -> LiveIoctlSystem {
        var logger = Logger(label: "smb3-ioctl") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .debug : .warning
        return LiveIoctlSystem(logger: logger)
    }

    func emit(_ report: IoctlReport) { report.output(json: json).map { print($0) } }
}

/// A byte count on the command line, in the forms of `ByteCountText` (`4096`, `64K`, `2GiB`,
/// `0x9003c`). Options take it through `transform: ByteCount.parse`, so that a rejection says
/// which forms are accepted.
struct ByteCount: Hashable {
    let value: UInt64

    init(_ value: Int) { self.value = UInt64(max(0, value)) }

    init?(argument: String) {
        guard let value = try? ByteCountText.value(of: argument) else { return nil }
        self.value = value
    }

    private init(value: UInt64) { self.value = value }

    static func parse(_ argument: String) throws -> ByteCount {
        ByteCount(value: try ByteCountText.value(of: argument))
    }
}
