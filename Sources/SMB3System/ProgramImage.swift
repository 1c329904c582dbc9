#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// This process's program file, and replacing it with another one (smb3-upcall hands what it
/// does not do itself to smb3-upcall-full this way: same pid, environment and descriptors).
public enum ProgramImage {
    /// The running program's path, from /proc/self/exe.
    public static func currentPath() throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = try valueOrThrow("readlink", "finding this program's path (/proc/self/exe)") {
            buffer.withUnsafeMutableBufferPointer { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return readlink("/proc/self/exe", base, raw.count - 1)
            }
        }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// True if `path` is a file this process may execute.
    public static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return access(path, X_OK) == 0 && stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// execv(2): runs `path` in this process with `arguments` (the first one is its argv[0]).
    /// Returns only on failure, with the error.
    /// Replaces this process with the first of `candidates` that is executable and can be run,
    /// `arguments` giving its argv; returns why each executable candidate could not be run (empty
    /// when none is executable).
    public static func replaceWithFirstExecutable(
        of candidates: [String], arguments: (String) -> [String]
    ) -> [SystemError] {
        candidates.filter(isExecutable).map { replace(with: $0, arguments: arguments($0)) }
    }

    public static func replace(with path: String, arguments: [String]) -> SystemError {
        var pointers: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        execv(path, pointers)
        return SystemError(function: "execv", errno: errno, context: "running \(path)")
    }
}
