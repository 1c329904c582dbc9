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

    /// The options request-key's command lines carry: cifs.upcall's, plus `--no-service` and
    /// `--service-socket`. Each has the names and arity of smb3-upcall-full's ArgumentParser
    /// definition (a test keeps the two in agreement); that parser's other options (help,
    /// --explain, --serve, …) are not here and go to it.
    public enum Option: CaseIterable, Sendable {
        case ignoredC, debug, noEnvironmentProbe, legacyUID, trustDNS, gssapi, noService
        case serviceSocket, krb5Config, keytab, expire, negativeTimeout, keytabCacheDirectory

        /// Every spelling, dashes included.
        public var names: [String] {
            switch self {
            case .ignoredC: ["-c"]
            case .debug: ["-d", "--debug"]
            case .noEnvironmentProbe: ["-E", "--no-env-probe"]
            case .legacyUID: ["-l", "--legacy-uid"]
            case .trustDNS: ["-t", "--trust-dns"]
            case .gssapi: ["--gssapi"]
            case .noService: ["--no-service"]
            case .serviceSocket: ["--service-socket"]
            case .krb5Config: ["-k", "--krb5conf"]
            case .keytab: ["-K", "--keytab"]
            case .expire: ["-e", "--expire"]
            case .negativeTimeout: ["--negative-timeout"]
            case .keytabCacheDirectory: ["--keytab-cache-dir"]
            }
        }

        /// Whether the next argument is its value.
        public var takesValue: Bool {
            switch self {
            case .ignoredC, .debug, .noEnvironmentProbe, .legacyUID, .trustDNS, .gssapi, .noService: false
            case .serviceSocket, .krb5Config, .keytab, .expire, .negativeTimeout, .keytabCacheDirectory: true
            }
        }

        public init?(name: String) {
            guard let option = Self.allCases.first(where: { $0.names.contains(name) }) else { return nil }
            self = option
        }
    }

    public init?(arguments: [String]) {
        self.init(keySerial: 0, options: UpcallOptions(), debug: false)
        var serial: Int32?
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard let option = Option(name: argument) else {
                guard serial == nil, !argument.isEmpty, argument.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                    let number = Int32(argument)
                else { return nil }
                serial = number
                continue
            }
            var value: String?
            if option.takesValue {
                guard index < arguments.count else { return nil }
                value = arguments[index]
                index += 1
            }
            guard apply(option, value: value) else { return nil }
        }
        guard let serial else { return nil }
        self.keySerial = serial
    }

    /// Records one option; false for a value this parser does not take (the full parser then
    /// reports it).
    private mutating func apply(_ option: Option, value: String?) -> Bool {
        switch option {
        case .ignoredC: break
        case .debug: debug = true
        case .noEnvironmentProbe: options.noEnvironmentProbe = true
        case .legacyUID: options.legacyUID = true
        case .trustDNS: options.trustDNS = true
        case .gssapi: options.forceGSSAPI = true
        case .noService: useService = false
        case .serviceSocket:
            guard let value, !value.isEmpty else { return false }
            serviceSocket = value
        case .krb5Config: options.krb5Config = value
        case .keytab: options.keytab = value
        case .expire:
            // Accepted for compatibility (dns_resolver keys) and ignored.
            guard let value, UInt32(value) != nil else { return false }
        case .negativeTimeout:
            guard let value, let seconds = UInt32(value) else { return false }
            options.negativeTimeoutSeconds = seconds
        case .keytabCacheDirectory:
            guard let value else { return false }
            options.keytabCacheDirectory = value.isEmpty ? nil : value
        }
        return true
    }
}
