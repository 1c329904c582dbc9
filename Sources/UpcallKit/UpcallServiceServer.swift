import Logging
import SMB3ProcFS
import UpcallRelay

/// A key the upcall service handles for the handler that holds it: the description it sent,
/// and the reply (instantiate or negate) the upcall leads to. A class: the upcall's system
/// records the reply in it, and the worker reads it after the upcall.
public final class RelayedKey {
    public let serial: Int32
    public let description: String
    public var reply: UpcallServiceReply?

    public init(serial: Int32, description: String) {
        self.serial = serial
        self.description = description
    }
}

/// One accepted connection from a handler, in the worker that serves it.
public protocol UpcallServiceConnection {
    /// Waits at most `timeoutSeconds` for the request; nil if the peer closed without one.
    func receiveRequest(timeoutSeconds: Int, limit: Int) throws -> [UInt8]?
    func send(_ message: [UInt8]) throws
    /// What the kernel says about the connected process (SO_PEERCRED, its pidfd, /proc).
    func inspectPeer() -> UpcallServiceGate.Peer
}

/// What a worker needs from the system besides its connection.
public protocol UpcallServiceHost {
    associatedtype Connection: UpcallServiceConnection
    associatedtype System: UpcallSystem
    /// A bit for each capability the running kernel knows.
    func allCapabilities() -> UInt64
    /// What keyctl says of the key now (the kernel's description, not the request's).
    func describeKey(_ serial: Int32) -> String?
    /// The key's `/proc/keys` line.
    func procKeysEntry(_ serial: Int32) -> ProcKeyEntry?
    /// The system the relayed upcall runs against: its key operations go to `key`, and it keeps
    /// `connection` open when it closes descriptors before joining namespaces.
    func upcallSystem(relaying key: RelayedKey, over connection: Connection) -> System
    /// The logger of one request's upcall (debug detail if the handler ran with `-d`).
    func upcallLogger(debug: Bool) -> Logger
}

/// `smb3-upcall --serve`'s worker: checks the peer, then one request, one upcall, one reply.
public struct UpcallServiceWorker<Host: UpcallServiceHost> {
    /// How long a connected handler may take to send its request.
    public static var requestTimeoutSeconds: Int { 10 }

    public let host: Host
    /// The service's own options (its command line): they, not the handler's, decide paths and
    /// credential choices (UpcallServiceGate).
    public let options: UpcallOptions
    public let logger: Logger

    public init(host: Host, options: UpcallOptions, logger: Logger) {
        self.host = host
        self.options = options
        self.logger = logger
    }

    /// Serves one connection; the exit status (0: the key was instantiated) is for the journal.
    public func serve(_ connection: Host.Connection) -> Int32 {
        // The request is read first even from a peer about to be refused, so that it gets the
        // refusal rather than a reset connection.
        let bytes: [UInt8]?
        do {
            bytes = try connection.receiveRequest(
                timeoutSeconds: Self.requestTimeoutSeconds, limit: UpcallServiceRequest.maximumSize)
        } catch {
            logger.error("cannot read an upcall request: \(error)")
            return 1
        }
        guard let bytes else { return 1 }
        let peer = connection.inspectPeer()
        if let why = UpcallServiceGate.refusal(of: peer, allCapabilities: host.allCapabilities()) {
            return refuse(connection, peer: peer, why: why)
        }
        let request: UpcallServiceRequest
        do {
            request = try UpcallServiceRequest(decoding: bytes)
        } catch {
            logger.error("bad upcall request from pid \(peer.pid): \(error)")
            return 1
        }
        let described = host.describeKey(request.keySerial)
        let entry = host.procKeysEntry(request.keySerial)
        if let why = UpcallServiceGate.refusal(of: request, described: described, entry: entry) {
            return refuse(connection, peer: peer, why: why)
        }
        let (upcallOptions, ignored) = UpcallServiceGate.options(for: request, service: options)
        var upcallLogger = host.upcallLogger(debug: request.debug)
        upcallLogger[metadataKey: "upcall.via"] = "service"
        if !ignored.isEmpty {
            upcallLogger.notice(
                "the handler's \(ignored.joined(separator: ", ")) differ from the service's and are not used: set them on smb3-upcall --serve (systemctl edit smb3-upcall.service)"
            )
        }
        let key = RelayedKey(serial: request.keySerial, description: request.keyDescription)
        var upcall = Upcall(
            system: host.upcallSystem(relaying: key, over: connection), options: upcallOptions, logger: upcallLogger)
        let failure = upcall.handle(keySerial: request.keySerial)
        let reply = key.reply ?? .negate(timeoutSeconds: upcallOptions.negativeTimeoutSeconds)
        do {
            try connection.send(reply.encoded())
        } catch {
            upcallLogger.error("cannot reply to the handler of key \(request.keySerial): \(error)")
            return 1
        }
        return failure == nil ? 0 : 1
    }

    /// One warning line with the peer's pid and why, and the refusal (no key material).
    private func refuse(_ connection: Host.Connection, peer: UpcallServiceGate.Peer, why: String) -> Int32 {
        logger.warning("refused an upcall request from pid \(peer.pid): \(why)", metadata: ["peer.pid": "\(peer.pid)"])
        try? connection.send(UpcallServiceReply.refused.encoded())
        return 1
    }
}

/// The pre-forked workers of the upcall service, as the server loop sees them.
public protocol UpcallWorkerPool {
    associatedtype Connection
    associatedtype Failure: Error
    /// Starts a worker that waits for one connection and then runs `serve` with it (or with why
    /// accepting failed), and returns once the worker has a connection (true) or has ended
    /// without one (false). `serve`'s result is the worker's exit status.
    func startWorker(_ serve: (Result<Connection, Failure>) -> Int32) throws -> Bool
    /// The workers that have ended since the last call, without waiting: pid, whether a signal
    /// killed it, and how it ended in words.
    func reapEndedWorkers() -> [(pid: Int32, killed: Bool, ending: String)]
    /// Waits a moment before the next worker, so that one that keeps ending without a
    /// connection (EMFILE, say) does not make the server spin.
    func pauseAfterIdleWorker()
}

/// `smb3-upcall --serve`'s loop: one worker waits in accept ahead of demand; as soon as it has a
/// connection the server starts the next, so no upcall waits for a fork.
public struct UpcallServiceLoop<Pool: UpcallWorkerPool> {
    public let pool: Pool
    public let logger: Logger

    public init(pool: Pool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    public func run(serving serve: (Pool.Connection) -> Int32) -> Never {
        while true { step(serving: serve) }
    }

    /// Starts one worker, and reports the workers that have ended meanwhile.
    public func step(serving serve: (Pool.Connection) -> Int32) {
        let started: Bool
        do {
            started = try pool.startWorker { accepted in
                switch accepted {
                case .success(let connection): return serve(connection)
                case .failure(let error):
                    logger.error("\(error)")
                    return 1
                }
            }
        } catch {
            logger.error("\(error)")
            started = false
        }
        // A crash is worth a line; a refusal or failure has logged itself.
        for worker in pool.reapEndedWorkers() where worker.killed {
            logger.error("upcall worker \(worker.pid) \(worker.ending)")
        }
        if !started { pool.pauseAfterIdleWorker() }
    }
}
