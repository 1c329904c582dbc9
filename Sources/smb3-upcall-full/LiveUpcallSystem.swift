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
    private var caller: ProcessHandle?
    private var namespaces: NamespaceSet?

    /// With `relayedKey`, the key is the upcall service's request and its outcome the reply;
    /// without, keyctl (this process holds request-key's authority over the key).
    init(relayedKey: RelayedKey? = nil) {
        self.relayedKey = relayedKey
    }

    func describeKey(_ serial: Int32) throws(SystemFailure) -> String {
        if let relayedKey {
            guard serial == relayedKey.serial else { throw SystemFailure("key \(serial) is not the requested key") }
            return relayedKey.description
        }
        do { return try keyring.describe(KeySerial(rawValue: serial)) } catch { throw SystemFailure(error.description) }
    }

    func instantiateKey(_ serial: Int32, payload: [UInt8]) throws(SystemFailure) {
        if let relayedKey {
            relayedKey.reply = .instantiate(payload: payload)
            return
        }
        do { try keyring.instantiate(KeySerial(rawValue: serial), payload: payload) } catch { throw SystemFailure(error.description) }
    }

    func negateKey(_ serial: Int32, timeoutSeconds: UInt32) throws(SystemFailure) {
        if let relayedKey {
            relayedKey.reply = .negate(timeoutSeconds: timeoutSeconds)
            return
        }
        do { try keyring.negate(KeySerial(rawValue: serial), timeoutSeconds: timeoutSeconds) } catch {
            throw SystemFailure(error.description)
        }
    }

    func pinCaller(pid: UInt32, readEnvironment: Bool) throws(SystemFailure) -> CallerProcess {
        do {
            let handle = try ProcessHandle(pid: Int32(bitPattern: pid))
            var facts = CallerProcess()
            let status = try handle.read("status")
            (facts.realUID, facts.realGID) = ProcessStatus.realIDs(status)
            if readEnvironment {
                // Unreadable environ (a setuid process, say) just means no probe, as in cifs.upcall.
                facts.environmentCCache = (try? handle.read("environ")).flatMap { ProcessStatus.variable("KRB5CCNAME", in: $0) }
            }
            namespaces = try handle.openNamespacesDifferingFromOurs()
            caller = consume handle
            return facts
        } catch {
            throw SystemFailure(error.description)
        }
    }

    func joinCallerNamespaces() throws(SystemFailure) -> [String] {
        guard let set = namespaces.take() else { return [] }
        do { return try set.joinAll() } catch { throw SystemFailure(error.description) }
    }

    func primaryGroup(ofUser uid: UInt32) -> UInt32? { Identity.primaryGroup(ofUser: uid) }

    func becomeUser(uid: UInt32, gid: UInt32) throws(SystemFailure) {
        do { try Identity.become(uid: uid, gid: gid) } catch { throw SystemFailure(error.description) }
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

    func keytabCache(keytab: String?, user: String, cacheName: String?) throws(KerberosFailure) -> String {
        do { return try KerberosSession(keytab: keytab, user: user, ccacheName: cacheName).ccacheName } catch {
            throw Self.failure(error)
        }
    }

    func preparePrivateDirectory(_ path: String) throws(SystemFailure) {
        do { try PrivateDirectory.prepare(path) } catch { throw SystemFailure(error.description) }
    }

    func apRequest(cache: String, service: ServicePrincipalName) throws(KerberosFailure) -> (
        apRequest: [UInt8], sessionKey: Secret, client: String
    ) {
        do {
            let request = try KerberosSession(ccacheName: cache).apRequest(for: service)
            return (request.apRequest, request.sessionKey, request.client)
        } catch {
            throw Self.failure(error)
        }
    }

    func gssInitialToken(host: String) throws(KerberosFailure) -> (token: [UInt8], sessionKey: Secret) {
        do { return try GSSInitiator.initialToken(host: host) } catch {
            throw KerberosFailure(kind: .other, message: error.description)
        }
    }

    static func failure(_ error: KerberosError) -> KerberosFailure {
        KerberosFailure(kind: KerberosFailure.Kind(rawValue: error.kind.rawValue) ?? .other, message: error.description)
    }
}

/// A key the upcall service handles for the handler that holds it: the description it sent,
/// and the reply (instantiate or negate) the upcall leads to.
final class RelayedKey {
    let serial: Int32
    let description: String
    var reply: UpcallServiceReply?

    init(serial: Int32, description: String) {
        self.serial = serial
        self.description = description
    }
}

/// Fields of `/proc/<pid>/status` and `environ`.
enum ProcessStatus {
    /// The real uid and gid: the first number of the `Uid:` and `Gid:` lines.
    static func realIDs(_ status: [UInt8]) -> (UInt32?, UInt32?) {
        var uid: UInt32?
        var gid: UInt32?
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
            guard parts.count >= 2 else { continue }
            if parts[0] == "Uid:" { uid = UInt32(parts[1]) }
            if parts[0] == "Gid:" { gid = UInt32(parts[1]) }
        }
        return (uid, gid)
    }

    /// The first `NAME=value` entry of a NUL-separated environment block.
    static func variable(_ name: String, in environ: [UInt8]) -> String? {
        let prefix = Array((name + "=").utf8)
        for entry in environ.split(separator: 0) where entry.starts(with: prefix) {
            return String(decoding: entry.dropFirst(prefix.count), as: UTF8.self)
        }
        return nil
    }
}
