import ArgumentParser
import IfacesKit
import SMB3Errors
import SMB3Protocol
import SMB3System

/// `smb3-ifaces debugdata [FILE] [--json]`
struct DebugDataCommand: ParsableCommand {
    static let defaultPath = "/proc/fs/cifs/DebugData"

    static let configuration = CommandConfiguration(
        commandName: "debugdata",
        abstract: "Parse /proc/fs/cifs/DebugData and print its servers, sessions, channels and server interfaces.",
        discussion: """
            Reads kernels 6.1 and 6.12 (and later ones printing the same lines). Lines that do not parse \
            are listed as warnings at the end of the text report and under "diagnostics" in the JSON.
            """)

    @Argument(help: ArgumentHelp("The file to parse, e.g. a saved copy.", valueName: "file"))
    var file: String = Self.defaultPath

    @Flag(help: "Print the stable JSON report (one line) instead of text.")
    var json = false

    func run() throws {
        let bytes: [UInt8]
        do {
            bytes = try KernelFile.read(file, limit: DebugData.maximumInputSize)
        } catch {
            let hint = file == Self.defaultPath && error.errno == .noSuchFileOrDirectory ? " (is cifs.ko loaded?)" : ""
            Console.printError("smb3-ifaces: \(error)\(hint)")
            throw ExitCode.failure
        }
        let data: DebugData
        do {
            data = try DebugData(parsing: bytes)
        } catch let error as DebugDataError {
            Console.printError("smb3-ifaces: \(file): \(error.reason)")
            throw ExitCode.failure
        }
        if json {
            print(data.jsonReport())
        } else {
            print(DebugDataSummary(data).text, terminator: "")
        }
    }
}
