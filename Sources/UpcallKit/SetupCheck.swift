import SMB3Protocol

/// One finding of `smb3-upcall --check-setup`.
public struct SetupCheck: Hashable, Sendable, Encodable {
    public enum Status: String, Hashable, Sendable, Encodable, CustomStringConvertible {
        case ok
        /// Kerberos mounts fail until it is fixed.
        case problem
        /// Worth knowing; nothing fails because of it.
        case note

        public var description: String { rawValue }
    }

    public enum Name: String, Hashable, Sendable, Encodable, CustomStringConvertible {
        case requestKeyProgram = "request-key-program"
        case spnegoHandler = "spnego-handler"
        case cifsModule = "cifs-module"
        case krb5Realm = "krb5-realm"
        case upcallService = "upcall-service"

        public var description: String { rawValue }
    }

    /// An active `create cifs.spnego` line.
    public struct HandlerLine: Hashable, Sendable, Encodable {
        public var file: String
        public var line: Int
        public var text: String
        public var program: String
        public var handler: String
        public var executable: Bool
    }

    public struct KDC: Hashable, Sendable, Encodable {
        /// The `kdc =` value as written.
        public var entry: String
        public var host: String
        public var addresses: [String]?
        public var error: String?
    }

    public var name: Name
    public var status: Status
    public var message: String
    /// What to run or change, one step per element; only for problems (and some notes).
    public var fix: [String]?

    // Details, each only on the checks it concerns.
    public var path: String?
    public var handlers: [HandlerLine]?
    /// `file:line` of the line request-key uses, when several are active.
    public var used: String?
    public var unreadableFiles: [String]?
    public var kernelRelease: String?
    /// `loaded`, `built-in`, `installed`, `missing` or `unknown`.
    public var module: String?
    /// The kernel configuration file read, if any.
    public var kernelConfig: String?
    /// CONFIG_CIFS, CONFIG_CIFS_UPCALL, CONFIG_KEYS: `y`, `m`, `not set`.
    public var kernelOptions: [String: String]?
    public var krb5Config: [String]?
    public var defaultRealm: String?
    public var kdcs: [KDC]?

    public init(_ name: Name, _ status: Status, _ message: String, fix: [String]? = nil) {
        self.name = name
        self.status = status
        self.message = message
        self.fix = fix
    }
}

/// The whole answer: ready when no check found a problem.
public struct SetupReport: Hashable, Sendable, Encodable {
    public var ready: Bool
    public var checks: [SetupCheck]

    public init(checks: [SetupCheck]) {
        self.checks = checks
        self.ready = !checks.contains { $0.status == .problem }
    }

    /// One line per check (`ok`, `PROBLEM`, `note`), then its `fix:` lines indented, then a verdict.
    public var text: String {
        var lines: [String] = []
        for check in checks {
            let label = check.status == .problem ? "PROBLEM" : check.status.rawValue
            lines.append("\(label.padding(to: 8))\(check.name): \(check.message)")
            for step in check.fix ?? [] { lines.append("        fix: \(step)") }
        }
        let problems = checks.filter { $0.status == .problem }.count
        lines.append(
            ready
                ? "ready: this host can do Kerberos (sec=krb5) cifs mounts"
                : "not ready: \(problems) problem\(problems == 1 ? "" : "s") to fix before Kerberos (sec=krb5) cifs mounts can work"
        )
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

/// `smb3-upcall --check-setup`: whether this host can do Kerberos cifs mounts, and for each
/// problem the fix. Reads files only (and resolves the KDCs' names); runs as any user.
public struct SetupChecker<System: SetupSystem> {
    public var system: System
    public var paths: SetupPaths
    /// `-k`: the krb5.conf the upcall is told to use; else `KRB5_CONFIG`; else /etc/krb5.conf.
    public var krb5ConfigOption: String?
    /// `KRB5_CONFIG` from the environment (libkrb5 takes a colon-separated list of files).
    public var krb5ConfigEnvironment: String?
    public var serviceSocket: String

    /// At most this many KDC names are resolved (each with the system's own timeout).
    public static var maximumKDCLookups: Int { 8 }

    public init(
        system: System, paths: SetupPaths = SetupPaths(), krb5ConfigOption: String? = nil,
        krb5ConfigEnvironment: String? = nil, serviceSocket: String
    ) {
        self.system = system
        self.paths = paths
        self.krb5ConfigOption = krb5ConfigOption
        self.krb5ConfigEnvironment = krb5ConfigEnvironment
        self.serviceSocket = serviceSocket
    }

    public func run() -> SetupReport {
        SetupReport(checks: [requestKeyProgram(), spnegoHandler(), cifsModule(), krb5Realm(), upcallService()])
    }

    // MARK: request-key-program

    func requestKeyProgram() -> SetupCheck {
        let path = paths.requestKeyProgram
        var check: SetupCheck
        if system.isExecutable(path) {
            check = SetupCheck(.requestKeyProgram, .ok, "\(path) is installed")
        } else if system.fileKind(path) == .absent {
            check = SetupCheck(
                .requestKeyProgram, .problem,
                "\(path) is missing: the kernel runs it for every cifs.spnego key, so without it sec=krb5 mounts "
                    + "fail with mount error(126) (ENOKEY, \"Required key not available\")",
                fix: ["apt-get install keyutils"])
        } else {
            check = SetupCheck(
                .requestKeyProgram, .problem,
                "\(path) is not an executable file: sec=krb5 mounts fail with mount error(126) (ENOKEY)",
                fix: ["apt-get install --reinstall keyutils"])
        }
        check.path = path
        return check
    }

    // MARK: spnego-handler

    func spnegoHandler() -> SetupCheck {
        var rules: [RequestKeyRule] = []
        var unreadable: [String] = []
        for file in paths.requestKeyFiles(in: system) {
            switch system.readText(file) {
            case .text(let text): rules += RequestKeyRules.spnegoRules(RequestKeyRules.parse(text, file: file))
            case .absent: continue
            case .unreadable(let why): unreadable.append("\(file) (\(why))")
            }
        }
        let lines = rules.map { rule in
            SetupCheck.HandlerLine(
                file: rule.file, line: rule.line, text: rule.text, program: rule.handlerProgram,
                handler: rule.handlerKind.rawValue,
                executable: rule.handlerProgram.hasPrefix("/") && system.isExecutable(rule.handlerProgram))
        }
        func describe(_ line: SetupCheck.HandlerLine) -> String {
            "\(line.handler == SpnegoHandlerKind.other.rawValue ? line.program : line.handler) (\(line.file):\(line.line))"
        }
        let switchFix = [
            "smb3-upcall --set-handler smb3-upcall",
            "or, for cifs-utils' handler: smb3-upcall --set-handler cifs.upcall",
        ]
        var check: SetupCheck
        let unreadableNote = unreadable.isEmpty ? "" : "; could not read \(unreadable.joined(separator: ", "))"
        if lines.isEmpty {
            check = SetupCheck(
                .spnegoHandler, .problem,
                "no active 'create cifs.spnego' line in \(paths.requestKeyConf) or \(paths.requestKeyDirectory)/*.conf: "
                    + "request-key has no handler for the key, so sec=krb5 mounts fail with mount error(126) (ENOKEY)"
                    + unreadableNote,
                fix: [
                    "smb3-upcall --set-handler smb3-upcall",
                    "or install cifs-utils' handler: apt-get install cifs-utils",
                ])
        } else if lines.count == 1, let only = lines.first {
            if !only.program.hasPrefix("/") {
                check = SetupCheck(
                    .spnegoHandler, .problem,
                    "cifs.spnego keys go to \(only.program) (\(only.file):\(only.line)), which is not a full path: request-key refuses it",
                    fix: switchFix)
            } else if !only.executable {
                check = SetupCheck(
                    .spnegoHandler, .problem,
                    "cifs.spnego keys go to \(only.program) (\(only.file):\(only.line)), which is missing or not executable: "
                        + "sec=krb5 mounts fail with mount error(126) (ENOKEY)",
                    fix: only.handler == SpnegoHandlerKind.cifsUpcall.rawValue
                        ? ["apt-get install cifs-utils", "or: smb3-upcall --set-handler smb3-upcall"] : switchFix)
            } else {
                check = SetupCheck(
                    .spnegoHandler, .ok,
                    "cifs.spnego keys go to \(only.handler) \(only.program) (\(only.file):\(only.line))"
                        + unreadableNote)
            }
        } else {
            let used = RequestKeyRules.bestSpnegoRule(rules)
            check = SetupCheck(
                .spnegoHandler, .problem,
                "\(lines.count) active 'create cifs.spnego' lines: \(lines.map(describe).joined(separator: ", "))"
                    + (used.map { "; request-key uses only \($0.location)" } ?? "") + unreadableNote,
                fix: switchFix)
            check.used = used?.location
        }
        check.handlers = lines
        check.unreadableFiles = unreadable.isEmpty ? nil : unreadable
        return check
    }

    // MARK: cifs-module

    func cifsModule() -> SetupCheck {
        let release = system.kernelRelease()
        var problems: [String] = []
        var notes: [String] = []
        var fixes: [String] = []

        // The configuration, if the distribution left it readable.
        let bootConfig = paths.path("/boot/config-\(release)")
        let procConfig = paths.path("/proc/config.gz")
        var config: KernelConfig?
        var configPath: String?
        var configErrors: [String] = []
        switch system.readText(bootConfig) {
        case .text(let text): (config, configPath) = (KernelConfig(parsing: text), bootConfig)
        case .absent: configErrors.append("\(bootConfig) absent")
        case .unreadable(let why): configErrors.append("\(bootConfig): \(why)")
        }
        if config == nil {
            switch system.readGzipText(procConfig) {
            case .text(let text): (config, configPath) = (KernelConfig(parsing: text), procConfig)
            case .absent: configErrors.append("\(procConfig) absent")
            case .unreadable(let why): configErrors.append("\(procConfig): \(why)")
            }
        }

        // The module itself.
        let module: String
        if system.fileKind(paths.path("/sys/module/cifs")) == .directory {
            module = "loaded"
        } else if config?["CIFS"] == .builtIn {
            module = "built-in"
        } else {
            switch moduleInstalled(release: release) {
            case true?: module = "installed"
            case false?: module = "missing"
            case nil: module = "unknown"
            }
        }

        var options: [String: String]?
        if let config {
            var values: [String: String] = [:]
            for name in ["CIFS", "CIFS_UPCALL", "KEYS"] {
                switch config[name] {
                case .builtIn: values["CONFIG_" + name] = "y"
                case .module: values["CONFIG_" + name] = "m"
                case .notSet: values["CONFIG_" + name] = "not set"
                case .other(let value): values["CONFIG_" + name] = value
                }
            }
            options = values
            if !config["KEYS"].isEnabled {
                problems.append(
                    "CONFIG_KEYS is not set: this kernel has no keyrings, so cifs.ko cannot ask for Kerberos keys")
                fixes.append(
                    "boot a kernel built with CONFIG_KEYS=y and CONFIG_CIFS_UPCALL=y (Debian's linux-image packages are)"
                )
            }
            if !config["CIFS"].isEnabled {
                problems.append("CONFIG_CIFS is not set: this kernel has no SMB client")
                fixes.append("boot a kernel built with CONFIG_CIFS=m (Debian's linux-image packages are)")
            } else if !config["CIFS_UPCALL"].isEnabled {
                problems.append(
                    "CONFIG_CIFS_UPCALL is not set: cifs.ko registers no cifs.spnego key type and never asks userspace "
                        + "for a Kerberos blob; dmesg says \"Kerberos negotiated but upcall support disabled!\" and the mount "
                        + "fails (mount error(95) over SMB2/3; error(38), ENOSYS, with vers=1.0)")
                fixes.append("boot a kernel built with CONFIG_CIFS_UPCALL=y (Debian's linux-image packages are)")
            }
        } else {
            notes.append(
                "the kernel configuration is not readable (\(configErrors.joined(separator: "; "))), so CONFIG_CIFS_UPCALL "
                    + "cannot be checked; without it sec=krb5 mounts fail with error 95 (38 with vers=1.0)")
        }

        switch module {
        case "missing":
            problems.append("cifs.ko is neither loaded nor installed for kernel \(release)")
            fixes.append("install the modules of the running kernel (Debian: linux-image-\(release))")
        case "unknown":
            notes.append(
                "cannot tell whether cifs.ko is installed for kernel \(release) (\(paths.path("/lib/modules/\(release)")) is not readable)"
            )
        default:
            break
        }

        var check: SetupCheck
        let moduleText =
            module == "built-in" ? "cifs is built into kernel \(release)" : "cifs.ko is \(module) (kernel \(release))"
        if !problems.isEmpty {
            check = SetupCheck(.cifsModule, .problem, problems.joined(separator: "; "), fix: fixes)
        } else if !notes.isEmpty {
            check = SetupCheck(.cifsModule, .note, ([moduleText] + notes).joined(separator: "; "))
        } else {
            check = SetupCheck(
                .cifsModule, .ok,
                "\(moduleText); \(configPath.map { "CONFIG_CIFS_UPCALL=\(options?["CONFIG_CIFS_UPCALL"] ?? "?") in \($0)" } ?? "")"
            )
        }
        check.kernelRelease = release
        check.module = module
        check.kernelConfig = configPath
        check.kernelOptions = options
        return check
    }

    /// Whether modules.dep (or modules.builtin) of `release` names cifs.ko; `nil` if neither is readable.
    private func moduleInstalled(release: String) -> Bool? {
        let directory = paths.path("/lib/modules/\(release)")
        var readable = false
        for file in ["modules.dep", "modules.builtin"] {
            guard case .text(let text) = system.readText(directory + "/" + file) else { continue }
            readable = true
            for line in RequestKeyRules.lines(of: text) {
                // modules.dep: "kernel/fs/smb/client/cifs.ko.xz: kernel/net/dns_resolver/dns_resolver.ko.xz ..."
                let path = line.split(separator: ":", maxSplits: 1).first.map(String.init) ?? line
                let name = path.split(separator: "/").last.map(String.init) ?? path
                if name == "cifs.ko" || name.hasPrefix("cifs.ko.") { return true }
            }
        }
        return readable ? false : nil
    }

    // MARK: krb5-realm

    func krb5Realm() -> SetupCheck {
        let files: [String]
        if let option = krb5ConfigOption {
            files = [option]
        } else if let environment = krb5ConfigEnvironment, !environment.isEmpty {
            files = environment.split(separator: ":").map(String.init)
        } else {
            files = [paths.path("/etc/krb5.conf")]
        }
        var profile = Krb5Profile()
        var found: [String] = []
        var failures: [String] = []
        for file in files {
            switch system.readText(file) {
            case .text(let text):
                found.append(file)
                do throws(Krb5ProfileError) {
                    profile.merge(try Krb5Profile(parsing: text))
                } catch {
                    failures.append("\(file) \(error)")
                }
            case .absent: continue
            case .unreadable(let why): failures.append("\(file): \(why)")
            }
        }
        var check: SetupCheck
        let wanted = files.joined(separator: ":")
        if !failures.isEmpty {
            check = SetupCheck(
                .krb5Realm, .problem, "libkrb5 cannot use its configuration: \(failures.joined(separator: "; "))",
                fix: ["correct \(failures.count == 1 ? "that line" : "those lines") of the krb5.conf"])
        } else if found.isEmpty {
            check = SetupCheck(
                .krb5Realm, .problem, "no krb5.conf (\(wanted)): libkrb5 knows no default realm",
                fix: [
                    "apt-get install krb5-user (it asks for the realm), or write \(wanted) with [libdefaults] default_realm = YOUR.REALM"
                ])
        } else if let realm = profile.value(["libdefaults", "default_realm"]), !realm.isEmpty {
            check = kdcCheck(profile: profile, realm: realm, config: found.joined(separator: ":"))
            check.defaultRealm = realm
        } else {
            check = SetupCheck(
                .krb5Realm, .problem, "\(found.joined(separator: ":")) has no default_realm in [libdefaults]",
                fix: ["add 'default_realm = YOUR.REALM' under [libdefaults] in \(found.first ?? wanted)"])
        }
        if !profile.includes.isEmpty, check.status == .ok {
            check.message +=
                " (\(profile.includes.map { "\($0.directive) \($0.path)" }.joined(separator: ", ")) not read)"
        }
        check.krb5Config = found.isEmpty ? files : found
        return check
    }

    private func kdcCheck(profile: Krb5Profile, realm: String, config: String) -> SetupCheck {
        let entries = profile.values(["realms", realm, "kdc"])
        guard !entries.isEmpty else {
            let dnsLookup = profile.value(["libdefaults", "dns_lookup_kdc"]).map { Self.isFalse($0) } ?? false
            if dnsLookup {
                return SetupCheck(
                    .krb5Realm, .problem,
                    "default realm \(realm) has no kdc entry in [realms] of \(config), and dns_lookup_kdc is off: libkrb5 cannot find a KDC",
                    fix: ["add '\(realm) = { kdc = KDC.HOST }' under [realms], or set dns_lookup_kdc = true"])
            }
            return SetupCheck(
                .krb5Realm, .note,
                "default realm \(realm); no kdc entry in [realms]: relies on DNS SRV (dns_lookup_kdc, _kerberos._udp.\(realm.lowercased()))"
            )
        }
        var kdcs: [SetupCheck.KDC] = []
        for entry in entries.prefix(Self.maximumKDCLookups) {
            let host = Self.host(ofKDC: entry)
            switch system.resolve(host) {
            case .addresses(let addresses): kdcs.append(SetupCheck.KDC(entry: entry, host: host, addresses: addresses))
            case .failed(let why): kdcs.append(SetupCheck.KDC(entry: entry, host: host, error: why))
            }
        }
        let failed = kdcs.filter { $0.error != nil }
        var check: SetupCheck
        if failed.isEmpty {
            check = SetupCheck(
                .krb5Realm, .ok,
                "default realm \(realm); KDC \(kdcs.map { "\($0.host) (\(($0.addresses ?? []).prefix(2).joined(separator: ", ")))" }.joined(separator: ", ")) resolve\(kdcs.count == 1 ? "s" : "")"
            )
        } else {
            let text = failed.map { "\($0.host): \($0.error ?? "")" }.joined(separator: "; ")
            // One resolving KDC is enough for libkrb5, which tries them in turn.
            let status: SetupCheck.Status = failed.count == kdcs.count ? .problem : .note
            check = SetupCheck(
                .krb5Realm, status,
                "default realm \(realm); KDC name\(failed.count == 1 ? "" : "s") that do not resolve: \(text)",
                fix: ["check the kdc entries of \(realm) in [realms] of \(config), and DNS or /etc/hosts"])
        }
        check.kdcs = kdcs
        return check
    }

    /// The host of a `kdc =` value: `host`, `host:port`, `[v6]:port`, a bare IPv6 address, or an
    /// MS-KKDCP URL (`https://host[:port]/path`).
    static func host(ofKDC entry: String) -> String {
        var text = Substring(entry)
        let parts = entry.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, let rest = parts.last {
            text = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? rest
        }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            return String(text[text.index(after: text.startIndex)..<close])
        }
        let colons = text.filter { $0 == ":" }.count
        if colons == 1, let colon = text.firstIndex(of: ":") { return String(text[..<colon]) }
        return String(text)
    }

    /// libkrb5's false spellings (profile boolean: n, no, false, nil, 0, off).
    static func isFalse(_ value: String) -> Bool {
        ["n", "no", "false", "nil", "0", "off"].contains(value.lowercased())
    }

    // MARK: upcall-service

    func upcallService() -> SetupCheck {
        var check: SetupCheck
        switch system.fileKind(serviceSocket) {
        case .socket:
            check = SetupCheck(.upcallService, .ok, "\(serviceSocket) is a socket: upcalls go through the service")
        case .absent:
            check = SetupCheck(
                .upcallService, .note,
                "\(serviceSocket) is absent: each upcall does the Kerberos work itself; "
                    + "`systemctl enable --now smb3-upcall.socket` makes them faster")
        case .unknown(let why):
            check = SetupCheck(
                .upcallService, .note,
                "cannot tell whether the upcall service listens (\(why)); upcalls work either way")
        default:
            check = SetupCheck(
                .upcallService, .note,
                "\(serviceSocket) exists but is not a socket: each upcall does the Kerberos work itself",
                fix: ["remove it, then: systemctl enable --now smb3-upcall.socket"])
        }
        check.path = serviceSocket
        return check
    }
}
