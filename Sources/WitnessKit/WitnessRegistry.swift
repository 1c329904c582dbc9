import Logging
import SMB3Protocol
import Synchronization

/// The daemon's core: kernel REGISTER/UNREGISTER in, one worker per registration id, events
/// out. REGISTER is idempotent (the kernel repeats it every echo interval); a changed address
/// or name restarts the registration. Each worker runs as a child task of `run()`.
public final class WitnessRegistry: Sendable {
    private let platform: any WitnessPlatform
    private let sink: any WitnessEventSink
    private let clientName: String
    private let logger: Logger
    private let abortLimiter = AbortRateLimiter()
    private let state: Mutex<State>
    /// Workers to start, in `run()`'s task group.
    private let starts: AsyncStream<RegistrationWorker>
    private let startContinuation: AsyncStream<RegistrationWorker>.Continuation

    struct State: ~Copyable {
        var configuration: WitnessConfiguration
        var workers: [UInt32: RegistrationWorker] = [:]
        var eventCounts: [WitnessEvent.Kind: Int] = [:]
        var kernelRejections = 0
        var startedAt: Double
        var shuttingDown = false
    }

    public init(
        configuration: WitnessConfiguration, clientName: String, platform: any WitnessPlatform,
        sink: any WitnessEventSink, logger: Logger
    ) {
        self.platform = platform
        self.sink = sink
        self.logger = logger
        self.clientName = configuration.clientName.isEmpty ? clientName : configuration.clientName
        state = Mutex(State(configuration: configuration, startedAt: platform.unixTime()))
        (starts, startContinuation) = AsyncStream.makeStream(of: RegistrationWorker.self)
    }

    /// New registrations use the new configuration; running ones keep theirs until they re-register.
    public func reload(_ configuration: WitnessConfiguration) {
        state.withLock { $0.configuration = configuration }
    }

    public var configuration: WitnessConfiguration { state.withLock { $0.configuration } }

    /// Runs every registration as a child task until `shutdown` has stopped them all.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await worker in starts {
                group.addTask { await worker.run() }
            }
        }
    }

    /// Unregisters everything (UnRegister in parallel, each bounded by its call timeout); `run()`
    /// returns when the last worker has finished.
    public func shutdown() {
        let workers = state.withLock { state in
            state.shuttingDown = true
            defer { state.workers.removeAll() }
            return Array(state.workers.values)
        }
        for worker in workers { worker.stop(reason: "the daemon is stopping") }
        startContinuation.finish()
    }

    private func record(_ event: WitnessEvent) {
        state.withLock {
            $0.eventCounts[event.kind, default: 0] += 1
            if event.forwarded, let result = event.kernelResult, result != 0 { $0.kernelRejections += 1 }
        }
        sink.record(event)
    }

    public func handle(_ kernelEvent: SWNKernelEvent) {
        switch kernelEvent {
        case .register(let registration): register(registration)
        case .unregister(let registration): unregister(registration)
        }
    }

    private func register(_ registration: SWNRegistration) {
        // The kernel's plaintext password is needed only to derive the NT hash below, and every
        // echo interval brings it again: zero it whatever happens to this REGISTER.
        defer { if case .ntlm(_, let password, _) = registration.credentials { password.wipe() } }
        let (existing, configuration, shuttingDown) = state.withLock {
            ($0.workers[registration.id], $0.configuration, $0.shuttingDown)
        }
        if shuttingDown { return }
        if let existing {
            let old = existing.registration
            // Unsupported ones too: reporting them again every echo interval would only be noise.
            if old.address == registration.address && old.netName == registration.netName
                && old.shareName == registration.shareName
            {
                existing.noteKernelRepeat()
                return
            }
            logger.info(
                "registration \(registration.id): the kernel re-registered with \(registration.address); registering again",
                metadata: ["witness.registration": "\(registration.id)"])
            existing.stop(reason: "replaced by a new REGISTER")
        }
        var credentials: RegistrationWorker.Credentials?
        var unsupported: String?
        switch registration.credentials {
        case .ntlm(let user, let password, let domain):
            // Only the NT hash is kept; no String of the password is made.
            credentials = .ntlm(NTLMCredentials(userName: user, domainName: domain, password: password))
        case .kerberos:
            credentials = .kerberos
        case .none:
            unsupported = "the kernel sent no credentials (the mount's security type cannot be used for witness)"
        }
        if Self.isAddressLiteral(registration.netName) {
            unsupported =
                "the share was mounted by address (\(registration.netName)); MS-SWN needs the server's name (mount //NAME/share)"
        }
        let worker = RegistrationWorker(
            registration: registration, credentials: credentials, configuration: configuration, clientName: clientName,
            platform: platform, abortLimiter: abortLimiter, unsupported: unsupported,
            onEvent: { [weak self] event in self?.record(event) })
        state.withLock { $0.workers[registration.id] = worker }
        if let unsupported {
            record(
                WitnessEvent(
                    kind: .registrationFailed, unixTime: platform.unixTime(), registrationID: registration.id,
                    netName: registration.netName, shareName: registration.shareName,
                    serverAddress: registration.address.addressText, detail: unsupported))
        }
        startContinuation.yield(worker)
    }

    private func unregister(_ registration: SWNRegistration) {
        let worker = state.withLock { $0.workers.removeValue(forKey: registration.id) }
        guard let worker else {
            logger.debug(
                "UNREGISTER for unknown registration \(registration.id)",
                metadata: ["witness.registration": "\(registration.id)"])
            return
        }
        worker.stop(reason: "the kernel unregistered it")
    }

    /// Whether the mount named the server by address (`//192.0.2.12/share`, `//[fe80::1%eth0]/share`):
    /// the model's address parser decides, after brackets and a scope suffix are set aside.
    static func isAddressLiteral(_ name: String) -> Bool {
        var text = Substring(name)
        if text.hasPrefix("["), text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        if let percent = text.firstIndex(of: "%") { text = text[..<percent] }
        return IPAddress(String(text)) != nil
    }

    // MARK: reporting

    /// The registrations, their state and the event counts, as of now, with where the kernel is
    /// connected for each (DebugData read now) and which of its share's mounts are soft (the
    /// mount table read now: at REGISTER the mount is not yet in it).
    public func status() -> WitnessDaemonStatus {
        let connections = platform.kernelDebugData().flatMap { try? DebugData(parsing: $0) }.map {
            KernelConnection.byRegistration($0)
        }
        let mounts = platform.mountTable().map { MountTable(parsing: $0).mounts }
        let (workers, counts, rejections, started) = state.withLock {
            ($0.workers.sorted { $0.key < $1.key }.map(\.value), $0.eventCounts, $0.kernelRejections, $0.startedAt)
        }
        let registrations = workers.map { worker in
            let snapshot = worker.snapshot
            let registration = worker.registration
            return WitnessDaemonStatus.Registration(
                registrationId: registration.id, netName: registration.netName, share: registration.shareName,
                serverAddress: registration.address.addressText, ipNotify: registration.ipNotify,
                state: snapshot.phase.rawValue, authentication: worker.credentials?.name,
                witnessServer: snapshot.witnessServer, protocolVersion: snapshot.protocolVersion,
                registeredSince: snapshot.registeredSince, kernelRepeats: snapshot.kernelRepeats,
                reconnects: snapshot.reconnects, lastError: snapshot.lastError, lastEvent: snapshot.lastEvent,
                kernelConnection: connections?[registration.id],
                softMounts: mounts.map { mounts in
                    mounts.filter { $0.isSoft && $0.isShare(registration.shareName, of: registration.netName) }
                        .map(\.mountPoint)
                })
        }
        return WitnessDaemonStatus(
            startedAt: started, registrations: registrations, events: WitnessDaemonStatus.EventCounts(counts),
            kernelRejections: rejections)
    }

    // MARK: admin moves

    /// `smb3-witnessd move`: a CLIENT_MOVE of `target` to `address`, each after asking its
    /// cluster (GetInterfaceList on its witness connection) that `address` is an available
    /// interface. One registration at a time, in id order.
    public func move(_ target: AdminMove.Target, to address: String) async -> AdminMoveReport {
        var report = AdminMoveReport(command: "move", address: AdminMove.canonical(address) ?? address)
        let workers = state.withLock { state in state.workers.sorted { $0.key < $1.key }.map(\.value) }
        let chosen: [RegistrationWorker]
        switch target {
        case .all:
            chosen = workers
            if chosen.isEmpty { report.failed.append(.init(registrationId: nil, reason: "there are no registrations")) }
        case .registration(let id):
            chosen = workers.filter { $0.registration.id == id }
            if chosen.isEmpty {
                let known = workers.map { String($0.registration.id) }.joined(separator: ", ")
                report.failed.append(
                    .init(registrationId: id, reason: "no such registration (known: \(known.isEmpty ? "none" : known))")
                )
            }
        }
        let connections = currentConnections()
        for worker in chosen {
            await adminMove(worker, to: address, connection: connections[worker.registration.id], into: &report)
        }
        return report
    }

    /// `smb3-witnessd drain`: every registration the kernel is connected to `address` for moves
    /// to another available interface of its cluster.
    public func drain(_ address: String) async -> AdminMoveReport {
        var report = AdminMoveReport(command: "drain", address: AdminMove.canonical(address) ?? address)
        guard AdminMove.host(address) != nil else {
            report.failed.append(.init(registrationId: nil, reason: "'\(address)' is not an IP address"))
            return report
        }
        let current = status().registrations
        let candidates = AdminMove.drainCandidates(current, address: address)
        let workers = state.withLock { state in candidates.compactMap { state.workers[$0] } }
        for worker in workers {
            let connection = current.first { $0.registrationId == worker.registration.id }?.kernelConnection
            let target: String
            do {
                target = try AdminMove.drainTarget(from: address, interfaces: try await worker.currentInterfaces())
            } catch {
                report.failed.append(.init(registrationId: worker.registration.id, reason: "\(error)"))
                continue
            }
            await adminMove(worker, to: target, connection: connection, into: &report)
        }
        return report
    }

    private func currentConnections() -> [UInt32: KernelConnection] {
        platform.kernelDebugData().flatMap { try? DebugData(parsing: $0) }.map { KernelConnection.byRegistration($0) }
            ?? [:]
    }

    /// One registration's admin move: the address checked against the cluster's interfaces as
    /// listed now, then NOTIFY and the abort, reported as a client-move event with source admin.
    private func adminMove(
        _ worker: RegistrationWorker, to address: String, connection: KernelConnection?,
        into report: inout AdminMoveReport
    ) async {
        let id = worker.registration.id
        let requestedAt = platform.monotonicSeconds()
        let requestedTime = platform.unixTime()
        let host: SWNSocketAddress.Host
        do {
            host = try AdminMove.check(address, against: try await worker.currentInterfaces())
        } catch {
            report.failed.append(.init(registrationId: id, reason: "\(error)"))
            return
        }
        let from = connection?.address ?? worker.registration.address.addressText
        let to = AdminMove.canonical(address) ?? address
        if from == to {
            report.failed.append(.init(registrationId: id, reason: "the kernel is already connected to \(to)"))
            return
        }
        let event = await worker.adminMove(to: host, requestedAt: requestedAt, requestedTime: requestedTime)
        guard event.forwarded, event.kernelResult == 0 else {
            let reason =
                event.kernelResult.map { "the kernel refused the CLIENT_MOVE (\($0))" } ?? event.detail
                ?? "NOTIFY failed"
            report.failed.append(.init(registrationId: id, reason: reason))
            return
        }
        report.moved.append(
            .init(
                registrationId: id, netName: worker.registration.netName, share: worker.registration.shareName,
                from: from, to: to, event: event))
    }

    /// `status --json`.
    public func statusJSON() -> JSONValue { status().encodedJSON }

    /// `status`.
    public func statusText() -> String { status().text }

    /// Prometheus text exposition.
    public func metricsText() -> String { status().prometheusText }
}
