import SMB3Protocol
import Testing

@testable import SMB3Ioctl

/// A real FSCTL_QUERY_NETWORK_INTERFACE_INFO reply: Samba 4.22 with
/// `interfaces = "127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=1000000000"
/// "127.0.0.3;speed=25000000000,capability=RDMA"`, fetched through CIFS_QUERY_INFO by python's ioctl
/// in lab/scenarios/ifaces-report.sh (6.12.117 guest; the log line FSCTL-REPLY-HEX).
@Suite struct NetworkInterfaceInfoCapturedTests {
    static let samba422Hex =
        "9800000001000000020000000000000000ba1dd205000000020000007f0000030000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000009800000001000000000000000000000000ca9a3b00000000020000007f0000020000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001000000010000000000000000e40b5402000000020000007f000001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

    static var bytes: [UInt8] {
        var result: [UInt8] = []
        var high: UInt8?
        for unit in samba422Hex.utf8 {
            let value: UInt8 = unit <= UInt8(ascii: "9") ? unit - UInt8(ascii: "0") : unit - UInt8(ascii: "a") + 10
            if let first = high {
                result.append(first << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return result
    }

    @Test func decodesSambasThreeInterfaces() throws {
        let info = try NetworkInterfaceInfo(decoding: Self.bytes)
        #expect(Self.bytes.count == 3 * NetworkInterfaceInfo.entrySize)
        #expect(info.isComplete && info.trailingByteCount == 0)
        // Samba's order on the wire; the kernel re-sorts (RDMA, RSS, speed).
        #expect(info.entries.map { $0.address?.description ?? "" } == ["127.0.0.3", "127.0.0.2", "127.0.0.1"])
        #expect(info.entries.map(\.speedBitsPerSecond) == [25_000_000_000, 1_000_000_000, 10_000_000_000])
        #expect(info.entries.map(\.capabilities) == [.rdma, [], .rss])
        #expect(info.kernelOrder.map { $0.address?.description ?? "" } == ["127.0.0.3", "127.0.0.1", "127.0.0.2"])
    }

    @Test func reEncodingGivesTheCapturedBytesBack() throws {
        let info = try NetworkInterfaceInfo(decoding: Self.bytes)
        #expect(info.encoded() == Self.bytes)  // Samba sends port 0, so nothing is lost
    }

    @Test func trailingByteIsToleratedLikeTheKernelButANextPastTheEndIsNot() throws {
        let padded = try NetworkInterfaceInfo(decoding: Self.bytes + [0])
        #expect(padded.trailingByteCount == 1 && padded.isComplete)
        var bytes = Self.bytes
        bytes[1] = 0x10  // Next = 0x1098, beyond the 456 bytes
        #expect(throws: CIFSABIError(.invalidLength, "")) { try NetworkInterfaceInfo(decoding: bytes) }
    }
}
