import SMB3Protocol
import Synchronization

/// One kernel registration kept alive against the witness service: it runs the
/// `RegistrationMachine` and performs its actions. GetInterfaceList on the SMB server's address,
/// RegisterEx on the chosen interface, the AsyncNotify long-poll loop, and a full
/// re-registration (bounded exponential backoff) after NOT_FOUND or a lost connection.
///
/// `run()` is one task (a child of the registry's task group) whose own children are the work
/// in flight: the session set-up, an UnRegister, a backoff timer. Their group discards each as it
/// ends (a plain task group keeps every finished child, with its frames, until the group ends).
/// The pending AsyncNotify is no task: the connection hands its reply over when it comes (a
/// registered, idle registration is one suspended task). Their outcomes and `stop` arrive on one
/// stream of inputs, so the machine sees one event at a time.
final class RegistrationWorker: Sendable {
    typealias Phase = RegistrationMachine.Phase

    struct Snapshot: Sendable {
        var phase: Phase
        var witnessServer: String?
        var protocolVersion: String?
        var registeredSince: Double?
        var lastEvent: WitnessEvent?
        var lastError: String?
        var reconnects: Int
        var kernelRepeats: Int
    }

    /// How this registration authenticates to the witness service.
    enum Credentials: Sendable {
        /// From the kernel's REGISTER (NT hash only).
        case ntlm(NTLMCredentials)
        /// The daemon's own Kerberos identity (the kernel sends only KRB_AUTH).
        case kerberos

        var name: String {
            switch self {
            case .ntlm: "ntlm"
            case .kerberos: "krb5"
            }
        }
    }

    /// What the worker's loop reacts to: a machine event, or a session set up with its client.
    private enum Input: Sendable {
        case event(RegistrationMachine.Event)
        case established(RegistrationMachine.Session, WitnessClient)
        case notified(RegistrationMachine.NotifyOutcome, receivedAt: Double, receivedTime: Double)
    }

    let registration: SWNRegistration
    let credentials: Credentials?
    private let configuration: WitnessConfiguration
    private let clientName: String
    private let platform: any WitnessPlatform
    private let abortLimiter: AbortRateLimiter
    private let onEvent: @Sendable (WitnessEvent) -> Void
    private let inputs: AsyncStream<Input>
    private let continuation: AsyncStream<Input>.Continuation
    private let snapshotState: Mutex<Snapshot>
    private let initialMachine: RegistrationMachine
    /// The registered connection, for an admin move's GetInterfaceList (a second call beside the
    /// pending AsyncNotify, as UnRegister is); nil while not registered.
    private let liveClient = Mutex<WitnessClient?>(nil)

    init(
        registration: SWNRegistration, credentials: Credentials?, configuration: WitnessConfiguration,
        clientName: String, platform: any WitnessPlatform, abortLimiter: AbortRateLimiter = AbortRateLimiter(),
        unsupported: String? = nil, onEvent: @escaping @Sendable (WitnessEvent) -> Void
    ) {
        // The worker keeps no password: the registration copy loses its credentials here.
        var stripped = registration
        stripped.credentials = .none
        self.registration = stripped
        self.credentials = credentials
        self.configuration = configuration
        self.clientName = clientName
        self.platform = platform
        self.abortLimiter = abortLimiter
        self.onEvent = onEvent
        (inputs, continuation) = AsyncStream.makeStream(of: Input.self)
        initialMachine =
            unsupported.map { RegistrationMachine(unsupported: $0) }
            ?? RegistrationMachine(
                maximumBackoff: configuration.maximumBackoff, authLevel: "\(configuration.authLevel)")
        snapshotState = Mutex(
            Snapshot(
                phase: initialMachine.phase, lastError: initialMachine.lastError, reconnects: 0, kernelRepeats: 0))
    }

    var snapshot: Snapshot { snapshotState.withLock { $0 } }

    func noteKernelRepeat() { snapshotState.withLock { $0.kernelRepeats += 1 } }

    /// Ends the registration: UnRegister if registered, then `run()` returns.
    func stop(reason: String) { continuation.yield(.event(.stop(reason: reason))) }

    private func event(_ kind: WitnessEvent.Kind, witness: String?, detail: String? = nil) -> WitnessEvent {
        WitnessEvent(
            kind: kind, unixTime: platform.unixTime(), registrationID: registration.id, netName: registration.netName,
            shareName: registration.shareName, serverAddress: registration.address.addressText, witnessServer: witness,
            detail: detail)
    }

    /// What `run()`'s loop keeps from one input to the next.
    private struct LoopState {
        var machine: RegistrationMachine
        var client: WitnessClient?
        /// When the AsyncNotify reply being forwarded was complete (latencyMs starts there), on
        /// the monotonic and the Unix clock.
        var lastReceived = 0.0
        var lastReceivedTime = 0.0
        var finished = false
    }

    /// Runs the registration until it is stopped (or, unsupported, until `stop`).
    ///
    /// The loop's async frame lives as long as the registration, so everything but the awaits is
    /// done in synchronous helpers, whose temporaries live on a thread's stack and only while
    /// they run (written inline, the loop's frame was 3.7 KB in a release build). The loop is a
    /// function of its own: inside the task group's closure it made run()'s frame 1.7 KB, a task
    /// allocator slab of its own beside the 1,000-byte one every child task starts with.
    func run() async {
        await withDiscardingTaskGroup { work in await self.loop(&work) }
        continuation.finish()
        // The NT hash is a password equivalent: zero it once UnRegister no longer needs it.
        if case .ntlm(let ntlm) = credentials { ntlm.ntHash.wipe() }
    }

    /// run()'s loop (see run()).
    @inline(never)
    private func loop(_ work: inout DiscardingTaskGroup) async {
        var loop = LoopState(machine: initialMachine)
        var pending: [RegistrationMachine.Action] = loop.machine.handle(.start)
        var iterator = inputs.makeAsyncIterator()
        while true {
            var next = 0
            while next < pending.count {
                if let (notification, witness) = Self.forwarding(pending[next]) {
                    // Forwarded before the next poll is read, in the order they came.
                    await forward(
                        notification, receivedAt: loop.lastReceived, receivedTime: loop.lastReceivedTime,
                        witness: witness)
                } else {
                    perform(pending[next], loop: &loop, work: &work)
                }
                next += 1
            }
            publish(loop.machine)
            if loop.finished { break }
            pending = []
            guard let input = await iterator.next() else { break }
            pending = handle(input, loop: &loop)
        }
        liveClient.withLock { $0 = nil }
        loop.client?.connection.close()
        work.cancelAll()
    }

    private static func forwarding(_ action: RegistrationMachine.Action) -> (WitnessNotification, String)? {
        if case .forward(let notification, let witness) = action { return (notification, witness) }
        return nil
    }

    /// One action other than `forward`, without waiting: what takes time becomes a child task.
    @inline(never)
    private func perform(_ action: RegistrationMachine.Action, loop: inout LoopState, work: inout DiscardingTaskGroup) {
        switch action {
        case .establishSession:
            work.addTask { await self.establishSession() }
        case .asyncNotify(let handle):
            guard let client = loop.client else { return }
            poll(client, handle)
        case .forward:
            break  // awaited by run()
        case .closeConnection:
            liveClient.withLock { $0 = nil }
            loop.client?.connection.close()
            loop.client = nil
        case .waitBackoff(let seconds):
            work.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                if !Task.isCancelled { self.continuation.yield(.event(.backoffElapsed)) }
            }
        case .unregister(let handle):
            guard let client = loop.client else {
                continuation.yield(.event(.unregisterCompleted(status: nil)))
                return
            }
            work.addTask {
                let status = try? await client.unregister(handle, timeoutSeconds: 5)
                self.continuation.yield(.event(.unregisterCompleted(status: status)))
            }
        case .report(let kind, let witness, let detail):
            onEvent(event(kind, witness: witness, detail: detail))
        case .finish:
            loop.finished = true
        }
    }

    /// One input to the machine; returns the machine's actions.
    @inline(never)
    private func handle(_ input: Input, loop: inout LoopState) -> [RegistrationMachine.Action] {
        switch input {
        case .event(let event):
            return loop.machine.handle(event)
        case .established(let session, let established):
            let actions = loop.machine.handle(.sessionEstablished(session))
            if loop.machine.session == session {
                loop.client = established
                liveClient.withLock { $0 = established }
                snapshotState.withLock {
                    $0.witnessServer = session.witnessServer
                    $0.protocolVersion = session.protocolVersion
                    $0.registeredSince = platform.unixTime()
                }
            } else {
                established.connection.close()  // stopped meanwhile
            }
            return actions
        case .notified(let outcome, let receivedAt, let receivedTime):
            loop.lastReceived = receivedAt
            loop.lastReceivedTime = receivedTime
            return loop.machine.handle(.notifyCompleted(outcome))
        }
    }

    private func publish(_ machine: RegistrationMachine) {
        snapshotState.withLock {
            $0.phase = machine.phase
            $0.lastError = machine.lastError
            $0.reconnects = machine.reconnects
        }
    }

    private func poll(_ client: WitnessClient, _ handle: WitnessContextHandle) {
        // The server answers TIMEOUT after KeepAliveTimeout; waiting a minute longer than that
        // catches a server that went silent without closing the connection.
        let pollTimeout: Double? =
            configuration.keepAliveTimeout == 0 ? nil : Double(configuration.keepAliveTimeout) + 60
        client.asyncNotify(handle, timeoutSeconds: pollTimeout) { [self] reply in
            switch reply {
            case .success(let (notification, status)):
                let received = platform.monotonicSeconds()
                let receivedTime = platform.unixTime()
                let outcome: RegistrationMachine.NotifyOutcome
                switch status {
                case WitnessStatus.success:
                    outcome = notification.map { .notification($0) } ?? .timeout
                case WitnessStatus.timeout: outcome = .timeout
                case WitnessStatus.notFound: outcome = .notFound
                default: outcome = .failed(status: status)
                }
                continuation.yield(.notified(outcome, receivedAt: received, receivedTime: receivedTime))
            case .failure(let error):
                continuation.yield(.event(.connectionLost("\(error)")))
            }
        }
    }

    func authentication() throws -> RPCAuthentication {
        let method: RPCAuthentication.Method
        switch credentials {
        case .ntlm(let ntlm): method = .ntlm(ntlm)
        case .kerberos:
            method = .kerberos(
                KerberosTarget(
                    service: configuration.kerberosService, host: registration.netName,
                    credentials: configuration.kerberosCredentials))
        case nil: throw WitnessFailure("no credentials for this registration")
        }
        return RPCAuthentication(
            method: method, level: configuration.authLevel, workstation: clientName,
            allowWeakNTLMKeys: configuration.ntlmAllowWeakKeys)
    }

    private func establishSession() async {
        do {
            let (session, client) = try await session()
            continuation.yield(.established(session, client))
        } catch {
            continuation.yield(.event(.sessionFailed("\(error)")))
        }
    }

    /// Endpoint mapper and GetInterfaceList on the SMB server's address, then RegisterEx on the
    /// chosen interface (the same connection when it is that address).
    private func session() async throws -> (RegistrationMachine.Session, WitnessClient) {
        let serverAddress = registration.address.addressText
        let authentication = try authentication()
        let timeout = configuration.connectTimeout
        let first = try await WitnessClient.connect(
            platform: platform, address: serverAddress, authentication: authentication, timeoutSeconds: timeout)
        let interfaces: [WitnessInterface]
        do {
            interfaces = try await first.interfaceList(timeoutSeconds: Double(timeout))
        } catch {
            first.connection.close()
            throw error
        }
        guard let chosen = configuration.interfacePolicy.choose(from: interfaces, serverAddress: serverAddress) else {
            first.connection.close()
            throw WitnessFailure(
                "no available interface with INTERFACE_WITNESS among \(interfaces.count) (interface_policy = strict)")
        }
        let client: WitnessClient
        if chosen == serverAddress {
            client = first
        } else {
            first.connection.close()
            client = try await WitnessClient.connect(
                platform: platform, address: chosen, authentication: authentication, timeoutSeconds: timeout)
        }
        do {
            let registered = try await client.register(
                netName: registration.netName, shareName: registration.shareNameNotify ? registration.shareName : nil,
                ipAddress: serverAddress, clientComputerName: clientName, ipNotification: registration.ipNotify,
                keepAliveTimeout: configuration.keepAliveTimeout, timeoutSeconds: Double(timeout))
            let version =
                switch registered {
                case .v1: "v1"
                case .v2: "v2"
                }
            return (
                RegistrationMachine.Session(
                    witnessServer: chosen, protocolVersion: version, handle: registered.handle,
                    interfaceCount: interfaces.count),
                client
            )
        } catch {
            client.connection.close()
            throw error
        }
    }

    func forward(_ notification: WitnessNotification, receivedAt: Double, receivedTime: Double, witness: String) async {
        for message in notification.messages {
            var report = event(.resourceChange, witness: witness)
            report.oldAddress = registration.address.addressText
            report.receivedTime = receivedTime
            var notify: SWNNotify.Kind?
            switch (notification.type, message) {
            case (.resourceChange, .resourceChange(let change)):
                report.kind = .resourceChange
                report.resourceName = change.name
                report.resourceState =
                    SWNResourceState(rawValue: change.state)?.description ?? "0x" + String(change.state, radix: 16)
                notify = .resourceChange(name: change.name, state: change.state)
            case (let type, .addresses(let list)):
                report.kind =
                    switch type {
                    case .clientMove: .clientMove
                    case .shareMove: .shareMove
                    default: .ipChange
                    }
                report.newAddresses = list.compactMap { info in
                    let text = info.ipv4?.description ?? info.ipv6?.description
                    return text.map { info.flags.contains(.offline) ? "\($0) (offline)" : $0 }
                }
                // CLIENT_MOVE goes to the first address that is not marked offline.
                if type == .clientMove,
                    let host = list.lazy.filter({ !$0.flags.contains(.offline) }).compactMap(\.socketHost).first
                {
                    notify = .clientMove(SWNSocketAddress(host: host, port: registration.address.port))
                }
            default:
                report.detail = "message does not match its notification type"
            }
            if let notify { await notifyKernel(notify, receivedAt: receivedAt, into: &report) }
            let recorded = report
            snapshotState.withLock { $0.lastEvent = recorded }
            onEvent(recorded)
        }
    }

    /// NOTIFY, then (if the kernel accepted a reconnecting kind) the abort of its connections
    /// to the old address, both recorded in `report`.
    private func notifyKernel(
        _ notify: SWNNotify.Kind, receivedAt: Double, bypassingAbortInterval: Bool = false,
        into report: inout WitnessEvent
    ) async {
        do {
            report.kernelResult = try await platform.notifyKernel(
                SWNNotify(registrationID: registration.id, kind: notify))
            report.forwarded = true
        } catch {
            report.detail = "NOTIFY failed: \(error)"
        }
        let acknowledged = platform.monotonicSeconds()
        report.latencyMilliseconds = (acknowledged - receivedAt) * 1000
        if report.kernelResult == 0, configuration.abortConnections, Self.makesTheKernelReconnect(notify) {
            await abortKernelConnections(into: &report, bypassingInterval: bypassingAbortInterval)
            report.abortMilliseconds = (platform.monotonicSeconds() - acknowledged) * 1000
        }
    }

    // MARK: admin moves

    /// The cluster's interfaces, asked now on the registered connection (GetInterfaceList beside
    /// the pending AsyncNotify).
    func currentInterfaces() async throws -> [WitnessInterface] {
        guard let client = liveClient.withLock({ $0 }) else {
            throw AdminMove.Refusal(
                "not registered with its witness server (state \(snapshot.phase.rawValue)), so the cluster's interfaces are unknown"
            )
        }
        return try await client.interfaceList(timeoutSeconds: Double(configuration.connectTimeout))
    }

    /// A CLIENT_MOVE the administrator asked for, to an address already checked against the
    /// cluster's interfaces: NOTIFY and the abort as for the server's, reported with source
    /// `admin`. An admin move is deliberate, so abort_interval (a guard against a flood of
    /// server moves) does not hold it back.
    func adminMove(to host: SWNSocketAddress.Host, requestedAt: Double, requestedTime: Double) async -> WitnessEvent {
        let target = SWNSocketAddress(host: host, port: registration.address.port)
        var report = event(.clientMove, witness: snapshot.witnessServer)
        report.source = .admin
        report.oldAddress = registration.address.addressText
        report.newAddresses = [target.addressText]
        report.receivedTime = requestedTime
        await notifyKernel(.clientMove(target), receivedAt: requestedAt, bypassingAbortInterval: true, into: &report)
        let recorded = report
        snapshotState.withLock { $0.lastEvent = recorded }
        onEvent(recorded)
        return recorded
    }

    /// Aborts the kernel's connections to the old address (at most once per abort_interval for
    /// this registration) and records what happened in `report`.
    private func abortKernelConnections(into report: inout WitnessEvent, bypassingInterval: Bool) async {
        let address = registration.address.addressText
        let now = platform.monotonicSeconds()
        if bypassingInterval {
            abortLimiter.record(registrationID: registration.id, now: now)
        } else if let last = abortLimiter.lastAbortIfTooRecent(
            registrationID: registration.id, now: now, interval: configuration.abortInterval)
        {
            report.detail =
                "did not abort the kernel's connections to \(address): the last abort for this registration was "
                + "\(formatSeconds(now - last)) s ago (abort_interval = \(formatSeconds(configuration.abortInterval)))"
            return
        }
        do {
            let result = try await platform.abortKernelConnections(to: registration.address)
            report.abortedConnections = result.aborted
            report.keptConnections = result.kept
            if result.aborted == 0 && result.kept == 0 {
                // cifsd reconnects by itself when it wakes (a reply to a request in flight)
                // after the NOTIFY, so the connection can be gone before the abort looks.
                report.detail =
                    "no connection to \(address) was left to abort: the kernel had already closed it"
            } else if result.aborted > 0 && result.hiddenRootProcesses > 0 {
                report.detail =
                    "\(result.hiddenRootProcesses) root process(es) hide their open files from the daemon (more "
                    + "capabilities than it has, or not dumpable; CAP_SYS_PTRACE would show them): "
                    + "a connection of theirs to \(address) cannot be told from the kernel's"
            }
        } catch {
            report.detail = "could not abort the kernel's connections to \(address): \(error)"
        }
    }

    /// The notifications after which cifs.ko marks the connection for reconnect (cifs_swn.c):
    /// a move, or the resource going UNAVAILABLE.
    static func makesTheKernelReconnect(_ notify: SWNNotify.Kind) -> Bool {
        switch notify {
        case .clientMove: true
        case .resourceChange(_, let state): state == SWNResourceState.unavailable.rawValue
        default: false
        }
    }
}

extension WitnessNotification.AddressInfo {
    /// The address as the kernel's NOTIFY carries it; IPv4 first when both are valid.
    fileprivate var socketHost: SWNSocketAddress.Host? {
        if let ipv4 { return .ipv4(ipv4) }
        if let ipv6 { return .ipv6(ipv6, scopeID: 0) }
        return nil
    }
}

/// When each registration last aborted the kernel's connections (abort_interval). Shared by
/// the registry's workers, so that a registration the kernel re-sends with its new address
/// (a new worker, the same id) keeps its limit.
final class AbortRateLimiter: Sendable {
    private let lastAbort = Mutex<[UInt32: Double]>([:])

    init() {}

    /// Nil, and `now` recorded as the last abort, when the registration may abort now; the
    /// time of its last abort when that was less than `interval` seconds ago.
    func record(registrationID: UInt32, now: Double) { lastAbort.withLock { $0[registrationID] = now } }

    func lastAbortIfTooRecent(registrationID: UInt32, now: Double, interval: Double) -> Double? {
        lastAbort.withLock { times in
            if let last = times[registrationID], now - last < interval, now >= last { return last }
            times[registrationID] = now
            return nil
        }
    }
}

func formatSeconds(_ value: Double) -> String {
    if let whole = Int(exactly: value) { return String(whole) }
    return String((value * 10).rounded() / 10)
}
