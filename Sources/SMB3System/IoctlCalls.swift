import CLinuxShims
import SMB3Errors

#if canImport(Glibc)
    import Glibc
#endif

/// The system calls behind smb3-ioctl: ioctl(2), copy_file_range(2), fstatfs(2), pread/pwrite and
/// friends. Each funnels through `valueOrThrow`, which retries EINTR and reads errno right away.
public enum IoctlCalls {
    /// `O_DIRECT`: a GNU extension Swift's Glibc module does not export; the value differs per
    /// architecture (asm-generic/fcntl.h vs arch/arm64/include/uapi/asm/fcntl.h).
    public static var directIOFlag: Int32 {
        #if arch(x86_64) || arch(i386)
            return 0o40000
        #elseif arch(arm64) || arch(arm)
            return 0o200000
        #else
            return 0o40000
        #endif
    }

    /// open(2) flags: `O_RDONLY`, or `O_WRONLY | O_CREAT` (plus `O_TRUNC`), plus `O_DIRECT` when asked.
    public static func openFlags(writing: Bool, truncate: Bool = false, direct: Bool = false) -> Int32 {
        var flags = writing ? O_WRONLY | O_CREAT : O_RDONLY
        if writing && truncate { flags |= O_TRUNC }
        if direct { flags |= directIOFlag }
        return flags
    }

    /// `O_RDWR` without creating.
    public static func openFlags(readWrite: Bool) -> Int32 { readWrite ? O_RDWR : O_RDONLY }

    /// open(2) with `O_CLOEXEC` added. The corresponding C function is `open`.
    public static func open(_ path: String, flags: Int32, mode: mode_t = 0o666) throws(SystemError) -> Int32 {
        try valueOrThrow("open", "opening \(path)") { Glibc.open(path, flags | O_CLOEXEC, mode) }
    }

    public static func close(_ descriptor: Int32) {
        // close(2) is never retried: on Linux the descriptor is gone even after EINTR.
        _ = Glibc.close(descriptor)
    }

    /// A directory opened with opendir(3) and read once, so cifs has attached its file handle
    /// (`private_data`) to the fd. Close it with ``closeDirectory(_:)``, not `close`.
    public static func openListedDirectory(
        _ path: String
    ) throws(SystemError) -> (directory: OpaquePointer, descriptor: Int32) {
        guard let directory = opendir(path) else {
            throw SystemError(function: "opendir", errno: Glibc.errno, context: "opening directory \(path)")
        }
        errno = 0
        _ = readdir(directory)
        let readError = Glibc.errno
        if readError != 0 {
            closedir(directory)
            throw SystemError(function: "readdir", errno: readError, context: "listing \(path)")
        }
        let descriptor = dirfd(directory)
        guard descriptor >= 0 else {
            let code = Glibc.errno
            closedir(directory)
            throw SystemError(function: "dirfd", errno: code, context: "listing \(path)")
        }
        return (directory, descriptor)
    }

    public static func closeDirectory(_ directory: OpaquePointer) { closedir(directory) }

    /// `f_type` of fstatfs(2), as the 32-bit magic number. The corresponding C function is `fstatfs`.
    public static func fileSystemType(_ descriptor: Int32) throws(SystemError) -> UInt64 {
        var type: UInt64 = 0
        _ = try valueOrThrow("fstatfs", "checking the filesystem of fd \(descriptor)") {
            smb3_fstatfs_type(descriptor, &type)
        }
        return type & 0xFFFF_FFFF
    }

    /// `f_bavail * f_bsize` of fstatfs(2): the bytes the caller may still allocate on the file system.
    /// The corresponding C function is `fstatfs`.
    public static func availableBytes(_ descriptor: Int32) throws(SystemError) -> UInt64 {
        var bytes: UInt64 = 0
        _ = try valueOrThrow("fstatfs", "checking the free space of fd \(descriptor)") {
            smb3_fstatfs_available(descriptor, &bytes)
        }
        return bytes
    }

    /// fsync(2).
    public static func synchronize(_ descriptor: Int32) throws(SystemError) {
        _ = try valueOrThrow("fsync", "flushing fd \(descriptor)") { fsync(descriptor) }
    }

    /// The facts of fstat(2) the tool uses.
    public struct Status: Sendable {
        public var device: UInt64
        public var inode: UInt64
        public var size: UInt64
        public var mode: UInt32
        /// `st_blocks` × 512: the bytes the file occupies (on cifs, the server's AllocationSize
        /// as of the last attribute refresh).
        public var allocatedBytes: UInt64
        public var isDirectory: Bool { mode & UInt32(Glibc.S_IFMT) == UInt32(Glibc.S_IFDIR) }
        public var isRegularFile: Bool { mode & UInt32(Glibc.S_IFMT) == UInt32(Glibc.S_IFREG) }
    }

    public static func status(_ descriptor: Int32) throws(SystemError) -> Status {
        var info = stat()
        _ = try valueOrThrow("fstat", "examining fd \(descriptor)") { fstat(descriptor, &info) }
        return Status(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: UInt64(max(0, info.st_size)),
            mode: UInt32(info.st_mode), allocatedBytes: UInt64(max(0, info.st_blocks)) &* 512)
    }

    /// stat(2) of a path (follows symlinks).
    public static func status(path: String) throws(SystemError) -> Status {
        var info = stat()
        _ = try valueOrThrow("stat", "examining \(path)") { stat(path, &info) }
        return Status(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: UInt64(max(0, info.st_size)),
            mode: UInt32(info.st_mode), allocatedBytes: UInt64(max(0, info.st_blocks)) &* 512)
    }

    /// ioctl(2) whose argument is a buffer the kernel reads and may overwrite. `request` is any
    /// request-number type (smb3-ioctl passes `CIFSIoctl`), so this layer needs no protocol model.
    public static func ioctl<Request: RawRepresentable>(
        _ descriptor: Int32, _ request: Request, buffer: inout [UInt8]
    ) throws(SystemError) where Request.RawValue == UInt {
        if buffer.isEmpty { buffer.append(0) }  // a non-nil pointer even for zero-size arguments
        _ = try valueOrThrow("ioctl", "ioctl \(request) on fd \(descriptor)") {
            buffer.withUnsafeMutableBytes { raw -> Int32 in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.ioctl(descriptor, request.rawValue, base)
            }
        }
    }

    /// ioctl(2) whose argument is an int passed by value (`CIFS_IOC_COPYCHUNK_FILE`, `FICLONE`).
    public static func ioctl<Request: RawRepresentable>(
        _ descriptor: Int32, _ request: Request, value: Int32
    ) throws(SystemError) where Request.RawValue == UInt {
        _ = try valueOrThrow("ioctl", "ioctl \(request) on fd \(descriptor)") {
            Glibc.ioctl(descriptor, request.rawValue, value)
        }
    }

    /// copy_file_range(2) with explicit offsets and no flags.
    public static func copyFileRange(
        from source: Int32, at sourceOffset: UInt64, to destination: Int32, at destinationOffset: UInt64, length: Int
    ) throws(SystemError) -> Int {
        var inOffset = Int64(truncatingIfNeeded: sourceOffset)
        var outOffset = Int64(truncatingIfNeeded: destinationOffset)
        return try valueOrThrow("copy_file_range", "copying \(length) bytes from fd \(source) to fd \(destination)") {
            smb3_copy_file_range(source, &inOffset, destination, &outOffset, UInt(length), 0)
        }
    }

    public static func pread(
        _ descriptor: Int32, _ pointer: UnsafeMutableRawPointer, count: Int, at offset: UInt64
    ) throws(SystemError) -> Int {
        try valueOrThrow("pread", "reading fd \(descriptor) at \(offset)") {
            Glibc.pread(descriptor, pointer, count, off_t(truncatingIfNeeded: offset))
        }
    }

    public static func pwrite(
        _ descriptor: Int32, _ pointer: UnsafeRawPointer, count: Int, at offset: UInt64
    ) throws(SystemError) -> Int {
        try valueOrThrow("pwrite", "writing fd \(descriptor) at \(offset)") {
            Glibc.pwrite(descriptor, pointer, count, off_t(truncatingIfNeeded: offset))
        }
    }

    /// Where lseek(2) looks: the next byte of data, or the next hole.
    public enum SeekTarget: Sendable {
        case data
        case hole

        /// `SEEK_DATA` (3) and `SEEK_HOLE` (4), include/uapi/linux/fs.h; Swift's Glibc module
        /// leaves these GNU names out.
        var whence: Int32 {
            switch self {
            case .data: return 3
            case .hole: return 4
            }
        }
    }

    /// lseek(2) with `SEEK_DATA` or `SEEK_HOLE`: the offset of the next data (or hole) at or after
    /// `offset`. Throws `ENXIO` when there is no data at or after `offset` (or `offset` is at or
    /// past the end). cifs.ko answers from FSCTL_QUERY_ALLOCATED_RANGES for sparse files.
    public static func seek(
        _ descriptor: Int32, from offset: UInt64, to target: SeekTarget
    ) throws(SystemError)
        -> UInt64
    {
        let position = try valueOrThrow("lseek", "seeking fd \(descriptor) from \(offset) to \(target)") {
            lseek(descriptor, off_t(truncatingIfNeeded: offset), target.whence)
        }
        return UInt64(max(0, position))
    }

    /// fallocate(2) with `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE` (0x02 | 0x01,
    /// include/uapi/linux/falloc.h): frees `length` bytes at `offset`, which then read as zeros; the
    /// size stays. cifs.ko sends FSCTL_SET_SPARSE (once) and FSCTL_SET_ZERO_DATA.
    public static func punchHole(_ descriptor: Int32, offset: UInt64, length: UInt64) throws(SystemError) {
        _ = try valueOrThrow("fallocate", "punching \(length) bytes at \(offset) in fd \(descriptor)") {
            smb3_fallocate(
                descriptor, 0x02 | 0x01, Int64(truncatingIfNeeded: offset), Int64(truncatingIfNeeded: length))
        }
    }

    public static func truncate(_ descriptor: Int32, size: UInt64) throws(SystemError) {
        _ = try valueOrThrow("ftruncate", "truncating fd \(descriptor)") {
            ftruncate(descriptor, off_t(truncatingIfNeeded: size))
        }
    }

    /// CLOCK_MONOTONIC in nanoseconds.
    public static func monotonicNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// realpath(3), or nil.
    public static func canonicalPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether standard error is a terminal (progress goes there).
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Whether standard input is a terminal (a confirmation prompt can be answered).
    public static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// Writes one line to standard output unbuffered, so streamed events reach a pipe at once.
    public static func writeStandardOutput(_ line: String) { writeAll(STDOUT_FILENO, line + "\n") }

    /// Writes text to standard error without a newline (progress lines rewrite themselves with `\r`).
    public static func writeStandardError(_ text: String) { writeAll(STDERR_FILENO, text) }

    private static func writeAll(_ descriptor: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { raw in
                write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
