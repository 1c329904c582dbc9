#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// Reads a password from the controlling terminal with echo off, as mount.cifs and ssh do.
public enum TerminalSecret {
    /// Longer than any password a server accepts; typing on is refused rather than cut.
    public static let maximumLength = 1024

    /// Writes `prompt` to the controlling terminal and reads one line without echoing it.
    /// Returns nil when the process has no controlling terminal (a service, a pipe from cron).
    /// The terminal is put in raw mode for the read (no echo, no line editing, no signal keys),
    /// so that Ctrl-C ends the prompt here, with the terminal restored, instead of killing the
    /// process with echo still off; backspace is handled here for the same reason.
    public static func read(prompt: String) throws(SystemError) -> [UInt8]? {
        let fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENXIO || code == ENOENT || code == ENODEV { return nil }
            throw SystemError(function: "open", errno: code, context: "opening /dev/tty for the password prompt")
        }
        defer { close(fd) }
        var saved = termios()
        _ = try valueOrThrow("tcgetattr", "the terminal for the password prompt") { tcgetattr(fd, &saved) }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        _ = try valueOrThrow("tcsetattr", "turning echo off for the password prompt") { tcsetattr(fd, TCSAFLUSH, &raw) }
        defer {
            _ = tcsetattr(fd, TCSAFLUSH, &saved)
            writeAll(fd, "\n")
        }
        writeAll(fd, prompt)
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = try valueOrThrow("read", "reading the password from the terminal") { Glibc.read(fd, &byte, 1) }
            let endOfInput = count == 0 || byte == 0x03 || (byte == 0x04 && line.isEmpty)
            if endOfInput {
                // End of input, Ctrl-C, or Ctrl-D on an empty line: no password.
                wipe(&line)
                throw SystemError(function: "read", errno: ECANCELED, context: "password prompt cancelled")
            }
            switch byte {
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                return line
            case 0x7F, 0x08:
                if !line.isEmpty { line[line.count - 1] = 0; line.removeLast() }
            case 0x15:
                // Ctrl-U: start over.
                wipe(&line)
            case 0x04:
                continue
            default:
                guard line.count < maximumLength else {
                    wipe(&line)
                    throw SystemError(
                        function: "read", errno: EMSGSIZE, context: "password longer than \(maximumLength) bytes")
                }
                line.append(byte)
            }
        }
    }

    private static func wipe(_ line: inout [UInt8]) {
        for index in line.indices { line[index] = 0 }
        line.removeAll()
    }

    private static func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes {
                Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
