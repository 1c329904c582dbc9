import Synchronization
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// Records what the worker asks of the kernel: NOTIFY is accepted, aborts are counted.
final class RecordingPlatform: WitnessPlatform {
    let aborts = Mutex<[SWNSocketAddress]>([])
    let notifies = Mutex<[SWNNotify]>([])
    let kernelResult: Int32

    init(kernelResult: Int32 = 0) { self.kernelResult = kernelResult }

    func connect(address: String, port: UInt16, timeoutSeconds: Int32) throws -> any RPCByteStream {
        throw RefusingPlatform.Refused()
    }
    func notifyKernel(_ notify: SWNNotify) throws -> Int32 {
        notifies.withLock { $0.append(notify) }
        return kernelResult
    }
    func abortKernelConnections(to address: SWNSocketAddress) throws -> Int {
        aborts.withLock { $0.append(address) }
        return 1
    }
    func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext {
        throw RefusingPlatform.Refused()
    }
    func randomBytes(_ count: Int) -> [UInt8] { Array(repeating: 1, count: count) }
    func monotonicSeconds() -> Double { 0 }
    func fileTime() -> UInt64 { 0 }
    func unixTime() -> Double { 0 }
    func spawn(name: String, _ body: @escaping @Sendable () -> Void) {}
}

@Suite("abort_connections: cifs.ko reconnects at once after a move")
struct AbortConnectionsTests {
    static let move = WitnessNotification(
        type: .clientMove,
        messages: [.addresses([.init(flags: [.ipv4, .online], ipv4: IPv4Address(192, 0, 2, 11), ipv6: nil)])])

    func forward(
        _ notification: WitnessNotification, configuration: WitnessConfiguration = WitnessConfiguration(),
        platform: RecordingPlatform = RecordingPlatform()
    ) -> (WitnessEvent?, RecordingPlatform) {
        let events = Mutex<[WitnessEvent]>([])
        let worker = RegistrationWorker(
            registration: WitnessRegistryTests.registration(), credentials: nil, configuration: configuration,
            clientName: "c", platform: platform, onEvent: { event in events.withLock { $0.append(event) } })
        worker.forward(notification, receivedAt: 0, witness: "192.0.2.11")
        return (events.withLock { $0.last }, platform)
    }

    @Test func anAcceptedMoveAbortsTheConnectionsToTheOldAddress() throws {
        let (event, platform) = forward(Self.move)
        #expect(platform.aborts.withLock { $0 } == [SWNSocketAddress(host: .ipv4(IPv4Address(192, 0, 2, 12)), port: 445)])
        #expect(event?.abortedConnections == 1)
        #expect(event?.json.rendered().contains(#""abortedConnections":1"#) == true)
        #expect(event?.message.contains("aborted 1 connection(s) to 192.0.2.12") == true)
    }

    @Test func notWhenDisabledRefusedOrNotAReconnect() {
        var off = WitnessConfiguration()
        off.abortConnections = false
        #expect(forward(Self.move, configuration: off).1.aborts.withLock { $0.isEmpty })
        #expect(forward(Self.move, platform: RecordingPlatform(kernelResult: 22)).1.aborts.withLock { $0.isEmpty })
        let available = WitnessNotification(
            type: .resourceChange, messages: [.resourceChange(.init(state: 1, name: "r"))])
        let (event, platform) = forward(available)
        #expect(platform.aborts.withLock { $0.isEmpty } && event?.abortedConnections == nil)
        let unavailable = WitnessNotification(
            type: .resourceChange, messages: [.resourceChange(.init(state: 0xFF, name: "r"))])
        #expect(forward(unavailable).1.aborts.withLock { $0.count } == 1)
    }

    @Test func theSettingParses() throws {
        #expect(try WitnessConfiguration(parsing: "abort_connections = no").abortConnections == false)
        #expect(WitnessConfiguration().abortConnections)
        #expect(throws: WitnessConfiguration.ParseError.self) { try WitnessConfiguration(parsing: "abort_connections = maybe") }
    }
}
