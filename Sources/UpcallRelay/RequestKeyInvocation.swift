/// The command lines request-key gives the handler (`smb3-upcall [cifs.upcall options] %k`),
/// parsed without reflection: process start-up is most of an upcall's cost, and the general
/// argument parser's type lookups cost more than the Kerberos work under emulation. Anything
/// this does not recognise (help, --explain, a typo) returns `nil` and goes to the full parser
/// in smb3-upcall-full, which owns the documentation of every option.
public struct RequestKeyInvocation: Hashable, Sendable {
    public var keySerial: Int32
    public var options: UpcallOptions
    public var debug: Bool
    /// `--no-service`: handle the key in this process even when the upcall service runs.
    public var useService = true
    /// `--service-socket`: where the upcall service listens.
    public var serviceSocket = UpcallService.defaultSocketPath

    public init(keySerial: Int32, options: UpcallOptions, debug: Bool) {
        self.keySerial = keySerial
        self.options = options
        self.debug = debug
    }

    public init?(arguments: [String]) {
        var options = UpcallOptions()
        var debug = false
        var serial: Int32?
        var useService = true
        var serviceSocket = UpcallService.defaultSocketPath
        var index = 0
        func value() -> String? {
            index += 1
            return index < arguments.count ? arguments[index] : nil
        }
        while index < arguments.count {
            switch arguments[index] {
            case "-c": break
            case "-d", "--debug": debug = true
            case "-E", "--no-env-probe": options.noEnvironmentProbe = true
            case "-l", "--legacy-uid": options.legacyUID = true
            case "-t", "--trust-dns": options.trustDNS = true
            case "--gssapi": options.forceGSSAPI = true
            case "--no-service": useService = false
            case "--service-socket":
                guard let path = value(), !path.isEmpty else { return nil }
                serviceSocket = path
            case "-k", "--krb5conf":
                guard let path = value() else { return nil }
                options.krb5Config = path
            case "-K", "--keytab":
                guard let path = value() else { return nil }
                options.keytab = path
            case "-e", "--expire":
                guard let seconds = value(), UInt32(seconds) != nil else { return nil }
            case "--negative-timeout":
                guard let text = value(), let seconds = UInt32(text) else { return nil }
                options.negativeTimeoutSeconds = seconds
            case "--keytab-cache-dir":
                guard let directory = value() else { return nil }
                options.keytabCacheDirectory = directory.isEmpty ? nil : directory
            case let argument:
                guard serial == nil, !argument.isEmpty, argument.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                    let number = Int32(argument)
                else { return nil }
                serial = number
            }
            index += 1
        }
        guard let serial else { return nil }
        self.keySerial = serial
        self.options = options
        self.debug = debug
        self.useService = useService
        self.serviceSocket = serviceSocket
    }
}
