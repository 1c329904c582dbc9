import SMB3Errors
import SMB3Protocol

/// `read`, `write` and `cp-unbuffered`: sequential I/O with O_DIRECT and aligned buffers, so every
/// byte goes to the server instead of the page cache (kernel-interfaces.md §3.3).
public struct UnbufferedIO {
    let system: any IoctlSystem
    let files: CIFSFiles
    /// O_DIRECT buffers and transfer sizes are multiples of the page size.
    public static let alignment = 4096
    public static let defaultBlockSize = 1 << 20
    /// 64 MiB blocks are plenty; larger ones only cost memory.
    public static let maximumBlockSize = 64 << 20

    public init(system: any IoctlSystem) {
        self.system = system
        self.files = CIFSFiles(system: system)
    }

    public static func validate(blockSize: Int) throws(IoctlCommandError) {
        guard blockSize > 0, blockSize % alignment == 0, blockSize <= maximumBlockSize else {
            throw IoctlCommandError.usage(
                "--block-size \(blockSize) must be a positive multiple of \(alignment) up to \(maximumBlockSize)")
        }
    }

    private func openDirect(_ path: String, _ mode: IoctlOpenMode) throws(IoctlCommandError) -> IoctlHandle {
        do { return try files.openOnCIFS(path, mode) } catch {
            if let cause = error.platformError, cause.errno == .invalidArgument {
                throw IoctlCommandError.failed("\(path): the filesystem refused O_DIRECT: \(cause)", cause)
            }
            throw error
        }
    }

    private func notes(_ path: String) -> [String] {
        guard let options = system.mountOptions(of: path) else { return [] }
        if options.contains("cache=none") {
            return ["the mount is cache=none: its I/O is unbuffered even without O_DIRECT"]
        }
        return []
    }

    private func outcome(
        _ verb: String, _ path: String, bytes: UInt64, nanoseconds: UInt64, blockSize: Int
    ) -> IoctlReport {
        let seconds = Double(nanoseconds) / 1e9
        let rate = seconds > 0 ? Double(bytes) / seconds : 0
        return IoctlReport(
            TransferReport(
                verb: verb, bytes: bytes, seconds: seconds, bytesPerSecond: rate.rounded(),
                blockSize: UInt64(blockSize), notes: notes(path)))
    }

    private func buffer(_ blockSize: Int) throws(IoctlCommandError) -> IoctlBuffer {
        do { return try system.makeBuffer(size: blockSize, alignment: Self.alignment) } catch {
            throw IoctlCommandError.failed("allocating an aligned buffer of \(blockSize) bytes: \(error)", error)
        }
    }

    /// Reads the whole file with O_DIRECT.
    public func read(path: String, blockSize: Int = defaultBlockSize) throws(IoctlCommandError) -> IoctlReport {
        try Self.validate(blockSize: blockSize)
        let handle = try openDirect(path, .directRead)
        defer { system.close(handle) }
        var block = try buffer(blockSize)
        let start = system.monotonicNanoseconds()
        var total: UInt64 = 0
        while true {
            let count: Int
            do { count = try system.read(handle, into: &block, count: blockSize, at: total) } catch {
                throw IoctlCommandError.failed("\(path): read with O_DIRECT at \(total): \(error)", error)
            }
            if count == 0 { break }
            total += UInt64(count)
        }
        return outcome(
            "read", path, bytes: total, nanoseconds: system.monotonicNanoseconds() &- start, blockSize: blockSize)
    }

    /// Writes `size` bytes of a repeating 0…250 pattern with O_DIRECT (creating or truncating the file).
    public func write(
        path: String, size: UInt64, blockSize: Int = defaultBlockSize
    ) throws(IoctlCommandError) -> IoctlReport {
        try Self.validate(blockSize: blockSize)
        // Check the filesystem before creating anything.
        let parent = parentDirectory(of: path)
        system.close(try files.openOnCIFS(parent, .read))
        let handle = try openDirect(path, .directWrite(truncate: true))
        defer { system.close(handle) }
        let block = try buffer(blockSize)
        block.storage.withUnsafeMutableBytes { raw in
            for index in raw.indices { raw[index] = UInt8(index % 251) }
        }
        let start = system.monotonicNanoseconds()
        var total: UInt64 = 0
        while total < size {
            // The pattern restarts in every block; it only has to be data no layer can elide.
            let want = Int(min(UInt64(blockSize), size - total))
            let count: Int
            do { count = try system.write(handle, from: block, count: want, at: total) } catch {
                throw IoctlCommandError.failed("\(path): write with O_DIRECT at \(total): \(error)", error)
            }
            guard count > 0 else { throw IoctlCommandError.failed("\(path): write returned 0 at \(total)") }
            total += UInt64(count)
        }
        return outcome(
            "wrote", path, bytes: total, nanoseconds: system.monotonicNanoseconds() &- start, blockSize: blockSize)
    }

    /// Copies through this machine with O_DIRECT on both sides (no page cache on either).
    public func copy(
        source: String, destination: String, blockSize: Int = defaultBlockSize
    ) throws(IoctlCommandError) -> IoctlReport {
        try Self.validate(blockSize: blockSize)
        let input = try openDirect(source, .directRead)
        defer { system.close(input) }
        system.close(try files.openOnCIFS(parentDirectory(of: destination), .read))
        let output = try openDirect(destination, .directWrite(truncate: true))
        defer { system.close(output) }
        var block = try buffer(blockSize)
        let start = system.monotonicNanoseconds()
        var total: UInt64 = 0
        while true {
            let count: Int
            do { count = try system.read(input, into: &block, count: blockSize, at: total) } catch {
                throw IoctlCommandError.failed("\(source): read with O_DIRECT at \(total): \(error)", error)
            }
            if count == 0 { break }
            let written: Int
            do { written = try system.write(output, from: block, count: count, at: total) } catch {
                throw IoctlCommandError.failed("\(destination): write with O_DIRECT at \(total): \(error)", error)
            }
            guard written == count else {
                throw IoctlCommandError.failed(
                    "\(destination): short O_DIRECT write (\(written) of \(count) bytes) at \(total)")
            }
            total += UInt64(count)
        }
        return outcome(
            "copied", destination, bytes: total, nanoseconds: system.monotonicNanoseconds() &- start,
            blockSize: blockSize)
    }
}

/// What `read`, `write` and `cp-unbuffered` print: notes on the mount, then bytes, time and rate.
struct TransferReport: IoctlReportBody {
    /// `read`, `wrote` or `copied`: the text's first word.
    let verb: String
    let bytes: UInt64
    let seconds: Double
    let bytesPerSecond: Double
    let blockSize: UInt64
    let direct = true
    let notes: [String]

    private enum CodingKeys: String, CodingKey {
        case bytes
        case seconds
        case bytesPerSecond
        case blockSize
        case direct
        case notes
    }

    var lines: [String] {
        notes + [
            "\(verb) \(bytes) bytes (\(ByteFormat.size(bytes))) in \(ByteFormat.fixed(seconds, 3)) s, "
                + "\(ByteFormat.size(UInt64(bytesPerSecond)))/s, O_DIRECT, \(ByteFormat.size(blockSize)) blocks"
        ]
    }
}
