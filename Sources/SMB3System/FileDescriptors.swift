import CLinuxShims

#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// The process's descriptor table as a whole.
public enum FileDescriptors {
    /// Closes every descriptor but standard input, output and error and `keep`: what an upcall
    /// does before it joins a container's namespaces, where code the container controls (its
    /// krb5.conf plugins, NSS and GSS modules) may run in the process. A descriptor of the
    /// host's /proc or root, or the service's listening socket, must not be there to find.
    /// The corresponding system call is `close_range(2)`, once per gap between kept descriptors.
    public static func closeAll(except keep: [Int32]) throws(SystemError) {
        var next: Int32 = 3
        for fd in Set(keep).filter({ $0 >= 3 }).sorted() {
            if fd > next {
                try closeRange(next, fd - 1)
            }
            next = fd + 1
        }
        try closeRange(next, Int32.max)
    }

    private static func closeRange(_ first: Int32, _ last: Int32) throws(SystemError) {
        _ = try valueOrThrow("close_range", "closing descriptors \(first)-\(last)") {
            smb3_close_range(UInt32(first), UInt32(bitPattern: last == Int32.max ? -1 : last))
        }
    }

    /// The open descriptors, from /proc/self/fd (for tests and diagnostics).
    public static func open() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var result: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if let fd = Int32(name), fd != own { result.append(fd) }
        }
        return result.sorted()
    }
}
