import SMB3Protocol
import Testing

@testable import SMB3Wire

struct IPAddressTests {
    static func v6(_ groups: [UInt16]) -> IPv6Address? {
        IPv6Address(octets: groups.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
    }

    @Test(
        arguments: [
            ([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], "2001:db8::1"),
            ([0, 0, 0, 0, 0, 0, 0, 0], "::"),
            ([0, 0, 0, 0, 0, 0, 0, 1], "::1"),
            // The first of two equally long runs; a single zero group stays.
            ([0x2001, 0, 0, 1, 0, 0, 1, 1], "2001::1:0:0:1:1"),
            ([0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], "2001:db8:0:1:1:1:1:1"),
            // IPv4-mapped: mixed notation (RFC 5952 §5).
            ([0, 0, 0, 0, 0, 0xFFFF, 0xC000, 0x020A], "::ffff:192.0.2.10"),
        ] as [([UInt16], String)])
    func ipv6TextIsRFC5952(_ groups: [UInt16], _ text: String) throws {
        let address = try #require(Self.v6(groups))
        #expect(address.description == text)
        // DebugData's address type prints the same text.
        #expect(DebugData.IPAddress(bytes: address.octets)?.description == text)
    }

    @Test func ipv4Text() {
        #expect(IPv4Address(192, 0, 2, 10).description == "192.0.2.10")
        #expect(DebugData.IPAddress(ipv4: 198, 51, 100, 7).description == "198.51.100.7")
    }
}
