import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

@Suite("Daemon services")
struct DaemonServicesTests {
    /// SIGTERM's path without a signal: graceful shutdown stops every registration (each
    /// reports `unregistered`) and the service returns once the last worker has finished.
    @Test func gracefulShutdownUnregistersEverything() async throws {
        let sink = CollectingSink()
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: RefusingPlatform(), sink: sink,
            logger: .quiet)
        let stopping = Mutex(false)
        let service = RegistryService(registry: registry, logger: .quiet) { stopping.withLock { $0 = true } }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                registry.handle(.register(WitnessRegistryTests.registration(id: 1)))
                registry.handle(.register(WitnessRegistryTests.registration(id: 2)))
                await waitUntil { sink.kinds().filter { $0 == .registrationFailed }.count == 2 }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(stopping.withLock { $0 })
        #expect(sink.kinds().filter { $0 == .unregistered }.count == 2)
        #expect(sink.events.withLock { $0.last?.detail } == "the daemon is stopping")
        // After shutdown a REGISTER starts nothing.
        registry.handle(.register(WitnessRegistryTests.registration(id: 3)))
        #expect(!registry.statusJSON().rendered().contains(#""registrationId":3"#))
    }

    /// SIGTERM ends the control service cleanly: a failing service would make the group (and
    /// the daemon's exit status) fail, and skip the registrations' UnRegister.
    @Test func theControlServiceEndsCleanlyOnGracefulShutdown() async throws {
        struct WaitingListener: ControlListener {
            func accept() async throws -> any ControlConnection {
                try await Task.sleep(for: .seconds(3600))
                throw CancellationError()
            }
        }
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: RefusingPlatform(),
            sink: CollectingSink(),
            logger: .quiet)
        let control = ControlService(
            listener: WaitingListener(), registry: registry, events: EventFanOut(logger: .quiet))
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await control.run() }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
    }

    /// The start-up page release runs once, after its delay, and the service ends; a failure
    /// is logged and ends it too. Shut down before the delay, it releases nothing.
    @Test func startupPagesAreReleasedOnceAfterTheDelay() async throws {
        let calls = Mutex(0)
        let service = StartupPagesService(after: .milliseconds(10), logger: .quiet) {
            calls.withLock { $0 += 1 }
            return (kibibytes: 4096, mappings: 3)
        }
        try await testGracefulShutdown { _ in try await service.run() }
        #expect(calls.withLock { $0 } == 1)
        struct Refused: Error {}
        try await StartupPagesService(after: .zero, logger: .quiet) { throw Refused() }.run()
        let early = StartupPagesService(after: .seconds(3600), logger: .quiet) {
            calls.withLock { $0 += 1 }
            return (kibibytes: 0, mappings: 0)
        }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await early.run() }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(calls.withLock { $0 } == 1)
    }

    /// The control socket's answers come from the registry; `events` follows instead.
    @Test func controlRequestsAreAnswered() {
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: RefusingPlatform(),
            sink: CollectingSink(),
            logger: .quiet)
        struct NoListener: ControlListener {
            func accept() async throws -> any ControlConnection { throw CancellationError() }
        }
        let control = ControlService(listener: NoListener(), registry: registry, events: EventFanOut(logger: .quiet))
        #expect(control.reply(to: .status) == "no witness registrations\n")
        #expect(control.reply(to: .statusJSON)?.hasPrefix(#"{"startedAt":"#) == true)
        #expect(control.reply(to: .metrics)?.contains("smb3_witnessd_events_total") == true)
        #expect(control.reply(to: .events) == nil)
        #expect(ControlRequest(rawValue: "status-json") == .statusJSON)
    }

    func waitUntil(_ condition: () -> Bool) async {
        for _ in 0..<3000 where !condition() { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
