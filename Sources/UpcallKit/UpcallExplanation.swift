/// What `smb3-upcall --explain` found: what an upcall would do for a key description in this
/// environment, without a key. One value for both outputs: `--json` encodes it (keys in this
/// order, `null` when unknown), `text` renders it.
public struct UpcallExplanation: Encodable, Hashable, Sendable {
    public var host: String
    public var address: String
    public var mechanism: String
    public var uid: UInt32
    public var gid: UInt32?
    public var upcallTarget: String
    public var upcallTargetSent: Bool
    public var namespaces: String
    public var callerNamespacesDiffering: [String]?
    public var environmentProbe: String
    public var ccache: String
    public var ccachePrincipal: String?
    public var ticketPresent: Bool
    public var servicePrincipals: [String]
    public var keytab: String?
    public var keytabUser: String?
    public var verdict: String
    public var unknownFields: [String]

    public init(
        host: String, address: String, mechanism: String, uid: UInt32, gid: UInt32?, upcallTarget: String,
        upcallTargetSent: Bool, namespaces: String, callerNamespacesDiffering: [String]?, environmentProbe: String,
        ccache: String, ccachePrincipal: String?, ticketPresent: Bool, servicePrincipals: [String], keytab: String?,
        keytabUser: String?, verdict: String, unknownFields: [String]
    ) {
        self.host = host
        self.address = address
        self.mechanism = mechanism
        self.uid = uid
        self.gid = gid
        self.upcallTarget = upcallTarget
        self.upcallTargetSent = upcallTargetSent
        self.namespaces = namespaces
        self.callerNamespacesDiffering = callerNamespacesDiffering
        self.environmentProbe = environmentProbe
        self.ccache = ccache
        self.ccachePrincipal = ccachePrincipal
        self.ticketPresent = ticketPresent
        self.servicePrincipals = servicePrincipals
        self.keytab = keytab
        self.keytabUser = keytabUser
        self.verdict = verdict
        self.unknownFields = unknownFields
    }

    /// The text form, one fact per line.
    public var text: String {
        var lines = [
            "server:             \(host) (\(address)), sec=\(mechanism)",
            "credentials of:     uid \(uid)"
                + (gid.map { ", gid \($0)" } ?? ", no passwd entry (gid nogroup)"),
            "upcall_target:      \(upcallTarget)"
                + (upcallTargetSent ? "" : " (not sent by this kernel; app assumed)"),
            "namespaces:         \(namespaces)"
                + (callerNamespacesDiffering.map {
                    $0.isEmpty ? " (same as ours)" : " (differing: \($0.joined(separator: ",")))"
                } ?? ""),
            "environment probe:  \(environmentProbe)",
            "credential cache:   \(ccache)"
                + (ccachePrincipal.map { " (\($0))" } ?? " (absent or empty)"),
            "usable ticket:      \(ticketPresent ? "yes" : "no")",
            "service principals: \(servicePrincipals.joined(separator: ", "))",
        ]
        if let keytab = keytab, let user = keytabUser {
            lines.append("keytab fallback:    \(keytab) for \(user)")
        }
        for field in unknownFields { lines.append("unknown field:      \(field) (ignored)") }
        lines.append("verdict:            \(verdict)")
        return lines.joined(separator: "\n")
    }
}
