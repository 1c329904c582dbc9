import SMB3Errors
import SMB3Protocol

/// What the upcall learns about the process that triggered the session setup, read through
/// descriptors opened before any namespace change.
public struct CallerProcess: Hashable, Sendable {
    /// KRB5CCNAME from its environment, if probed and present.
    public var environmentCCache: String?
    /// Real and effective uid, real gid of the triggering task, from its `status`.
    public var realUID: UInt32?
    public var effectiveUID: UInt32?
    public var realGID: UInt32?
    /// The process (thread group) the triggering task belongs to, when it is not the task itself.
    public var threadGroup: UInt32?

    public init(
        environmentCCache: String? = nil, realUID: UInt32? = nil, effectiveUID: UInt32? = nil, realGID: UInt32? = nil,
        threadGroup: UInt32? = nil
    ) {
        self.environmentCCache = environmentCCache
        self.realUID = realUID
        self.effectiveUID = effectiveUID
        self.realGID = realGID
        self.threadGroup = threadGroup
    }
}

/// A credential cache as the upcall sees it.
public struct CredentialCacheState: Hashable, Sendable {
    public var name: String
    /// The cache's principal; `nil` when the cache does not exist or is empty.
    public var principal: String?
    /// An unexpired TGT or a ticket for one of the service principals is in it.
    public var hasUsableTicket: Bool

    public init(name: String, principal: String?, hasUsableTicket: Bool) {
        self.name = name
        self.principal = principal
        self.hasUsableTicket = hasUsableTicket
    }
}

/// Every effect an upcall has on the system. The executable supplies the live implementation;
/// tests supply fakes that record calls.
public protocol UpcallSystem {
    func describeKey(_ serial: Int32) throws(SystemError) -> String
    func instantiateKey(_ serial: Int32, payload: [UInt8]) throws(SystemError)
    func negateKey(_ serial: Int32, timeoutSeconds: UInt32) throws(SystemError)

    /// Pins the task `pid` (a thread of any process: its thread group is pinned) and opens its
    /// namespace files, reading `environ` (if asked) and `status` now, while `/proc` is still
    /// the host's.
    mutating func pinCaller(pid: UInt32, readEnvironment: Bool) throws(SystemError) -> CallerProcess
    /// Joins the pinned caller's namespaces that differ from ours; returns the names joined.
    /// Before the first setns it closes every descriptor the rest of the upcall does not need
    /// (the pinned `/proc` entry, the service's listener): code the container controls may run
    /// in this process afterwards, and must find nothing of the host's to reach through.
    mutating func joinCallerNamespaces() throws(SystemError) -> [String]

    /// The user's primary gid from the host's passwd database; asked before any namespace change.
    func primaryGroup(ofUser uid: UInt32) -> UInt32?
    /// Drops groups, sets gid and uid, clears every capability.
    func becomeUser(uid: UInt32, gid: UInt32) throws(SystemError)
    func setEnvironment(_ name: String, _ value: String)

    /// The DNS domain of a short host name's canonical name (getaddrinfo with AI_CANONNAME).
    func canonicalDomain(ofHost host: String) -> String?
    /// The name reverse DNS gives for an address.
    func reverseName(ofAddress address: String) -> String?

    /// The named cache, or the libkrb5 default when `nil`.
    func credentialCache(named name: String?, services: [ServicePrincipalName]) -> CredentialCacheState
    /// Gets a TGT for `user` from a keytab into `cacheName` (a new `MEMORY:` cache when `nil`);
    /// returns the cache's name.
    func keytabCache(keytab: String?, user: String, cacheName: String?) throws(KerberosError) -> String
    /// Creates `path` as a directory only its owner (root) can enter, or checks that it is one.
    func preparePrivateDirectory(_ path: String) throws(SystemError)
    func apRequest(
        cache: String, service: ServicePrincipalName
    ) throws(KerberosError) -> (apRequest: [UInt8], sessionKey: Secret, client: String)
    /// gss_init_sec_context for `cifs@<host>`: the krb5 initial context token and session key.
    func gssInitialToken(host: String) throws(KerberosError) -> (token: [UInt8], sessionKey: Secret)
}
