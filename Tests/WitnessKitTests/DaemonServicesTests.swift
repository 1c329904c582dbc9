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

    /// The file pages are released once start-up is over, then after each burst of activity
    /// once a whole quiet period has passed with no activity; never while idle, and a failure
    /// is logged and does not end the service. Each release is two calls (measured and logged,
    /// then the file pages alone once more for what measuring and logging mapped in); a failed
    /// one one call. Its sleeps are stepped by hand.
    @Test func filePagesAreReleasedAfterStartupAndAfterEachQuietBurst() async throws {
        let clock = SteppedSleeps()
        let activity = ActivitySignal()
        let calls = Mutex(0)
        let failing = Mutex(false)
        struct Refused: Error {}
        let service = FilePagesService(
            startupDelay: .seconds(2), quiet: .seconds(30), activity: activity, logger: .quiet,
            sleep: clock.sleep, releaseFilePages: { calls.withLock { $0 += 1 } }
        ) {
            calls.withLock { $0 += 1 }
            if failing.withLock({ $0 }) { throw Refused() }
            return .init(fileKiB: 4096, mappings: 3, heapKiB: 100)
        }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                #expect(await clock.next() == .seconds(2))
                clock.finish()
                await waitUntil { calls.withLock { $0 } == 2 }
                // A burst: activity during the quiet period starts it again.
                activity.note()
                #expect(await clock.next() == .seconds(30))
                activity.note()
                activity.note()
                clock.finish()
                #expect(await clock.next() == .seconds(30))
                #expect(calls.withLock { $0 } == 2)
                clock.finish()
                await waitUntil { calls.withLock { $0 } == 4 }
                // The notes buffered during the burst are covered by that release: idle, the
                // service waits for activity and does not sleep.
                try await Task.sleep(for: .milliseconds(50))
                #expect(clock.pending == 0)
                // A release that fails is logged; the next burst is released again.
                failing.withLock { $0 = true }
                activity.note()
                #expect(await clock.next() == .seconds(30))
                clock.finish()
                await waitUntil { calls.withLock { $0 } == 5 }
                failing.withLock { $0 = false }
                activity.note()
                #expect(await clock.next() == .seconds(30))
                clock.finish()
                await waitUntil { calls.withLock { $0 } == 7 }
                // Shutdown during a quiet period ends the service without a release.
                activity.note()
                _ = await clock.next()
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(calls.withLock { $0 } == 7)
        // Shut down before start-up is over: nothing released.
        let early = FilePagesService(
            startupDelay: .seconds(2), quiet: .seconds(30), activity: ActivitySignal(), logger: .quiet,
            sleep: clock.sleep, releaseFilePages: { calls.withLock { $0 += 1 } }
        ) {
            calls.withLock { $0 += 1 }
            return .init(fileKiB: 0, mappings: 0, heapKiB: 0)
        }
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await early.run() }
                _ = await clock.next()
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(calls.withLock { $0 } == 7)
    }

    /// Every event the daemon records counts as activity for the file-page release.
    @Test func recordedEventsAreActivity() {
        let activity = ActivitySignal()
        let events = EventFanOut(logger: .quiet, activity: activity)
        #expect(activity.current == 0)
        for kind in [WitnessEvent.Kind.registered, .clientMove, .unregistered] {
            events.record(
                WitnessEvent(
                    kind: kind, unixTime: 1, registrationID: 3, netName: "srv", shareName: "share",
                    serverAddress: "192.0.2.12", witnessServer: "192.0.2.11"))
        }
        #expect(activity.current == 3)
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

/// Sleeps that end when the test says: `next()` waits for the service to start one and returns
/// its duration, `finish()` ends it. Cancelled (graceful shutdown), a sleep throws.
final class SteppedSleeps: Sendable {
    private struct Sleeper {
        let id: Int
        let duration: Duration
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var nextID = 0
        var sleepers: [Sleeper] = []
    }

    private let state = Mutex(State())

    var pending: Int { state.withLock { $0.sleepers.count } }

    @Sendable func sleep(_ duration: Duration) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                state.withLock { $0.sleepers.append(Sleeper(id: id, duration: duration, continuation: continuation)) }
                // Cancelled before it was listed: the handler found nothing to end.
                if Task.isCancelled { self.end(id: id, throwing: CancellationError()) }
            }
        } onCancel: {
            self.end(id: id, throwing: CancellationError())
        }
    }

    /// Resumes sleep `id` once: whoever takes it off the list resumes it.
    private func end(id: Int, throwing error: (any Error)?) {
        let sleeper = state.withLock { state -> Sleeper? in
            guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
            return state.sleepers.remove(at: index)
        }
        guard let sleeper else { return }
        if let error { sleeper.continuation.resume(throwing: error) } else { sleeper.continuation.resume() }
    }

    /// The duration of the sleep the service is in, once it is in one.
    func next() async -> Duration? {
        for _ in 0..<3000 {
            if let duration = state.withLock({ $0.sleepers.first?.duration }) { return duration }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Ends the oldest sleep.
    func finish() {
        guard let id = state.withLock({ $0.sleepers.first?.id }) else { return }
        end(id: id, throwing: nil)
    }
}
