import Dispatch
import SMB3Protocol
import Synchronization

/// One kernel registration kept alive against the witness service: GetInterfaceList on the
/// SMB server's address, RegisterEx on the chosen interface, the AsyncNotify long-poll loop,
/// and a full re-registration (bounded exponential backoff) after NOT_FOUND or a lost connection.
final class RegistrationWorker: Sendable {
    enum Phase: String, Sendable {
        case connecting, registered, retrying, stopping, stopped, unsupported
    }

    struct Snapshot: Sendable {
        var phase: Phase
        var witnessServer: String?
        var protocolVersion: String?
        var handle: String?
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

    let registration: SWNRegistration
    let credentials: Credentials?
    private let configuration: WitnessConfiguration
    private let clientName: String
    private let platform: any WitnessPlatform
    private let abortLimiter: AbortRateLimiter
    private let onEvent: @Sendable (WitnessEvent) -> Void
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let state: Mutex<(snapshot: Snapshot, client: WitnessClient?, handle: WitnessContextHandle?, stopRequested: Bool)>

    init(
        registration: SWNRegistration, credentials: Credentials?, configuration: WitnessConfiguration,
        clientName: String, platform: any WitnessPlatform, abortLimiter: AbortRateLimiter = AbortRateLimiter(),
        onEvent: @escaping @Sendable (WitnessEvent) -> Void
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
        state = Mutex(
            (Snapshot(phase: .connecting, reconnects: 0, kernelRepeats: 0), nil, nil, false))
    }

    var snapshot: Snapshot { state.withLock { $0.snapshot } }

    func noteKernelRepeat() { state.withLock { $0.snapshot.kernelRepeats += 1 } }

    func markUnsupported(_ reason: String) {
        state.withLock {
            $0.snapshot.phase = .unsupported
            $0.snapshot.lastError = reason
        }
        finished.signal()
    }

    private var stopRequested: Bool { state.withLock { $0.stopRequested } }

    private func event(_ kind: WitnessEvent.Kind, witness: String?, detail: String? = nil) -> WitnessEvent {
        WitnessEvent(
            kind: kind, unixTime: platform.unixTime(), registrationID: registration.id, netName: registration.netName,
            shareName: registration.shareName, serverAddress: registration.address.addressText, witnessServer: witness,
            detail: detail)
    }

    func run() {
        var backoff = 1.0
        while !stopRequested {
            do {
                try session()
                backoff = 1
            } catch {
                if stopRequested { break }
                let message = "\(error)"
                state.withLock {
                    $0.snapshot.phase = .retrying
                    $0.snapshot.lastError = message
                    $0.snapshot.reconnects += 1
                    $0.client = nil
                    $0.handle = nil
                }
                onEvent(event(.registrationFailed, witness: nil, detail: "\(message); retrying in \(Int(backoff)) s"))
                _ = wakeUp.wait(timeout: .now() + backoff)
                backoff = min(backoff * 2, configuration.maximumBackoff)
            }
        }
        state.withLock { $0.snapshot.phase = .stopped }
        finished.signal()
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

    /// One registration's life on one connection. Returns to re-register, throws to back off.
    private func session() throws {
        state.withLock { $0.snapshot.phase = .connecting }
        let serverAddress = registration.address.addressText
        let authentication = try authentication()
        let timeout = configuration.connectTimeout
        let first = try WitnessClient.connect(
            platform: platform, address: serverAddress, authentication: authentication, timeoutSeconds: timeout)
        let interfaces: [WitnessInterface]
        do {
            interfaces = try first.interfaceList(timeoutSeconds: Double(timeout))
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
            client = try WitnessClient.connect(
                platform: platform, address: chosen, authentication: authentication, timeoutSeconds: timeout)
        }
        defer { client.connection.close() }
        let registered = try client.register(
            netName: registration.netName, shareName: registration.shareNameNotify ? registration.shareName : nil,
            ipAddress: serverAddress, clientComputerName: clientName, ipNotification: registration.ipNotify,
            keepAliveTimeout: configuration.keepAliveTimeout, timeoutSeconds: Double(timeout))
        let handle = registered.handle
        let version: String
        switch registered {
        case .v1: version = "v1"
        case .v2: version = "v2"
        }
        let now = platform.unixTime()
        let stopNow = state.withLock {
            $0.client = client
            $0.handle = handle
            $0.snapshot.phase = .registered
            $0.snapshot.witnessServer = chosen
            $0.snapshot.protocolVersion = version
            $0.snapshot.handle = handle.description
            $0.snapshot.registeredSince = now
            $0.snapshot.lastError = nil
            return $0.stopRequested
        }
        if stopNow { return }
        onEvent(event(.registered, witness: chosen, detail: "\(version), \(interfaces.count) interfaces, auth \(configuration.authLevel)"))
        // The server answers TIMEOUT after KeepAliveTimeout; waiting a minute longer than that
        // catches a server that went silent without closing the connection.
        let pollTimeout: Double? = configuration.keepAliveTimeout == 0 ? nil : Double(configuration.keepAliveTimeout) + 60
        while !stopRequested {
            let (notification, status) = try client.asyncNotify(handle, timeoutSeconds: pollTimeout)
            let received = platform.monotonicSeconds()
            if stopRequested { return }
            switch status {
            case WitnessStatus.success:
                if let notification { forward(notification, receivedAt: received, witness: chosen) }
            case WitnessStatus.timeout:
                continue
            case WitnessStatus.notFound:
                state.withLock {
                    $0.client = nil
                    $0.handle = nil
                }
                onEvent(event(.serverDropped, witness: chosen))
                return
            default:
                throw WitnessCallError(call: "AsyncNotify", status: status)
            }
        }
    }

    func forward(_ notification: WitnessNotification, receivedAt: Double, witness: String) {
        for message in notification.messages {
            var report = event(.resourceChange, witness: witness)
            report.oldAddress = registration.address.addressText
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
            if let notify {
                do {
                    report.kernelResult = try platform.notifyKernel(SWNNotify(registrationID: registration.id, kind: notify))
                    report.forwarded = true
                } catch {
                    report.detail = "NOTIFY failed: \(error)"
                }
                report.latencyMilliseconds = (platform.monotonicSeconds() - receivedAt) * 1000
                if report.kernelResult == 0, configuration.abortConnections, Self.makesTheKernelReconnect(notify) {
                    abortKernelConnections(into: &report)
                }
            }
            let recorded = report
            state.withLock { $0.snapshot.lastEvent = recorded }
            onEvent(recorded)
        }
    }

    /// Aborts the kernel's connections to the old address (at most once per abort_interval for
    /// this registration) and records what happened in `report`.
    private func abortKernelConnections(into report: inout WitnessEvent) {
        let address = registration.address.addressText
        let now = platform.monotonicSeconds()
        if let last = abortLimiter.lastAbortIfTooRecent(
            registrationID: registration.id, now: now, interval: configuration.abortInterval)
        {
            report.detail =
                "did not abort the kernel's connections to \(address): the last abort for this registration was "
                + "\(formatSeconds(now - last)) s ago (abort_interval = \(formatSeconds(configuration.abortInterval)))"
            return
        }
        do {
            let result = try platform.abortKernelConnections(to: registration.address)
            report.abortedConnections = result.aborted
            report.keptConnections = result.kept
            if result.aborted > 0 && result.hiddenRootProcesses > 0 {
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

    /// Asks the server to drop the registration (UnRegister on the same connection, possible
    /// because the bind negotiated PFC_CONC_MPX), then closes. Blocks up to a few seconds.
    func stop() -> UInt32? {
        let (client, handle) = state.withLock {
            $0.stopRequested = true
            $0.snapshot.phase = .stopping
            return ($0.client, $0.handle)
        }
        wakeUp.signal()
        var status: UInt32?
        if let client, let handle {
            status = try? client.unregister(handle, timeoutSeconds: 5)
            client.connection.close()
        }
        // The NT hash is a password equivalent: zero it once UnRegister no longer needs it.
        if case .ntlm(let ntlm) = credentials { ntlm.ntHash.wipe() }
        return status
    }

    func waitUntilFinished(seconds: Double) -> Bool { finished.wait(timeout: .now() + seconds) == .success }
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
