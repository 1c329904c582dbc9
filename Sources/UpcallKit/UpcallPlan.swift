import SMB3Errors
import SMB3Protocol
import UpcallRelay

/// Everything decided from the key description and options alone, before any system call:
/// what `--explain` prints and what the upcall then carries out.
public struct UpcallPlan: Hashable, Sendable {
    /// The gid of `nogroup` (Debian's 65534): the fallback when the user has no passwd entry.
    public static let nogroup: UInt32 = 65534

    /// Whose credentials: `creduid=` unless `-l`.
    public var uid: UInt32
    /// Join the namespaces of `pid` (`upcall_target=app` or absent), or stay in the mount's.
    public var joinCallerNamespaces: Bool
    /// Read KRB5CCNAME from `/proc/<pid>/environ`: never for uid 0 (a DFS or root mount
    /// could otherwise borrow any process's cache), never with `-E` or `upcall_target=mount`.
    public var probeCallerEnvironment: Bool
    public var pid: UInt32
    /// Service principals to try, in order.
    public var servicePrincipals: [ServicePrincipalName]
    /// The host whose DNS domain may complete a short name (no dot, not an address).
    public var shortHostToQualify: String?
    /// Try the reverse-DNS name of the address: with `-t`, or when the kernel sent no host name.
    public var useReverseDNS: Bool
    /// The SPNEGO mechanism OID's name for logs (`krb5` or `mskrb5`).
    public var mechanism: SecurityMechanism
    /// `user=` for the keytab fallback.
    public var keytabUser: String?

    public init(description key: KeyDescription, options: UpcallOptions) throws(UpcallFailure) {
        guard MechanismOID.spnegoMechanism(for: key.mechanism) != nil else {
            throw UpcallFailure(
                .unsupportedMechanism,
                "sec=\(key.mechanism) is not supported: the kernel asked for IAKerb, which needs a KDC proxy this upcall does not implement; mount with sec=krb5"
            )
        }
        uid = options.legacyUID ? key.uid : key.credUID
        joinCallerNamespaces = key.effectiveUpcallTarget == .app
        probeCallerEnvironment = joinCallerNamespaces && !options.noEnvironmentProbe && uid != 0
        pid = key.pid
        mechanism = key.mechanism
        keytabUser = key.user.flatMap { $0.isEmpty ? nil : $0 }
        let host = key.host.lowercased()
        // 6.1 sends an empty host= for extra channels; only the address is left to name the server.
        servicePrincipals = host.isEmpty ? [] : Self.servicePrincipals(for: host)
        useReverseDNS = options.trustDNS || host.isEmpty
        let isAddress = IPv4Address(kernelText: host) != nil || host.contains(":")
        shortHostToQualify = !host.isEmpty && !host.contains(".") && !isAddress ? host : nil
    }

    /// `cifs/<host>` first (what Samba and AD register), then `CIFS/<host>` as a host-based name.
    public static func servicePrincipals(for host: String) -> [ServicePrincipalName] {
        [
            ServicePrincipalName(service: "cifs", host: host, hostBased: false),
            ServicePrincipalName(service: "CIFS", host: host, hostBased: true),
        ]
    }
}

/// Why an upcall failed, as one line an admin can act on.
public struct UpcallFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let badKey = Code(rawValue: "badKey")
        public static let unsupportedMechanism = Code(rawValue: "unsupportedMechanism")
        public static let process = Code(rawValue: "process")
        public static let namespaces = Code(rawValue: "namespaces")
        public static let identity = Code(rawValue: "identity")
        public static let noCredentials = Code(rawValue: "noCredentials")
        public static let kerberos = Code(rawValue: "kerberos")
        public static let keyring = Code(rawValue: "keyring")
    }

    public let code: Code
    public let message: String
    /// Journal fields for the failure line, so `journalctl KRB5_ERROR=clockSkew` finds it:
    /// `krb5.error` (a `KerberosError.Kind`), `krb5.ccache`, `krb5.spn`, where known.
    public var fields: [String: String] = [:]
    public var description: String { message }

    public init(_ code: Code, _ message: String, fields: [String: String] = [:]) {
        self.code = code
        self.message = message
        self.fields = fields
    }
}
