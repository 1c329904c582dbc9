import SMB3Errors
import SMB3System
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One thread that runs C calls which block (a krb5 exchange with a KDC inside
/// gss_init_sec_context, a NOTIFY waiting for the kernel's ack, an inet_diag dump) one after
/// another, so that they never occupy a thread of Swift's cooperative pool: with two such
/// threads, two slow KDC calls would stop every task in the daemon. One thread per kind of
/// call keeps the count fixed however many registrations there are.
public final class BlockingCallThread: Sendable {
    private struct State: ~Copyable {
        var jobs: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())
    /// The thread sleeps in read(2) on this pipe; each queued job writes one byte.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    public init() throws(SystemError) {
        (wakeRead, wakeWrite) = try wakeUpPipe(nonBlocking: false, for: "a blocking-call thread")
        BackgroundThread.detach { [self] in run() }
    }

    /// Runs `body` on the thread and returns its result; the calling task is suspended, not blocked.
    public func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
            state.withLock { $0.jobs.append { continuation.resume(with: Swift.Result { try body() }) } }
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
    }

    private func run() {
        var byte: UInt8 = 0
        while true {
            let count = read(wakeRead, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
            let job = state.withLock { state -> (@Sendable () -> Void)? in
                state.jobs.isEmpty ? nil : state.jobs.removeFirst()
            }
            job?()
        }
    }
}
