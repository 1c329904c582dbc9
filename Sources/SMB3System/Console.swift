#if canImport(Glibc)
import Glibc
#endif

/// Terminal and standard-stream facts the executables need.
public enum Console {
    /// Writes one line to standard error (unbuffered, so it is not lost if the process exits).
    public static func printError(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { raw in
                write(STDERR_FILENO, raw.baseAddress.map { $0 + offset }, raw.count - offset)
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
