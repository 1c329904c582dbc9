import Testing

@testable import UpcallRelay

@Suite("UpcallService")
struct UpcallServiceTests {
    @Test func theServiceRunsWithTheHandlersOptions() throws {
        var options = UpcallOptions()
        options.legacyUID = true
        options.noEnvironmentProbe = true
        options.trustDNS = true
        options.forceGSSAPI = true
        options.gssProxyEnabled = true
        options.krb5Config = "/etc/other-krb5.conf"
        options.keytab = "/etc/cifs.keytab"
        options.keytabCacheDirectory = nil
        options.negativeTimeoutSeconds = 7
        let request = UpcallServiceRequest(keySerial: 5, keyDescription: "d", options: options, debug: true)
        let received = try UpcallServiceRequest(decoding: request.encoded())
        #expect(received.options == options)
        #expect(received.debug)
        #expect(received.keySerial == 5)

        let plain = try UpcallServiceRequest(
            decoding: UpcallServiceRequest(keySerial: 5, keyDescription: "d", options: UpcallOptions(), debug: false)
                .encoded())
        #expect(plain.options == UpcallOptions())
        #expect(!plain.debug)
    }
}
