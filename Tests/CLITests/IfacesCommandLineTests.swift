import ArgumentParser
import Testing

@testable import smb3_ifaces

/// smb3-ifaces' command line, parsed as the program parses it (`parseAsRoot`), without running
/// anything.
@Suite struct IfacesCommandLineTests {
    typealias Program = ParsedCommandLine<IfacesCommand>

    @Test func reportIsTheDefaultSubcommand() throws {
        let bare = try Program.parse([], as: ReportCommand.self)
        #expect(bare.mountPoints.isEmpty && !bare.json && !bare.prometheus)
        #expect(!bare.inputs.fromDebugdata)
        #expect(bare.inputs.debugdataFile == "/proc/fs/cifs/DebugData")
        #expect(bare.inputs.mountsFile == "/proc/self/mountinfo")
        let named = try Program.parse(["/mnt/a", "/mnt/b", "--json", "--from-debugdata"], as: ReportCommand.self)
        #expect(named.mountPoints == ["/mnt/a", "/mnt/b"] && named.json && named.inputs.fromDebugdata)
        let explicit = try Program.parse(
            ["report", "--prometheus", "--debugdata-file", "/tmp/dd", "--mounts-file", "/tmp/m"], as: ReportCommand.self
        )
        #expect(
            explicit.prometheus && explicit.inputs.debugdataFile == "/tmp/dd" && explicit.inputs.mountsFile == "/tmp/m")
    }

    @Test func debugdataTakesAFile() throws {
        #expect(try Program.parse(["debugdata"], as: DebugDataCommand.self).file == DebugDataCommand.defaultPath)
        let saved = try Program.parse(["debugdata", "/tmp/saved", "--json"], as: DebugDataCommand.self)
        #expect(saved.file == "/tmp/saved" && saved.json)
    }

    @Test func watchTakesAnIntervalAndATextfile() throws {
        let plain = try Program.parse(["watch"], as: WatchCommand.self)
        #expect(plain.interval == 10 && plain.prometheusFile == nil && plain.mountPoints.isEmpty)
        let full = try Program.parse(
            ["watch", "--interval", "60", "--prometheus-file", "/run/ifaces.prom", "/mnt/s", "--from-debugdata"],
            as: WatchCommand.self)
        #expect(full.interval == 60 && full.prometheusFile == "/run/ifaces.prom" && full.mountPoints == ["/mnt/s"])
        #expect(full.inputs.fromDebugdata)
    }

    /// main() turns these into exit status 2 with the message on one line.
    @Test func conflictsAndOutOfRangeValuesAreUsageErrors() throws {
        for (arguments, message) in [
            (["--json", "--prometheus"], "--json and --prometheus exclude each other"),
            (["watch", "--interval", "0"], "--interval must be 1 to 3600 seconds"),
            (["watch", "--interval", "3601"], "--interval must be 1 to 3600 seconds"),
        ] {
            let rejected = try #require(Program.rejection(arguments), "\(arguments) was accepted")
            #expect(rejected.code == .validationFailure)
            #expect(rejected.message == message)
        }
        for arguments in [["--bogus"], ["watch", "--interval", "soon"], ["debugdata", "a", "b"]] {
            #expect(Program.rejection(arguments)?.code == .validationFailure, "\(arguments)")
        }
    }

    @Test func versionIsNotAnError() throws {
        let version = try #require(Program.rejection(["--version"]))
        #expect(version.code == .success)
        #expect(!version.message.isEmpty)
    }
}
