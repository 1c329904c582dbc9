import Logging
import SMB3Errors
import SMB3Protocol
import UpcallKit
import UpcallRelay

/// What the upcall service does once, before it serves: an upcall for a made-up key whose
/// every step that would change the process (setns, setuid, environment) or reach beyond it
/// (DNS, the keytab, a real cache) is left out, and whose outcome goes nowhere. The children
/// forked for requests then inherit a process in which libkrb5 has read its configuration and
/// bound its symbols and Swift's runtime has built the upcall's type metadata, instead of each
/// doing that again: under emulation that is most of a warm child's time.
struct UpcallWarmUp: UpcallSystem {
    /// A cache that does not exist: libkrb5 runs its cache lookup and finds nothing.
    static let cache = "MEMORY:smb3-upcall-warm-up"
    static let serial: Int32 = 1
    /// What stands in for the AP-REQ libkrb5 cannot make here: an empty `[APPLICATION 14]`.
    static let standInAPRequest: [UInt8] = [0x6E, 0x00]
    /// An all-zero session key of AES-128's length.
    static let standInSessionKey = Secret([UInt8](repeating: 0, count: 16))
    static let description =
        "cifs.spnego;0;0;39010000;ver=0x2;host=warm-up.invalid;ip4=192.0.2.1;sec=krb5;uid=0x0;creduid=0x0;pid=0x1;upcall_target=mount"

    private let live = LiveUpcallSystem(relayedKey: RelayedKey(serial: Self.serial, description: Self.description))

    /// Runs the made-up upcall; its log lines are dropped.
    static func run() {
        let quiet = Logger(label: "smb3-upcall") { _ in
            var handler = UpcallCommand.logger(debug: false, echoToTerminal: false).handler
            handler.logLevel = .critical
            return handler
        }
        var upcall = Upcall(system: UpcallWarmUp(), options: UpcallOptions(), logger: quiet)
        _ = upcall.handle(keySerial: serial)
    }

    func describeKey(_ serial: Int32) throws(SystemError) -> String { try live.describeKey(serial) }
    func instantiateKey(_ serial: Int32, payload: [UInt8]) throws(SystemError) {}
    func negateKey(_ serial: Int32, timeoutSeconds: UInt32) throws(SystemError) {}
    mutating func pinCaller(pid: UInt32, readEnvironment: Bool) throws(SystemError) -> CallerProcess { CallerProcess() }
    mutating func joinCallerNamespaces() throws(SystemError) -> [String] { [] }
    func primaryGroup(ofUser uid: UInt32) -> UInt32? { live.primaryGroup(ofUser: uid) }
    func becomeUser(uid: UInt32, gid: UInt32) throws(SystemError) {}
    func setEnvironment(_ name: String, _ value: String) {}
    func canonicalDomain(ofHost host: String) -> String? { nil }
    func reverseName(ofAddress address: String) -> String? { nil }

    /// libkrb5 looks at a cache that does not exist; the upcall is told it holds a ticket, so
    /// that it goes on to the AP-REQ and the token.
    func credentialCache(named name: String?, services: [ServicePrincipalName]) -> CredentialCacheState {
        let state = live.credentialCache(named: Self.cache, services: services)
        return CredentialCacheState(name: state.name, principal: "warm-up@INVALID", hasUsableTicket: true)
    }

    func keytabCache(keytab: String?, user: String, cacheName: String?) throws(KerberosError) -> String {
        throw KerberosError(kind: .other, reason: "no keytab during warm-up")
    }

    func preparePrivateDirectory(_ path: String) throws(SystemError) {}

    /// libkrb5 fails to find a TGT in the empty cache; the upcall then frames a stand-in
    /// AP-REQ (an empty [APPLICATION 14]) into the SPNEGO token and payload.
    func apRequest(
        cache: String, service: ServicePrincipalName
    ) throws(KerberosError) -> (
        apRequest: [UInt8], sessionKey: Secret, client: String
    ) {
        _ = try? live.apRequest(cache: Self.cache, service: service)
        return (Self.standInAPRequest, Self.standInSessionKey, "warm-up@INVALID")
    }

    /// GSS-API stays cold on purpose: it loads its mechanisms, gssproxy's interposer among them,
    /// on first use according to GSS_USE_PROXY, which each child sets for itself.
    func gssInitialToken(host: String) throws(KerberosError) -> (token: [UInt8], sessionKey: Secret) {
        throw KerberosError(kind: .other, reason: "no GSS-API during warm-up")
    }
}
