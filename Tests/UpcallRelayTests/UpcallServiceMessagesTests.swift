import Testing

@testable import UpcallRelay

@Suite("UpcallServiceMessages")
struct UpcallServiceMessagesTests {
    static let description =
        "cifs.spnego;0;0;39010000;ver=0x2;host=smb.test.lan;ip4=127.0.0.1;sec=krb5;uid=0x3e9;creduid=0x3e9;pid=0x1f4"

    static func request(
        serial: Int32 = 9, description: String = "x", flags: UpcallServiceRequest.Flags = []
    ) -> UpcallServiceRequest {
        UpcallServiceRequest(
            keySerial: serial, keyDescription: description, flags: flags, negativeTimeoutSeconds: 1, krb5Config: nil,
            keytab: nil, keytabCacheDirectory: "/run/smb3kit")
    }

    @Test func requestsRoundTrip() throws {
        let full = UpcallServiceRequest(
            keySerial: 123_456, keyDescription: Self.description, flags: [.debug, .legacyUID, .gssProxyEnabled],
            negativeTimeoutSeconds: 7, krb5Config: "/etc/other-krb5.conf", keytab: "/etc/cifs.keytab",
            keytabCacheDirectory: nil)
        #expect(try UpcallServiceRequest(decoding: full.encoded()) == full)
        let empty = Self.request(serial: -1, description: "")
        #expect(try UpcallServiceRequest(decoding: empty.encoded()) == empty)
    }

    @Test func aRequestHasAnExactLayout() {
        let request = Self.request(serial: 2, description: "ab", flags: .debug)
        #expect(
            request.encoded() == [
                0x53, 0x4D, 0x55, 0x51,  // "SMUQ"
                0x01,  // flags: debug
                0, 0, 0, 2,  // key serial
                0, 0, 0, 1,  // negative timeout
                0, 2, 0x61, 0x62,  // description
                0,  // no krb5.conf
                0,  // no keytab
                1, 0, 12,  // keytab cache directory
            ] + Array("/run/smb3kit".utf8))
    }

    @Test func refusesMalformedRequests() {
        let good = Self.request().encoded()
        var cases: [[UInt8]] = [[], Array(good.dropLast()), good + [0], [0, 0, 0, 0] + good.dropFirst(4)]
        var unknownFlag = good
        unknownFlag[4] = 0x80
        cases.append(unknownFlag)
        var badMarker = good
        badMarker[16] = 2  // the krb5.conf presence byte
        cases.append(badMarker)
        var nul = good
        nul[15] = 0  // the description "x"
        cases.append(nul)
        var invalidUTF8 = good
        invalidUTF8[15] = 0xFF
        cases.append(invalidUTF8)
        cases.append(good + [UInt8](repeating: 0, count: UpcallServiceRequest.maximumSize))
        for bytes in cases {
            #expect(throws: UpcallServiceMessageError.self) { try UpcallServiceRequest(decoding: bytes) }
        }
    }

    @Test func repliesRoundTrip() throws {
        for reply in [UpcallServiceReply.instantiate(payload: [2, 0, 0, 0, 9]), .negate(timeoutSeconds: 1), .refused] {
            #expect(try UpcallServiceReply(decoding: reply.encoded()) == reply)
        }
        #expect(UpcallServiceReply.negate(timeoutSeconds: 3).encoded() == [0x53, 0x4D, 0x55, 0x52, 2, 0, 0, 0, 3])
        #expect(UpcallServiceReply.refused.encoded() == [0x53, 0x4D, 0x55, 0x52, 3])
    }

    @Test func refusesMalformedReplies() {
        let cases: [[UInt8]] = [
            [], [0x53, 0x4D, 0x55, 0x52], [0x53, 0x4D, 0x55, 0x52, 3, 0, 0, 0, 1], [0x53, 0x4D, 0x55, 0x52, 4],
            [0x53, 0x4D, 0x55, 0x52, 1, 0, 0, 0, 0],  // empty payload
            [0x53, 0x4D, 0x55, 0x52, 1, 0, 0, 0, 5, 1, 2],  // payload shorter than its length
            [0x53, 0x4D, 0x55, 0x52, 2, 0, 0, 0, 1, 0],  // trailing byte
            [0x53, 0x4D, 0x55, 0x51, 2, 0, 0, 0, 1],  // a request's magic
        ]
        for bytes in cases {
            #expect(throws: UpcallServiceMessageError.self) { try UpcallServiceReply(decoding: bytes) }
        }
    }
}
