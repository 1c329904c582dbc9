import SMB3Errors
import SMB3Protocol

/// An open file descriptor as the seam hands it out. The kit closes every handle it opens.
public struct IoctlHandle: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
}

/// How the kit wants a path opened.
public enum IoctlOpenMode: Hashable, Sendable {
    /// `O_RDONLY`: files and directories alike. A directory fd opened this way has no cifs
    /// private data, so `CIFS_QUERY_INFO` opens it as a directory (kernel-interfaces.md §3.2).
    case read
    /// A directory opened and listed once, so the cifs ioctls that need the open cifsFile
    /// (`GET_MNT_INFO`, `ENUMERATE_SNAPSHOTS`, …) do not fail with `ENOTTY`.
    case listedDirectory
    /// `O_RDWR` of an existing file (ioctls that change a file want it open for writing).
    case readWrite
    /// `O_WRONLY | O_CREAT` (mode 0666 & ~umask), with `O_TRUNC` when `truncate`.
    case write(truncate: Bool)
    /// `O_RDONLY | O_DIRECT`.
    case directRead
    /// `O_WRONLY | O_CREAT | O_DIRECT`, with `O_TRUNC` when `truncate`.
    case directWrite(truncate: Bool)
}

/// What fstat(2) says about an open file.
public struct IoctlFileStatus: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
    public var size: UInt64
    public var isDirectory: Bool
    public var isRegularFile: Bool
    /// `st_blocks` × 512. On cifs: the server's AllocationSize at the last attribute refresh.
    public var allocatedBytes: UInt64

    public init(
        device: UInt64, inode: UInt64, size: UInt64, isDirectory: Bool, isRegularFile: Bool, allocatedBytes: UInt64 = 0
    ) {
        self.device = device
        self.inode = inode
        self.size = size
        self.isDirectory = isDirectory
        self.isRegularFile = isRegularFile
        self.allocatedBytes = allocatedBytes
    }
}

/// What lseek(2) looks for from an offset: `SEEK_DATA` or `SEEK_HOLE`.
public enum IoctlSeekTarget: Hashable, Sendable {
    case data
    case hole
}

/// The system calls the kit needs. `smb3-ioctl` conforms the live implementation from
/// SMB3System; tests pass a fake that records calls and scripts replies and errno values.
public protocol IoctlSystem {
    func open(_ path: String, _ mode: IoctlOpenMode) throws(SystemError) -> IoctlHandle
    func close(_ handle: IoctlHandle)
    /// `f_type` of fstatfs(2).
    func fileSystemType(_ handle: IoctlHandle) throws(SystemError) -> UInt64
    /// Bytes the caller may still allocate on the file system of `handle` (fstatfs(2) `f_bavail *
    /// f_bsize`); on cifs the server's FileFsFullSizeInformation, asked for on every call.
    func availableBytes(_ handle: IoctlHandle) throws(SystemError) -> UInt64
    /// fsync(2).
    func synchronize(_ handle: IoctlHandle) throws(SystemError)
    func status(_ handle: IoctlHandle) throws(SystemError) -> IoctlFileStatus
    /// ioctl(2) with a buffer the kernel may read and overwrite.
    func ioctl(_ handle: IoctlHandle, _ request: CIFSIoctl, buffer: inout [UInt8]) throws(SystemError)
    /// ioctl(2) with an int passed by value (a source fd for COPYCHUNK and FICLONE), or 0.
    func ioctl(_ handle: IoctlHandle, _ request: CIFSIoctl, value: Int32) throws(SystemError)
    /// copy_file_range(2) with explicit offsets; returns the bytes copied (0 at the source's end).
    func copyFileRange(
        from source: IoctlHandle, at sourceOffset: UInt64, to destination: IoctlHandle, at destinationOffset: UInt64,
        length: Int
    ) throws(SystemError) -> Int
    /// ftruncate(2).
    func truncate(_ handle: IoctlHandle, size: UInt64) throws(SystemError)
    /// lseek(2) with `SEEK_DATA`/`SEEK_HOLE`: the next data or hole at or after `offset`; `ENXIO`
    /// when no data follows `offset` (or `offset` is at or past the end of the file).
    func seek(_ handle: IoctlHandle, from offset: UInt64, to target: IoctlSeekTarget) throws(SystemError) -> UInt64
    /// fallocate(2) with `FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE`.
    func punchHole(_ handle: IoctlHandle, offset: UInt64, length: UInt64) throws(SystemError)
    /// pread(2) into `buffer[0..<count]`; returns the bytes read.
    func read(
        _ handle: IoctlHandle, into buffer: inout IoctlBuffer, count: Int, at offset: UInt64
    ) throws(SystemError) -> Int
    /// pwrite(2) of `buffer[0..<count]`; returns the bytes written.
    func write(
        _ handle: IoctlHandle, from buffer: IoctlBuffer, count: Int, at offset: UInt64
    ) throws(SystemError) -> Int
    /// A buffer of `size` bytes aligned to `alignment` (posix_memalign for O_DIRECT).
    func makeBuffer(size: Int, alignment: Int) throws(SystemError) -> IoctlBuffer
    /// Nanoseconds of a monotonic clock.
    func monotonicNanoseconds() -> UInt64
    /// The mount options of the mount that holds `path` (from /proc/self/mountinfo), if known.
    func mountOptions(of path: String) -> [String]?
}

/// A byte buffer the platform may back with aligned memory. The kit only indexes through it.
public protocol IoctlBufferStorage: AnyObject {
    var count: Int { get }
    func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R
}

/// A handle to the platform's buffer (a class: aligned memory has one owner and is freed once).
public struct IoctlBuffer {
    public let storage: any IoctlBufferStorage
    public init(_ storage: any IoctlBufferStorage) { self.storage = storage }
    public var count: Int { storage.count }
}

/// A plain Swift-array buffer, enough wherever alignment does not matter (fakes, client copies).
public final class ArrayBufferStorage: IoctlBufferStorage {
    public var bytes: [UInt8]
    public init(count: Int) { bytes = [UInt8](repeating: 0, count: count) }
    public var count: Int { bytes.count }
    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeMutableBytes(body)
    }
}

extension IoctlSystem {
    /// Runs `body` with the handle and closes it afterwards, also when `body` throws.
    func withOpen<R>(
        _ path: String, _ mode: IoctlOpenMode, _ body: (IoctlHandle) throws(IoctlCommandError) -> R
    )
        throws(IoctlCommandError) -> R
    {
        let handle: IoctlHandle
        do { handle = try open(path, mode) } catch { throw IoctlCommandError.failed("\(path): \(error)", error) }
        defer { close(handle) }
        return try body(handle)
    }
}
