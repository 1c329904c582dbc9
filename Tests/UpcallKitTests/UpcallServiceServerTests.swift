import InMemoryLogging
import Logging
import SMB3ProcFS
import SMB3Protocol
import Testing
import UpcallRelay

@testable import UpcallKit

/// A handler's connection with a scripted request; records what the worker sends back.
final class FakeConnection: UpcallServiceConnection {
    var request: Result<[UInt8]?, UpcallServiceMessageError>
    var peer: UpcallServiceGate.Peer
    var sendFails = false
    var sent: [[UInt8]] = []
    var receives: [(timeout: Int, limit: Int)] = []

    init(
        request: Result<[UInt8]?, UpcallServiceMessageError>,
        peer: UpcallServiceGate.Peer = UpcallServiceGateTests.peer()
    ) {
        self.request = request
        self.peer = peer
    }

    func receiveRequest(timeoutSeconds: Int, limit: Int) throws -> [UInt8]? {
        receives.append((timeoutSeconds, limit))
        return try request.get()
    }

    func send(_ message: [UInt8]) throws {
        if sendFails { throw UpcallServiceMessageError.closed }
        sent.append(message)
    }

    func inspectPeer() -> UpcallServiceGate.Peer { peer }

    var replies: [UpcallServiceReply] { sent.compactMap { try? UpcallServiceReply(decoding: $0) } }
}

/// The worker's system: what keyctl and /proc/keys say, and the fake upcall system.
struct FakeHost: UpcallServiceHost {
    var described: String? = UpcallServiceGateTests.description
    var entry: ProcKeyEntry? = UpcallServiceGateTests.underConstruction
    let system = FakeSystem()
    let upcallLog = InMemoryLogHandler()

    func allCapabilities() -> UInt64 { UpcallServiceGateTests.allCapabilities }
    func describeKey(_ serial: Int32) -> String? { described }
    func procKeysEntry(_ serial: Int32) -> ProcKeyEntry? { entry }
    func upcallSystem(relaying key: RelayedKey, over connection: FakeConnection) -> FakeSystem {
        system.relayedKey = key
        return system
    }
    func upcallLogger(debug: Bool) -> Logger {
        var logger = Logger(label: "upcall") { _ in upcallLog }
        logger.logLevel = debug ? .debug : .info
        return logger
    }
}

@Suite("UpcallServiceWorker")
struct UpcallServiceWorkerTests {
    static func request(_ options: UpcallOptions = UpcallOptions()) -> [UInt8] {
        UpcallServiceRequest(
            keySerial: 42, keyDescription: UpcallServiceGateTests.description, options: options, debug: false
        ).encoded()
    }

    /// A host whose user has a ticket: the upcall succeeds.
    static func readyHost() -> FakeHost {
        let host = FakeHost()
        host.system.description = UpcallServiceGateTests.description
        host.system.defaultCache = CredentialCacheState(
            name: "FILE:/tmp/krb5cc_1000", principal: "u@TEST.LAN", hasUsableTicket: true)
        host.system.caches["FILE:/home/u/other_cc"] = host.system.defaultCache
        host.system.apResults["cifs/smb.test.lan"] = .success((UpcallTests.apRequest, UpcallTests.key, "u@TEST.LAN"))
        return host
    }

    static func serve(
        _ connection: FakeConnection, host: FakeHost, options: UpcallOptions = UpcallOptions()
    )
        -> (status: Int32, log: [InMemoryLogHandler.Entry])
    {
        let log = InMemoryLogHandler()
        let worker = UpcallServiceWorker(host: host, options: options, logger: Logger(label: "server") { _ in log })
        return (worker.serve(connection), log.entries)
    }

    @Test func theUpcallsPayloadIsTheReply() throws {
        let host = Self.readyHost()
        let connection = FakeConnection(request: .success(Self.request()))
        let (status, log) = Self.serve(connection, host: host)
        #expect(status == 0)
        #expect(log.isEmpty)
        let payload = try #require(host.system.instantiated)
        #expect(connection.replies == [.instantiate(payload: payload)])
        #expect(connection.receives.map(\.timeout) == [10])
        #expect(connection.receives.map(\.limit) == [UpcallServiceRequest.maximumSize])
        // The upcall's own lines say that it ran in the service.
        let success = try #require(host.upcallLog.entries.last)
        #expect(success.metadata["upcall.via"] == "service")
        #expect(success.metadata["key.serial"] == "42")
    }

    @Test func aFailedUpcallIsANegativeReply() {
        let host = FakeHost()
        host.system.description = UpcallServiceGateTests.description
        // The negative timeout is one of the handler's options the service follows.
        var options = UpcallOptions()
        options.negativeTimeoutSeconds = 9
        let connection = FakeConnection(request: .success(Self.request(options)))
        let (status, _) = Self.serve(connection, host: host)
        #expect(status == 1)
        #expect(connection.replies == [.negate(timeoutSeconds: 9)])
        #expect(host.upcallLog.entries.contains { $0.level == .error && $0.metadata["upcall.via"] == "service" })
    }

    @Test func aPeerThatMayNotAskIsRefusedWithoutAnUpcall() throws {
        let host = Self.readyHost()
        let connection = FakeConnection(
            request: .success(Self.request()), peer: UpcallServiceGateTests.peer(runsHandler: false))
        let (status, log) = Self.serve(connection, host: host)
        #expect(status == 1)
        #expect(connection.replies == [.refused])
        #expect(host.system.calls.isEmpty)
        let line = try #require(log.first)
        #expect(line.level == .warning)
        #expect("\(line.message)".hasPrefix("refused an upcall request from pid 77: it runs /usr/bin/python3.11"))
        #expect(line.metadata["peer.pid"] == "77")
    }

    @Test func aKeyNotWaitingForItsHandlerIsRefused() {
        var host = Self.readyHost()
        host.entry = nil
        let connection = FakeConnection(request: .success(Self.request()))
        let (status, log) = Self.serve(connection, host: host)
        #expect(status == 1)
        #expect(connection.replies == [.refused])
        #expect(
            log.map { "\($0.message)" } == [
                "refused an upcall request from pid 77: key 42 is not waiting for its handler"
            ])
        #expect(host.system.calls.isEmpty)
    }

    @Test func unreadableOrMissingOrBadRequestsGetNoReply() {
        for (request, logged) in [
            (Result<[UInt8]?, UpcallServiceMessageError>.failure(.closed), "cannot read an upcall request: "),
            (.success(nil), nil),
            (.success([1, 2, 3]), "bad upcall request from pid 77: "),
        ] {
            let host = Self.readyHost()
            let connection = FakeConnection(request: request)
            let (status, log) = Self.serve(connection, host: host)
            #expect(status == 1)
            #expect(connection.sent.isEmpty)
            #expect(host.system.calls.isEmpty)
            if let logged {
                #expect(log.count == 1 && log[0].level == .error && "\(log[0].message)".hasPrefix(logged))
            } else {
                #expect(log.isEmpty)
            }
        }
    }

    @Test func handlerOptionsTheServiceDoesNotFollowAreLogged() throws {
        let host = Self.readyHost()
        var options = UpcallOptions()
        options.keytab = "/tmp/other.keytab"
        let connection = FakeConnection(request: .success(Self.request(options)))
        let (status, _) = Self.serve(connection, host: host)
        #expect(status == 0)
        let notice = try #require(host.upcallLog.entries.first { $0.level == .notice })
        #expect("\(notice.message)".hasPrefix("the handler's "))
        #expect("\(notice.message)".hasSuffix("set them on smb3-upcall --serve (systemctl edit smb3-upcall.service)"))
    }

    @Test func aReplyThatCannotBeSentFailsTheWorker() {
        let host = Self.readyHost()
        let connection = FakeConnection(request: .success(Self.request()))
        connection.sendFails = true
        let (status, _) = Self.serve(connection, host: host)
        #expect(status == 1)
        #expect(
            host.upcallLog.entries.contains { "\($0.message)".hasPrefix("cannot reply to the handler of key 42: ") })
    }
}

/// Workers as the server loop sees them, scripted: what each start does, and who ended.
final class FakeWorkerPool: UpcallWorkerPool {
    struct ForkFailed: Error, CustomStringConvertible {
        var description: String { "fork: Resource temporarily unavailable" }
    }
    struct AcceptFailed: Error, CustomStringConvertible {
        var description: String { "accept: Too many open files (EMFILE)" }
    }
    enum Start { case connection(String), acceptFails, forkFails }

    var starts: [Start]
    var ended: [(pid: Int32, killed: Bool, ending: String)] = []
    var pauses = 0
    /// The exit status each worker's body returned.
    var statuses: [Int32] = []

    init(_ starts: [Start]) { self.starts = starts }

    func startWorker(_ serve: (Result<String, AcceptFailed>) -> Int32) throws -> Bool {
        switch starts.removeFirst() {
        case .forkFails: throw ForkFailed()
        case .acceptFails:
            statuses.append(serve(.failure(AcceptFailed())))
            return false
        case .connection(let name):
            statuses.append(serve(.success(name)))
            return true
        }
    }

    func reapEndedWorkers() -> [(pid: Int32, killed: Bool, ending: String)] {
        defer { ended = [] }
        return ended
    }

    func pauseAfterIdleWorker() { pauses += 1 }
}

@Suite("UpcallServiceLoop")
struct UpcallServiceLoopTests {
    @Test func aWorkerWithAConnectionServesItAndTheNextStartsAtOnce() {
        let pool = FakeWorkerPool([.connection("first")])
        let log = InMemoryLogHandler()
        var served: [String] = []
        UpcallServiceLoop(pool: pool, logger: Logger(label: "t") { _ in log }).step { connection in
            served.append(connection)
            return 0
        }
        #expect(served == ["first"])
        #expect(pool.statuses == [0])
        #expect(pool.pauses == 0)
        #expect(log.entries.isEmpty)
    }

    @Test func aWorkerWithoutAConnectionLogsWhyAndTheServerPauses() {
        let pool = FakeWorkerPool([.acceptFails])
        let log = InMemoryLogHandler()
        UpcallServiceLoop(pool: pool, logger: Logger(label: "t") { _ in log }).step { _ in 0 }
        #expect(pool.statuses == [1])
        #expect(pool.pauses == 1)
        #expect(log.entries.map { "\($0.message)" } == ["accept: Too many open files (EMFILE)"])
        #expect(log.entries.first?.level == .error)
    }

    @Test func aForkThatFailsIsLoggedAndTheServerPauses() {
        let pool = FakeWorkerPool([.forkFails])
        let log = InMemoryLogHandler()
        UpcallServiceLoop(pool: pool, logger: Logger(label: "t") { _ in log }).step { _ in 0 }
        #expect(pool.pauses == 1)
        #expect(log.entries.map { "\($0.message)" } == ["fork: Resource temporarily unavailable"])
    }

    @Test func onlyWorkersKilledByASignalAreReported() {
        let pool = FakeWorkerPool([.connection("a")])
        pool.ended = [
            (12, false, "exited with status 1"),
            (13, true, "was killed by signal 11 (Segmentation fault), core dumped"),
        ]
        let log = InMemoryLogHandler()
        UpcallServiceLoop(pool: pool, logger: Logger(label: "t") { _ in log }).step { _ in 0 }
        #expect(
            log.entries.map { "\($0.message)" } == [
                "upcall worker 13 was killed by signal 11 (Segmentation fault), core dumped"
            ])
        #expect(pool.pauses == 0)
    }
}
