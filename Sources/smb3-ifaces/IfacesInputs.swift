import ArgumentParser
import IfacesKit
import SMB3Errors
import SMB3Protocol
import SMB3System

/// Where the report's facts come from; shared by the report and `watch`.
struct IfacesInputs: ParsableArguments {
    @Flag(help: "Take the server interfaces from /proc/fs/cifs/DebugData even when running as root.")
    var fromDebugdata = false

    @Option(help: ArgumentHelp("Read DebugData from this file (implies --from-debugdata).", valueName: "file"))
    var debugdataFile: String = DebugDataCommand.defaultPath

    @Option(
        help: ArgumentHelp("Read the mount table from this file (mountinfo or /proc/mounts form).", valueName: "file"))
    var mountsFile: String = "/proc/self/mountinfo"

    /// Reads everything and builds the report; prints one line to stderr and throws `ExitCode.failure` on failure.
    func report(mountPoints: [String], askServers: Bool) throws -> IfacesReport {
        let debugData = try readDebugData()
        let table: MountTable
        do {
            table = MountTable(parsing: try KernelFile.read(mountsFile, limit: MountTable.maximumInputSize))
        } catch {
            Console.printError("smb3-ifaces: \(error)")
            throw ExitCode.failure
        }
        let mounts = try select(mountPoints, from: table.mounts)
        var fsctl: [String: NetworkInterfaceInfo] = [:]
        // A saved DebugData file means an offline report: do not ask the live servers.
        let offline = fromDebugdata || debugdataFile != DebugDataCommand.defaultPath
        if askServers && !offline && LiveIfaces.mayQueryServers {
            fsctl = IfacesMountSelection.serverInterfaces(of: mounts, query: LiveIfaces.queryServerInterfaces) {
                mount, reason in
                Console.printError(
                    "smb3-ifaces: \(mount.mountPoint): FSCTL_QUERY_NETWORK_INTERFACE_INFO failed, using DebugData: \(reason)"
                )
            }
        }
        return IfacesReportBuilder.build(
            debugData: debugData, mounts: mounts, local: LiveIfaces.localInterfaces(), fsctl: fsctl)
    }

    private func readDebugData() throws -> DebugData {
        do {
            let bytes = try KernelFile.read(debugdataFile, limit: DebugData.maximumInputSize)
            return try DebugData(parsing: bytes)
        } catch let error as SystemError {
            let isDefault = debugdataFile == DebugDataCommand.defaultPath
            let hint = isDefault && error.errno == .noSuchFileOrDirectory ? " (is cifs.ko loaded?)" : ""
            Console.printError("smb3-ifaces: \(error)\(hint)")
            throw ExitCode.failure
        } catch let error as DebugDataError {
            Console.printError("smb3-ifaces: \(debugdataFile): \(error.reason)")
            throw ExitCode.failure
        }
    }

    /// The mounts named (each must be a cifs mount point), or all cifs mounts.
    private func select(_ mountPoints: [String], from all: [MountTable.Mount]) throws -> [MountTable.Mount] {
        switch IfacesMountSelection.select(mountPoints, from: all, canonicalize: IoctlCalls.canonicalPath) {
        case .success(let mounts): return mounts
        case .failure(let error):
            Console.printError("smb3-ifaces: \(error)")
            throw ExitCode.failure
        }
    }
}
