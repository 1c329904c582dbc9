import ArgumentParser
import Logging
import SMB3Errors
import SMB3EventLoop
import SMB3Logging
import SMB3Netlink
import SMB3Protocol
import SMB3System
import SMB3Version
import ServiceLifecycle
import UnixSignals
import WitnessKit

struct Run: AsyncParsableCommand {
    /// How long the daemon is idle after a burst of work before it hands back the file pages
    /// the burst touched: long enough that a burst (mounts, a failover) is over.
    static let quietBeforeReleasingPages: Duration = .seconds(30)

    static let configuration = CommandConfiguration(
        abstract: "Run the daemon in the foreground (systemd Type=notify).",
        discussion: """
            Needs CAP_NET_ADMIN and the initial network namespace. Without a witness-capable cifs.ko it \
            waits for the 'cifs' generic-netlink family to appear. SIGHUP reloads the configuration (new \
            registrations use it); SIGTERM unregisters everything (at most 10 s) and exits.

            Configuration: /etc/smb3kit/witnessd.conf (optional), 'key = value' lines, '#' comments; \
            unknown keys are errors.

            keepalive_timeout (120): RegisterEx KeepAliveTimeout in seconds; 0 means none.

            interface_policy (any-available): what to do when no interface is flagged \
            INTERFACE_WITNESS, as on a single-node cluster: strict (do not register), any-available \
            (another node's address first), server-address.

            auth_level (privacy): privacy (sealed) or integrity (signed).

            client_name (the host name): ClientComputerName in RegisterEx.

            connect_timeout (10): TCP connect and per-call timeout in seconds.

            max_backoff (60): ceiling of the re-registration backoff in seconds.

            control_socket (/run/smb3-witnessd/control): where status, events and metrics ask.

            events_file (none): append every event as one JSON line.

            abort_connections (yes): after the kernel accepted a CLIENT_MOVE or an UNAVAILABLE \
            RESOURCE_CHANGE, abort its TCP connections to the old address (SOCK_DESTROY, as ss -K \
            does) so that cifs.ko reconnects at once; otherwise it notices only when its 7 s \
            receive timeout expires or data arrives. Other mounts' connections to that address \
            reconnect too. Only the kernel's own connections go: created by root and held by no \
            process (in no /proc/<pid>/fd); other users' connections to that address always stay, \
            root processes' stay when the daemon can read their descriptors. Without CAP_SYS_PTRACE \
            (as in smb3-witnessd.service) it cannot read those of a root process with capabilities \
            it lacks (any ordinary root process) or that is not dumpable: such a process's \
            connection to the old address cannot be told from the kernel's and goes too; the event \
            says how many such processes there were.

            abort_interval (10): at most one abort per registration in this many seconds (1-3600), so \
            that a flood of moves cannot reset the kernel's connection faster than its own receive \
            timeout would.

            ntlm_allow_weak_keys (no): NTLM mounts refuse a witness server whose NTLM CHALLENGE \
            grants neither 128-bit keys nor key exchange (NEGOTIATE_128, NEGOTIATE_KEY_EXCH): its \
            session keys would be weak. yes accepts it.

            krb5_service (cifs): Kerberos mounts authenticate to <krb5_service>@<server name>, the \
            name Samba registers and Windows clients use.

            krb5_principal (none): the daemon's own principal; none means the first in the keytab \
            or the ccache's default.

            krb5_client_keytab (none): a keytab MIT krb5 gets (and renews) the daemon's TGT from; \
            the tickets then live in MEMORY:smb3-witnessd unless krb5_ccache says otherwise.

            krb5_ccache (none): a credential cache to use instead (none: the default ccache).

            Authentication to the witness service: for NTLM mounts, NTLMSSP with the user, password \
            and domain the kernel passes in REGISTER; the daemon keeps only the NT hash and drops it \
            with the registration. For Kerberos mounts the kernel passes only KRB_AUTH (no uid, no \
            ccache), so the daemon authenticates as itself: krb5 (DCE/RPC auth type 16, DCE style, \
            through GSS-API) with its own principal from krb5_client_keytab, or from krb5_ccache, or \
            the default credentials. Typically that is the machine's principal; the witness server \
            must accept it (Samba: realm and a keytab in smb.conf).

            After a daemon restart the registrations come back when the kernel re-sends REGISTER: on \
            each echo it sends, i.e. within one echo_interval (default 60 s) on an idle connection; \
            a busy connection sends no echo, so the gap lasts until it is idle for an echo_interval.

            Memory: two seconds after start, and 30 s after each burst of work (registrations, \
            events), the daemon unmaps the clean read-only pages of its program and libraries \
            (MADV_DONTNEED; they stay in the page cache, and code that runs later maps again with \
            minor faults), gives malloc's free heap pages back (malloc_trim) and logs how many KiB \
            it released.
            """)

    @Option(help: "Configuration file (missing is fine at the default path).")
    var config = WitnessConfiguration.defaultPath

    @Flag(name: .shortAndLong, help: "Log debug messages.")
    var debug = false

    func loadConfiguration() throws -> WitnessConfiguration {
        let text: String
        do throws(SystemError) {
            text = String(decoding: try KernelFile.read(config, limit: 1 << 20), as: UTF8.self)
        } catch {
            if error.errno == .noSuchFileOrDirectory && config == WitnessConfiguration.defaultPath {
                return WitnessConfiguration()
            }
            throw ValidationErrorLine("cannot read \(config): \(error)")
        }
        do {
            return try WitnessConfiguration(parsing: text)
        } catch {
            throw ValidationErrorLine("\(config): \(error)")
        }
    }

    func run() async throws {
        // It holds NT hashes, NTLM session keys and Kerberos tickets: no core dumps, and no
        // ptrace or /proc/<pid>/mem for other root processes without CAP_SYS_PTRACE.
        do {
            try ProcessMemory.setDumpable(false)
        } catch {
            throw ValidationErrorLine("\(error)")
        }
        // Before any thread of the daemon's: the program and its libraries, mapped for good.
        let programMappings = Result { try ProcessMemory.stableFileMappings() }
        let configuration = try loadConfiguration()
        let level: Logger.Level = debug ? .debug : .info
        // Metadata become journal fields: `witness.event` → WITNESS_EVENT, which the lab's journalctl finds.
        LoggingSystem.bootstrap { _ in SystemLogHandler(identifier: "smb3-witnessd", logLevel: level) }
        let logger = Logger(label: "smb3-witnessd")

        let family = CifsFamilyID()
        let platform: DaemonPlatform
        do {
            let sockets = try SWNNetlinkSockets()
            try sockets.watchFamilies()
            platform = try DaemonPlatform(sockets: sockets, family: family)
        } catch {
            throw ValidationErrorLine("generic netlink: \(error)")
        }
        let activity = ActivitySignal()
        let events = EventFanOut(logger: logger, activity: activity)
        if !configuration.eventsFile.isEmpty {
            events.setEventsFile(try openEventsFile(configuration.eventsFile))
        }
        let registry = WitnessRegistry(
            configuration: configuration, clientName: SystemClock.hostName(), platform: platform, sink: events,
            logger: logger)
        let control: UnixListener
        do {
            try createParentDirectory(of: configuration.controlSocket, mode: 0o700)
            control = try UnixListener(path: configuration.controlSocket, mode: 0o600)
        } catch {
            throw ValidationErrorLine("control socket: \(error)")
        }
        let kernel = KernelWitnessService(
            channel: platform, registry: registry, family: family, logger: logger,
            status: { ServiceManagerNotifier.notify("STATUS=\($0)") })
        let joined: Bool
        do {
            joined = try await kernel.join()
        } catch {
            throw ValidationErrorLine("\(error)")
        }
        let ready = joined ? KernelWitnessService.listeningStatus : KernelWitnessService.waitingStatus
        let reload = ReloadService { [config] in
            ServiceManagerNotifier.notify("RELOADING=1")
            do {
                let reloaded = try loadConfiguration()
                registry.reload(reloaded)
                events.setEventsFile(reloaded.eventsFile.isEmpty ? nil : try openEventsFile(reloaded.eventsFile))
                logger.info("configuration reloaded from \(config); new registrations use it")
            } catch {
                logger.error("reload failed, keeping the old configuration: \(error)")
            }
            ServiceManagerNotifier.notify("READY=1")
        }
        let registrations = RegistryService(registry: registry, logger: logger) {
            ServiceManagerNotifier.notify("STOPPING=1\nSTATUS=unregistering")
        }
        let controlService = ControlService(
            listener: DaemonControlListener(listener: control, loop: platform.loop), registry: registry, events: events)
        // Start-up and every burst of work touch megabytes of the program (the kernel maps
        // 64 KiB around every page faulted in) that the idle daemon does not use, and leave free
        // chunks in the heap: handed back once start-up has settled, and after each burst once
        // it has been quiet for a while.
        let dropFilePages = { @Sendable () throws -> ProcessMemory.Release in
            try ProcessMemory.releaseCleanFilePages(of: try programMappings.get())
        }
        let filePages = FilePagesService(
            startupDelay: .seconds(2), quiet: Self.quietBeforeReleasingPages, activity: activity, logger: logger,
            releaseFilePages: { _ = try dropFilePages() }
        ) {
            // The heap first: trimming it runs the smaps parser, whose code the file release then drops.
            let heapKiB = try ProcessMemory.trimMallocHeap()
            let released = try dropFilePages()
            return .init(fileKiB: released.kibibytes, mappings: released.mappings, heapKiB: heapKiB)
        }
        // SIGTERM/SIGINT: the services stop in reverse order (the kernel listener and the
        // control socket first, the registrations' UnRegister last), at most 10 s in all.
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: registrations), .init(service: reload), .init(service: controlService),
                .init(service: kernel),
                .init(service: filePages, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(10)
        let group = ServiceGroup(configuration: groupConfiguration)
        ServiceManagerNotifier.notify("READY=1\nSTATUS=\(ready)")
        logger.info("smb3-witnessd \(SMB3KitVersion.string) started: \(ready)")
        try await group.run()
    }

    private func openEventsFile(_ path: String) throws -> AppendOnlyFile {
        do {
            return try AppendOnlyFile(path: path)
        } catch {
            throw ValidationErrorLine("events_file: \(error)")
        }
    }
}
