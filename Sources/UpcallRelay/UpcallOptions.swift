/// The options cifs.upcall has, with the same meaning.
public struct UpcallOptions: Hashable, Sendable {
    /// `-l`: use `uid=` instead of `creduid=`.
    public var legacyUID = false
    /// `-E`: never read KRB5CCNAME from the triggering process's environment.
    public var noEnvironmentProbe = false
    /// `-K`: the keytab for the `user=` fallback; the libkrb5 default when `nil`.
    public var keytab: String?
    /// `-k`: the krb5.conf to use (KRB5_CONFIG).
    public var krb5Config: String?
    /// `-t`: also try the name found by reverse DNS of the server address.
    public var trustDNS = false
    /// How long the kernel keeps a failed key: short, so a retry after kinit is not blocked.
    public var negativeTimeoutSeconds: UInt32 = 1
    /// Where root's keytab TGTs are kept between upcalls (`nil`: in memory, one AS exchange per
    /// upcall). Each channel of a multichannel mount has its own upcall, so this saves one AS
    /// exchange per extra channel and per reconnect.
    public var keytabCacheDirectory: String? = UpcallOptions.defaultKeytabCacheDirectory
    /// `--gssapi`: get the token through GSS-API instead of building the AP-REQ from a cache.
    public var forceGSSAPI = false
    /// GSS_USE_PROXY=yes was in the environment: when no cache or keytab gives a ticket, ask
    /// GSS-API, which then reaches gssproxy (as cifs.upcall does).
    public var gssProxyEnabled = false

    public static let defaultKeytabCacheDirectory = "/run/smb3kit"

    /// The persistent cache for root's keytab TGT of `user`: `FILE:<dir>/krb5cc_0_<user>`.
    /// The name is injective, so two user names never share a cache: letters, digits, `.`, `-`
    /// and `$` stand for themselves, every other byte (`_` itself included) is `_` and two hex
    /// digits (`svc_cifs` → `svc_5fcifs`, `../x` → `.._2fx`).
    public static func keytabCacheName(directory: String, user: String) -> String {
        var name = ""
        for byte in user.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "$"):
                name.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16)
                name += "_" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return "FILE:\(directory)/krb5cc_0_\(name)"
    }

    /// Whether a cache's client principal is `user`'s: the whole principal when `user` names a
    /// realm, else its name before the realm.
    public static func principal(_ principal: String, belongsTo user: String) -> Bool {
        if user.contains("@") { return principal == user }
        guard let at = principal.lastIndex(of: "@") else { return principal == user }
        return principal[..<at] == user
    }

    public init() {}
}
