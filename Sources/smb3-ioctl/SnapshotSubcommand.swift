import ArgumentParser
import IoctlKit
import SMB3Errors
import SMB3Protocol
import SMB3Reports
import SMB3System
import ShadowCopyKit

/// `smb3-ioctl snapshot …`: remote shadow copies (MS-FSRVP) over the tool's own SMB2 pipe client.
/// Distinct from `snapshots`, which lists the snapshots the server already has through cifs.ko.
struct SnapshotSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Server-side shadow copies of a share (MS-FSRVP over \\pipe\\FssagentRpc on IPC$).",
        discussion: """
            The server, share and user come from the cifs mount PATH is on (or --server/--share). \
            A sec=krb5 mount (or --kerberos) uses your Kerberos credentials, as the upcall does for the \
            mount. Otherwise NTLM: the password comes from --credentials FILE (mount.cifs format: \
            username=, password=, domain=), the PASSWD environment variable or a prompt on the terminal, \
            never from the command line. The server must run an FSRVP service (Samba: rpcd_fsrvp, registry shares) and the \
            user must be an administrator, a backup operator or hold SeBackupPrivilege.
            """,
        subcommands: [Supported.self, Create.self, List.self, Delete.self])

    struct Supported: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "supported",
            abstract: "Exit 0 when the server can shadow-copy the share PATH is on, else 1 with the reason.")

        @OptionGroup var output: OutputOptions
        @OptionGroup var connection: SnapshotConnectionOptions

        @Argument(help: "A file or directory on the cifs mount (optional with --server and --share).")
        var path: String?

        func validate() throws { try connection.validate(path: path) }

        func run() throws {
            let report = try connection.operations(path: path).supportedOrFail()
            if output.json {
                print(report.encodedJSON.rendered())
            } else {
                print(report.text)
            }
            if !report.supported { throw ExitCode(IoctlCommandError.ExitStatus.failed.rawValue) }
        }
    }
}

extension SnapshotSubcommand {
    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract:
                "Create and expose a shadow copy of the share PATH is on; prints its ids, share and how to mount it.",
            discussion: """
                The ids are also recorded in ~/.smb3kit/shadow-copies: FSRVP has no call that lists \
                shadow copies, so `snapshot list` and `snapshot delete` read them from there.
                """)

        @OptionGroup var output: OutputOptions
        @OptionGroup var connection: SnapshotConnectionOptions

        @Argument(help: "A file or directory on the cifs mount (optional with --server and --share).")
        var path: String?

        func validate() throws { try connection.validate(path: path) }

        func run() throws {
            let operations = try connection.operations(path: path)
            let created = try operations.orFail { try $0.create(records: LiveShadowCopyRecords()) }
            print(output.json ? created.encodedJSON.rendered() : created.text)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract:
                "The shadow copies of the share created from this host, as the server maps them now (GetShareMapping).")

        @OptionGroup var output: OutputOptions
        @OptionGroup var connection: SnapshotConnectionOptions

        @Argument(help: "A file or directory on the cifs mount (optional with --server and --share).")
        var path: String?

        func validate() throws { try connection.validate(path: path) }

        func run() throws {
            let operations = try connection.operations(path: path)
            let list = try operations.orFail { try $0.list(records: LiveShadowCopyRecords()) }
            print(output.json ? list.encodedJSON.rendered() : list.text)
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete",
            abstract:
                "Delete a shadow copy of the share PATH is on: the exposed share and the snapshot (DeleteShareMapping)."
        )

        @OptionGroup var output: OutputOptions
        @OptionGroup var connection: SnapshotConnectionOptions

        @Argument(help: "A file or directory on the cifs mount (or \"-\" with --server and --share).")
        var path: String

        @Argument(help: "The shadow copy id `snapshot create` printed.")
        var shadowCopyID: String

        @Option(help: "The shadow copy set id, when this host has no record of the shadow copy.")
        var setID: String?

        func validate() throws {
            try connection.validate(path: path == "-" ? nil : path)
            guard FSRVPGUID(shadowCopyID) != nil else { throw ValidationError("'\(shadowCopyID)' is not a GUID") }
            if let setID, FSRVPGUID(setID) == nil { throw ValidationError("'\(setID)' is not a GUID") }
        }

        func run() throws {
            let operations = try connection.operations(path: path == "-" ? nil : path)
            guard let copyID = FSRVPGUID(shadowCopyID) else { throw ValidationError("not a GUID") }
            try operations.orFail {
                try $0.delete(copyID: copyID, setID: setID.flatMap { FSRVPGUID($0) }, records: LiveShadowCopyRecords())
            }
            if output.json {
                print(JSONValue.object([("deleted", .string(copyID.description))]).rendered())
            } else {
                print("deleted shadow copy \(copyID)")
            }
        }
    }
}

struct SnapshotConnectionOptions: ParsableArguments {
    @Option(help: "The server, instead of PATH's mount.")
    var server: String?

    @Option(help: "The share, instead of PATH's mount.")
    var share: String?

    @Option(help: "The user (default: the credentials file's, else the mount's username=).")
    var user: String?

    @Option(help: "The user's domain (default: the credentials file's, else the mount's domain=).")
    var domain: String?

    @Option(help: "A mount.cifs credentials file: username=, password=, domain= lines.")
    var credentials: String?

    @Flag(help: "Authenticate with your Kerberos credentials (kinit) instead of NTLM; implied by a sec=krb5 mount.")
    var kerberos = false

    // 240 s: create's PrepareShadowCopySet gives the server that long (Commit 180 s, Expose
    // 120 s); a client that gave up sooner would leave a half-made set to the server's own timer.
    @Option(help: "Seconds to wait for each server reply (the longest FSRVP step may take 240).")
    var timeout: Int32 = 240

    func validate(path: String?) throws {
        guard path != nil || (server != nil && share != nil) else {
            throw ValidationError("give PATH on a cifs mount, or --server NAME --share NAME")
        }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
    }

    func operations(path: String?) throws(IoctlCommandError) -> ShadowCopyOperations<LiveSMB2PipePlatform> {
        var mount: MountTable.Mount?
        if let path {
            guard let found = LiveSMB2PipePlatform.mount(containing: path) else {
                throw IoctlCommandError(status: .notCIFS, message: "\(path): not on a cifs mount")
            }
            mount = found
        }
        do {
            let file = try credentials.map { name throws(IoctlCommandError) in
                do {
                    return try CIFSCredentialsFile(
                        parsing: try KernelFile.read(name, limit: CIFSCredentialsFile.maximumSize))
                } catch let error as SystemError {
                    throw IoctlCommandError.failed("\(name): \(error)", error)
                } catch {
                    throw IoctlCommandError.failed("\(name): \(error)")
                }
            }
            let invocation = try ShadowCopyInvocation(
                mount: mount, server: server, share: share, user: user, domain: domain, credentialsFile: file,
                passwordEnvironment: Environment.get("PASSWD"), kerberos: kerberos,
                passwordPrompt: { user, server in
                    try TerminalSecret.read(prompt: "Password for \(user)@\(server): ").map(Secret.init)
                })
            let platform = try LiveSMB2PipePlatform.connect(to: invocation.connectTo, timeoutSeconds: timeout)
            return ShadowCopyOperations(
                platform: platform, target: invocation.target, authentication: invocation.authentication)
        } catch let error as IoctlCommandError {
            throw error
        } catch let error as SystemError {
            throw IoctlCommandError.failed("\(error)", error)
        } catch {
            throw IoctlCommandError.failed("\(error)")
        }
    }
}

extension ShadowCopyOperations {
    /// `supported()` with every failure turned into smb3-ioctl's one-line error.
    func supportedOrFail() throws(IoctlCommandError) -> ShadowCopySupport { try orFail { try $0.supported() } }

    /// Runs `body`, turning every failure into smb3-ioctl's one-line error naming the share.
    func orFail<Result>(_ body: (Self) throws -> Result) throws(IoctlCommandError) -> Result {
        do { return try body(self) } catch { throw IoctlCommandError.failed("\(target.uncName): \(error)") }
    }
}
