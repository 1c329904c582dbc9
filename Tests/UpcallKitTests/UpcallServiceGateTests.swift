import Foundation
import SMB3ProcFS
import Testing
import UpcallRelay

@testable import UpcallKit

@Suite("UpcallServiceGate")
struct UpcallServiceGateTests {
    static let allCapabilities: UInt64 = 0x1ff_ffff_ffff  // cap_last_cap 40

    static func status(uid: UInt32 = 0, effective: UInt64 = allCapabilities) -> ProcessStatus {
        var status = ProcessStatus()
        status.uids = .init(real: uid, effective: uid, savedSet: uid, filesystem: uid)
        status.effectiveCapabilities = effective
        return status
    }

    static func peer(
        uid: UInt32 = 0, status: ProcessStatus? = status(), runsHandler: Bool = true
    ) -> UpcallServiceGate.Peer {
        .init(uid: uid, pid: 77, status: status, runsHandler: runsHandler, program: "/usr/bin/python3.11")
    }

    @Test func theHandlerRunByRequestKeyMayAsk() {
        #expect(UpcallServiceGate.refusal(of: Self.peer(), allCapabilities: Self.allCapabilities) == nil)
    }

    /// `setpriv --bounding-set=-all`: root, but without the powers the service would lend it.
    @Test func rootWithoutCapabilitiesMayNot() throws {
        let why = try #require(
            UpcallServiceGate.refusal(
                of: Self.peer(status: Self.status(effective: 0)), allCapabilities: Self.allCapabilities))
        #expect(why.contains("lacks capabilities"))
        // One missing capability is enough (CAP_SYS_ADMIN, bit 21).
        let almost = Self.status(effective: Self.allCapabilities & ~(1 << 21))
        #expect(UpcallServiceGate.refusal(of: Self.peer(status: almost), allCapabilities: Self.allCapabilities) != nil)
    }

    @Test func anotherProgramMayNot() throws {
        let why = try #require(
            UpcallServiceGate.refusal(of: Self.peer(runsHandler: false), allCapabilities: Self.allCapabilities))
        #expect(why.contains("/usr/bin/python3.11"))
    }

    @Test func nonRootOrMixedIdsOrUnknownStatusMayNot() {
        #expect(UpcallServiceGate.refusal(of: Self.peer(uid: 1000), allCapabilities: Self.allCapabilities) != nil)
        #expect(UpcallServiceGate.refusal(of: Self.peer(status: nil), allCapabilities: Self.allCapabilities) != nil)
        var setuid = Self.status()
        setuid.uids?.real = 1000
        #expect(UpcallServiceGate.refusal(of: Self.peer(status: setuid), allCapabilities: Self.allCapabilities) != nil)
    }

    static let description =
        "cifs.spnego;0;0;39010000;ver=0x2;host=smb.test.lan;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x3e8;pid=0x2a"
    static let underConstruction = ProcKeyEntry(line: "0000002a ----U--     1 perm 39010000     0     0 cifs.spne x")

    static func request(description: String = description) -> UpcallServiceRequest {
        UpcallServiceRequest(keySerial: 42, keyDescription: description, options: UpcallOptions(), debug: false)
    }

    @Test func theKeyMustBeTheKernelsAndWaitingForItsHandler() throws {
        #expect(
            UpcallServiceGate.refusal(of: Self.request(), described: Self.description, entry: Self.underConstruction)
                == nil)
        // A description made up by the peer (another user's creduid).
        let forged = Self.description.replacingOccurrences(of: "creduid=0x3e8", with: "creduid=0x3e9")
        #expect(
            UpcallServiceGate.refusal(
                of: Self.request(description: forged), described: Self.description, entry: Self.underConstruction)
                != nil)
        // No such key, or one already instantiated or negated.
        #expect(UpcallServiceGate.refusal(of: Self.request(), described: nil, entry: nil) != nil)
        let negative = ProcKeyEntry(line: "0000002a I--Q-N-     1   59s 39010000     0     0 cifs.spne x")
        #expect(UpcallServiceGate.refusal(of: Self.request(), described: Self.description, entry: negative) != nil)
        #expect(UpcallServiceGate.refusal(of: Self.request(), described: Self.description, entry: nil) != nil)
    }

    /// Paths and credential choices are the service's; the handler may only narrow.
    @Test func theServicesOwnOptionsWin() {
        var service = UpcallOptions()
        service.keytab = "/etc/krb5.keytab"
        var asked = UpcallOptions()
        asked.keytab = "/home/eve/evil.keytab"
        asked.krb5Config = "/home/eve/krb5.conf"
        asked.keytabCacheDirectory = "/home/eve"
        asked.trustDNS = true
        asked.legacyUID = true
        asked.forceGSSAPI = true
        asked.gssProxyEnabled = true
        asked.noEnvironmentProbe = true
        asked.negativeTimeoutSeconds = 5
        let request = UpcallServiceRequest(keySerial: 1, keyDescription: Self.description, options: asked, debug: true)
        let (options, ignored) = UpcallServiceGate.options(for: request, service: service)
        #expect(options.keytab == "/etc/krb5.keytab")
        #expect(options.krb5Config == nil)
        #expect(options.keytabCacheDirectory == UpcallOptions.defaultKeytabCacheDirectory)
        #expect(!options.trustDNS && !options.legacyUID)
        // GSS-API for the same user: gssproxy applies its own policy.
        #expect(options.forceGSSAPI && options.gssProxyEnabled)
        #expect(options.noEnvironmentProbe)
        #expect(options.negativeTimeoutSeconds == 5)
        #expect(Set(ignored) == ["-l", "-t", "-k", "-K", "--keytab-cache-dir"])
        // The same options as the service's: nothing to report.
        let same = UpcallServiceRequest(keySerial: 1, keyDescription: Self.description, options: service, debug: false)
        #expect(UpcallServiceGate.options(for: same, service: service).ignored.isEmpty)
    }
}
