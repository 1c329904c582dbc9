/// The upcall service: `smb3-upcall --serve`, started by systemd (smb3-upcall.socket).
public enum UpcallService {
    /// Inside the root-only directory that also holds root's keytab caches.
    public static let defaultSocketPath = "/run/smb3kit/upcall.sock"
}

extension UpcallServiceRequest {
    /// The request for `keySerial` with the handler's options.
    public init(keySerial: Int32, keyDescription: String, options: UpcallOptions, debug: Bool) {
        var flags: Flags = []
        if debug { flags.insert(.debug) }
        if options.legacyUID { flags.insert(.legacyUID) }
        if options.noEnvironmentProbe { flags.insert(.noEnvironmentProbe) }
        if options.trustDNS { flags.insert(.trustDNS) }
        if options.forceGSSAPI { flags.insert(.forceGSSAPI) }
        if options.gssProxyEnabled { flags.insert(.gssProxyEnabled) }
        self.init(
            keySerial: keySerial, keyDescription: keyDescription, flags: flags,
            negativeTimeoutSeconds: options.negativeTimeoutSeconds, krb5Config: options.krb5Config,
            keytab: options.keytab,
            keytabCacheDirectory: options.keytabCacheDirectory)
    }

    /// The handler's options, for the upcall the service runs.
    public var options: UpcallOptions {
        var options = UpcallOptions()
        options.legacyUID = flags.contains(.legacyUID)
        options.noEnvironmentProbe = flags.contains(.noEnvironmentProbe)
        options.trustDNS = flags.contains(.trustDNS)
        options.forceGSSAPI = flags.contains(.forceGSSAPI)
        options.gssProxyEnabled = flags.contains(.gssProxyEnabled)
        options.negativeTimeoutSeconds = negativeTimeoutSeconds
        options.krb5Config = krb5Config
        options.keytab = keytab
        options.keytabCacheDirectory = keytabCacheDirectory
        return options
    }

    public var debug: Bool { flags.contains(.debug) }
}
