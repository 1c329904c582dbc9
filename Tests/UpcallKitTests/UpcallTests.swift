import Foundation
import Logging
import SMB3Errors
import SMB3Protocol
import Testing
import UpcallRelay

@testable import UpcallKit

/// Records every effect and scripts the answers, in the style of swift-system's MockingDriver.
final class FakeSystem: UpcallSystem {
    var description =
        "cifs.spnego;0;0;39010000;ver=0x2;host=SMB.test.lan;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x3e8;pid=0x2a;upcall_target=app"
    var caller = CallerProcess(
        environmentCCache: "FILE:/home/u/other_cc", realUID: 1000, effectiveUID: 1000, realGID: 1000)
    var groups: [UInt32: UInt32] = [1000: 100]
    var caches: [String: CredentialCacheState] = [:]
    var defaultCache = CredentialCacheState(name: "FILE:/tmp/krb5cc_1000", principal: nil, hasUsableTicket: false)
    var keytabResult: Result<String, KerberosError> = .failure(KerberosError(kind: .keytabHasNoKey, reason: "no key"))
    var apResults: [String: Result<(apRequest: [UInt8], sessionKey: Secret, client: String), KerberosError>] = [:]
    var canonicalDomains: [String: String] = [:]

    var calls: [String] = []
    var instantiated: [UInt8]?
    var negatedTimeout: UInt32?
    /// As in the upcall service's worker: the outcome is also recorded as the reply to the handler.
    var relayedKey: RelayedKey?

    func describeKey(_ serial: Int32) throws(SystemError) -> String {
        calls.append("describe \(serial)")
        return description
    }
    func instantiateKey(_ serial: Int32, payload: [UInt8]) throws(SystemError) {
        calls.append("instantiate")
        instantiated = payload
        relayedKey?.reply = .instantiate(payload: payload)
    }
    func negateKey(_ serial: Int32, timeoutSeconds: UInt32) throws(SystemError) {
        calls.append("negate")
        negatedTimeout = timeoutSeconds
        relayedKey?.reply = .negate(timeoutSeconds: timeoutSeconds)
    }
    func pinCaller(pid: UInt32, readEnvironment: Bool) throws(SystemError) -> CallerProcess {
        calls.append("pin \(pid) env=\(readEnvironment)")
        var facts = caller
        if !readEnvironment { facts.environmentCCache = nil }
        return facts
    }
    func joinCallerNamespaces() throws(SystemError) -> [String] {
        calls.append("setns")
        return ["mnt"]
    }
    func primaryGroup(ofUser uid: UInt32) -> UInt32? {
        calls.append("getpwuid \(uid)")
        return groups[uid]
    }
    func becomeUser(uid: UInt32, gid: UInt32) throws(SystemError) { calls.append("become \(uid):\(gid)") }
    func setEnvironment(_ name: String, _ value: String) { calls.append("env \(name)=\(value)") }
    func canonicalDomain(ofHost host: String) -> String? { canonicalDomains[host] }
    var reverseNames: [String: String] = [:]
    func reverseName(ofAddress address: String) -> String? { reverseNames[address] }
    func credentialCache(named name: String?, services: [ServicePrincipalName]) -> CredentialCacheState {
        calls.append("cache \(name ?? "default")")
        return name.flatMap { caches[$0] } ?? defaultCache
    }
    func keytabCache(keytab: String?, user: String, cacheName: String?) throws(KerberosError) -> String {
        calls.append("keytab \(keytab ?? "default") \(user) -> \(cacheName ?? "memory")")
        if let cacheName { return cacheName }
        return try keytabResult.get()
    }
    var privateDirectoryError: SystemError?
    func preparePrivateDirectory(_ path: String) throws(SystemError) {
        calls.append("mkdir \(path)")
        if let privateDirectoryError { throw privateDirectoryError }
    }
    var gssResult: Result<(token: [UInt8], sessionKey: Secret), KerberosError> = .failure(
        KerberosError(kind: .noCredentialCache, reason: "No Kerberos credentials available"))
    func gssInitialToken(host: String) throws(KerberosError) -> (token: [UInt8], sessionKey: Secret) {
        calls.append("gss cifs@\(host)")
        return try gssResult.get()
    }
    func apRequest(
        cache: String, service: ServicePrincipalName
    ) throws(KerberosError) -> (
        apRequest: [UInt8], sessionKey: Secret, client: String
    ) {
        calls.append("ap-req \(cache) \(service.service)/\(service.host)")
        guard let result = apResults["\(service.service)/\(service.host)"] else {
            throw KerberosError(kind: .unknownServicePrincipal, reason: "Server not found in Kerberos database")
        }
        return try result.get()
    }
}

/// Keeps every rendered log line, to check what reaches the journal.
final class RecordingLogHandler: LogHandler, @unchecked Sendable {
    // Tests run one upcall at a time on one thread; nothing else touches `lines`.
    var lines: [String] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.append("\(event.message) \(merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })")
    }
}

@Suite("Upcall")
struct UpcallTests {
    static let apRequest: [UInt8] = [0x6e, 0x03, 0x02, 0x01, 0x05]
    static let key = Secret(Array(repeating: 0xAB, count: 32))
    static let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func run(_ system: FakeSystem, _ options: UpcallOptions = UpcallOptions()) -> UpcallFailure? {
        var upcall = Upcall(system: system, options: options, logger: logger)
        return upcall.handle(keySerial: 7)
    }

    @Test func usesTheCallersCacheInItsNamespacesAsTheUser() throws {
        let system = FakeSystem()
        system.caches["FILE:/home/u/other_cc"] = CredentialCacheState(
            name: "FILE:/home/u/other_cc", principal: "u@TEST.LAN", hasUsableTicket: true)
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "u@TEST.LAN"))
        #expect(Self.run(system) == nil)
        // Host NSS and the pinned /proc reads happen before setns; the uid switch before Kerberos.
        #expect(
            system.calls == [
                "describe 7", "getpwuid 1000", "pin 42 env=true", "setns", "become 1000:100",
                "env KRB5CCNAME=FILE:/home/u/other_cc", "cache FILE:/home/u/other_cc",
                "ap-req FILE:/home/u/other_cc cifs/smb.test.lan", "instantiate",
            ])
        let payload = try SpnegoUpcallPayload(parsing: try #require(system.instantiated))
        #expect(payload.sessionKey == Self.key)
        let spnego = try SpnegoInitialToken(parsing: payload.securityBlob)
        #expect(spnego.mechanismTypes == [MechanismOID.krb5])
        #expect(try KerberosInitialContextToken(parsing: spnego.mechanismToken).apRequest == Self.apRequest)
    }

    /// KRB5CCNAME names a cache only for the process's own user: a setuid program run by uid
    /// 1000 (effective 0), or root's process acting for uid 1000, does not get to pick it.
    @Test(arguments: [(UInt32(1000), UInt32(0)), (0, 0), (1001, 1001), (0, 1000)])
    func ignoresKRB5CCNAMEOfAProcessRunningAsAnotherUser(real: UInt32, effective: UInt32) {
        let system = FakeSystem()
        system.caller.realUID = real
        system.caller.effectiveUID = effective
        system.caches["FILE:/home/u/other_cc"] = CredentialCacheState(
            name: "FILE:/home/u/other_cc", principal: "u@TEST.LAN", hasUsableTicket: true)
        system.defaultCache = CredentialCacheState(
            name: "FILE:/tmp/krb5cc_1000", principal: "u@TEST.LAN", hasUsableTicket: true)
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "u@TEST.LAN"))
        #expect(Self.run(system) == nil)
        #expect(!system.calls.contains { $0.hasPrefix("env KRB5CCNAME") })
        #expect(system.calls.contains("cache default"))
        #expect(!system.calls.contains("cache FILE:/home/u/other_cc"))
    }

    @Test func upcallTargetMountStaysInTheHostNamespacesWithoutProbing() {
        let system = FakeSystem()
        system.description = system.description.replacingOccurrences(
            of: "upcall_target=app", with: "upcall_target=mount")
        system.defaultCache = CredentialCacheState(
            name: "FILE:/tmp/krb5cc_1000", principal: "u@TEST.LAN", hasUsableTicket: true)
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "u@TEST.LAN"))
        #expect(Self.run(system) == nil)
        #expect(!system.calls.contains { $0.hasPrefix("pin") || $0 == "setns" || $0.hasPrefix("env") })
        #expect(system.calls.contains("cache default"))
    }

    @Test func noEnvironmentProbeWithMinusE() {
        let system = FakeSystem()
        var options = UpcallOptions()
        options.noEnvironmentProbe = true
        let failure = Self.run(system, options)
        #expect(system.calls.contains("pin 42 env=false"))
        #expect(failure?.code == .noCredentials)
        #expect(failure?.message.contains("uid 1000") == true)
        #expect(failure?.message.contains("kinit") == true)
        #expect(system.negatedTimeout == 1)
    }

    @Test func rootNeverProbesTheEnvironment() {
        let system = FakeSystem()
        system.description = system.description.replacingOccurrences(of: "creduid=0x3e8", with: "creduid=0x0")
        _ = Self.run(system)
        #expect(system.calls.contains("pin 42 env=false"))
    }

    @Test func legacyUIDUsesUidField() {
        let system = FakeSystem()
        var options = UpcallOptions()
        options.legacyUID = true
        _ = Self.run(system, options)
        #expect(system.calls.contains("become 0:65534"))  // uid= is 0 here; the fake has no passwd entry for it
    }

    @Test func keytabFallbackForUserFieldGoesToAPrivateRunCacheForRoot() throws {
        let system = FakeSystem()
        system.description =
            "cifs.spnego;0;0;39010000;ver=0x2;host=smb.test.lan;ip4=127.0.0.1;sec=mskrb5;uid=0x0;creduid=0x0;user=HOST$;pid=0x2a"
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "HOST$@TEST.LAN"))
        var options = UpcallOptions()
        options.keytab = "/etc/krb5.keytab"
        #expect(Self.run(system, options) == nil)
        let cache = "FILE:/run/smb3kit/krb5cc_0_HOST$"
        #expect(system.calls.contains("mkdir /run/smb3kit"))
        #expect(system.calls.contains("keytab /etc/krb5.keytab HOST$ -> \(cache)"))
        #expect(system.calls.contains("ap-req \(cache) cifs/smb.test.lan"))
        let payload = try SpnegoUpcallPayload(parsing: try #require(system.instantiated))
        #expect(try SpnegoInitialToken(parsing: payload.securityBlob).mechanismTypes == [MechanismOID.msKrb5])
    }

    @Test func aValidRunCacheSavesTheASExchange() {
        let system = FakeSystem()
        system.description =
            "cifs.spnego;0;0;39010000;ver=0x2;host=smb.test.lan;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x0;user=svc;pid=0x2a"
        let cache = "FILE:/run/smb3kit/krb5cc_0_svc"
        system.caches[cache] = CredentialCacheState(name: cache, principal: "svc@TEST.LAN", hasUsableTicket: true)
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "svc@TEST.LAN"))
        #expect(Self.run(system) == nil)
        #expect(!system.calls.contains { $0.hasPrefix("keytab") })
        #expect(system.calls.contains("ap-req \(cache) cifs/smb.test.lan"))
    }

    @Test func usersKeytabTGTsStayInMemory() {
        let system = FakeSystem()
        system.description = system.description.replacingOccurrences(of: ";pid=0x2a", with: ";user=alice;pid=0x2a")
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "alice@TEST.LAN"))
        system.keytabResult = .success("MEMORY:smb3-upcall")
        var options = UpcallOptions()
        options.noEnvironmentProbe = true
        #expect(Self.run(system, options) == nil)
        #expect(system.calls.contains("keytab default alice -> memory"))
        #expect(!system.calls.contains { $0.hasPrefix("mkdir") })
    }

    @Test func anUnsafeRunDirectoryFallsBackToMemory() {
        let system = FakeSystem()
        system.description =
            "cifs.spnego;0;0;39010000;ver=0x2;host=smb.test.lan;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x0;user=svc;pid=0x2a"
        system.privateDirectoryError = SystemError(
            function: "lstat", errno: .notDirectory, context: "/run/smb3kit is not a directory private to uid 0")
        system.keytabResult = .success("MEMORY:smb3-upcall")
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "svc@TEST.LAN"))
        #expect(Self.run(system) == nil)
        #expect(system.calls.contains("keytab default svc -> memory"))
    }

    /// A keytab without the user's key is named as the cause, with what to do about it.
    @Test func aKeytabWithoutTheUsersKeySaysSo() {
        let system = FakeSystem()
        system.description = system.description.replacingOccurrences(of: "pid=", with: "user=alice;pid=")
        let failure = Self.run(system)
        #expect(failure?.code == .noCredentials)
        #expect(failure?.message.contains("the default keytab gave none for user=alice: no key") == true)
        #expect(failure?.message.contains("add user=alice's key to the keytab") == true)

        system.keytabResult = .failure(
            KerberosError(kind: .keytabUnreadable, reason: "krb5_kt_get_entry: Permission denied"))
        let unreadable = Self.run(system)
        #expect(unreadable?.message.contains("uid 1000 cannot read it: use -K") == true)
    }

    @Test func keytabCacheNamesAreSafeAndInjective() {
        #expect(
            UpcallOptions.keytabCacheName(directory: "/run/smb3kit", user: "../x/HOST$")
                == "FILE:/run/smb3kit/krb5cc_0_.._2fx_2fHOST$")
        #expect(
            UpcallOptions.keytabCacheName(directory: "/run/smb3kit", user: "HOST$")
                == "FILE:/run/smb3kit/krb5cc_0_HOST$")
        // These shared one file before ("_" for every unsafe byte).
        let users = ["svc_cifs", "svc cifs", "svc/cifs", "svc_20cifs", "svcé", "svc\u{00}", "svc_", "svc"]
        let names = users.map { UpcallOptions.keytabCacheName(directory: "/run/smb3kit", user: $0) }
        #expect(Set(names).count == users.count)
        for name in names { #expect(!name.dropFirst("FILE:/run/smb3kit/".count).contains("/")) }
    }

    @Test func keytabPrincipalsMatchTheUser() {
        #expect(UpcallOptions.principal("HOST$@TEST.LAN", belongsTo: "HOST$"))
        #expect(UpcallOptions.principal("svc@TEST.LAN", belongsTo: "svc@TEST.LAN"))
        #expect(!UpcallOptions.principal("svc@OTHER.LAN", belongsTo: "svc@TEST.LAN"))
        #expect(!UpcallOptions.principal("svc_cifs@TEST.LAN", belongsTo: "svc cifs"))
        #expect(!UpcallOptions.principal("admin@TEST.LAN", belongsTo: "svc"))
    }

    /// A persistent keytab cache holding another principal's TGT is not used for this user.
    @Test func aKeytabCacheOfAnotherPrincipalIsNotReused() {
        let system = FakeSystem()
        system.description =
            "cifs.spnego;0;0;39010000;ver=0x2;host=smb.test.lan;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x0;user=svc;pid=0x2a"
        let persistent = UpcallOptions.keytabCacheName(
            directory: UpcallOptions.defaultKeytabCacheDirectory, user: "svc")
        system.caches[persistent] = CredentialCacheState(
            name: persistent, principal: "admin@TEST.LAN", hasUsableTicket: true)
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "svc@TEST.LAN"))
        #expect(Self.run(system) == nil)
        #expect(system.calls.contains("keytab default svc -> \(persistent)"))
        // With the right principal it is reused, without an AS exchange.
        let again = FakeSystem()
        again.description = system.description
        again.caches[persistent] = CredentialCacheState(
            name: persistent, principal: "svc@TEST.LAN", hasUsableTicket: true)
        again.apResults = system.apResults
        #expect(Self.run(again) == nil)
        #expect(!again.calls.contains { $0.hasPrefix("keytab") })
    }

    @Test func triesHostBasedThenTheQualifiedShortName() {
        let system = FakeSystem()
        system.description = system.description.replacingOccurrences(of: "host=SMB.test.lan", with: "host=smb")
        system.caches["FILE:/home/u/other_cc"] = CredentialCacheState(
            name: "FILE:/home/u/other_cc", principal: "u@T", hasUsableTicket: true)
        system.canonicalDomains["smb"] = "test.lan"
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "u@T"))
        #expect(Self.run(system) == nil)
        #expect(
            system.calls.filter { $0.hasPrefix("ap-req") } == [
                "ap-req FILE:/home/u/other_cc cifs/smb", "ap-req FILE:/home/u/other_cc CIFS/smb",
                "ap-req FILE:/home/u/other_cc cifs/smb.test.lan",
            ])
    }

    @Test func anEmptyHostFrom61ExtraChannelsUsesReverseDNS() {
        let system = FakeSystem()
        system.description = system.description.replacingOccurrences(of: "host=SMB.test.lan", with: "host=")
        system.caches["FILE:/home/u/other_cc"] = CredentialCacheState(
            name: "FILE:/home/u/other_cc", principal: "u@T", hasUsableTicket: true)
        let failure = Self.run(system)
        #expect(failure?.message.contains("no host name") == true)
        system.reverseNames["127.0.0.1"] = "SMB.test.lan"
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, Self.key, "u@T"))
        #expect(Self.run(system) == nil)
        #expect(system.calls.contains("ap-req FILE:/home/u/other_cc cifs/smb.test.lan"))
    }

    @Test func unknownPrincipalNamesWhatWasTried() {
        let system = FakeSystem()
        system.caches["FILE:/home/u/other_cc"] = CredentialCacheState(
            name: "FILE:/home/u/other_cc", principal: "u@T", hasUsableTicket: true)
        let failure = Self.run(system)
        #expect(failure?.code == .kerberos)
        #expect(failure?.message.contains("does not know cifs/smb.test.lan, CIFS/smb.test.lan (host-based)") == true)
        #expect(system.calls.last == "negate")
    }

    @Test func theFailureLineCarriesTheKerberosFields() {
        let system = FakeSystem()
        system.caches["FILE:/home/u/other_cc"] = CredentialCacheState(
            name: "FILE:/home/u/other_cc", principal: "u@T", hasUsableTicket: true)
        let recorder = RecordingLogHandler()
        recorder.logLevel = .info
        var upcall = Upcall(system: system, options: UpcallOptions(), logger: Logger(label: "t") { _ in recorder })
        let failure = upcall.handle(keySerial: 7)
        #expect(
            failure?.fields == [
                "krb5.ccache": "FILE:/home/u/other_cc", "krb5.error": "unknownServicePrincipal",
                "krb5.spn": "cifs/smb.test.lan, CIFS/smb.test.lan (host-based)",
            ])
        // One line, and it is the error with every field.
        #expect(recorder.lines.count == 1)
        let line = recorder.lines.first ?? ""
        for field in [
            "upcall.failure=kerberos", "krb5.error=unknownServicePrincipal", "krb5.ccache=FILE:/home/u/other_cc",
            "key.serial=7",
        ] {
            #expect(line.contains(field), "\(field) missing in \(line)")
        }
    }

    /// A mount without a ticket is always krb5.error=noTicket (one journal query finds them all),
    /// whether the cache is missing or empty (the message and krb5.ccache tell which), and also when
    /// the keytab fallback failed too: its own reason is krb5.keytab_error.
    @Test func noTicketNamesTheCacheAndWhy() {
        let system = FakeSystem()
        #expect(Self.run(system)?.fields == ["krb5.ccache": "FILE:/tmp/krb5cc_1000", "krb5.error": "noTicket"])
        #expect(Self.run(system)?.message.contains("no credential cache FILE:/tmp/krb5cc_1000") == true)
        system.defaultCache = CredentialCacheState(
            name: "FILE:/tmp/krb5cc_1000", principal: "u@T", hasUsableTicket: false)
        #expect(Self.run(system)?.fields["krb5.error"] == "noTicket")
        system.description = system.description.replacingOccurrences(of: ";pid=", with: ";user=u;pid=")
        #expect(
            Self.run(system)?.fields == [
                "krb5.ccache": "FILE:/tmp/krb5cc_1000", "krb5.error": "noTicket", "krb5.keytab_error": "keytabHasNoKey",
            ])
    }

    @Test func refusesKeysNotOwnedByTheKernel() {
        let system = FakeSystem()
        system.description = system.description.replacingOccurrences(
            of: "cifs.spnego;0;0;", with: "cifs.spnego;1000;1000;")
        let failure = Self.run(system)
        #expect(failure?.code == .badKey)
        #expect(!system.calls.contains { $0.hasPrefix("become") })
        #expect(system.calls == ["describe 7", "negate"])
    }

    @Test func refusesHostileDescriptionsBeforeAnySwitch() {
        let system = FakeSystem()
        system.description = system.description.replacingOccurrences(
            of: ";pid=0x2a", with: ";user=a;creduid=0x0;pid=0x2a")
        let failure = Self.run(system)
        #expect(failure?.code == .badKey)
        #expect(system.calls == ["describe 7", "negate"])
    }

    @Test func iakerbIsRefusedWithAReason() {
        let system = FakeSystem()
        system.description = system.description.replacingOccurrences(of: "sec=krb5", with: "sec=iakerb")
        let failure = Self.run(system)
        #expect(failure?.code == .unsupportedMechanism)
        #expect(failure?.message.contains("sec=krb5") == true)
    }

    @Test func gssapiOptionUsesGSSForTheToken() throws {
        let system = FakeSystem()
        let krb5Token = try KerberosInitialContextToken(apRequest: Self.apRequest).encoded()
        system.gssResult = .success((krb5Token, Self.key))
        var options = UpcallOptions()
        options.forceGSSAPI = true
        #expect(Self.run(system, options) == nil)
        #expect(system.calls.contains("gss cifs@smb.test.lan"))
        #expect(!system.calls.contains { $0.hasPrefix("cache") || $0.hasPrefix("ap-req") })
        let payload = try SpnegoUpcallPayload(parsing: try #require(system.instantiated))
        #expect(try SpnegoInitialToken(parsing: payload.securityBlob).mechanismToken == krb5Token)
        #expect(payload.sessionKey == Self.key)
    }

    @Test func gssProxyIsTheLastResortOnlyWhenEnabled() throws {
        let system = FakeSystem()
        var options = UpcallOptions()
        options.noEnvironmentProbe = true
        #expect(Self.run(system, options)?.code == .noCredentials)
        #expect(!system.calls.contains { $0.hasPrefix("gss") })
        #expect(!system.calls.contains("env GSS_USE_PROXY=yes"))
        options.gssProxyEnabled = true
        system.gssResult = .success((try KerberosInitialContextToken(apRequest: Self.apRequest).encoded(), Self.key))
        #expect(Self.run(system, options) == nil)
        #expect(system.calls.contains("gss cifs@smb.test.lan"))
        // The upcall service's child did not inherit the handler's environment: GSS-API's
        // gssproxy interposer reads the variable itself, so it is set again, as the user.
        let set = try #require(system.calls.firstIndex(of: "env GSS_USE_PROXY=yes"))
        let becameUser = try #require(system.calls.firstIndex { $0.hasPrefix("become") })
        #expect(set > becameUser)
    }

    @Test func noSecretReachesTheLogEvenAtDebugLevel() throws {
        let system = FakeSystem()
        system.caches["FILE:/home/u/other_cc"] = CredentialCacheState(
            name: "FILE:/home/u/other_cc", principal: "u@T", hasUsableTicket: true)
        let secret = Secret(Array(0xA0..<0xC0))
        system.apResults["cifs/smb.test.lan"] = .success((Self.apRequest, secret, "u@T"))
        let recorder = RecordingLogHandler()
        var upcall = Upcall(system: system, options: UpcallOptions(), logger: Logger(label: "t") { _ in recorder })
        #expect(upcall.handle(keySerial: 7) == nil)
        #expect(!recorder.lines.isEmpty)
        let all = recorder.lines.joined(separator: "\n").lowercased()
        let hex = secret.bytes.map { String($0, radix: 16) }.joined()
        #expect(!all.contains(hex))
        #expect(!all.contains("160, 161, 162"))  // [UInt8] printed as decimals
        #expect(!all.contains("a0a1a2"))
    }

    @Test func negativeTimeoutIsConfigurable() {
        let system = FakeSystem()
        var options = UpcallOptions()
        options.negativeTimeoutSeconds = 5
        _ = Self.run(system, options)
        #expect(system.negatedTimeout == 5)
    }
}
