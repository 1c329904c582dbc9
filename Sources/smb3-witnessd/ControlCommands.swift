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
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the daemon's registrations, their witness server, state and last event.")

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
