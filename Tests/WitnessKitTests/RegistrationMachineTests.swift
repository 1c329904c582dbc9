import Testing

@testable import SMB3Protocol
@testable import WitnessKit

@Suite("RegistrationMachine")
struct RegistrationMachineTests {
    static let handle: WitnessContextHandle = {
        guard let handle = WitnessContextHandle(bytes: Array(repeating: 0xAB, count: 20)) else {
            preconditionFailure("20 bytes make a context handle")
        }
        return handle
    }()
    static let session = RegistrationMachine.Session(
        witnessServer: "192.0.2.11", protocolVersion: "v2", handle: handle, interfaceCount: 2)
    static let move = WitnessNotification(
        type: .clientMove,
        messages: [.addresses([.init(flags: [.ipv4, .online], ipv4: IPv4Address(192, 0, 2, 12), ipv6: nil)])])

    static func started(maximumBackoff: Double = 60) -> RegistrationMachine {
        var machine = RegistrationMachine(maximumBackoff: maximumBackoff, authLevel: "privacy")
        _ = machine.handle(.start)
        return machine
    }

    static func registered() -> RegistrationMachine {
        var machine = started()
        _ = machine.handle(.sessionEstablished(session))
        return machine
    }

    @Test func startEstablishesASessionOnce() {
        var machine = RegistrationMachine(maximumBackoff: 60, authLevel: "privacy")
        #expect(machine.phase == .connecting)
        #expect(machine.handle(.start) == [.establishSession])
        #expect(machine.handle(.start) == [])
    }

    @Test func registerReportsAndStartsTheLongPoll() {
        var machine = Self.started()
        let actions = machine.handle(.sessionEstablished(Self.session))
        #expect(
            actions == [
                .report(.registered, witnessServer: "192.0.2.11", detail: "v2, 2 interfaces, auth privacy"),
                .asyncNotify(Self.handle),
            ])
        #expect(machine.phase == .registered)
        #expect(machine.session == Self.session)
        #expect(machine.lastError == nil)
    }

    @Test func aNotificationIsForwardedThenThePollGoesOn() {
        var machine = Self.registered()
        #expect(
            machine.handle(.notifyCompleted(.notification(Self.move)))
                == [.forward(Self.move, witnessServer: "192.0.2.11"), .asyncNotify(Self.handle)])
        #expect(machine.phase == .registered)
    }

    @Test func aTimeoutOnlyPollsAgain() {
        var machine = Self.registered()
        #expect(machine.handle(.notifyCompleted(.timeout)) == [.asyncNotify(Self.handle)])
        #expect(machine.phase == .registered && machine.reconnects == 0)
    }

    @Test func notFoundRegistersAgainAtOnce() {
        var machine = Self.registered()
        #expect(
            machine.handle(.notifyCompleted(.notFound)) == [
                .closeConnection, .report(.serverDropped, witnessServer: "192.0.2.11", detail: nil), .establishSession,
            ])
        #expect(machine.phase == .connecting)
        #expect(machine.session == nil)
        #expect(machine.reconnects == 0)
        #expect(machine.lastWitnessServer == "192.0.2.11")
    }

    @Test func aFailedSessionBacksOffExponentiallyUpToTheCeiling() {
        var machine = Self.started(maximumBackoff: 5)
        var waits: [Double] = []
        for attempt in 1...5 {
            let actions = machine.handle(.sessionFailed("refused"))
            guard case .waitBackoff(let seconds) = actions.last else {
                Issue.record("attempt \(attempt): no backoff in \(actions)")
                return
            }
            waits.append(seconds)
            #expect(actions.first == .closeConnection)
            #expect(
                actions.contains(
                    .report(.registrationFailed, witnessServer: nil, detail: "refused; retrying in \(Int(seconds)) s")))
            #expect(machine.phase == .retrying)
            #expect(machine.handle(.backoffElapsed) == [.establishSession])
        }
        #expect(waits == [1, 2, 4, 5, 5])
        #expect(machine.reconnects == 5)
        #expect(machine.lastError == "refused")
    }

    @Test func aLostConnectionBacksOffAndNotFoundResetsTheBackoff() {
        var machine = Self.registered()
        #expect(machine.handle(.connectionLost("reset")).last == .waitBackoff(seconds: 1))
        #expect(machine.handle(.backoffElapsed) == [.establishSession])
        _ = machine.handle(.sessionEstablished(Self.session))
        // Registering again does not reset the backoff: a flapping server is not hammered.
        #expect(machine.handle(.connectionLost("reset")).last == .waitBackoff(seconds: 2))
        _ = machine.handle(.backoffElapsed)
        _ = machine.handle(.sessionEstablished(Self.session))
        _ = machine.handle(.notifyCompleted(.notFound))
        _ = machine.handle(.sessionEstablished(Self.session))
        #expect(machine.handle(.connectionLost("reset")).last == .waitBackoff(seconds: 1))
    }

    @Test func anUnexpectedAsyncNotifyStatusIsAFailure() {
        var machine = Self.registered()
        let actions = machine.handle(.notifyCompleted(.failed(status: 5)))
        #expect(actions.last == .waitBackoff(seconds: 1))
        #expect(machine.lastError == "AsyncNotify returned \(WitnessStatus.name(5))")
        #expect(machine.phase == .retrying)
    }

    /// The kernel unregisters while the AsyncNotify is pending: UnRegister goes out on the same
    /// connection; a notification that still arrives is not forwarded.
    @Test func unregisterDuringAPendingAsyncNotify() {
        var machine = Self.registered()
        #expect(machine.handle(.stop(reason: "the kernel unregistered it")) == [.unregister(Self.handle)])
        #expect(machine.phase == .stopping)
        #expect(machine.handle(.notifyCompleted(.notification(Self.move))) == [])
        #expect(machine.handle(.connectionLost("closed")) == [])
        #expect(machine.handle(.stop(reason: "again")) == [])
        #expect(
            machine.handle(.unregisterCompleted(status: WitnessStatus.success)) == [
                .closeConnection,
                .report(
                    .unregistered, witnessServer: "192.0.2.11",
                    detail:
                        "the kernel unregistered it; UnRegister returned \(WitnessStatus.name(WitnessStatus.success))"),
                .finish,
            ])
        #expect(machine.phase == .stopped)
    }

    @Test func aFailedUnRegisterStillFinishes() {
        var machine = Self.registered()
        _ = machine.handle(.stop(reason: "replaced by a new REGISTER"))
        #expect(
            machine.handle(.unregisterCompleted(status: nil)) == [
                .closeConnection,
                .report(.unregistered, witnessServer: "192.0.2.11", detail: "replaced by a new REGISTER"), .finish,
            ])
    }

    @Test func stopWhileConnectingOrRetryingAbandonsTheWork() {
        var connecting = Self.started()
        #expect(
            connecting.handle(.stop(reason: "r")) == [.report(.unregistered, witnessServer: nil, detail: "r"), .finish])
        #expect(connecting.phase == .stopped)
        // A session that completes afterwards is not taken up.
        #expect(connecting.handle(.sessionEstablished(Self.session)) == [])

        var retrying = Self.started()
        _ = retrying.handle(.sessionFailed("refused"))
        #expect(
            retrying.handle(.stop(reason: "r")) == [.report(.unregistered, witnessServer: nil, detail: "r"), .finish])
        #expect(retrying.handle(.backoffElapsed) == [])
    }

    @Test func anUnsupportedRegistrationNeverConnectsAndStopsSilently() {
        var machine = RegistrationMachine(unsupported: "mounted by address")
        #expect(machine.phase == .unsupported)
        #expect(machine.lastError == "mounted by address")
        #expect(machine.handle(.start) == [])
        #expect(machine.handle(.stop(reason: "r")) == [.finish])
        #expect(machine.phase == .stopped)
    }

    /// Events that make no sense in a phase change nothing (late timers, stray outcomes).
    @Test func strayEventsAreIgnored() {
        let strays: [RegistrationMachine.Event] = [
            .backoffElapsed, .notifyCompleted(.timeout), .connectionLost("x"), .unregisterCompleted(status: 0),
        ]
        for event in strays {
            var machine = Self.started()
            let before = machine
            #expect(machine.handle(event) == [], "\(event) while connecting")
            #expect(machine == before)
        }
        var registered = Self.registered()
        #expect(registered.handle(.backoffElapsed) == [])
        #expect(registered.handle(.sessionFailed("late")) == [])
        #expect(registered.phase == .registered)
    }
}
