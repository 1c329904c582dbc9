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

    /// The persistent cache for root's keytab TGT of `user`: `FILE:<dir>/krb5cc_0_<user>`, with
    /// anything but letters, digits, `.`, `_`, `-` and `$` in the name replaced.
    public static func keytabCacheName(directory: String, user: String) -> String {
        let safe = String(user.unicodeScalars.map { scalar -> Character in
            let c = Character(scalar)
            return (c.isASCII && (c.isLetter || c.isNumber)) || "._-$".contains(c) ? c : "_"
        })
        return "FILE:\(directory)/krb5cc_0_\(safe)"
    }

    public init() {}
}
