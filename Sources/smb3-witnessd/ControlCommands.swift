import ArgumentParser
import SMB3Errors
import SMB3EventLoop
import SMB3System
import WitnessKit

struct ControlSocketOption: ParsableArguments {
    @Option(name: .customLong("socket"), help: "The daemon's control socket.")
    var path = WitnessConfiguration().controlSocket

    func connect() throws -> UnixConnection {
        do {
            return try UnixConnection(connectingTo: path)
        } catch {
            if error.errno == .noSuchFileOrDirectory || error.errno == .connectionRefused {
                throw ValidationErrorLine("smb3-witnessd is not running (no listener on \(path))")
            }
            if error.errno == .permissionDenied {
                throw ValidationErrorLine("permission denied on \(path): run as root")
            }
            throw ValidationErrorLine(error.description)
        }
    }

    /// Sends `request` and copies the reply to stdout until the daemon closes.
    func relay(_ request: ControlRequest) throws {
        let connection = try connect()
        guard connection.write(request.rawValue + "\n") else { throw ValidationErrorLine("the daemon closed \(path)") }
        try connection.forEachLine { Console.printLine($0) }
    }

    /// Sends an admin command; its lines go to stdout (failures, marked `! `, to stderr) and
    /// its final `exit-status N` becomes the exit status.
    func run(_ command: ControlCommand) throws {
        let connection = try connect()
        guard connection.write(command.line + "\n") else { throw ValidationErrorLine("the daemon closed \(path)") }
        var status: Int32?
        try connection.forEachLine { line in
            if line.hasPrefix(ControlCommand.exitStatusPrefix) {
                status = Int32(line.dropFirst(ControlCommand.exitStatusPrefix.count))
            } else if line.hasPrefix(ControlCommand.failurePrefix) {
                Console.printError(String(line.dropFirst(ControlCommand.failurePrefix.count)))
            } else {
                Console.printLine(line)
            }
        }
        guard let status else { throw ValidationErrorLine("the daemon did not finish its answer (\(path))") }
        if status != 0 { throw ExitCode(status) }
    }
}

struct Move: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move registrations to another interface of their cluster (a client-side CLIENT_MOVE).",
        discussion: """
            For maintenance: the running daemon asks each registration's witness server for its interface \
            list (GetInterfaceList) and refuses ADDRESS unless the cluster lists it as an available \
            interface; the message names the ones it lists. Otherwise it sends cifs.ko the same CLIENT_MOVE \
            a witness server would, aborts the kernel's connection to the old address (abort_connections), \
            and reports a client-move event with "source": "admin". The kernel reconnects to ADDRESS and \
            registers again there, and the daemon registers it with the witness service at the new address. \
            One line per registration; exit status 1 if any was not moved. On a soft mount (cifs.ko's \
            default) a request that races the reconnect can still fail in the application with EAGAIN \
            (it is replayed only retrans= times, 0 by default); a hard mount replays it until the new \
            connection is up.
            """)

    @Argument(help: "The registration id (see status), or omit it and give --all.")
    var registration: UInt32?

    @Flag(help: "Move every registration.")
    var all = false

    @Option(help: "The address to move to: an available interface of the cluster.")
    var to: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var socket: ControlSocketOption

    func validate() throws {
        if all == (registration != nil) {
            throw ValidationError("give either a REGISTRATION-ID or --all")
        }
        if registration == 0 { throw ValidationError("registration ids start at 1") }
        if AdminMove.host(to) == nil { throw ValidationError("--to '\(to)' is not an IP address") }
    }

    func run() throws {
        let target: AdminMove.Target = registration.map { .registration($0) } ?? .all
        try socket.run(.move(target, to: to, json: json))
    }
}

struct Drain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Move every registration the kernel is connected to ADDRESS to another interface of its cluster.",
        discussion: """
            Before taking a node's address down: each registration the kernel is connected to ADDRESS for \
            (DebugData; its registered address when DebugData does not say) is moved, as by 'move', to the \
            first available interface its witness server lists in another interface group (node) than \
            ADDRESS, else the first other available one. One line per registration moved; exit \
            status 1 if any could not be.
            """)

    @Argument(help: "The address to drain.")
    var address: String

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var socket: ControlSocketOption

    func validate() throws {
        if AdminMove.host(address) == nil { throw ValidationError("'\(address)' is not an IP address") }
    }

    func run() throws { try socket.run(.drain(address, json: json)) }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "List the daemon's registrations, their witness server, state, last event and where the kernel is connected now.",
        discussion: """
            A registration whose share is mounted soft (cifs.ko's default) here gets a line naming \
            those mount points (softMounts in --json): on a soft mount a request that races a \
            failover's reconnect can fail with EAGAIN. Mount with hard where applications must not \
            see a failover.
            """
    )

    @Flag(help: "Print JSON.")
    var json = false

    @OptionGroup var socket: ControlSocketOption

    func run() throws { try socket.relay(json ? .statusJSON : .status) }
}

struct Metrics: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print Prometheus text metrics of the running daemon.")

    @OptionGroup var socket: ControlSocketOption

    func run() throws { try socket.relay(.metrics) }
}

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow the daemon's events as JSON lines (from the control socket, or from an events file).")

    @Option(help: "Read this events file (events_file in witnessd.conf) from the start and keep following it.")
    var file: String?

    @OptionGroup var socket: ControlSocketOption

    func run() async throws {
        guard let file else { return try socket.relay(.events) }
        do {
            try await followLines(of: file) { Console.write($0) }
        } catch let error as SystemError {
            throw ValidationErrorLine("cannot open \(file): \(error.errno.message)")
        }
    }
}
