import SMB3Errors
import SMB3Kerberos
import SMB3Keyring
import SMB3Protocol
import SMB3System
import UpcallKit
import UpcallRelay

/// The real system behind `Upcall`: keyctl, procfs through pinned descriptors, setns, setuid
/// and MIT krb5. A class because it keeps the pinned caller and its namespace files between calls.
final class LiveUpcallSystem: UpcallSystem {
    private let keyring = Keyring()
    private let relayedKey: RelayedKey?
    /// Descriptors the upcall still needs after joining the caller's namespaces (the service
    /// worker's connection to the handler), besides the log socket and the namespace files.
    private let keptDescriptors: [Int32]
    private var caller: ProcessHandle?
    private var namespaces: NamespaceSet?
    /// The caller's namespaces were joined (after checking that this process has one thread).
    private var joined = false

    /// With `relayedKey`, the key is the upcall service's request and its outcome the reply;
    /// without, keyctl (this process holds request-key's authority over the key).
    init(relayedKey: RelayedKey? = nil, keeping keptDescriptors: [Int32] = []) {
        self.relayedKey = relayedKey
        self.keptDescriptors = keptDescriptors
    }

    func describeKey(_ serial: Int32) throws(SystemError) -> String {
        if let relayedKey {
            guard serial == relayedKey.serial else {
                throw SystemError(
                    function: "keyctl_describe", errno: .permissionDenied,
                    context: "key \(serial) is not the requested key")
            }
            return relayedKey.description
        }
        return try keyring.describe(KeySerial(rawValue: serial))
    }

    func instantiateKey(_ serial: Int32, payload: [UInt8]) throws(SystemError) {
        if let relayedKey {
            relayedKey.reply = .instantiate(payload: payload)
            return
        }
        try keyring.instantiate(KeySerial(rawValue: serial), payload: payload)
    }

    func negateKey(_ serial: Int32, timeoutSeconds: UInt32) throws(SystemError) {
        if let relayedKey {
            relayedKey.reply = .negate(timeoutSeconds: timeoutSeconds)
            return
        }
        try keyring.negate(KeySerial(rawValue: serial), timeoutSeconds: timeoutSeconds)
    }

    func pinCaller(pid: UInt32, readEnvironment: Bool) throws(SystemError) -> CallerProcess {
        let handle = try ProcessHandle(task: Int32(bitPattern: pid))
        var facts = CallerProcess()
        let status = try handle.status()
        facts.realUID = status.uids?.real
        facts.effectiveUID = status.uids?.effective
        facts.realGID = status.gids?.real
        if handle.pid != handle.taskID { facts.threadGroup = UInt32(bitPattern: handle.pid) }
        if readEnvironment {
            // Unreadable environ (a setuid process, say) just means no probe, as in cifs.upcall.
            facts.environmentCCache = (try? handle.read("environ")).flatMap {
                ProcessEnvironment.value(of: "KRB5CCNAME", in: $0)
            }
        }
        namespaces = try handle.openNamespacesDifferingFromOurs()
        // What was read is the pinned process's only if it still runs now.
        try handle.requireRunning()
        caller = consume handle
        return facts
    }

    func joinCallerNamespaces() throws(SystemError) -> [String] {
        // Everything about the caller has been read: its /proc entry is not needed any more.
        if let handle = caller.take() { handle.release() }
        guard let set = namespaces.take() else { return [] }
        // Identity.become checks this through /proc/self, which after joining may be the
        // container's procfs, where this process does not exist.
        try Identity.requireSingleThreaded()
        joined = true
        var keep = keptDescriptors + set.descriptors
        if let log = SystemLog.connect() { keep.append(log) }
        try FileDescriptors.closeAll(except: keep)
        return try set.joinAll()
    }

    func primaryGroup(ofUser uid: UInt32) -> UInt32? { Identity.primaryGroup(ofUser: uid) }

    func becomeUser(uid: UInt32, gid: UInt32) throws(SystemError) {
        try Identity.become(uid: uid, gid: gid, threadsChecked: joined)
    }

    func setEnvironment(_ name: String, _ value: String) { Environment.set(name, value) }

    func canonicalDomain(ofHost host: String) -> String? { HostResolver.canonicalDomain(ofHost: host) }

    func reverseName(ofAddress address: String) -> String? { HostResolver.reverseName(ofAddress: address) }

    func credentialCache(named name: String?, services: [ServicePrincipalName]) -> CredentialCacheState {
        do {
            let session = try KerberosSession(ccacheName: name)
            let principal = try? session.clientPrincipal()
            let usable = principal != nil && ((try? session.hasUsableTicket(for: services)) ?? false)
            return CredentialCacheState(name: session.ccacheName, principal: principal, hasUsableTicket: usable)
        } catch {
            return CredentialCacheState(name: name ?? "(default)", principal: nil, hasUsableTicket: false)
        }
    }

    func keytabCache(keytab: String?, user: String, cacheName: String?) throws(KerberosError) -> String {
        try KerberosSession(keytab: keytab, user: user, ccacheName: cacheName).ccacheName
    }

    func preparePrivateDirectory(_ path: String) throws(SystemError) {
        try PrivateDirectory.prepare(path)
    }

    func apRequest(
        cache: String, service: ServicePrincipalName
    ) throws(KerberosError) -> (
        apRequest: [UInt8], sessionKey: Secret, client: String
    ) {
        let request = try KerberosSession(ccacheName: cache).apRequest(for: service)
        return (request.apRequest, request.sessionKey, request.client)
    }

    func gssInitialToken(host: String) throws(KerberosError) -> (token: [UInt8], sessionKey: Secret) {
        do { return try GSSInitiator.initialToken(host: host) } catch {
            throw KerberosError(kind: .other, reason: error.description)
        }
    }
}
