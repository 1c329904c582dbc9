#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// Refuses an open file that is not this uid's own regular file with one link and no group or
/// other write bit: one root must not write through (a FIFO, a device, a hard link to another
/// file, a file someone else can change).
func checkOwnRegularFile(_ fd: Int32, context: String) throws(SystemError) {
    var info = stat()
    _ = try valueOrThrow("fstat", context) { fstat(fd, &info) }
    guard info.st_mode & S_IFMT == S_IFREG else {
        throw SystemError(function: "fstat", errno: EINVAL, context: "\(context): not a regular file")
    }
    guard info.st_uid == geteuid(), info.st_nlink == 1, info.st_mode & 0o022 == 0 else {
        let mode = String(info.st_mode & 0o7777, radix: 8)
        throw SystemError(
            function: "fstat", errno: EPERM,
            context: "\(context): owned by uid \(info.st_uid), mode 0\(mode), \(info.st_nlink) link(s); "
                + "expected uid \(geteuid())'s own file, one link, writable by no one else")
    }
}

/// Reads small kernel-generated files (procfs, sysfs) whose size `stat` does not report.
public enum KernelFile {
    /// procfs files such as DebugData grow with the number of mounts; 16 MiB is far beyond any real one.
    public static let defaultLimit = 16 << 20

    /// Reads the whole file, failing rather than silently truncating past `limit` bytes.
    public static func read(_ path: String, limit: Int = defaultLimit) throws(SystemError) -> [UInt8] {
        let fd = try valueOrThrow("open", "reading \(path)") { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        return try readAll(fd: fd, description: path, limit: limit)
    }

    /// Reads an open descriptor to its end; the caller keeps ownership of `fd`.
    public static func readAll(fd: Int32, description: String, limit: Int) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = try valueOrThrow("read", "reading \(description)") {
                chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else {
                throw SystemError(
                    function: "read", errno: EFBIG, context: "reading \(description) (over \(limit) bytes)")
            }
            bytes.append(contentsOf: chunk[..<count])
        }
    }
}
