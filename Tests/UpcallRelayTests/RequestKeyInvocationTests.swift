import Testing

@testable import UpcallRelay

@Suite("RequestKeyInvocation")
struct RequestKeyInvocationTests {
    @Test func parsesWhatRequestKeyPasses() throws {
        let plain = try #require(RequestKeyInvocation(arguments: ["123"]))
        #expect(plain.keySerial == 123)
        #expect(plain.options == UpcallOptions())
        #expect(!plain.debug)

        let full = try #require(
            RequestKeyInvocation(arguments: [
                "-c", "-d", "-E", "-l", "-t", "-k", "/etc/k.conf", "-K", "/etc/k.tab", "-e", "60",
                "--negative-timeout", "5", "--keytab-cache-dir", "", "42",
            ]))
        var expected = UpcallOptions()
        expected.noEnvironmentProbe = true
        expected.legacyUID = true
        expected.trustDNS = true
        expected.krb5Config = "/etc/k.conf"
        expected.keytab = "/etc/k.tab"
        expected.negativeTimeoutSeconds = 5
        expected.keytabCacheDirectory = nil
        #expect(full.options == expected)
        #expect(full.debug)
        #expect(full.keySerial == 42)
        #expect(
            RequestKeyInvocation(arguments: ["--debug", "--no-env-probe", "--keytab", "/k", "7"])?.options.keytab
                == "/k")
        #expect(RequestKeyInvocation(arguments: ["--gssapi", "7"])?.options.forceGSSAPI == true)
    }

    @Test func choosesBetweenTheServiceAndThisProcess() throws {
        let plain = try #require(RequestKeyInvocation(arguments: ["5"]))
        #expect(plain.useService)
        #expect(plain.serviceSocket == UpcallService.defaultSocketPath)
        let here = try #require(RequestKeyInvocation(arguments: ["--no-service", "5"]))
        #expect(!here.useService)
        let elsewhere = try #require(RequestKeyInvocation(arguments: ["--service-socket", "/run/x.sock", "5"]))
        #expect(elsewhere.serviceSocket == "/run/x.sock")
        #expect(RequestKeyInvocation(arguments: ["--service-socket", "", "5"]) == nil)
        #expect(RequestKeyInvocation(arguments: ["5", "--service-socket"]) == nil)
    }

    @Test(arguments: [
        [], ["--help"], ["-h"], ["--version"], ["-v"], ["--explain", "x"], ["1", "2"], ["-k"], ["-K"], ["12x"],
        ["-12"], ["--negative-timeout", "soon", "1"], ["-e", "x", "1"], ["99999999999"], ["-d"], ["--json", "1"],
    ])
    func leavesEverythingElseToTheFullParser(_ arguments: [String]) {
        #expect(RequestKeyInvocation(arguments: arguments) == nil)
    }
}
