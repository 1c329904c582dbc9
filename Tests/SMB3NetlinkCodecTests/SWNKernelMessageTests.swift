import SMB3Protocol
import SMB3TestSupport
import Testing

@testable import SMB3NetlinkCodec

/// The cifs genl messages, against the REGISTER the 6.1.192 witness module multicast in the lab
/// (kernel-interfaces.md §2.4) and the worked Kerberos example there.
@Suite("SWN kernel messages")
struct SWNKernelMessageTests {
    static func ipAttributeIPv4(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> [UInt8] {
        [0x84, 0x00, 0x04, 0x00, 0x02, 0x00, 0x01, 0xbd, a, b, c, d] + Array(repeating: 0, count: 120)
    }

    /// 240 bytes captured in the lab: NTLM mount of //witnesslab/share at 192.0.2.11.
    static let capturedRegister: [UInt8] =
        hexBytes("f0000000 20000000 00000000 00000000 01010000 08000100 01000000")
        + hexBytes("0f000200 7769746e6573736c616200 00")
        + hexBytes("0a000300 736861726500 0000")
        + ipAttributeIPv4(192, 0, 2, 11)
        + hexBytes("04000500 04000600 04000700")
        + hexBytes("10000900 7769746e657373746573 7400")
        + hexBytes("0e000a00 50617373773072642100 0000")
        + hexBytes("05000b00 00000000")

    @Test func capturedRegisterParses() throws {
        #expect(Self.capturedRegister.count == 240)
        let messages = try NetlinkMessage.split(Self.capturedRegister)
        #expect(messages.count == 1)
        #expect(messages[0].type == 0x20)
        let generic = try GenericNetlinkMessage(parsing: messages[0].payload)
        guard case .register(let registration) = try SWNKernelEvent(parsing: generic) else {
            Issue.record("not a REGISTER")
            return
        }
        #expect(registration.id == 1)
        #expect(registration.netName == "witnesslab")
        #expect(registration.shareName == "share")
        #expect(registration.address == SWNSocketAddress(host: .ipv4(IPv4Address(192, 0, 2, 11)), port: 445))
        #expect(registration.address.addressText == "192.0.2.11")
        #expect(registration.netNameNotify && registration.shareNameNotify && registration.ipNotify)
        #expect(
            registration.credentials
                == .ntlm(user: "witnesstest", password: Secret(Array("Passw0rd!".utf8)), domain: ""))
        // The password never prints.
        #expect(!"\(registration)".contains("Passw0rd"))
    }

    @Test func unregisterIsTheSamePrefixWithCommandTwo() throws {
        var bytes = Array(Self.capturedRegister[0..<0xc8])
        bytes[0] = 0xc8
        bytes[16] = 2
        let generic = try GenericNetlinkMessage(parsing: try NetlinkMessage.split(bytes)[0].payload)
        guard case .unregister(let registration) = try SWNKernelEvent(parsing: generic) else {
            Issue.record("not an UNREGISTER")
            return
        }
        #expect(registration.id == 1 && registration.credentials == .none)
    }

    @Test func kerberosWorkedExample() throws {
        let bytes =
            hexBytes("c0000000 cdab0000 00000000 00000000 01010000 08000100 01000000 08000200 66733100")
            + hexBytes("09000300 64617461 00000000") + [
                0x84, 0x00, 0x04, 0x00, 0x02, 0x00, 0x01, 0xbd, 0xc0, 0, 2, 0x0a,
            ]
            + Array(repeating: 0, count: 120) + hexBytes("04000500 04000600 04000800")
        #expect(bytes.count == 192)
        let generic = try GenericNetlinkMessage(parsing: try NetlinkMessage.split(bytes)[0].payload)
        guard case .register(let registration) = try SWNKernelEvent(parsing: generic) else {
            Issue.record("not a REGISTER")
            return
        }
        #expect(registration.credentials == .kerberos)
        #expect(!registration.ipNotify)
        #expect(registration.shareName == "data" && registration.netName == "fs1")
    }

    @Test func everyTruncationThrowsInsteadOfTrapping() throws {
        for length in 0..<Self.capturedRegister.count {
            var bytes = Array(Self.capturedRegister.prefix(length))
            if length >= 4 { bytes[0] = UInt8(length & 0xFF) }
            let parsed = try? SWNKernelEvent(
                parsing: GenericNetlinkMessage(parsing: NetlinkMessage.split(bytes).first?.payload ?? []))
            // Cut before the IP attribute ends: no registration can come out.
            if length < 0xbc { #expect(parsed == nil, "parsed at \(length)") }
        }
    }

    @Test func attributeClaimingTooMuchThrows() throws {
        var bytes = Self.capturedRegister
        bytes[0x14] = 0xff  // REGISTRATION_ID attribute length 255
        #expect(throws: NetlinkParseError.self) {
            try GenericNetlinkMessage(parsing: try NetlinkMessage.split(bytes)[0].payload)
        }
    }

    @Test func notifyClientMoveEncoding() throws {
        let notify = SWNNotify(
            registrationID: 1, kind: .clientMove(SWNSocketAddress(host: .ipv4(IPv4Address(192, 0, 2, 11)), port: 0)))
        let bytes = notify.encoded(familyID: 0x23, sequence: 7)
        // nlmsghdr 16 + genl 4 + id 8 + type 8 + IP 132
        #expect(bytes.count == 168)
        #expect(Array(bytes[0..<8]) == hexBytes("a8000000 2300 0500"))
        #expect(Array(bytes[8..<12]) == [7, 0, 0, 0])
        #expect(Array(bytes[16..<20]) == [3, 1, 0, 0])
        #expect(Array(bytes[20..<36]) == hexBytes("08000100 01000000 08000c00 02000000"))
        #expect(Array(bytes[36..<48]) == hexBytes("84000400 0200 0000 c000020b"))
        // And it parses back with our own reader.
        let generic = try GenericNetlinkMessage(parsing: try NetlinkMessage.split(bytes)[0].payload)
        #expect(generic.attribute(SWNGenericNetlink.Attribute.ip.rawValue)?.payload.count == 128)
    }

    @Test func notifyResourceChangeClipsTheNameForTheKernelBuffer() throws {
        let long = String(repeating: "n", count: 400)
        let notify = SWNNotify(registrationID: 9, kind: .resourceChange(name: long, state: 0xFF))
        let generic = notify.genericMessage
        let name = try #require(generic.attribute(SWNGenericNetlink.Attribute.resourceName.rawValue))
        #expect(name.payload.count == 256 && name.payload.last == 0)
        #expect(generic.attribute(SWNGenericNetlink.Attribute.resourceState.rawValue)?.u32 == 0xFF)
    }

    @Test func ackAndErrorCodes() throws {
        let ack = NetlinkMessage(
            type: 2, flags: 0, sequence: 7, portID: 1, payload: [0, 0, 0, 0] + Array(repeating: 0, count: 16))
        #expect(try NetlinkMessage.split(ack.encoded())[0].errorCode == 0)
        let einval = NetlinkMessage(type: 2, flags: 0, sequence: 7, portID: 1, payload: [0xea, 0xff, 0xff, 0xff])
        #expect(try NetlinkMessage.split(einval.encoded())[0].errorCode == -22)
    }

    @Test func ipv6SocketAddressRoundTrip() throws {
        let address = SWNSocketAddress(
            host: .ipv6(
                try #require(IPv6Address(octets: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])),
                scopeID: 0),
            port: 445)
        let bytes = address.encoded()
        #expect(bytes.count == 128 && bytes[0] == 10 && bytes[2] == 0x01 && bytes[3] == 0xbd)
        #expect(try SWNSocketAddress(parsing: bytes) == address)
        #expect(address.addressText == "2001:db8::1")
    }
}
