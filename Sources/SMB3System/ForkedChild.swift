import CLinuxShims
import SMB3Errors

#if canImport(Glibc)
    import Glibc
#endif

/// Worker processes that run one job each: the upcall service forks one per request, so each
/// upcall's setns and setuid happen in a process of its own and the server keeps its privileges
/// and namespaces. The server must be single-threaded: only the forking thread survives a fork.
public enum ForkedChild {
    /// How a child ended.
    public enum Ending: Hashable, Sendable, CustomStringConvertible {
        case exited(Int32)
        case killed(signal: Int32, coreDumped: Bool)

        /// Decodes waitpid's status (the <sys/wait.h> macros, spelled out: Swift cannot import
        /// them); nil for a stopped or continued child.
        public init?(waitStatus status: Int32) {
            let signal = status & 0x7F
            if signal == 0 {
                self = .exited((status >> 8) & 0xFF)
            } else if signal != 0x7F {
                self = .killed(signal: signal, coreDumped: status & 0x80 != 0)
            } else {
                return nil
            }
        }

        public var description: String {
            switch self {
            case .exited(let status): "exited with status \(status)"
            case .killed(let signal, let core):
                "was killed by signal \(signal) (\(String(cString: strsignal(signal))))\(core ? ", core dumped" : "")"
            }
        }
    }

    /// Waits for every child that has ended, without blocking, and returns how each ended. A
    /// server calls it between jobs, so that a crashed worker is reported rather than reaped
    /// unseen (as SIGCHLD set to SIG_IGN would).
    public static func reapEnded() -> [(pid: Int32, ending: Ending)] {
        var ended: [(Int32, Ending)] = []
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return ended }
            if let ending = Ending(waitStatus: status) { ended.append((pid, ending)) }
        }
    }

    /// Forks; the child runs `body` and ends with `_exit` of its result, so it never returns
    /// into the caller, runs no atexit handlers and releases none of the server's objects (a
    /// listening socket's release would unlink its path). Returns the child's pid.
    @discardableResult
    public static func run(_ body: () -> Int32) throws(SystemError) -> Int32 {
        let pid = try valueOrThrow("fork", "starting a worker process") { fork() }
        if pid == 0 {
            _exit(body())
        }
        return pid
    }

    /// Forks a child that runs `body` and waits until the child calls `started()`, or ends
    /// without doing so. A server uses it to keep one worker waiting ahead of demand (blocked in
    /// accept, say) and to fork the next one as soon as that worker has work, so no request
    /// waits for a fork. A child still waiting when the server ends ends with it (SIGTERM); one
    /// that has started finishes its work. True if the child called `started()`.
    public static func runUntilStarted(_ body: (_ started: () -> Void) -> Int32) throws(SystemError) -> Bool {
        var ends: [Int32] = [0, 0]
        _ = try valueOrThrow("pipe", "starting a worker process") { pipe(&ends) }
        let (readEnd, writeEnd) = (ends[0], ends[1])
        // Single-threaded server: nothing can exec between pipe and these.
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        let server = getpid()
        do {
            try run {
                close(readEnd)
                _ = smb3_set_parent_death_signal(SIGTERM)
                if getppid() != server { return 1 }  // the server ended before the signal was set
                return body {
                    _ = smb3_set_parent_death_signal(0)
                    var byte: UInt8 = 1
                    _ = write(writeEnd, &byte, 1)
                    close(writeEnd)
                }
            }
        } catch {
            close(readEnd)
            close(writeEnd)
            throw error
        }
        close(writeEnd)
        defer { close(readEnd) }
        var byte: UInt8 = 0
        // One byte when the child has started; end of file (0) when it ended first.
        let count = (try? valueOrThrow("read", "waiting for a worker process") { read(readEnd, &byte, 1) }) ?? 0
        return count == 1
    }
}
