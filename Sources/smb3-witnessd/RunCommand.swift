import ArgumentParser
import SMB3Netlink
import SMB3Protocol
import SMB3Errors
import SMB3System
import SMB3Version
import WitnessKit

#if canImport(Glibc)
import Glibc
import Synchronization
#endif

struct Run: ParsableCommand {
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
            if error.errno == .noSuchFileOrDirectory && config == WitnessConfiguration.defaultPath { return WitnessConfiguration() }
            throw ValidationErrorLine("cannot read \(config): \(error)")
        }
        do {
            return try WitnessConfiguration(parsing: text)
        } catch {
            throw ValidationErrorLine("\(config): \(error)")
        }
    }

    func run() throws {
        // It holds NT hashes, NTLM session keys and Kerberos tickets: no core dumps, and no
        // ptrace or /proc/<pid>/mem for other root processes without CAP_SYS_PTRACE.
        do {
            try ProcessMemory.setDumpable(false)
        } catch {
            throw ValidationErrorLine("\(error)")
        }
        ProcessMemory.useSingleMallocArena()
        let configuration = try loadConfiguration()
        // Before any thread exists, so all inherit the mask and only the signal thread sees them.
        let signals = SignalSet([SIGTERM, SIGINT, SIGHUP])
        signals.block()
        signal(SIGPIPE, SIG_IGN)

        let log = SystemLog(identifier: "smb3-witnessd")
        let sink = DaemonEventSink(log: log, debug: debug)
        let sockets: SWNNetlinkSockets
        do {
            sockets = try SWNNetlinkSockets()
            try sockets.watchFamilies()
        } catch {
            throw ValidationErrorLine("generic netlink: \(error)")
        }
        let platform = DaemonPlatform(sockets: sockets)
        if !configuration.eventsFile.isEmpty {
            sink.setEventsFile(try openEventsFile(configuration.eventsFile))
        }
        let registry = WitnessRegistry(
            configuration: configuration, clientName: SystemClock.hostName(), platform: platform, sink: sink)

        let control: UnixListener
        do {
            control = try ControlServer.listen(path: configuration.controlSocket)
        } catch {
            throw ValidationErrorLine("control socket: \(error)")
        }
        ControlServer.serve(control, registry: registry, sink: sink)

        let joined = try joinWitnessGroup(sockets: sockets, platform: platform, log: log)
        let ready = joined ? "listening for cifs.ko witness registrations" : "waiting for cifs.ko with witness support"
        ServiceManagerNotifier.notify("READY=1\nSTATUS=\(ready)")
        log.write(.info, "smb3-witnessd \(SMB3KitVersion.string) started: \(ready)")

        BackgroundThread.detach {
            while true {
                let received = signals.wait()
                if received == SIGHUP {
                    ServiceManagerNotifier.notify("RELOADING=1")
                    do {
                        let reloaded = try loadConfiguration()
                        registry.reload(reloaded)
                        sink.setEventsFile(reloaded.eventsFile.isEmpty ? nil : try openEventsFile(reloaded.eventsFile))
                        log.write(.info, "configuration reloaded from \(config); new registrations use it")
                    } catch {
                        log.write(.error, "reload failed, keeping the old configuration: \(error)")
                    }
                    ServiceManagerNotifier.notify("READY=1")
                    continue
                }
                ServiceManagerNotifier.notify("STOPPING=1\nSTATUS=unregistering")
                log.write(.info, "signal \(received): unregistering every registration, then exiting")
                registry.shutdown(seconds: 10)
                Glibc.exit(0)
            }
        }
        receiveLoop(sockets: sockets, platform: platform, registry: registry, log: log, sink: sink)
    }

    private func openEventsFile(_ path: String) throws -> AppendOnlyFile {
        do {
            return try AppendOnlyFile(path: path)
        } catch {
            throw ValidationErrorLine("events_file: \(error)")
        }
    }

    /// Resolves cifs and joins its group. False when the family does not exist yet (the
    /// controller's NEWFAMILY will tell us); throws on anything else, with the
    /// CAP_NET_ADMIN hint for EPERM.
    private func joinWitnessGroup(sockets: SWNNetlinkSockets, platform: DaemonPlatform, log: SystemLog) throws -> Bool {
        do {
            let family = try sockets.joinWitnessGroup(
                family: SWNGenericNetlink.familyName, group: SWNGenericNetlink.multicastGroup)
            platform.familyID.withLock { $0 = family.id }
            log.write(.info, "joined \(family.name)/\(family.multicastGroup) (family id \(family.id), group id \(family.multicastGroupID))")
            return true
        } catch {
            if error.isNotFound {
                log.write(.notice, "cifs.ko is not loaded or lacks CONFIG_CIFS_SWN_UPCALL; waiting for the 'cifs' family")
                return false
            }
            if error.isPermissionDenied {
                throw ValidationErrorLine(
                    "joining cifs_mcgrp_swn was refused: smb3-witnessd needs CAP_NET_ADMIN (the group carries NTLM passwords)")
            }
            throw ValidationErrorLine("\(error)")
        }
    }

    private func receiveLoop(
        sockets: SWNNetlinkSockets, platform: DaemonPlatform, registry: WitnessRegistry, log: SystemLog,
        sink: DaemonEventSink
    ) -> Never {
        let controllerID: UInt16 = 0x10  // GENL_ID_CTRL
        while true {
            var datagram: [UInt8]
            do {
                datagram = try sockets.receive()
            } catch {
                // ENOBUFS after a burst: the kernel repeats REGISTER every echo interval anyway.
                log.write(.warning, "netlink receive: \(error); continuing")
                continue
            }
            // A REGISTER carries the mount's password in plain text: every copy made here (the
            // datagram, each message's payload, each attribute's) is zeroed once handled.
            // Indices, not `for … in`, so that no second reference keeps a buffer alive unzeroed.
            defer { Secret.zero(&datagram) }
            var messages: [NetlinkMessage]
            do {
                messages = try NetlinkMessage.split(datagram)
            } catch {
                log.write(.warning, "malformed netlink datagram (\(datagram.count) bytes): \(error)")
                continue
            }
            defer { for index in messages.indices { messages[index].zeroPayload() } }
            for index in messages.indices {
                let type = messages[index].type
                guard var generic = try? GenericNetlinkMessage(parsing: messages[index].payload) else {
                    sink.log(.debug, "ignoring netlink message type \(type) without a generic header")
                    continue
                }
                defer { generic.zeroAttributes() }
                if type == controllerID {
                    handleController(generic, sockets: sockets, platform: platform, log: log)
                } else if type == platform.familyID.withLock({ $0 }) {
                    do {
                        registry.handle(try SWNKernelEvent(parsing: generic))
                    } catch {
                        log.write(.warning, "malformed witness message from the kernel: \(error)")
                    }
                }
            }
        }
    }

    /// CTRL_CMD_NEWFAMILY (1) / DELFAMILY (2) for "cifs": cifs.ko was loaded or removed.
    private func handleController(_ message: GenericNetlinkMessage, sockets: SWNNetlinkSockets, platform: DaemonPlatform, log: SystemLog) {
        guard message.attribute(2)?.string == SWNGenericNetlink.familyName else { return }  // CTRL_ATTR_FAMILY_NAME
        switch message.command {
        case 1:
            if (try? joinWitnessGroup(sockets: sockets, platform: platform, log: log)) == true {
                ServiceManagerNotifier.notify("STATUS=listening for cifs.ko witness registrations")
            }
        case 2:
            platform.familyID.withLock { $0 = nil }
            log.write(.notice, "the 'cifs' generic-netlink family went away (cifs.ko unloaded); waiting for it")
            ServiceManagerNotifier.notify("STATUS=waiting for cifs.ko with witness support")
        default:
            break
        }
    }
}
