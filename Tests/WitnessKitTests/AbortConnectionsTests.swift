import Logging
import Synchronization
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// Records what the worker asks of the kernel: NOTIFY is accepted, aborts are counted.
final class RecordingPlatform: WitnessPlatform {
    let aborts = Mutex<[SWNSocketAddress]>([])
    let notifies = Mutex<[SWNNotify]>([])
    let kernelResult: Int32
    let abortReport: InetDiag.AbortReport
    /// The monotonic clock, set by tests.
    let clock = Mutex<Double>(0)

    init(kernelResult: Int32 = 0, abortReport: InetDiag.AbortReport = InetDiag.AbortReport(aborted: 1)) {
        self.kernelResult = kernelResult
        self.abortReport = abortReport
    }

    func connect(address: String, port: UInt16, timeoutSeconds: Int32) async throws -> any RPCByteStream {
        throw RefusingPlatform.Refused()
    }
    func notifyKernel(_ notify: SWNNotify) async throws -> Int32 {
        notifies.withLock { $0.append(notify) }
        return kernelResult
    }
    func abortKernelConnections(to address: SWNSocketAddress) async throws -> InetDiag.AbortReport {
        aborts.withLock { $0.append(address) }
        return abortReport
    }
    func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext {
        throw RefusingPlatform.Refused()
    }
    func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        sleepingTimer(after: seconds, action)
    }
    func randomBytes(_ count: Int) -> [UInt8] { Array(repeating: 1, count: count) }
    func monotonicSeconds() -> Double { clock.withLock { $0 } }
    func fileTime() -> UInt64 { 0 }
    func unixTime() -> Double { 0 }
    func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try body()
    }
}

@Suite("abort_connections: cifs.ko reconnects at once after a move")
struct AbortConnectionsTests {
    static let move = WitnessNotification(
        type: .clientMove,
        messages: [.addresses([.init(flags: [.ipv4, .online], ipv4: IPv4Address(192, 0, 2, 11), ipv6: nil)])])

    func forward(
        _ notification: WitnessNotification, configuration: WitnessConfiguration = WitnessConfiguration(),
        platform: RecordingPlatform = RecordingPlatform(), limiter: AbortRateLimiter = AbortRateLimiter()
    ) async -> (WitnessEvent?, RecordingPlatform) {
        let events = Mutex<[WitnessEvent]>([])
        let worker = RegistrationWorker(
            registration: WitnessRegistryTests.registration(), credentials: nil, configuration: configuration,
            clientName: "c", platform: platform, abortLimiter: limiter,
            onEvent: { event in events.withLock { $0.append(event) } })
        await worker.forward(notification, receivedAt: 0, receivedTime: 0, witness: "192.0.2.11")
        return (events.withLock { $0.last }, platform)
    }

    @Test func anAcceptedMoveAbortsTheConnectionsToTheOldAddress() async throws {
        let (event, platform) = await forward(Self.move)
        #expect(
            platform.aborts.withLock { $0 } == [SWNSocketAddress(host: .ipv4(IPv4Address(192, 0, 2, 12)), port: 445)])
        #expect(event?.abortedConnections == 1)
        #expect(event?.json.rendered().contains(#""abortedConnections":1"#) == true)
        #expect(event?.message.contains("aborted 1 connection(s) to 192.0.2.12") == true)
    }

    @Test func aConnectionTheKernelClosedFirstIsSaidSo() async {
        let (event, _) = await forward(
            Self.move, platform: RecordingPlatform(abortReport: InetDiag.AbortReport(aborted: 0)))
        #expect(event?.abortedConnections == 0 && event?.kernelResult == 0)
        #expect(
            event?.detail == "no connection to 192.0.2.12 was left to abort: the kernel had already closed it")
        let kept = await forward(
            Self.move, platform: RecordingPlatform(abortReport: InetDiag.AbortReport(aborted: 0, kept: 1)))
        #expect(kept.0?.detail == nil)
    }

    @Test func notWhenDisabledRefusedOrNotAReconnect() async {
        var off = WitnessConfiguration()
        off.abortConnections = false
        #expect(await forward(Self.move, configuration: off).1.aborts.withLock { $0.isEmpty })
        #expect(
            await forward(Self.move, platform: RecordingPlatform(kernelResult: 22)).1.aborts.withLock { $0.isEmpty })
        let available = WitnessNotification(
            type: .resourceChange, messages: [.resourceChange(.init(state: 1, name: "r"))])
        let (event, platform) = await forward(available)
        #expect(platform.aborts.withLock { $0.isEmpty } && event?.abortedConnections == nil)
        let unavailable = WitnessNotification(
            type: .resourceChange, messages: [.resourceChange(.init(state: 0xFF, name: "r"))])
        #expect(await forward(unavailable).1.aborts.withLock { $0.count } == 1)
    }

    @Test func theSettingParses() throws {
        #expect(try WitnessConfiguration(parsing: "abort_connections = no").abortConnections == false)
        #expect(WitnessConfiguration().abortConnections)
        #expect(throws: WitnessConfiguration.ParseError.self) {
            try WitnessConfiguration(parsing: "abort_connections = maybe")
        }
        #expect(WitnessConfiguration().abortInterval == 10)
        #expect(try WitnessConfiguration(parsing: "abort_interval = 30").abortInterval == 30)
        #expect(throws: WitnessConfiguration.ParseError.self) {
            try WitnessConfiguration(parsing: "abort_interval = 0")
        }
    }

    @Test func processConnectionsLeftAloneAreReported() async throws {
        let platform = RecordingPlatform(abortReport: InetDiag.AbortReport(aborted: 1, kept: 2))
        let event = try #require(await forward(Self.move, platform: platform).0)
        #expect(event.abortedConnections == 1 && event.keptConnections == 2)
        #expect(event.json.rendered().contains(#""abortedConnections":1,"keptConnections":2"#))
        #expect(event.logMetadata["witness.kept_connections"] == "2")
        #expect(event.message.contains("left 2 process connection(s) to 192.0.2.12 alone"))
        #expect(event.detail == nil)
        let hidden = RecordingPlatform(abortReport: InetDiag.AbortReport(aborted: 1, kept: 0, hiddenRootProcesses: 3))
        let warned = try #require(await forward(Self.move, platform: hidden).0)
        #expect(warned.detail?.contains("3 root process(es) hide their open files") == true)
        #expect(warned.message.contains("3 root process(es) hide their open files"))
    }

    /// A flood of accepted moves aborts at most once per abort_interval per registration; the
    /// limit outlives the worker (the kernel re-registers the same id with its new address).
    @Test func abortsAreRateLimitedPerRegistration() async throws {
        let platform = RecordingPlatform()
        let limiter = AbortRateLimiter()
        #expect(await forward(Self.move, platform: platform, limiter: limiter).0?.abortedConnections == 1)
        platform.clock.withLock { $0 = 9.5 }
        let limited = try #require(await forward(Self.move, platform: platform, limiter: limiter).0)
        #expect(platform.aborts.withLock { $0.count } == 1)
        #expect(limited.abortedConnections == nil && limited.forwarded && limited.kernelResult == 0)
        #expect(
            limited.detail == "did not abort the kernel's connections to 192.0.2.12: the last abort for this "
                + "registration was 9.5 s ago (abort_interval = 10)")
        platform.clock.withLock { $0 = 10 }
        #expect(await forward(Self.move, platform: platform, limiter: limiter).0?.abortedConnections == 1)
        #expect(platform.aborts.withLock { $0.count } == 2)
        // Another registration has its own limit.
        #expect(limiter.lastAbortIfTooRecent(registrationID: 2, now: 10, interval: 10) == nil)
        #expect(limiter.lastAbortIfTooRecent(registrationID: 2, now: 11, interval: 10) == 10)
        // A longer interval from the configuration.
        var slow = WitnessConfiguration()
        slow.abortInterval = 60
        platform.clock.withLock { $0 = 50 }
        #expect(
            await forward(Self.move, configuration: slow, platform: platform, limiter: limiter).0?.abortedConnections
                == nil)
        platform.clock.withLock { $0 = 70 }
        #expect(
            await forward(Self.move, configuration: slow, platform: platform, limiter: limiter).0?.abortedConnections
                == 1)
    }
}
