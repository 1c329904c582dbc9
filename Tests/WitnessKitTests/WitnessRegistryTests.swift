import Logging
import Synchronization
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// A platform whose network always refuses: workers go straight into their retry loop, which
/// is enough to test the registry's bookkeeping without a server.
final class RefusingPlatform: WitnessPlatform {
    let connects = Mutex<[String]>([])
    struct Refused: Error {}

    func connect(address: String, port: UInt16, timeoutSeconds: Int32) async throws -> any RPCByteStream {
        connects.withLock { $0.append("\(address):\(port)") }
        throw Refused()
    }
    func notifyKernel(_ notify: SWNNotify) async throws -> Int32 { 0 }
    func abortKernelConnections(to address: SWNSocketAddress) async throws -> InetDiag.AbortReport {
        InetDiag.AbortReport(aborted: 0)
    }
    func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext {
        connects.withLock { $0.append("krb5 \(target.service)@\(target.host)") }
        throw Refused()
    }
    func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
        sleepingTimer(after: seconds, action)
    }
    func randomBytes(_ count: Int) -> [UInt8] { Array(repeating: 7, count: count) }
    func monotonicSeconds() -> Double { 0 }
    func fileTime() -> UInt64 { 0 }
    func unixTime() -> Double { 1_700_000_000 }
    func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try body()
    }
}

extension Logger {
    /// Tests log nowhere (they never bootstrap the logging system).
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
}

/// Runs `body` with `registry` running (its workers are child tasks of `run()`), then shuts it
/// down and waits until every worker has finished.
func whileRunning(_ registry: WitnessRegistry, _ body: () async throws -> Void) async rethrows {
    let running = Task { await registry.run() }
    defer { running.cancel() }
    try await body()
    registry.shutdown()
    await running.value
}

final class CollectingSink: WitnessEventSink {
    let events = Mutex<[WitnessEvent]>([])
    func record(_ event: WitnessEvent) { events.withLock { $0.append(event) } }
    func kinds() -> [WitnessEvent.Kind] { events.withLock { $0.map(\.kind) } }
}

@Suite("WitnessRegistry")
struct WitnessRegistryTests {
    static func registration(
        id: UInt32 = 1, net: String = "witnesslab", ip: IPv4Address = IPv4Address(192, 0, 2, 12),
        credentials: SWNCredentials = .ntlm(user: "u", password: Secret(Array("pw".utf8)), domain: "")
    ) -> SWNRegistration {
        SWNRegistration(
            id: id, netName: net, shareName: "share", address: SWNSocketAddress(host: .ipv4(ip), port: 445),
            ipNotify: true, credentials: credentials)
    }

    /// Waits for `condition`, with a generous deadline (30 s) for a loaded machine.
    func waitUntil(_ condition: () -> Bool) async {
        for _ in 0..<3000 where !condition() { try? await Task.sleep(for: .milliseconds(10)) }
    }

    @Test func repeatedRegisterIsCountedNotRestarted() async throws {
        let platform = RefusingPlatform()
        let sink = CollectingSink()
        var configuration = WitnessConfiguration()
        configuration.maximumBackoff = 1
        let registry = WitnessRegistry(
            configuration: configuration, clientName: "c", platform: platform, sink: sink, logger: .quiet)
        await whileRunning(registry) {
            registry.handle(.register(Self.registration()))
            registry.handle(.register(Self.registration()))
            registry.handle(.register(Self.registration()))
            await waitUntil { sink.kinds().contains(.registrationFailed) }
            let status = registry.statusJSON().rendered()
            #expect(status.contains(#""kernelRepeats":2"#))
            // The endpoint mapper on the SMB server's address is the first thing tried.
            #expect(platform.connects.withLock { $0.first } == "192.0.2.12:135")
            #expect(sink.kinds().first == .registrationFailed)
            registry.handle(.unregister(Self.registration()))
            await waitUntil { sink.kinds().contains(.unregistered) }
            #expect(!registry.statusJSON().rendered().contains("registrationId"))
        }
    }

    @Test func changedAddressRestartsTheRegistration() async throws {
        let sink = CollectingSink()
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: RefusingPlatform(), sink: sink,
            logger: .quiet)
        await whileRunning(registry) {
            registry.handle(.register(Self.registration()))
            registry.handle(.register(Self.registration(ip: IPv4Address(192, 0, 2, 11))))
            await waitUntil { sink.kinds().contains(.unregistered) }
            let status = registry.statusJSON().rendered()
            #expect(status.contains(#""serverAddress":"192.0.2.11""#))
            #expect(status.contains(#""kernelRepeats":0"#))
        }
    }

    @Test func addressLiteralsAreReportedUnsupported() async throws {
        let platform = RefusingPlatform()
        let sink = CollectingSink()
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: platform, sink: sink, logger: .quiet)
        registry.handle(.register(Self.registration(id: 2, net: "192.0.2.12")))
        let status = registry.statusJSON().rendered()
        #expect(status.contains(#""state":"unsupported""#))
        #expect(status.contains("mounted by address"))
        // Nothing runs the registry: a worker could not connect even if it wanted to; what is
        // checked is that no connection was attempted while handling REGISTER.
        #expect(platform.connects.withLock { $0.isEmpty })
        #expect(registry.metricsText().contains(#"smb3_witnessd_registrations{state="unsupported"} 1"#))
    }

    /// KRB_AUTH carries no identity: the worker authenticates with krb5 to
    /// `<krb5_service>@<net name>` with the configured credentials, at the configured level.
    @Test func kerberosMountsUseTheDaemonsOwnIdentity() throws {
        var configuration = WitnessConfiguration()
        configuration.kerberosService = "host"
        configuration.authLevel = .integrity
        configuration.kerberosCredentials = KerberosClientCredentials(principal: "w@TEST.LAN", clientKeytab: "/k")
        let registry = WitnessRegistry(
            configuration: configuration, clientName: "c", platform: RefusingPlatform(), sink: CollectingSink(),
            logger: .quiet)
        registry.handle(.register(Self.registration(id: 1, credentials: .kerberos)))
        let status = registry.statusJSON().rendered()
        #expect(status.contains(#""authentication":"krb5""#))
        #expect(!status.contains(#""state":"unsupported""#))
        registry.shutdown()

        let worker = RegistrationWorker(
            registration: Self.registration(credentials: .kerberos), credentials: .kerberos,
            configuration: configuration,
            clientName: "c", platform: RefusingPlatform(), onEvent: { _ in })
        let authentication = try worker.authentication()
        guard case .kerberos(let target) = authentication.method else {
            Issue.record("expected krb5, got \(authentication.method)")
            return
        }
        #expect(
            target
                == KerberosTarget(service: "host", host: "witnesslab", credentials: configuration.kerberosCredentials))
        #expect(authentication.level == .integrity)
    }

    /// The REGISTER's plaintext password is zeroed once the hash exists (repeats too), and the
    /// worker's NT hash when it stops.
    @Test func passwordAndHashAreWiped() async throws {
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: RefusingPlatform(),
            sink: CollectingSink(), logger: .quiet)
        let first = Secret(Array("pw".utf8))
        let repeated = Secret(Array("pw".utf8))
        registry.handle(.register(Self.registration(id: 1, credentials: .ntlm(user: "u", password: first, domain: ""))))
        registry.handle(
            .register(Self.registration(id: 1, credentials: .ntlm(user: "u", password: repeated, domain: ""))))
        #expect(first.count == 0 && repeated.count == 0)
        registry.shutdown()

        let ntlm = NTLMCredentials(userName: "u", domainName: "", password: "pw")
        let worker = RegistrationWorker(
            registration: Self.registration(), credentials: .ntlm(ntlm), configuration: WitnessConfiguration(),
            clientName: "c", platform: RefusingPlatform(), onEvent: { _ in })
        #expect(ntlm.ntHash.count == 16)
        worker.stop(reason: "test")
        await worker.run()
        #expect(ntlm.ntHash.count == 0)
    }

    @Test func noPasswordInStatusOrEvents() async throws {
        let sink = CollectingSink()
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: RefusingPlatform(), sink: sink,
            logger: .quiet)
        await whileRunning(registry) {
            registry.handle(
                .register(
                    Self.registration(
                        credentials: .ntlm(user: "u", password: Secret(Array("S3cretPW".utf8)), domain: "D"))))
            await waitUntil { !sink.kinds().isEmpty }
            #expect(!registry.statusJSON().rendered().contains("S3cretPW"))
            #expect(!registry.statusText().contains("S3cretPW"))
        }
        #expect(
            sink.events.withLock {
                $0.allSatisfy { !$0.json.rendered().contains("S3cretPW") && !$0.message.contains("S3cretPW") }
            })
    }
}

@Suite("Witness interface choice")
struct WitnessInterfacePolicyTests {
    static func interface(_ last: UInt8, state: UInt16 = 1, flags: UInt32) throws -> WitnessInterface {
        var stub = [UInt8](repeating: 0, count: 520) + [0, 0, 2, 0] + [UInt8(state & 0xFF), UInt8(state >> 8), 0, 0]
        stub += [192, 0, 2, last] + [UInt8](repeating: 0, count: 16) + [UInt8(flags & 0xFF), 0, 0, 0]
        let response = [0, 0, 2, 0, 1, 0, 0, 0, 4, 0, 2, 0, 1, 0, 0, 0] + stub + [0, 0, 0, 0]
        return try #require(try WitnessResponse.interfaceList(response).interfaces.first)
    }

    @Test func prefersAWitnessInterfaceOnAnotherNode() throws {
        let list = [
            try Self.interface(12, flags: 5), try Self.interface(11, flags: 5), try Self.interface(13, flags: 1),
        ]
        #expect(WitnessInterfacePolicy.strict.choose(from: list, serverAddress: "192.0.2.12") == "192.0.2.11")
    }

    @Test func singleNodeClusterNeedsTheFallback() throws {
        // What Samba's single node answers: two available interfaces, neither INTERFACE_WITNESS.
        let list = [try Self.interface(11, flags: 1), try Self.interface(12, flags: 1)]
        #expect(WitnessInterfacePolicy.strict.choose(from: list, serverAddress: "192.0.2.12") == nil)
        #expect(WitnessInterfacePolicy.anyAvailable.choose(from: list, serverAddress: "192.0.2.12") == "192.0.2.11")
        #expect(WitnessInterfacePolicy.serverAddress.choose(from: list, serverAddress: "192.0.2.12") == "192.0.2.12")
    }

    @Test func unavailableInterfacesAreSkipped() throws {
        let list = [try Self.interface(11, state: 0xFF, flags: 5), try Self.interface(12, flags: 1)]
        #expect(WitnessInterfacePolicy.anyAvailable.choose(from: list, serverAddress: "192.0.2.12") == "192.0.2.12")
    }
}

@Suite("WitnessRegistry, repeats of unsupported registrations")
struct WitnessRegistryRepeatTests {
    @Test func anUnsupportedRegistrationIsReportedOnce() async throws {
        let sink = CollectingSink()
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: RefusingPlatform(), sink: sink,
            logger: .quiet)
        for _ in 0..<3 { registry.handle(.register(WitnessRegistryTests.registration(net: "192.0.2.12"))) }
        #expect(sink.kinds() == [.registrationFailed])
        #expect(registry.statusJSON().rendered().contains(#""kernelRepeats":2"#))
    }
}
