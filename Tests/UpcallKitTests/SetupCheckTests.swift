import SMB3Protocol
import Testing

@testable import UpcallKit

/// A host as files, executables and names; writes land in `files`.
final class FakeSetupSystem: SetupSystem {
    var files: [String: String] = [:]
    var gzipFiles: [String: String] = [:]
    var unreadable: [String: String] = [:]
    var directories: Set<String> = []
    var sockets: Set<String> = []
    var executables: Set<String> = []
    var names: [String: [String]] = [:]
    var release = "6.12.117+deb12-amd64"
    var failWrites = false
    var writes: [String] = []

    func fileKind(_ path: String) -> SetupFileKind {
        if directories.contains(path) { return .directory }
        if sockets.contains(path) { return .socket }
        return files[path] != nil || executables.contains(path) ? .regular : .absent
    }
    func isExecutable(_ path: String) -> Bool { executables.contains(path) }
    func readText(_ path: String) -> SetupRead {
        if let why = unreadable[path] { return .unreadable(why) }
        return files[path].map(SetupRead.text) ?? .absent
    }
    func readGzipText(_ path: String) -> SetupRead { gzipFiles[path].map(SetupRead.text) ?? .absent }
    func directoryEntries(_ path: String) -> [String]? {
        let prefix = path + "/"
        let names = files.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
        return directories.contains(path) || !names.isEmpty ? names : nil
    }
    func kernelRelease() -> String { release }
    func resolve(_ host: String) -> SetupResolution {
        names[host].map(SetupResolution.addresses) ?? .failed("Name or service not known")
    }
    func replaceFile(_ path: String, text: String) throws(SetupFileError) {
        if failWrites { throw SetupFileError("\(path): Permission denied") }
        files[path] = text
        writes.append(path)
    }
}

@Suite("--check-setup and --set-handler")
struct SetupCheckTests {
    static let release = "6.12.117+deb12-amd64"

    /// A Debian 12 host with cifs-utils, keyutils, a krb5.conf and SMB3Kit installed (not enabled).
    static func debianHost() -> FakeSetupSystem {
        let system = FakeSetupSystem()
        system.executables = ["/sbin/request-key", "/usr/sbin/cifs.upcall", "/usr/sbin/smb3-upcall"]
        system.files["/etc/request-key.conf"] = "create  dns_resolver *\t\t*               /sbin/key.dns_resolver %k\n"
        system.files["/etc/request-key.d/cifs.spnego.conf"] = "create  cifs.spnego    * * /usr/sbin/cifs.upcall %k\n"
        system.files["/etc/request-key.d/cifs.idmap.conf"] = "create  cifs.idmap    * * /usr/sbin/cifs.idmap %k\n"
        system.files["/etc/request-key.d/smb3kit.spnego.conf"] =
            "# SMB3Kit\n#create  cifs.spnego  *  *  /usr/sbin/smb3-upcall %k\n"
        system.files["/boot/config-\(release)"] = "CONFIG_KEYS=y\nCONFIG_CIFS=m\nCONFIG_CIFS_UPCALL=y\n"
        system.files["/lib/modules/\(release)/modules.dep"] =
            "kernel/fs/smb/client/cifs.ko.xz: kernel/net/dns_resolver/dns_resolver.ko.xz\n"
        system.files["/etc/krb5.conf"] =
            "[libdefaults]\n default_realm = TEST.LAN\n[realms]\n TEST.LAN = {\n  kdc = kdc.test.lan:88\n }\n"
        system.names["kdc.test.lan"] = ["192.0.2.88"]
        return system
    }

    static func check(_ system: FakeSetupSystem, krb5: String? = nil, environment: String? = nil) -> SetupReport {
        SetupChecker(
            system: system, krb5ConfigOption: krb5, krb5ConfigEnvironment: environment,
            serviceSocket: "/run/smb3kit/upcall.sock"
        ).run()
    }

    static func status(_ report: SetupReport, _ name: SetupCheck.Name) -> SetupCheck.Status? {
        report.checks.first { $0.name == name }?.status
    }

    @Test func aReadyDebianHost() {
        let report = Self.check(Self.debianHost())
        #expect(report.ready)
        #expect(
            report.checks.map(\.name) == [.requestKeyProgram, .spnegoHandler, .cifsModule, .krb5Realm, .upcallService])
        #expect(report.checks.map(\.status) == [.ok, .ok, .ok, .ok, .note])
        let handler = report.checks.first { $0.name == .spnegoHandler }
        #expect(
            handler?.message
                == "cifs.spnego keys go to cifs.upcall /usr/sbin/cifs.upcall (/etc/request-key.d/cifs.spnego.conf:1)")
        #expect(handler?.handlers?.count == 1)
        let module = report.checks.first { $0.name == .cifsModule }
        #expect(module?.module == "installed" && module?.kernelOptions?["CONFIG_CIFS_UPCALL"] == "y")
        #expect(report.checks.first { $0.name == .krb5Realm }?.kdcs?.first?.addresses == ["192.0.2.88"])
        #expect(report.text.hasSuffix("ready: this host can do Kerberos (sec=krb5) cifs mounts"))
        #expect(report.text.contains("note    upcall-service: /run/smb3kit/upcall.sock is absent"))
    }

    @Test func missingRequestKeyAndHandler() {
        let system = FakeSetupSystem()
        let report = Self.check(system)
        #expect(!report.ready)
        let program = report.checks.first { $0.name == .requestKeyProgram }
        #expect(program?.status == .problem && program?.fix == ["apt-get install keyutils"])
        #expect(program?.message.contains("mount error(126)") == true)
        #expect(Self.status(report, .spnegoHandler) == .problem)
        #expect(
            report.checks.first { $0.name == .spnegoHandler }?.fix?.first == "smb3-upcall --set-handler smb3-upcall")
        #expect(report.text.contains("PROBLEM request-key-program: /sbin/request-key is missing"))
        #expect(report.text.contains("\n        fix: apt-get install keyutils\n"))
        // No config, no modules directory: notes, not problems.
        #expect(Self.status(report, .cifsModule) == .note)
    }

    @Test func twoActiveHandlersAndAMissingProgram() {
        let system = Self.debianHost()
        system.files["/etc/request-key.d/smb3kit.spnego.conf"] =
            "create  cifs.spnego  *  *  /usr/local/sbin/smb3-upcall %k\n"
        var report = Self.check(system)
        let check = report.checks.first { $0.name == .spnegoHandler }
        #expect(check?.status == .problem && check?.handlers?.count == 2)
        #expect(check?.used == "/etc/request-key.d/cifs.spnego.conf:1")
        #expect(check?.message.hasPrefix("2 active 'create cifs.spnego' lines") == true)

        system.files["/etc/request-key.d/cifs.spnego.conf"] = "#create  cifs.spnego    * * /usr/sbin/cifs.upcall %k\n"
        report = Self.check(system)
        let missing = report.checks.first { $0.name == .spnegoHandler }
        #expect(missing?.status == .problem && missing?.message.contains("missing or not executable") == true)
    }

    @Test func kernelWithoutUpcallSupportOrConfig() {
        let system = Self.debianHost()
        system.files["/boot/config-\(Self.release)"] = "CONFIG_KEYS=y\nCONFIG_CIFS=m\n# CONFIG_CIFS_UPCALL is not set\n"
        var check = Self.check(system).checks.first { $0.name == .cifsModule }
        #expect(check?.status == .problem && check?.message.contains("CONFIG_CIFS_UPCALL is not set") == true)
        #expect(check?.message.contains("error(38)") == true)

        // No /boot config: /proc/config.gz is read instead; neither: a note.
        system.files["/boot/config-\(Self.release)"] = nil
        system.gzipFiles["/proc/config.gz"] = "CONFIG_KEYS=y\nCONFIG_CIFS=y\nCONFIG_CIFS_UPCALL=y\n"
        check = Self.check(system).checks.first { $0.name == .cifsModule }
        #expect(check?.status == .ok && check?.module == "built-in" && check?.kernelConfig == "/proc/config.gz")
        system.gzipFiles = [:]
        system.directories.insert("/sys/module/cifs")
        check = Self.check(system).checks.first { $0.name == .cifsModule }
        #expect(check?.status == .note && check?.module == "loaded" && check?.kernelOptions == nil)

        system.directories = []
        system.files["/lib/modules/\(Self.release)/modules.dep"] = "kernel/fs/nfs/nfs.ko.xz:\n"
        check = Self.check(system).checks.first { $0.name == .cifsModule }
        #expect(check?.status == .problem && check?.module == "missing")
    }

    @Test func krb5Realm() {
        let system = Self.debianHost()
        system.names = [:]
        var check = Self.check(system).checks.first { $0.name == .krb5Realm }
        #expect(check?.status == .problem && check?.kdcs?.first?.error == "Name or service not known")

        system.files["/etc/krb5.conf"] = "[libdefaults]\n default_realm = TEST.LAN\n"
        check = Self.check(system).checks.first { $0.name == .krb5Realm }
        #expect(check?.status == .note && check?.message.contains("relies on DNS SRV (dns_lookup_kdc") == true)
        system.files["/etc/krb5.conf"] = "[libdefaults]\n default_realm = TEST.LAN\n dns_lookup_kdc = false\n"
        #expect(Self.status(Self.check(system), .krb5Realm) == .problem)

        system.files["/etc/krb5.conf"] = "[libdefaults]\n dns_lookup_kdc = true\n"
        check = Self.check(system).checks.first { $0.name == .krb5Realm }
        #expect(check?.status == .problem && check?.message.contains("no default_realm") == true)

        system.files["/etc/krb5.conf"] = "[libdefaults\n"
        check = Self.check(system).checks.first { $0.name == .krb5Realm }
        #expect(check?.status == .problem && check?.message.contains("/etc/krb5.conf line 1:") == true)

        // -k wins over KRB5_CONFIG, which may list several files.
        system.files["/tmp/a.conf"] = "[libdefaults]\n default_realm = A.LAN\n"
        system.files["/tmp/b.conf"] = "[realms]\n A.LAN = {\n  kdc = https://proxy.a.lan/KdcProxy\n }\n"
        system.names["proxy.a.lan"] = ["192.0.2.1"]
        check = Self.check(system, environment: "/tmp/a.conf:/tmp/b.conf:/tmp/absent.conf").checks.first {
            $0.name == .krb5Realm
        }
        #expect(
            check?.status == .ok && check?.defaultRealm == "A.LAN"
                && check?.krb5Config == ["/tmp/a.conf", "/tmp/b.conf"])
        check = Self.check(system, krb5: "/tmp/a.conf", environment: "/tmp/b.conf").checks.first {
            $0.name == .krb5Realm
        }
        #expect(check?.defaultRealm == "A.LAN" && check?.status == .note)
    }

    @Test func kdcHosts() {
        typealias Checker = SetupChecker<FakeSetupSystem>
        #expect(Checker.host(ofKDC: "kdc.test.lan") == "kdc.test.lan")
        #expect(Checker.host(ofKDC: "kdc.test.lan:88") == "kdc.test.lan")
        #expect(Checker.host(ofKDC: "[2001:db8::1]:88") == "2001:db8::1")
        #expect(Checker.host(ofKDC: "2001:db8::1") == "2001:db8::1")
        #expect(Checker.host(ofKDC: "https://proxy:8443/KdcProxy") == "proxy")
    }

    @Test func upcallServiceSocket() {
        let system = Self.debianHost()
        system.sockets.insert("/run/smb3kit/upcall.sock")
        let check = Self.check(system).checks.first { $0.name == .upcallService }
        #expect(check?.status == .ok && check?.message.contains("upcalls go through the service") == true)
    }

    @Test func setHandlerBothWaysOnARoot() throws {
        let system = Self.debianHost()
        let paths = SetupPaths(root: "/tmp/root/")
        for (path, text) in system.files { system.files["/tmp/root" + path] = text }
        let setter = SpnegoHandlerSetter(system: system, paths: paths)
        let on = try setter.run(.smb3Upcall(program: "/usr/sbin/smb3-upcall"))
        #expect(
            on.changes.map(\.file) == [
                "/tmp/root/etc/request-key.d/cifs.spnego.conf", "/tmp/root/etc/request-key.d/smb3kit.spnego.conf",
            ])
        #expect(on.active.map(\.handler) == ["smb3-upcall"] && on.warning == nil)
        #expect(on.text.contains(": create  cifs.spnego    * * /usr/sbin/cifs.upcall %k → #smb3kit-disabled# create"))
        #expect(system.writes.count == 2)
        #expect(try setter.run(.smb3Upcall(program: "/usr/sbin/smb3-upcall")).changes.isEmpty)
        #expect(system.writes.count == 2)

        let off = try setter.run(.cifsUpcall)
        #expect(off.active.map(\.handler) == ["cifs.upcall"] && off.changes.count == 2)
        #expect(
            system.files["/tmp/root/etc/request-key.d/cifs.spnego.conf"]
                == "create  cifs.spnego    * * /usr/sbin/cifs.upcall %k\n")
        #expect(try setter.run(.cifsUpcall).changes.isEmpty)
        #expect(
            try setter.run(.cifsUpcall).text
                == "nothing to change\ncifs.spnego keys go to cifs.upcall /usr/sbin/cifs.upcall (/tmp/root/etc/request-key.d/cifs.spnego.conf:1)"
        )

        // Without cifs-utils nothing is active afterwards: a warning, not a failure.
        system.files["/tmp/root/etc/request-key.d/cifs.spnego.conf"] = nil
        #expect(try setter.run(.cifsUpcall).warning == SpnegoHandlerSetter<FakeSetupSystem>.noHandlerWarning)
    }

    @Test func setHandlerFailuresSayWhatHappened() {
        let system = Self.debianHost()
        system.unreadable["/etc/request-key.conf"] = "Permission denied"
        #expect(throws: SetupFileError("cannot read /etc/request-key.conf: Permission denied; nothing was changed")) {
            try SpnegoHandlerSetter(system: system).run(.cifsUpcall)
        }
        system.unreadable = [:]
        system.failWrites = true
        #expect(throws: SetupFileError("/etc/request-key.d/cifs.spnego.conf: Permission denied; nothing was changed")) {
            try SpnegoHandlerSetter(system: system).run(.smb3Upcall(program: "/usr/sbin/smb3-upcall"))
        }
    }
}
