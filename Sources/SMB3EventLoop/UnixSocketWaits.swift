import SMB3Errors
import SMB3System

#if canImport(Glibc)
    import Glibc
#endif

extension ReadinessLoop {
    /// The next client of `listener`, waiting in the loop rather than in accept(2).
    public func accept(_ listener: UnixListener) async throws -> UnixConnection {
        guard await wait(for: listener.descriptor, events: .readable) else { throw CancellationError() }
        return try listener.accept()
    }

    /// One request line from `connection`, once it is readable (nil if nothing came within
    /// `timeoutSeconds`). The control client sends its line in one write, so it is whole by then.
    public func readLine(_ connection: UnixConnection, timeoutSeconds: Double) async throws -> String? {
        guard await wait(for: connection.descriptor, events: .readable, timeoutSeconds: timeoutSeconds) else {
            return nil
        }
        return try connection.readLine()
    }
}

/// Follows a growing text file (tail -f): every line from the start, then new ones as they
/// are appended, checked every half second.
public func followLines(of path: String, _ line: (String) -> Void) async throws {
    guard let stream = fopen(path, "r") else {
        throw SystemError(function: "fopen", errno: errno, context: "opening \(path)")
    }
    defer { fclose(stream) }
    var buffer: UnsafeMutablePointer<CChar>?
    defer { free(buffer) }
    var capacity = 0
    while !Task.isCancelled {
        let length = getline(&buffer, &capacity, stream)
        if length > 0, let buffer {
            line(String(cString: buffer))
        } else {
            clearerr(stream)
            try await Task.sleep(for: .milliseconds(500))
        }
    }
}

/// Creates the directory that will hold `path` (the control socket's) with `mode`, if it is
/// not there yet.
public func createParentDirectory(of path: String, mode: mode_t) throws(SystemError) {
    guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
    let directory = String(path[..<slash])
    if mkdir(directory, mode) != 0 && errno != EEXIST {
        throw SystemError(function: "mkdir", errno: errno, context: "creating \(directory)")
    }
}
