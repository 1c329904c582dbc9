import SMB3ProcFS
import UpcallRelay

/// What the upcall service (`smb3-upcall --serve`) lets in, decided from facts the platform
/// layer reads. The service can do for any uid what only root can (join namespaces, read any
/// user's caches and keytabs) and replies with a session key, so "root asked" is not enough:
/// a root process without capabilities (a hardened daemon, a container without a user
/// namespace that sees the host's /run) must not obtain through it what it cannot do itself.
///
/// Trusted, and why:
/// - the peer: only the installed handler (`smb3-upcall`, same file), run as root with every
///   capability the kernel has, as request-key's usermode helper runs it. A process that could
///   do the upcall itself gains nothing by asking.
/// - the key: only its serial. The description is read again here with keyctl, the key must
///   still be waiting for its handler (`/proc/keys`), and the upcall checks that the kernel
///   made it (owner uid 0).
/// - the handler's options: only those that cannot widen what the upcall does: `-d`, `-E`, the
///   negative timeout, and `--gssapi`/GSS_USE_PROXY (the same user's credentials through
///   GSS-API, where gssproxy applies its own per-uid policy). Paths (`-k`, `-K`,
///   `--keytab-cache-dir`) and the switches that choose whose credentials or which server name
///   (`-l`, `-t`) come from the service's own command line; a handler asking for others is
///   logged, not followed.
public enum UpcallServiceGate {
    /// What the service learnt about the process at the other end of a connection.
    public struct Peer: Sendable {
        /// SO_PEERCRED's uid.
        public var uid: UInt32
        public var pid: Int32
        /// Its status, or nil if it could not be read.
        public var status: ProcessStatus?
        /// Whether it runs the installed handler (its `exe` is the same file).
        public var runsHandler: Bool
        /// What it runs, for the log line.
        public var program: String

        public init(uid: UInt32, pid: Int32, status: ProcessStatus?, runsHandler: Bool, program: String) {
            self.uid = uid
            self.pid = pid
            self.status = status
            self.runsHandler = runsHandler
            self.program = program
        }
    }

    /// Why the peer may not ask, or nil if it may. `allCapabilities` has a bit for each
    /// capability the running kernel knows (0 through /proc/sys/kernel/cap_last_cap).
    public static func refusal(of peer: Peer, allCapabilities: UInt64) -> String? {
        guard peer.uid == 0 else { return "it runs as uid \(peer.uid); only root's handler may ask" }
        guard let status = peer.status else { return "its /proc status could not be read" }
        guard let uids = status.uids, uids.areUniform, uids.real == 0 else {
            return
                "its uids are not all 0 (\(status.uids.map { "\($0.real)/\($0.effective)/\($0.savedSet)/\($0.filesystem)" } ?? "unknown"))"
        }
        let missing = allCapabilities & ~(status.effectiveCapabilities ?? 0)
        guard missing == 0 else {
            return
                "it lacks capabilities (effective set missing 0x\(String(missing, radix: 16))) that a handler run by request-key has"
        }
        guard peer.runsHandler else { return "it runs \(peer.program), not the installed smb3-upcall" }
        return nil
    }

    /// Why the key may not be handled, or nil if it may. `described` is what keyctl says of the
    /// serial now; `entry` is its `/proc/keys` line.
    public static func refusal(of request: UpcallServiceRequest, described: String?, entry: ProcKeyEntry?) -> String? {
        guard let described else { return "key \(request.keySerial) cannot be described" }
        guard described == request.keyDescription else {
            return "the description sent for key \(request.keySerial) is not the key's"
        }
        guard let entry, entry.isUnderConstruction else {
            return "key \(request.keySerial) is not waiting for its handler"
        }
        return nil
    }

    /// The options an upcall for `request` runs with: the service's own, plus what the handler
    /// may narrow; and, for the log, the handler's options that were not followed.
    public static func options(
        for request: UpcallServiceRequest, service: UpcallOptions
    ) -> (options: UpcallOptions, ignored: [String]) {
        let asked = request.options
        var options = service
        options.noEnvironmentProbe = service.noEnvironmentProbe || asked.noEnvironmentProbe
        options.negativeTimeoutSeconds = asked.negativeTimeoutSeconds
        options.forceGSSAPI = service.forceGSSAPI || asked.forceGSSAPI
        options.gssProxyEnabled = service.gssProxyEnabled || asked.gssProxyEnabled
        var ignored: [String] = []
        func compare<T: Equatable>(_ name: String, _ path: KeyPath<UpcallOptions, T>) {
            if asked[keyPath: path] != service[keyPath: path] { ignored.append(name) }
        }
        compare("-l", \.legacyUID)
        compare("-t", \.trustDNS)
        compare("-k", \.krb5Config)
        compare("-K", \.keytab)
        compare("--keytab-cache-dir", \.keytabCacheDirectory)
        return (options, ignored)
    }
}
