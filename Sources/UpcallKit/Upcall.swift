import Logging
import SMB3Errors
import SMB3Protocol
import UpcallRelay

/// One cifs.spnego upcall from key serial to instantiated (or negated) key.
///
/// Order matters: everything about the caller is read, and every namespace file opened, before
/// the first setns; NSS is asked for the user's group while still in the host's namespaces and
/// with privileges only there; the uid switch drops every capability before any Kerberos code
/// runs, so krb5.conf, the cache and the KDC are touched only as the user.
public struct Upcall<System: UpcallSystem> {
    public var system: System
    public let options: UpcallOptions
    public var logger: Logger

    public init(system: System, options: UpcallOptions, logger: Logger) {
        self.system = system
        self.options = options
        self.logger = logger
    }

    /// The fallback gid when the user has no passwd entry and is not the caller: `nogroup`.
    static var nogroup: UInt32 { UpcallPlan.nogroup }

    /// Handles the key; on any failure negates it briefly so the mount fails now and a retry
    /// (after kinit, say) is not blocked for the kernel's 60 s. Returns the failure, if any.
    public mutating func handle(keySerial: Int32) -> UpcallFailure? {
        logger[metadataKey: "key.serial"] = "\(keySerial)"
        do throws(UpcallFailure) {
            try run(keySerial: keySerial)
            return nil
        } catch {
            do throws(SystemError) {
                try system.negateKey(keySerial, timeoutSeconds: options.negativeTimeoutSeconds)
            } catch {
                logger.warning("could not negate the key: \(error)")
            }
            var metadata: Logger.Metadata = ["upcall.failure": "\(error.code.rawValue)"]
            for (name, value) in error.fields { metadata[name] = "\(value)" }
            logger.error("\(error.description)", metadata: metadata)
            return error
        }
    }

    private mutating func run(keySerial: Int32) throws(UpcallFailure) {
        let key = try describe(keySerial)
        let plan = try UpcallPlan(description: key, options: options)
        logger[metadataKey: "server.host"] = "\(key.host)"
        logger[metadataKey: "upcall.uid"] = "\(plan.uid)"
        logger[metadataKey: "upcall.target"] = "\(key.effectiveUpcallTarget)"
        logger.debug("key description: \(key)")

        // Host-side facts first: the group from the host's NSS, the caller through pinned fds.
        var gid = system.primaryGroup(ofUser: plan.uid)
        var caller = CallerProcess()
        if plan.joinCallerNamespaces {
            do throws(SystemError) {
                caller = try system.pinCaller(pid: plan.pid, readEnvironment: plan.probeCallerEnvironment)
            } catch {
                throw UpcallFailure(
                    .process, "cannot inspect the process (pid \(plan.pid)) that triggered the mount: \(error)")
            }
            if let group = caller.threadGroup { logger.debug("pid \(plan.pid) is a thread of process \(group)") }
            if gid == nil, caller.realUID == plan.uid { gid = caller.realGID }
            do throws(SystemError) {
                let joined = try system.joinCallerNamespaces()
                logger.debug(
                    "joined namespaces of pid \(plan.pid): \(joined.isEmpty ? "none differ" : joined.joined(separator: ","))"
                )
            } catch {
                throw UpcallFailure(.namespaces, "cannot join the namespaces of pid \(plan.pid): \(error)")
            }
        } else {
            logger.debug("upcall_target=mount: staying in the mount's namespaces")
        }

        do throws(SystemError) {
            try system.becomeUser(uid: plan.uid, gid: gid ?? Self.nogroup)
        } catch {
            throw UpcallFailure(.identity, "cannot switch to uid \(plan.uid): \(error)")
        }
        if let config = options.krb5Config { system.setEnvironment("KRB5_CONFIG", config) }
        // gssproxy's interposer looks for it in the environment, which the upcall service's
        // child has not inherited from the handler.
        if options.gssProxyEnabled { system.setEnvironment("GSS_USE_PROXY", "yes") }
        let environmentCCache = Self.callerCCache(caller, plan: plan)
        if let ccache = caller.environmentCCache, environmentCCache == nil {
            logger.notice(
                "ignoring KRB5CCNAME=\(ccache) of pid \(plan.pid): it runs as uid \(caller.realUID.map(String.init) ?? "?")/\(caller.effectiveUID.map(String.init) ?? "?") (real/effective), not as uid \(plan.uid) whose credentials the kernel asked for"
            )
        }
        if let ccache = environmentCCache {
            system.setEnvironment("KRB5CCNAME", ccache)
            logger.debug("KRB5CCNAME from pid \(plan.pid): \(ccache)")
        }

        let source = try credentialSource(plan: plan, preferred: environmentCCache)
        logger[metadataKey: "krb5.ccache"] = "\(source)"
        let ticket = try requestTicket(plan: plan, key: key, source: source)

        let payload: [UInt8]
        do {
            guard let mechanism = MechanismOID.spnegoMechanism(for: key.mechanism) else {
                throw UpcallFailure(.unsupportedMechanism, "sec=\(key.mechanism) has no SPNEGO mechanism")
            }
            let spnego = try SpnegoInitialToken(mechanismTypes: [mechanism], mechanismToken: ticket.krb5Token).encoded()
            payload = try SpnegoUpcallPayload(sessionKey: ticket.sessionKey, securityBlob: spnego).encoded()
        } catch let failure as UpcallFailure {
            throw failure
        } catch {
            throw UpcallFailure(.kerberos, "cannot encode the SPNEGO token: \(error)")
        }
        do throws(SystemError) {
            try system.instantiateKey(keySerial, payload: payload)
        } catch {
            throw UpcallFailure(.keyring, "cannot hand the token to the kernel: \(error)")
        }
        logger.info(
            "session key for \(ticket.client) to \(ticket.service) handed to cifs.ko",
            metadata: ["krb5.client": "\(ticket.client)", "krb5.spn": "\(ticket.service)"])
    }

    /// The caller's KRB5CCNAME, only if the caller runs as the user whose credentials the
    /// kernel asked for (real and effective uid): a cache named by another user's process (a
    /// setuid program, a service acting for someone) is not that user's to offer.
    static func callerCCache(_ caller: CallerProcess, plan: UpcallPlan) -> String? {
        guard let ccache = caller.environmentCCache, caller.realUID == plan.uid, caller.effectiveUID == plan.uid else {
            return nil
        }
        return ccache
    }

    /// Where the ticket comes from: a credential cache, or GSS-API (`--gssapi`, gssproxy).
    enum CredentialSource: CustomStringConvertible {
        case cache(String)
        case gssapi
        var description: String {
            switch self {
            case .cache(let name): name
            case .gssapi: "GSSAPI"
            }
        }
    }

    private func credentialSource(plan: UpcallPlan, preferred: String?) throws(UpcallFailure) -> CredentialSource {
        if options.forceGSSAPI { return .gssapi }
        do throws(UpcallFailure) {
            return .cache(try usableCache(plan: plan, preferred: preferred))
        } catch {
            guard options.gssProxyEnabled else { throw error }
            logger.debug("\(error.description); trying GSS-API (GSS_USE_PROXY=yes)")
            return .gssapi
        }
    }

    private func describe(_ keySerial: Int32) throws(UpcallFailure) -> KeyDescription {
        let text: String
        do throws(SystemError) {
            text = try system.describeKey(keySerial)
        } catch {
            throw UpcallFailure(.keyring, "cannot read key \(keySerial): \(error)")
        }
        let described: DescribedKey
        do throws(KeyDescriptionError) {
            described = try DescribedKey(parsing: text)
        } catch {
            throw UpcallFailure(.badKey, "refusing key \(keySerial): \(error.reason)")
        }
        // The kernel creates cifs.spnego keys as root (its spnego_cred). A key owned by anyone
        // else was made from userspace on a kernel without the CVE-2026-46243 fix: refuse it.
        guard described.uid == 0 else {
            throw UpcallFailure(
                .badKey, "refusing key \(keySerial): owned by uid \(described.uid), not by the kernel (uid 0)")
        }
        do throws(KeyDescriptionError) {
            return try described.spnegoDescription()
        } catch {
            throw UpcallFailure(.badKey, "refusing key \(keySerial): \(error.reason)")
        }
    }

    /// The caller's cache if it has a usable ticket, else a keytab cache for `user=`. Without
    /// either, krb5.error is noTicket whatever the cache's state (the message says which), so that
    /// one journal query (KRB5_ERROR=noTicket) finds every ticketless mount.
    private func usableCache(plan: UpcallPlan, preferred: String?) throws(UpcallFailure) -> String {
        let cache = system.credentialCache(named: preferred, services: plan.servicePrincipals)
        if cache.hasUsableTicket { return cache.name }
        let why =
            cache.principal == nil
            ? "no credential cache \(cache.name)" : "no valid TGT for \(cache.principal ?? "") in \(cache.name)"
        guard let user = plan.keytabUser else {
            throw UpcallFailure(
                .noCredentials,
                "no Kerberos ticket for uid \(plan.uid): \(why); run kinit as that user, or mount with username= and a keytab",
                fields: ["krb5.ccache": cache.name, "krb5.error": KerberosError.Kind.noTicket.rawValue])
        }
        logger.debug("\(why); trying keytab \(options.keytab ?? "(default)") for \(user)")
        let persistent = persistentKeytabCache(uid: plan.uid, user: user)
        if let persistent {
            let cached = system.credentialCache(named: persistent, services: plan.servicePrincipals)
            if cached.hasUsableTicket, let principal = cached.principal {
                // The file could be older than the naming rule, or written by someone else's tool.
                if UpcallOptions.principal(principal, belongsTo: user) {
                    logger.debug("reusing the keytab TGT in \(persistent)")
                    return persistent
                }
                logger.warning(
                    "not reusing \(persistent): it holds \(principal), not user=\(user); getting a new TGT into it")
            }
        }
        do throws(KerberosError) {
            return try system.keytabCache(keytab: options.keytab, user: user, cacheName: persistent)
        } catch {
            let keytab = options.keytab ?? "the default keytab"
            let advice =
                switch error.kind {
                case .keytabHasNoKey:
                    "; run kinit as that user, or add user=\(user)'s key to the keytab (-K names another)"
                case .keytabMissing: "; -K names the keytab to use"
                case .keytabUnreadable:
                    "; uid \(plan.uid) cannot read it: use -K with a keytab that user can read, or kinit"
                default: ""
                }
            throw UpcallFailure(
                .noCredentials,
                "no Kerberos ticket for uid \(plan.uid) (\(why)) and \(keytab) gave none for user=\(user): \(error.description)\(advice)",
                fields: [
                    "krb5.ccache": cache.name, "krb5.error": KerberosError.Kind.noTicket.rawValue,
                    "krb5.keytab_error": error.kind.rawValue,
                ])
        }
    }

    /// Only root's keytab TGTs are kept on disk (machine-account mounts); a user's go to memory.
    private func persistentKeytabCache(uid: UInt32, user: String) -> String? {
        guard uid == 0, let directory = options.keytabCacheDirectory, !directory.isEmpty else { return nil }
        do throws(SystemError) {
            try system.preparePrivateDirectory(directory)
        } catch {
            logger.warning("not caching the keytab TGT: \(error)")
            return nil
        }
        return UpcallOptions.keytabCacheName(directory: directory, user: user)
    }

    private struct Ticket {
        /// The RFC 1964 initial context token (GSS framing, TOK_ID, AP-REQ).
        var krb5Token: [UInt8]
        var sessionKey: Secret
        var client: String
        var service: ServicePrincipalName
    }

    /// Tries each service principal in turn and logs every attempt's krb5 error.
    private func requestTicket(
        plan: UpcallPlan, key: KeyDescription, source: CredentialSource
    ) throws(UpcallFailure) -> Ticket {
        var candidates = plan.servicePrincipals
        var lastFailure: KerberosError?
        var index = 0
        var qualified = false
        var reversed = false
        while true {
            if index == candidates.count {
                // Out of names: complete a short name with its DNS domain, then (-t) reverse DNS.
                if !qualified, let short = plan.shortHostToQualify {
                    qualified = true
                    if let domain = system.canonicalDomain(ofHost: short) {
                        candidates += UpcallPlan.servicePrincipals(for: "\(short).\(domain)".lowercased())
                        continue
                    }
                }
                if plan.useReverseDNS, !reversed {
                    reversed = true
                    if let name = system.reverseName(ofAddress: key.address.description) {
                        candidates += UpcallPlan.servicePrincipals(for: name.lowercased())
                        continue
                    }
                }
                break
            }
            let service = candidates[index]
            index += 1
            do throws(KerberosError) {
                return try ticket(for: service, from: source)
            } catch {
                logger.debug(
                    "service principal \(service): \(error.description)",
                    metadata: ["krb5.error": "\(error.kind.rawValue)"])
                lastFailure = error
                // Clock skew or an unreachable KDC will not get better with another name.
                if error.kind == .clockSkew || error.kind == .kdcUnreachable { break }
            }
        }
        if candidates.isEmpty {
            throw UpcallFailure(
                .kerberos,
                "the kernel sent no host name (an extra channel on a 6.1 kernel does) and reverse DNS of \(key.address) gave none; add a PTR record or /etc/hosts entry naming the server, or use one channel"
            )
        }
        let tried = candidates.map(\.description).joined(separator: ", ")
        var fields = ["krb5.ccache": "\(source)", "krb5.spn": tried]
        if let lastFailure { fields["krb5.error"] = lastFailure.kind.rawValue }
        throw UpcallFailure(.kerberos, Self.advice(for: lastFailure, tried: tried, cache: "\(source)"), fields: fields)
    }

    private func ticket(
        for service: ServicePrincipalName, from source: CredentialSource
    ) throws(KerberosError) -> Ticket {
        switch source {
        case .cache(let cache):
            let result = try system.apRequest(cache: cache, service: service)
            let token: [UInt8]
            do {
                token = try KerberosInitialContextToken(apRequest: result.apRequest).encoded()
            } catch {
                throw KerberosError(kind: .other, reason: "cannot frame the AP-REQ: \(error)")
            }
            return Ticket(krb5Token: token, sessionKey: result.sessionKey, client: result.client, service: service)
        case .gssapi:
            // GSS names the service host-based (cifs@host); the second spelling adds nothing.
            guard !service.hostBased else {
                throw KerberosError(
                    kind: .unknownServicePrincipal, reason: "GSS-API already tried cifs@\(service.host)")
            }
            let result = try system.gssInitialToken(host: service.host)
            return Ticket(krb5Token: result.token, sessionKey: result.sessionKey, client: "(GSS-API)", service: service)
        }
    }

    static func advice(for failure: KerberosError?, tried: String, cache: String) -> String {
        guard let failure else { return "no service principal to try" }
        let what: String
        switch failure.kind {
        case .unknownServicePrincipal:
            what =
                "the KDC does not know \(tried); register the server's cifs/ principal or use its canonical name in the UNC"
        case .clockSkew: what = "clock skew between this machine and the KDC is too great; fix NTP"
        case .kdcUnreachable: what = "the KDC cannot be reached; check krb5.conf [realms] and the network"
        case .ticketExpired, .noTicket, .noCredentialCache:
            what = "the ticket in \(cache) is missing or expired; run kinit"
        default: what = "Kerberos failed for \(tried)"
        }
        return "\(what) (\(failure.description))"
    }
}
