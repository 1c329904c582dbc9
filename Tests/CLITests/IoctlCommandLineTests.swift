import ArgumentParser
import Testing

@testable import smb3_ioctl

/// smb3-ioctl's command line, parsed as the program parses it (`parseAsRoot`), without running
/// anything.
@Suite struct IoctlCommandLineTests {
    typealias Program = ParsedCommandLine<IoctlCommand>

    @Test func everySubcommandHasItsName() {
        let names = IoctlCommand.configuration.subcommands.map { $0._commandName }
        #expect(
            names == [
                "copy", "info", "query", "snapshots", "quota", "secdesc", "keys", "notify", "shutdown", "set-integrity",
                "compression", "fsctl", "read", "write", "cp-unbuffered", "snapshot", "sparse", "set-sparse", "zero",
            ])
    }

    @Test func snapshotSupportedTakesAPathOrServerAndShare() throws {
        let onMount = try Program.parse(
            ["snapshot", "supported", "/mnt/s", "--credentials", "/root/creds", "--json"],
            as: SnapshotSubcommand.Supported.self)
        #expect(onMount.path == "/mnt/s" && onMount.connection.credentials == "/root/creds" && onMount.output.json)
        let bare = try Program.parse(
            ["snapshot", "supported", "--server", "smb", "--share", "share", "--user", "alice", "--timeout", "5"],
            as: SnapshotSubcommand.Supported.self)
        #expect(bare.path == nil && bare.connection.server == "smb" && bare.connection.timeout == 5)
        #expect(throws: (any Error).self) {
            try Program.parse(["snapshot", "supported", "--server", "smb"], as: SnapshotSubcommand.Supported.self)
        }
        // No password option exists: a password never goes on the command line.
        #expect(throws: (any Error).self) {
            try Program.parse(
                ["snapshot", "supported", "/mnt/s", "--password", "x"], as: SnapshotSubcommand.Supported.self)
        }
    }

    @Test func copyTakesRangesWithUnitsAndTheSharedFlags() throws {
        let copy = try Program.parse(
            [
                "copy", "/mnt/s/a", "/mnt/s/b", "--offset", "64K", "--length", "0x100", "--dst-offset", "1M",
                "--allow-fallback",
                "--json", "-v",
            ], as: CopySubcommand.self)
        #expect(copy.source == "/mnt/s/a" && copy.destination == "/mnt/s/b")
        #expect(copy.offset?.value == 65_536)
        #expect(copy.length?.value == 256)
        #expect(copy.destinationOffset?.value == 1 << 20)
        #expect(copy.allowFallback && !copy.reflink)
        #expect(copy.output.json && copy.output.verbose)
        let whole = try Program.parse(["copy", "a", "b"], as: CopySubcommand.self)
        #expect(whole.offset == nil && whole.length == nil && !whole.output.json && !whole.output.verbose)
    }

    @Test func byteCountsTakeBinaryUnitsAndHex() {
        #expect(ByteCount(argument: "4096")?.value == 4096)
        #expect(ByteCount(argument: "64k")?.value == 65_536)
        #expect(ByteCount(argument: "2G")?.value == 2 << 30)
        #expect(ByteCount(argument: "0x9003c")?.value == 0x9003C)
        #expect(ByteCount(argument: "1T")?.value == 1 << 40)
        #expect(ByteCount(argument: "lots") == nil)
        #expect(ByteCount(argument: "16777216T") == nil)  // 2^64: overflows
    }

    @Test func byteCountsTakeEveryBinaryUnitSpelling() {
        let cases: [(String, UInt64)] = [
            ("2G", 2 << 30), ("2Gi", 2 << 30), ("2GiB", 2 << 30), ("2gib", 2 << 30), ("64K", 64 << 10),
            ("64Ki", 64 << 10), ("64KiB", 64 << 10), ("3M", 3 << 20), ("3Mi", 3 << 20), ("3MiB", 3 << 20),
            ("1Ti", 1 << 40), ("1TiB", 1 << 40), ("0x1B", 0x1B), ("0XfF", 255), ("0", 0), ("007k", 7 << 10),
        ]
        for (text, value) in cases {
            #expect(ByteCount(argument: text)?.value == value, "\(text)")
        }
    }

    @Test func byteCountJunkIsRejectedWithTheAcceptedForms() throws {
        for junk in [
            "2iG", "2B", "2KB", "2iB", "G", "Ki", "", "0x", "0xK", "+5", "-1", " 2G", "2G ", "2 G", "1.5G", "2GiBB",
            "2Gii", "0x0x1", "0xfg", "0x10K", "１", "18446744073709551616", "0x10000000000000000",
        ] {
            #expect(ByteCount(argument: junk) == nil, "\(junk)")
        }
        let rejected = try #require(Program.rejection(["copy", "a", "b", "--offset", "2iG"]))
        #expect(rejected.code == .validationFailure)
        #expect(
            rejected.message
                == "The value '2iG' is invalid for '--offset <offset>': '2iG' is not a byte count: give decimal digits "
                + "with an optional K, M, G or T (powers of 1024; also written Ki or KiB, ...), or 0x and hex digits")
    }

    @Test func validationFailuresAreUsageErrors() throws {
        for arguments in [
            ["query", "NoSuchClass", "/mnt/s"], ["notify", "/mnt/s", "--filter", "bogus"],
            ["notify", "/mnt/s", "--count", "0"],
            ["shutdown", "/mnt/s"], ["shutdown", "/mnt/s", "--flush", "--noflush"], ["compression", "set", "f"],
            ["fsctl", "/mnt/s", "0x100000000"], ["fsctl", "/mnt/s", "0x9003c", "--in", "xyz"], ["copy", "a"],
            ["copy", "a", "b", "--offset", "lots"], ["no-such-command"], ["zero", "f", "1M"], ["zero", "f", "0", "0"],
            ["zero", "f", "8E", "1"], ["zero", "f", "0x7fffffffffffffff", "1"], ["sparse"], ["set-sparse"],
        ] {
            let rejected = try #require(Program.rejection(arguments), "\(arguments) was accepted")
            #expect(rejected.code == .validationFailure, "\(arguments): \(rejected.message)")
        }
        #expect(Program.rejection(["shutdown", "/mnt/s"])?.message == "give exactly one of --flush and --noflush")
        #expect(Program.rejection(["zero", "f", "0", "0"])?.message == "LENGTH must be at least 1 byte")
        #expect(
            Program.rejection(["zero", "f", "0x7fffffffffffffff", "1"])?.message
                == "OFFSET + LENGTH exceeds the largest file offset (2^63 - 1)")
    }

    @Test func otherSubcommandsParseTheirArguments() throws {
        #expect(try Program.parse(["info", "/mnt/s"], as: InfoSubcommand.self).path == "/mnt/s")
        #expect(
            try Program.parse(["keys", "/mnt/s", "--session", "0x1122"], as: KeysSubcommand.self).session?.value
                == 0x1122)
        let notify = try Program.parse(
            ["notify", "/mnt/s", "--tree", "--filter", "file-name", "--count", "2"], as: NotifySubcommand.self)
        #expect(notify.tree && notify.count == 2 && !notify.filter.isEmpty)
        let fsctl = try Program.parse(
            ["fsctl", "/mnt/s", "0x9003c", "--in", "0102", "--out-size", "64"], as: FsctlSubcommand.self)
        #expect(fsctl.code.value == 0x9003C && fsctl.input == "0102" && fsctl.outputSize == 64)
        #expect(try Program.parse(["compression", "set", "f", "--on"], as: CompressionSubcommand.Set.self).on)
        #expect(try Program.parse(["write", "f", "--size", "8M"], as: WriteSubcommand.self).size.value == 8 << 20)
        #expect(
            try Program.parse(["read", "f", "--block-size", "1M"], as: ReadSubcommand.self).blockSize.value == 1 << 20)
        let zero = try Program.parse(["zero", "/mnt/s/vm.img", "128M", "0x1000", "--json"], as: ZeroSubcommand.self)
        #expect(zero.path == "/mnt/s/vm.img" && zero.offset.value == 128 << 20 && zero.length.value == 4096)
        #expect(zero.output.json)
        #expect(try Program.parse(["sparse", "/mnt/s/vm.img", "--json"], as: SparseSubcommand.self).output.json)
        #expect(
            try Program.parse(["set-sparse", "/mnt/s/vm.img"], as: SetSparseSubcommand.self).path == "/mnt/s/vm.img")
    }
}
