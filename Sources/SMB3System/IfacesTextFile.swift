#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// Writing whole files atomically, for node-exporter's textfile collector (it must never see half a file).
public enum AtomicTextFile {
    /// Writes `text` (mode 0644) to a new file of a random name in the same directory, created
    /// with O_EXCL|O_NOFOLLOW so that nothing already there (a symlink planted under a fixed
    /// `.tmp` name) is followed or truncated, then rename(2)s it over `path`; rename replaces
    /// whatever `path` is (a symlink included) without following it.
    public static func write(_ text: String, to path: String) throws(SystemError) {
        let (descriptor, temporary) = try createTemporary(beside: path)
        try complete(descriptor, temporary: temporary, text: text, over: path) { descriptor throws(SystemError) in
            _ = try valueOrThrow("fchmod", "writing \(temporary)") { fchmod(descriptor, 0o644) }
        }
    }

    /// Writes `text` into the temporary file from `createTemporary`, lets `finish` set what else
    /// the file needs (mode, owner, fsync), closes it and rename(2)s it over `path`. On any
    /// failure the temporary file is removed and `path` is untouched.
    static func complete(
        _ descriptor: Int32, temporary: String, text: String, over path: String,
        finish: (Int32) throws(SystemError) -> Void
    ) throws(SystemError) {
        do throws(SystemError) {
            var bytes = Array(text.utf8)
            var offset = 0
            while offset < bytes.count {
                offset += try valueOrThrow("write", "writing \(temporary)") {
                    bytes.withUnsafeMutableBytes { raw in
                        Glibc.write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                    }
                }
            }
            try finish(descriptor)
        } catch {
            close(descriptor)
            unlink(temporary)
            throw error
        }
        guard close(descriptor) == 0 else {
            let code = errno
            unlink(temporary)
            throw SystemError(function: "close", errno: code, context: "writing \(temporary)")
        }
        do throws(SystemError) {
            _ = try valueOrThrow("rename", "replacing \(path)") { rename(temporary, path) }
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// `.<name>.<random>` next to `path`, created exclusively; a name taken already is skipped.
    static func createTemporary(beside path: String) throws(SystemError) -> (Int32, String) {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var generator = SystemRandomNumberGenerator()
        var lastError = SystemError(
            function: "open", errno: EEXIST, context: "creating a temporary file beside \(path)")
        for _ in 0..<16 {
            let suffix = String(generator.next() as UInt64, radix: 36)
            let temporary = "\(directory).\(name).\(suffix)"
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if descriptor >= 0 { return (descriptor, temporary) }
            lastError = SystemError(function: "open", errno: errno, context: "creating a temporary file beside \(path)")
            if lastError.errno != .fileExists { break }
        }
        throw lastError
    }
}
