import ArgumentParser
import IoctlKit
import SMB3Protocol
import SMB3System

struct CopySubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Server-side copy: the data stays on the server.",
        discussion: """
            A whole file is copied with CIFS_IOC_COPYCHUNK_FILE, which never falls back to a copy \
            through this machine. A range (--offset, --length, --dst-offset) uses copy_file_range(2) \
            after checking that both files share one SMB session, the condition under which the \
            kernel offloads it; otherwise the kernel would silently copy through the client. \
            Without --allow-fallback such a copy is refused with the reason; with it, smb3-ioctl \
            copies through the client and says so. --reflink clones (FICLONE/FICLONERANGE, \
            FSCTL_DUPLICATE_EXTENTS_TO_FILE) and never falls back; since a server may copy behind \
            a success (ksmbd does when its file system cannot clone the range), it compares the \
            share's free space before and after: a drop by half the length or more is reported as \
            a copy (exit 1), otherwise "no copy seen" (1 MiB and up; no proof, since a file system \
            that counts space at its next commit, btrfs, can hide a copy). The last line gives bytes, \
            seconds and throughput; a terminal also shows progress for copies of 64 MiB or more.
            """)

    @OptionGroup var output: OutputOptions

    @Argument(help: "The source file, on a cifs mount.")
    var source: String

    @Argument(help: "The destination file, on a cifs mount (created if missing; truncated for whole-file copies).")
    var destination: String

    @Option(help: "Byte offset in the source (range copy). Units K, M, G allowed.", transform: ByteCount.parse)
    var offset: ByteCount?

    @Option(help: "Bytes to copy (range copy; default: to the end of the source).", transform: ByteCount.parse)
    var length: ByteCount?

    @Option(
        name: .customLong("dst-offset"), help: "Byte offset in the destination (range copy; default 0).",
        transform: ByteCount.parse)
    var destinationOffset: ByteCount?

    @Flag(name: .customLong("allow-fallback"), help: "Copy through this machine when the server cannot, and say so.")
    var allowFallback = false

    @Flag(
        help:
            "Clone with duplicate extents (needs block refcounting: ReFS; ksmbd on XFS reflink=1 or btrfs), checked by the share's free space."
    )
    var reflink = false

    func run() throws {
        let request = CopyRequest(
            source: source, destination: destination, sourceOffset: offset?.value, length: length?.value,
            destinationOffset: destinationOffset?.value, allowFallback: allowFallback, reflink: reflink)
        let copier = FileCopier(system: output.makeSystem())
        let progress = LiveProgressTerminal.progress(destinationPath: destination)
        let outcome = try copier.copy(request, progress: progress)
        output.emit(outcome.report)
    }
}

struct InfoSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Share and mount facts: CIFS_IOC_GET_MNT_INFO and CIFS_IOC_GET_TCON_INFO, decoded.")

    @OptionGroup var output: OutputOptions

    @Argument(help: "Any file or directory on the cifs mount.")
    var path: String

    func run() throws {
        output.emit(try MountInfoCommand(system: output.makeSystem()).run(path: path))
    }
}

struct QuerySubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "One SMB2 information class through CIFS_QUERY_INFO, decoded as smbinfo does.",
        discussion: "Classes: \(FileInfoClass.all.map(\.name).joined(separator: ", ")). Times are UTC, ISO 8601.")

    @OptionGroup var output: OutputOptions

    @Argument(help: "The information class.")
    var infoClass: String

    @Argument(help: "A file or directory on the cifs mount.")
    var path: String

    func validate() throws {
        guard FileInfoClass.named(infoClass) != nil else {
            throw ValidationError(
                "unknown class '\(infoClass)'; one of \(FileInfoClass.all.map(\.name).joined(separator: ", "))")
        }
    }

    func run() throws {
        guard let resolved = FileInfoClass.named(infoClass) else {
            throw ValidationError("unknown class '\(infoClass)'")
        }
        output.emit(try QueryCommand(system: output.makeSystem()).run(infoClass: resolved, path: path))
    }
}

struct SnapshotsSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots",
        abstract: "List the share's snapshots (CIFS_ENUMERATE_SNAPSHOTS): @GMT token and the NT time for snapshot=.")

    @OptionGroup var output: OutputOptions

    @Argument(help: "A file or directory on the cifs mount.")
    var path: String

    func run() throws {
        output.emit(try SnapshotsCommand(system: output.makeSystem()).run(path: path))
    }
}

struct QuotaSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quota", abstract: "The share's per-user quota entries (SMB2 QUERY_INFO, quota).")

    @OptionGroup var output: OutputOptions

    @Argument(help: "A file or directory on the cifs mount.")
    var path: String

    func run() throws {
        output.emit(try QuotaCommand(system: output.makeSystem()).run(path: path))
    }
}

struct SecdescSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secdesc", abstract: "Owner, group and DACL of a file, with ACE types, flags and masks by name.")

    @OptionGroup var output: OutputOptions

    @Argument(help: "A file or directory on the cifs mount.")
    var path: String

    func run() throws {
        output.emit(try SecurityDescriptorCommand(system: output.makeSystem()).run(path: path))
    }
}

struct KeysSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "The session's encryption keys, for decrypting captures in Wireshark (root; encrypted shares).",
        discussion: "Uses CIFS_DUMP_FULL_KEY (full-length keys, any session) and falls back to CIFS_DUMP_KEY.")

    @OptionGroup var output: OutputOptions

    @Argument(help: "A file or directory on the cifs mount.")
    var path: String

    @Option(
        help: "The SMB session id (hex with 0x, or decimal); default: the mount's own session.",
        transform: ByteCount.parse)
    var session: ByteCount?

    func run() throws {
        output.emit(try KeysCommand(system: output.makeSystem()).run(path: path, sessionID: session?.value))
    }
}

struct NotifySubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Stream change notifications for a directory until interrupted (CIFS_IOC_NOTIFY_INFO).",
        discussion: """
            Each change is one line (or one JSON object per line with --json). The kernel waits for the \
            server without a timeout and only a fatal signal ends the wait: Ctrl-C stops the command. \
            Filters: \(CIFSNotifyFilter.names.map(\.0).joined(separator: ", ")).
            """)

    @OptionGroup var output: OutputOptions

    @Argument(help: "A directory on the cifs mount.")
    var directory: String

    @Flag(help: "Watch the whole tree below the directory.")
    var tree = false

    @Option(parsing: .upToNextOption, help: "What to watch (default: all).")
    var filter: [String] = []

    @Option(help: "Stop after this many notifications from the server.")
    var count: Int?

    func validate() throws {
        do {
            _ = try CIFSNotifyFilter(commandLineNames: filter)
        } catch {
            throw ValidationError(error.description)
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
    }

    func run() throws {
        let mask = try CIFSNotifyFilter(commandLineNames: filter)
        let json = output.json
        try NotifyCommand(system: output.makeSystem()).run(path: directory, filter: mask, watchTree: tree, limit: count)
        { report in report.output(json: json).map(IoctlCalls.writeStandardOutput) }
    }
}

struct ShutdownSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shutdown",
        abstract: "Shut the mount down (CIFS_IOC_SHUTDOWN, root): later I/O fails until it is unmounted.")

    @OptionGroup var output: OutputOptions

    @Argument(help: "Any path on the cifs mount.")
    var path: String

    @Flag(help: "Flush dirty data first.")
    var flush = false

    @Flag(help: "Do not flush.")
    var noflush = false

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    func validate() throws {
        guard flush != noflush else { throw ValidationError("give exactly one of --flush and --noflush") }
    }

    func run() throws {
        if !yes {
            guard IoctlCalls.standardInputIsTerminal else {
                throw IoctlCommandError.usage(
                    "shutdown asks for confirmation on a terminal; pass --yes to run it without")
            }
            IoctlCalls.writeStandardError(
                "Shut down the cifs mount holding \(path)? Every later operation on it fails. [y/N] ")
            guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                throw IoctlCommandError.failed("not confirmed; nothing done")
            }
        }
        output.emit(try FileControlCommands(system: output.makeSystem()).shutdown(path: path, flush: flush))
    }
}

struct SetIntegritySubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-integrity", abstract: "Enable integrity streams on a file (CIFS_IOC_SET_INTEGRITY; ReFS).")

    @OptionGroup var output: OutputOptions

    @Argument(help: "A file on the cifs mount.")
    var path: String

    func run() throws {
        output.emit(try FileControlCommands(system: output.makeSystem()).setIntegrity(path: path))
    }
}

struct CompressionSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compression",
        abstract: "Get or set a file's compression (FS_IOC_GETFLAGS/SETFLAGS, FS_COMPR_FL).",
        subcommands: [Get.self, Set.self])

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Whether the file is compressed.")
        @OptionGroup var output: OutputOptions
        @Argument(help: "A file on the cifs mount.") var path: String
        func run() throws { output.emit(try FileControlCommands(system: output.makeSystem()).compression(path: path)) }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Compress the file (--on) or ask to stop (--off).")
        @OptionGroup var output: OutputOptions
        @Argument(help: "A file on the cifs mount.") var path: String
        @Flag(help: "Enable compression.") var on = false
        @Flag(help: "Disable compression.") var off = false
        func validate() throws { guard on != off else { throw ValidationError("give exactly one of --on and --off") } }
        func run() throws {
            output.emit(try FileControlCommands(system: output.makeSystem()).setCompression(path: path, enabled: on))
        }
    }
}

struct FsctlSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsctl",
        abstract: "Send any FSCTL through CIFS_QUERY_INFO and dump the reply (root).",
        discussion:
            "The kernel opens the path with the access the code's access bits ask for (FILE_ANY_ACCESS means GENERIC_ALL)."
    )

    @OptionGroup var output: OutputOptions

    @Argument(help: "A file or directory on the cifs mount.")
    var path: String

    @Argument(help: "The FSCTL code, e.g. 0x9003c (FSCTL_GET_COMPRESSION).", transform: ByteCount.parse)
    var code: ByteCount

    @Option(name: .customLong("in"), help: "Input bytes in hex (at most 1024).")
    var input: String?

    @Option(name: .customLong("out-size"), help: "Room for the reply in bytes.")
    var outputSize: Int = 4096

    func validate() throws {
        guard code.value <= UInt64(UInt32.max) else { throw ValidationError("FSCTL codes are 32-bit") }
        if let input, parseHexBytes(input) == nil { throw ValidationError("--in is not hex: \(input)") }
        guard outputSize >= 0 else { throw ValidationError("--out-size must not be negative") }
    }

    func run() throws {
        let bytes = input.flatMap(parseHexBytes) ?? []
        output.emit(
            try FileControlCommands(system: output.makeSystem()).fsctl(
                path: path, code: UInt32(truncatingIfNeeded: code.value), input: bytes, outputSize: outputSize))
    }
}

struct ReadSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read", abstract: "Read a file with O_DIRECT (no page cache) and report the throughput.")
    @OptionGroup var output: OutputOptions
    @Argument(help: "A file on the cifs mount.") var path: String
    @Option(
        name: .customLong("block-size"),
        help: "Bytes per read, a multiple of 4096 (default: \(UnbufferedIO.defaultBlockSize)).",
        transform: ByteCount.parse)
    var blockSize = ByteCount(UnbufferedIO.defaultBlockSize)
    func run() throws {
        output.emit(
            try UnbufferedIO(system: output.makeSystem()).read(path: path, blockSize: Int(clamping: blockSize.value)))
    }
}

struct WriteSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write", abstract: "Write a file of --size bytes with O_DIRECT and report the throughput.")
    @OptionGroup var output: OutputOptions
    @Argument(help: "The file to create or truncate on the cifs mount.") var path: String
    @Option(help: "Bytes to write (K, M, G allowed).", transform: ByteCount.parse) var size: ByteCount
    @Option(
        name: .customLong("block-size"),
        help: "Bytes per write, a multiple of 4096 (default: \(UnbufferedIO.defaultBlockSize)).",
        transform: ByteCount.parse)
    var blockSize = ByteCount(UnbufferedIO.defaultBlockSize)
    func run() throws {
        output.emit(
            try UnbufferedIO(system: output.makeSystem()).write(
                path: path, size: size.value, blockSize: Int(clamping: blockSize.value)))
    }
}

struct CopyUnbufferedSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp-unbuffered", abstract: "Copy through this machine with O_DIRECT on both files.")
    @OptionGroup var output: OutputOptions
    @Argument(help: "The source file on the cifs mount.") var source: String
    @Argument(help: "The destination file on the cifs mount.") var destination: String
    @Option(
        name: .customLong("block-size"),
        help: "Bytes per read and write, a multiple of 4096 (default: \(UnbufferedIO.defaultBlockSize)).",
        transform: ByteCount.parse)
    var blockSize = ByteCount(UnbufferedIO.defaultBlockSize)
    func run() throws {
        output.emit(
            try UnbufferedIO(system: output.makeSystem()).copy(
                source: source, destination: destination, blockSize: Int(clamping: blockSize.value)))
    }
}

struct SparseSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sparse",
        abstract: "Whether a file is sparse, what the server allocates for it, and its data ranges.",
        discussion: """
            The attribute (FILE_ATTRIBUTE_SPARSE_FILE) and the allocation come from the server through \
            CIFS_QUERY_INFO; statx(2) on cifs carries no sparse flag. The data ranges come from \
            lseek(2) SEEK_DATA/SEEK_HOLE, which cifs.ko answers with FSCTL_QUERY_ALLOCATED_RANGES for \
            a sparse file; for any other file it reports the whole file as data without asking. At most \
            \(SparseCommands.maximumRanges) ranges are listed.
            """)

    @OptionGroup var output: OutputOptions

    @Argument(help: "A file on the cifs mount.")
    var path: String

    func run() throws {
        output.emit(try SparseCommands(system: output.makeSystem()).describe(path: path))
    }
}

struct SetSparseSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set-sparse",
        abstract: "Mark a file sparse on the server (FSCTL_SET_SPARSE, root).",
        discussion: """
            No cifs ioctl sets the attribute: cifs.ko sends FSCTL_SET_SPARSE itself only before punching \
            a hole and when truncate grows a file by more than 8 KiB. This command sends it through the \
            CIFS_QUERY_INFO FSCTL passthrough, which needs CAP_SYS_ADMIN and opens the file for \
            GENERIC_ALL, then reads the attribute back from the server. A server that cannot keep sparse \
            files refuses with EOPNOTSUPP, and the message says so.
            """)

    @OptionGroup var output: OutputOptions

    @Argument(help: "A file on the cifs mount.")
    var path: String

    func run() throws {
        output.emit(try SparseCommands(system: output.makeSystem()).setSparse(path: path))
    }
}

struct ZeroSubcommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zero",
        abstract: "Punch a hole: free a range on the server, which then reads as zeros (TRIM).",
        discussion: """
            fallocate(2) with PUNCH_HOLE and KEEP_SIZE: cifs.ko marks the file sparse (FSCTL_SET_SPARSE) \
            unless it already is, then sends FSCTL_SET_ZERO_DATA; the size stays. The server's \
            allocation is read before and after, so the report shows what the server freed. After one \
            refused FSCTL_SET_SPARSE cifs.ko refuses every later hole on that share with EOPNOTSUPP \
            until it is mounted again.
            """)

    @OptionGroup var output: OutputOptions

    @Argument(help: "A file on the cifs mount, open for writing.")
    var path: String

    @Argument(help: "Where the hole starts, in bytes (units K, M, G, T allowed).", transform: ByteCount.parse)
    var offset: ByteCount

    @Argument(help: "How many bytes to free (units allowed).", transform: ByteCount.parse)
    var length: ByteCount

    func validate() throws {
        guard length.value > 0 else { throw ValidationError("LENGTH must be at least 1 byte") }
        let (end, overflow) = offset.value.addingReportingOverflow(length.value)
        guard !overflow, end <= UInt64(Int64.max) else {
            throw ValidationError("OFFSET + LENGTH exceeds the largest file offset (2^63 - 1)")
        }
    }

    func run() throws {
        output.emit(
            try SparseCommands(system: output.makeSystem()).zero(path: path, offset: offset.value, length: length.value)
        )
    }
}
