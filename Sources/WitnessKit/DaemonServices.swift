import Logging
import SMB3Protocol
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The registrations as a service: on graceful shutdown (SIGTERM) every registration is
/// unregistered, and the service ends when the last one has.
public struct RegistryService: Service, CustomStringConvertible {
    let registry: WitnessRegistry
    let logger: Logger
    let stopping: @Sendable () -> Void

    public var description: String { "RegistryService" }

    public init(registry: WitnessRegistry, logger: Logger, stopping: @escaping @Sendable () -> Void) {
        self.registry = registry
        self.logger = logger
        self.stopping = stopping
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await registry.run()
        } onGracefulShutdown: {
            stopping()
            logger.info("stopping: unregistering every registration, then exiting")
            registry.shutdown()
        }
    }
}

/// SIGHUP: `reload` runs once per signal, in order, until graceful shutdown.
public struct ReloadService: Service, CustomStringConvertible {
    let reload: @Sendable () async -> Void

    public var description: String { "ReloadService" }

    public init(reload: @escaping @Sendable () async -> Void) { self.reload = reload }

    public func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            await reload()
        }
    }
}

/// That the daemon did some work (a registration came or went, an event was forwarded), for
/// `FilePagesService`: `note()` is cheap and never blocks.
public final class ActivitySignal: Sendable {
    private let generation = Mutex<UInt64>(0)
    private let notes: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init() {
        // One buffered note is enough: the service only needs "something happened since".
        (notes, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func note() {
        generation.withLock { $0 &+= 1 }
        continuation.yield()
    }

    /// How many notes so far (wrapping): equal values mean nothing happened in between.
    var current: UInt64 { generation.withLock { $0 } }

    var stream: AsyncStream<Void> { notes }
}

/// Hands back the file pages (program text and read-only data) that a burst of work touched:
/// once start-up is over (`startupDelay` after the services started), then after each burst
/// of activity, once `quiet` has passed with none. The kernel maps 64 KiB around every page
/// faulted in, so a burst leaves megabytes mapped that the idle daemon does not use; the pages
/// stay in the page cache, and the next burst maps what it runs again with minor faults.
/// The same burst leaves free chunks inside malloc's heap, given back at the same time. While
/// nothing happens the service waits without waking. `release` says what it gave back (the
/// platform's ProcessMemory.releaseCleanFilePages and trimMallocHeap).
public struct FilePagesService: Service, CustomStringConvertible {
    public struct Released: Hashable, Sendable {
        public var fileKiB: UInt64
        public var mappings: Int
        public var heapKiB: UInt64

        public init(fileKiB: UInt64, mappings: Int, heapKiB: UInt64) {
            self.fileKiB = fileKiB
            self.mappings = mappings
            self.heapKiB = heapKiB
        }
    }

    let startupDelay: Duration
    let quiet: Duration
    let activity: ActivitySignal
    let logger: Logger
    let release: @Sendable () throws -> Released
    /// The file pages alone, unmeasured: after the log line (the heap was just trimmed).
    let releaseFilePages: @Sendable () throws -> Void
    /// Task.sleep; tests pass a clock they step by hand.
    let sleep: @Sendable (Duration) async throws -> Void

    public var description: String { "FilePagesService" }

    public init(
        startupDelay: Duration, quiet: Duration, activity: ActivitySignal, logger: Logger,
        releaseFilePages: @escaping @Sendable () throws -> Void,
        release: @escaping @Sendable () throws -> Released
    ) {
        self.init(
            startupDelay: startupDelay, quiet: quiet, activity: activity, logger: logger,
            sleep: { try await Task.sleep(for: $0) }, releaseFilePages: releaseFilePages, release: release)
    }

    init(
        startupDelay: Duration, quiet: Duration, activity: ActivitySignal, logger: Logger,
        sleep: @escaping @Sendable (Duration) async throws -> Void,
        releaseFilePages: @escaping @Sendable () throws -> Void,
        release: @escaping @Sendable () throws -> Released
    ) {
        self.startupDelay = startupDelay
        self.quiet = quiet
        self.activity = activity
        self.logger = logger
        self.sleep = sleep
        self.release = release
        self.releaseFilePages = releaseFilePages
    }

    public func run() async throws {
        // Made before the first release: its first use instantiates generic metadata, which
        // runs much of the runtime's code.
        var notes = activity.stream.cancelOnGracefulShutdown().makeAsyncIterator()
        guard await sleepUnlessShuttingDown(startupDelay) else { return }
        releaseAndLog(what: "start-up pages")
        var releasedAt = activity.current
        while await notes.next() != nil {
            // A note from before the last release is already covered by it.
            guard activity.current != releasedAt else { continue }
            // Quiet: a whole `quiet` with no note.
            var seen = activity.current
            while true {
                guard await sleepUnlessShuttingDown(quiet) else { return }
                let now = activity.current
                if now == seen { break }
                seen = now
            }
            releasedAt = seen
            releaseAndLog(what: "file pages after activity")
        }
    }

    /// False when graceful shutdown came first.
    private func sleepUnlessShuttingDown(_ duration: Duration) async -> Bool {
        do {
            try await cancelWhenGracefulShutdown { try await sleep(duration) }
            return true
        } catch {
            return false
        }
    }

    private func releaseAndLog(what: String) {
        do {
            let released = try release()
            logger.info(
                "released \(released.fileKiB) KiB of \(what) in \(released.mappings) file mappings and \(released.heapKiB) KiB of free heap"
            )
            // Measuring what went and writing this line ran code (the smaps parser, formatting,
            // the log handler) that the idle daemon never runs: it goes too.
            try? releaseFilePages()
        } catch {
            logger.warning("could not release \(what): \(error)")
        }
    }
}

/// One accepted control-socket connection.
public protocol ControlConnection: AnyObject, Sendable {
    /// The request line (without its newline), nil at end of stream.
    func readRequestLine() async throws -> String?
    /// False once the peer has gone; with `nonBlocking`, also when it does not read.
    @discardableResult func write(_ text: String, nonBlocking: Bool) -> Bool
}

/// The listening control socket.
public protocol ControlListener: Sendable {
    /// The next connection; throws CancellationError when the task is cancelled.
    func accept() async throws -> any ControlConnection
}

/// The control socket's requests: one line each.
public enum ControlRequest: String, Sendable, CaseIterable {
    case status, statusJSON = "status-json", metrics, events
}

/// A control-socket line: one of the fixed requests, or an admin move with its arguments
/// (`move ID|all ADDRESS [json]`, `drain ADDRESS [json]`). The reply to a move ends with
/// `exit-status N`; in text, lines about what could not be done start with `! `.
public enum ControlCommand: Hashable, Sendable {
    case request(ControlRequest)
    case move(AdminMove.Target, to: String, json: Bool)
    case drain(String, json: Bool)

    public static let exitStatusPrefix = "exit-status "
    public static let failurePrefix = "! "

    public init?(line: String) {
        if let request = ControlRequest(rawValue: line) {
            self = .request(request)
            return
        }
        var words = line.split(separator: " ").map(String.init)
        let json = words.last == "json"
        if json { words.removeLast() }
        switch (words.first, words.count) {
        case ("move", 3):
            guard let target = AdminMove.Target(words[1]) else { return nil }
            self = .move(target, to: words[2], json: json)
        case ("drain", 2):
            self = .drain(words[1], json: json)
        default:
            return nil
        }
    }

    /// The line the CLI sends.
    public var line: String {
        switch self {
        case .request(let request): request.rawValue
        case .move(let target, let address, let json): "move \(target) \(address)" + (json ? " json" : "")
        case .drain(let address, let json): "drain \(address)" + (json ? " json" : "")
        }
    }
}

/// Answers `status`, `status-json`, `metrics` and `events` on the control socket; each
/// connection is a child task.
public struct ControlService: Service, CustomStringConvertible {
    let listener: any ControlListener
    let registry: WitnessRegistry
    let events: EventFanOut

    public var description: String { "ControlService" }

    public init(listener: any ControlListener, registry: WitnessRegistry, events: EventFanOut) {
        self.listener = listener
        self.registry = registry
        self.events = events
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingDiscardingTaskGroup { group in
                while true {
                    let connection: any ControlConnection
                    do {
                        connection = try await listener.accept()
                    } catch is CancellationError {
                        return  // graceful shutdown: a clean end, not a failure of the group
                    }
                    group.addTask { await serve(connection) }
                }
            }
        }
    }

    func serve(_ connection: any ControlConnection) async {
        guard let line = try? await connection.readRequestLine(), let command = ControlCommand(line: line) else {
            connection.write(
                "error: unknown request (status, status-json, metrics, events, move ID|all ADDRESS, drain ADDRESS)\n",
                nonBlocking: false)
            return
        }
        switch command {
        case .request(let request):
            connection.write(reply(to: request) ?? "", nonBlocking: false)
            if request == .events { events.addFollower(connection) }
        case .move(let target, let address, let json):
            connection.write(Self.render(await registry.move(target, to: address), json: json), nonBlocking: false)
        case .drain(let address, let json):
            connection.write(Self.render(await registry.drain(address), json: json), nonBlocking: false)
        }
    }

    /// A move's reply: the report, then the exit status the CLI takes.
    static func render(_ report: AdminMoveReport, json: Bool) -> String {
        var text: String
        if json {
            text = report.encodedJSON.rendered() + "\n"
        } else {
            text = report.lines.map { ($0.failure ? ControlCommand.failurePrefix : "") + $0.text + "\n" }.joined()
        }
        return text + ControlCommand.exitStatusPrefix + (report.succeeded ? "0" : "1") + "\n"
    }

    /// The answer to a request; nil for `events`, which follows instead.
    func reply(to request: ControlRequest) -> String? {
        switch request {
        case .status: registry.statusText()
        case .statusJSON: registry.statusJSON().rendered() + "\n"
        case .metrics: registry.metricsText()
        case .events: nil
        }
    }
}

/// A file that takes whole lines (the events file, JSON lines).
public protocol EventLineFile: Sendable {
    func appendLine(_ line: String) throws
}

/// Fans events out to the log (one structured entry each), the JSON-lines file and the
/// control-socket followers.
public final class EventFanOut: WitnessEventSink {
    let logger: Logger
    private struct Outputs {
        var file: (any EventLineFile)?
        var followers: [any ControlConnection] = []
    }

    private let outputs = Mutex(Outputs())
    private let activity: ActivitySignal?

    /// `activity` is noted with every event.
    public init(logger: Logger, activity: ActivitySignal? = nil) {
        self.logger = logger
        self.activity = activity
    }

    public func setEventsFile(_ file: (any EventLineFile)?) { outputs.withLock { $0.file = file } }

    public func addFollower(_ connection: any ControlConnection) {
        outputs.withLock { $0.followers.append(connection) }
    }

    public func record(_ event: WitnessEvent) {
        activity?.note()
        let level: Logger.Level =
            switch event.kind {
            case .registrationFailed: .warning
            case .resourceChange, .clientMove, .shareMove, .ipChange, .serverDropped: .notice
            case .registered, .unregistered: .info
            }
        logger.log(level: level, "\(event.message)", metadata: event.logMetadata)
        let line = event.json.rendered()
        let (file, followers) = outputs.withLock { ($0.file, $0.followers) }
        if let file {
            do { try file.appendLine(line) } catch { logger.warning("events file: \(error)") }
        }
        // A follower that stops reading is dropped rather than allowed to stall the worker.
        let gone = followers.filter { !$0.write(line + "\n", nonBlocking: true) }
        if !gone.isEmpty {
            outputs.withLock { outputs in outputs.followers.removeAll { follower in gone.contains { $0 === follower } }
            }
        }
    }
}
