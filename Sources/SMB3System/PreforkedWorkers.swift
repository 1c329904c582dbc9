import SMB3Errors

#if canImport(Glibc)
    import Glibc
#endif

/// A listening socket whose connections are each served in a worker process of its own, forked
/// ahead of demand (see `ForkedChild.runUntilStarted`). The server loop that drives it is
/// UpcallKit's `UpcallServiceLoop`; this type holds only the system calls.
public struct PreforkedWorkers: Sendable {
    /// How long the server waits after a worker ended without a connection (EMFILE, say).
    public static let idlePauseMicroseconds: UInt32 = 100_000

    public let listener: UnixPacketSocket

    public init(listener: UnixPacketSocket) {
        self.listener = listener
    }

    /// Forks a worker that accepts one connection and runs `serve` with it, or with why accept
    /// failed. In the worker the listening socket is closed once it has its connection: it must
    /// not accept another user's request, nor leave the socket to code it runs later. Returns
    /// true once the worker has its connection, false if it ended without one.
    public func startWorker(_ serve: (Result<UnixPacketSocket, SystemError>) -> Int32) throws(SystemError) -> Bool {
        try ForkedChild.runUntilStarted { started in
            let connection: UnixPacketSocket
            do throws(SystemError) {
                connection = try listener.accept()
            } catch {
                return serve(.failure(error))
            }
            listener.closeInWorker()
            started()
            return serve(.success(connection))
        }
    }

    /// The workers that have ended, reaped without waiting (`ForkedChild.reapEnded`).
    public func reapEndedWorkers() -> [(pid: Int32, killed: Bool, ending: String)] {
        ForkedChild.reapEnded().map { worker in
            if case .killed = worker.ending { return (worker.pid, true, worker.ending.description) }
            return (worker.pid, false, worker.ending.description)
        }
    }

    /// The corresponding C function is `usleep`.
    public func pauseAfterIdleWorker() {
        usleep(Self.idlePauseMicroseconds)
    }
}
