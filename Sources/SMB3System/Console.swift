#if canImport(Glibc)
    import Glibc
#endif

/// Terminal and standard-stream facts the executables need.
public enum Console {
    /// Writes one line to standard error (unbuffered, so it is not lost if the process exits).
    public static func printError(_ line: String) { writeAll(STDERR_FILENO, line + "\n") }

    /// Writes to standard output unbuffered: followers (`events`) must see each line at once.
    public static func write(_ text: String) { writeAll(STDOUT_FILENO, text) }
    public static func printLine(_ line: String) { writeAll(STDOUT_FILENO, line + "\n") }

    private static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { raw in
                Glibc.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// Whether standard output is a terminal (tables and colour) or a pipe (plain text).
    public static var standardOutputIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
