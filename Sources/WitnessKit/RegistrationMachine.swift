import SMB3Protocol

/// The life of one kernel registration as a pure state machine: `handle(_:)` takes what
/// happened and returns what to do. `RegistrationWorker` performs the actions (network, kernel,
/// timers) and feeds their outcomes back as events; nothing here does I/O or reads a clock, so
/// every transition is a unit test.
///
/// ```
///            start           sessionEstablished             notify(.notification/.timeout)
///  connecting ───► [establish] ─────────────────► registered ◄──────┐ [forward?, asyncNotify]
///      ▲   │ sessionFailed                         │   │ ───────────┘
///      │   ▼                                       │   │ notify(.notFound): [close, serverDropped, establish] → connecting
///  backoffElapsed ◄── retrying ◄── connectionLost / notify(.failed) [close, registrationFailed, waitBackoff]
///                                                  │
///  stop: connecting/retrying → stopped [unregistered, finish]; registered → stopping [unregister]
///        stopping + unregisterCompleted → stopped [close, unregistered, finish]
/// ```
public struct RegistrationMachine: Hashable, Sendable {
    public enum Phase: String, Hashable, Sendable {
        case connecting, registered, retrying, stopping, stopped, unsupported
    }

    /// A registration the witness server accepted.
    public struct Session: Hashable, Sendable {
        public var witnessServer: String
        public var protocolVersion: String
        public var handle: WitnessContextHandle
        public var interfaceCount: Int

        public init(witnessServer: String, protocolVersion: String, handle: WitnessContextHandle, interfaceCount: Int) {
            self.witnessServer = witnessServer
            self.protocolVersion = protocolVersion
            self.handle = handle
            self.interfaceCount = interfaceCount
        }
    }

    /// How one AsyncNotify long poll ended (MS-SWN 3.1.4.4).
    public enum NotifyOutcome: Hashable, Sendable {
        case notification(WitnessNotification)
        /// ERROR_TIMEOUT: nothing happened within KeepAliveTimeout; poll again.
        case timeout
        /// ERROR_NOT_FOUND: the server forgot the registration (restarted); register again.
        case notFound
        /// Any other status: treated as a lost connection.
        case failed(status: UInt32)
    }

    public enum Event: Hashable, Sendable {
        case start
        case sessionEstablished(Session)
        /// Connecting, GetInterfaceList or RegisterEx failed.
        case sessionFailed(String)
        case notifyCompleted(NotifyOutcome)
        /// The registered connection broke (the pending AsyncNotify failed).
        case connectionLost(String)
        case backoffElapsed
        /// The kernel unregistered it, replaced it, or the daemon shuts down.
        case stop(reason: String)
        /// UnRegister's status, nil when the call itself failed.
        case unregisterCompleted(status: UInt32?)
    }

    public enum Action: Hashable, Sendable {
        /// Endpoint mapper, GetInterfaceList, choice of interface, RegisterEx; ends in
        /// `sessionEstablished` or `sessionFailed`.
        case establishSession
        /// One long poll on the registered connection; ends in `notifyCompleted` or `connectionLost`.
        case asyncNotify(WitnessContextHandle)
        /// Pass the notification to the kernel (NOTIFY) and report it.
        case forward(WitnessNotification, witnessServer: String)
        /// Close the registered connection, failing whatever is pending on it.
        case closeConnection
        /// Sleep, then `backoffElapsed`.
        case waitBackoff(seconds: Double)
        /// UnRegister on the registered connection while the AsyncNotify is still pending
        /// (the bind negotiated PFC_CONC_MPX); ends in `unregisterCompleted`.
        case unregister(WitnessContextHandle)
        case report(WitnessEvent.Kind, witnessServer: String?, detail: String?)
        /// Cancel whatever is still in flight: the registration is over.
        case finish
    }

    public private(set) var phase: Phase
    /// The current session, while registered or unregistering.
    public private(set) var session: Session?
    /// The last witness server and protocol version, kept after failures for status.
    public private(set) var lastWitnessServer: String?
    public private(set) var lastProtocolVersion: String?
    public private(set) var reconnects = 0
    public private(set) var lastError: String?
    /// The next wait after a failure, in seconds: 1, 2, 4, … up to `maximumBackoff`.
    public private(set) var backoff = 1.0
    public let maximumBackoff: Double
    /// For the `registered` event's detail (`auth privacy`).
    let authLevel: String
    private var started = false
    private var stopReason = ""

    public init(maximumBackoff: Double, authLevel: String) {
        self.maximumBackoff = maximumBackoff
        self.authLevel = authLevel
        phase = .connecting
    }

    /// A registration that cannot be made at all (no credentials, mounted by address): it
    /// stays listed with `reason` and never connects.
    public init(unsupported reason: String) {
        self.init(maximumBackoff: 1, authLevel: "")
        phase = .unsupported
        lastError = reason
    }

    public mutating func handle(_ event: Event) -> [Action] {
        switch (phase, event) {
        case (.connecting, .start) where !started:
            started = true
            return [.establishSession]

        case (.connecting, .sessionEstablished(let established)):
            phase = .registered
            session = established
            lastWitnessServer = established.witnessServer
            lastProtocolVersion = established.protocolVersion
            lastError = nil
            let detail = "\(established.protocolVersion), \(established.interfaceCount) interfaces, auth \(authLevel)"
            return [
                .report(.registered, witnessServer: established.witnessServer, detail: detail),
                .asyncNotify(established.handle),
            ]

        case (.connecting, .sessionFailed(let message)):
            return fail(message)

        case (.registered, .notifyCompleted(let outcome)):
            guard let session else { return fail("registered without a session") }
            switch outcome {
            case .notification(let notification):
                return [.forward(notification, witnessServer: session.witnessServer), .asyncNotify(session.handle)]
            case .timeout:
                return [.asyncNotify(session.handle)]
            case .notFound:
                // A clean end of the session: register again at once, and start the backoff over.
                phase = .connecting
                self.session = nil
                backoff = 1
                return [
                    .closeConnection, .report(.serverDropped, witnessServer: session.witnessServer, detail: nil),
                    .establishSession,
                ]
            case .failed(let status):
                return fail("AsyncNotify returned \(WitnessStatus.name(status))")
            }

        case (.registered, .connectionLost(let message)):
            return fail(message)

        case (.retrying, .backoffElapsed):
            phase = .connecting
            return [.establishSession]

        case (.connecting, .stop(let reason)), (.retrying, .stop(let reason)):
            // Nothing is registered (a session still being set up is abandoned).
            phase = .stopped
            return [.report(.unregistered, witnessServer: nil, detail: reason), .finish]

        case (.registered, .stop(let reason)):
            guard let session else {
                phase = .stopped
                return [.report(.unregistered, witnessServer: nil, detail: reason), .finish]
            }
            phase = .stopping
            stopReason = reason
            return [.unregister(session.handle)]

        case (.stopping, .unregisterCompleted(let status)):
            phase = .stopped
            var detail = stopReason
            if let status { detail += "; UnRegister returned \(WitnessStatus.name(status))" }
            let witness = session?.witnessServer
            session = nil
            return [.closeConnection, .report(.unregistered, witnessServer: witness, detail: detail), .finish]

        case (.unsupported, .stop):
            // It never registered and was reported when it was refused: nothing more to say.
            phase = .stopped
            return [.finish]

        default:
            // Late outcomes of abandoned work: a notification after stop is not forwarded, a
            // timer that fires after the session came back is ignored, a second stop is a no-op.
            return []
        }
    }

    /// A session could not be set up or broke: report, then wait before trying again.
    private mutating func fail(_ message: String) -> [Action] {
        let delay = backoff
        phase = .retrying
        session = nil
        reconnects += 1
        lastError = message
        backoff = min(backoff * 2, maximumBackoff)
        return [
            .closeConnection,
            .report(.registrationFailed, witnessServer: nil, detail: "\(message); retrying in \(Int(delay)) s"),
            .waitBackoff(seconds: delay),
        ]
    }
}
