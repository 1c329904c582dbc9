import SMB3System
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// What one registration costs in malloc'd bytes while it is registered and its AsyncNotify is
/// pending (the daemon's steady state), through the registry, the worker, the machine and
/// RPCConnection, with the quiet fake cluster (krb5 at integrity, FakeKerberosContext; the fake
/// stream stands where EventLoopTCPStream is). The figures are printed, not checked: they are
/// meaningful only when nothing else runs (`swift test --no-parallel --filter RegistrationMemory`),
/// and a debug build's async frames are larger than a release build's.
@Suite("RegistrationMemory")
struct RegistrationMemoryTests {
    /// Registrations measured, after `warmUp` more that pay for first-use allocations.
    static let measured = 200
    static let warmUp = 20

    @Test func bytesPerRegistration() async throws {
        let server = FakeWitnessServer(quiet: true)
        var configuration = WitnessConfiguration()
        configuration.authLevel = .integrity
        let registry = WitnessRegistry(
            configuration: configuration, clientName: "c", platform: server, sink: CollectingSink(), logger: .quiet)
        let running = Task { await registry.run() }
        let settle = { () async -> Int in
            // The fake's replies are delivered by short-lived tasks: let them end before counting.
            try? await Task.sleep(for: .milliseconds(300))
            return ProcessMemory.mallocBytesInUse
        }
        await register(1...Self.warmUp, in: registry)
        let before = await settle()
        await register((Self.warmUp + 1)...(Self.warmUp + Self.measured), in: registry)
        let after = await settle()
        print("RegistrationMemory: \((after - before) / Self.measured) bytes malloc'd per registration")
        registry.shutdown()
        await running.value
        let ended = await settle()
        print(
            "RegistrationMemory: \((ended - before) / (Self.measured + Self.warmUp)) bytes per registration left after all ended"
        )
        #expect(registry.status().registrations.isEmpty)
    }

    /// NTLM (the mounts of the lab's benchmark): once auth3 is out, a connection's security state
    /// keeps the session (keys, RC4 states, sequence numbers) and not the exchange's messages.
    @Test func ntlmKeepsOnlyTheSessionAfterAuth3() throws {
        func authenticated() throws -> NTLMRPCSecurity {
            var security = NTLMRPCSecurity(
                credentials: NTLMCredentials(userName: "u", domainName: "d", password: "pw"), level: .privacy,
                workstation: "c")
            _ = try security.bindToken(platform: RecordingPlatform())
            _ = try security.auth3Token(
                bindAckToken: try NTLMWeakKeysTests.challenge(.clientDefault), headerSigning: false,
                platform: RecordingPlatform())
            return security
        }
        var kept: [NTLMRPCSecurity] = []
        kept.reserveCapacity(Self.measured)
        let before = ProcessMemory.mallocBytesInUse
        for _ in 0..<Self.measured { kept.append(try authenticated()) }
        print(
            "RegistrationMemory: \((ProcessMemory.mallocBytesInUse - before) / Self.measured) bytes per NTLM connection's security state"
        )
        let security = try #require(kept.first)
        #expect(security.session != nil)
        #expect(security.context.negotiateMessage == nil && security.context.challenge == nil)
        #expect(security.context.output == nil && security.context.sessionSecurity == nil)
    }

    /// Sends the kernel's REGISTER for `ids` and waits until each is registered with its
    /// AsyncNotify pending (the fake answers none).
    func register(_ ids: ClosedRange<Int>, in registry: WitnessRegistry) async {
        for id in ids {
            var registration = WitnessRegistryTests.registration(id: UInt32(id), credentials: .kerberos)
            registration.shareName = "share\(id)"
            registry.handle(.register(registration))
        }
        for _ in 0..<3000 {
            let registered = registry.status().registrations.filter { $0.state == "registered" }.count
            if registered >= ids.upperBound { return }
            try? await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("only some of \(ids.upperBound) registrations registered")
    }
}
