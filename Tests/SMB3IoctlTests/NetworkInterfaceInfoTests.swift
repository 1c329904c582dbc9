import SMB3Protocol
import Testing

@testable import SMB3Ioctl

/// FSCTL_QUERY_NETWORK_INTERFACE_INFO replies built by hand, byte by byte, as MS-SMB2 §2.2.32.5 lays them out.
@Suite struct NetworkInterfaceInfoTests {
    /// One 152-byte entry.
    static func entry(
        next: UInt32, index: UInt32, capability: UInt32, speed: UInt64, family: UInt16, address: [UInt8]
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        func le<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        le(next)
        le(index)
        le(capability)
        le(UInt32(0))
        le(speed)
        le(family)
        var buffer = [UInt8](repeating: 0, count: 126)
        buffer[0] = 0x01  // port 445 big-endian (0x01bd): must be ignored
        buffer[1] = 0xbd
        let offset = family == 0x17 ? 6 : 2
        if family == 0x17 { buffer[2] = 0xAA }  // flow info: ignored
        for (position, byte) in address.enumerated() { buffer[offset + position] = byte }
        bytes += buffer
        return bytes
    }

    static let ipv6Address: [UInt8] = [0x20, 0x01, 0x0d, 0xb8] + [UInt8](repeating: 0, count: 11) + [0x01]

    /// The three interfaces of the lab: 10G RSS, 1G plain, 25G RDMA+RSS over IPv6.
    static var threeEntries: [UInt8] {
        entry(next: 152, index: 1, capability: 0x1, speed: 10_000_000_000, family: 2, address: [127, 0, 0, 1])
            + entry(next: 152, index: 2, capability: 0, speed: 1_000_000_000, family: 2, address: [127, 0, 0, 2])
            + entry(next: 0, index: 7, capability: 0x3, speed: 25_000_000_000, family: 0x17, address: ipv6Address)
    }

    @Test func decodesThreeEntries() throws {
        let info = try NetworkInterfaceInfo(decoding: Self.threeEntries)
        #expect(info.entries.count == 3)
        #expect(info.isComplete)
        #expect(info.trailingByteCount == 0)
        let first = try #require(info.entries.first)
        #expect(first.interfaceIndex == 1)
        #expect(first.isRSSCapable && !first.isRDMACapable)
        #expect(first.speedBitsPerSecond == 10_000_000_000)
        #expect(first.address == DebugData.IPAddress(ipv4: 127, 0, 0, 1))
        let third = info.entries[2]
        #expect(third.isRDMACapable && third.isRSSCapable)
        #expect(third.family == .ipv6)
        #expect(third.address?.description == "2001:db8::1")
        #expect(third.interfaceIndex == 7)
    }

    @Test func zeroLinkSpeedCountsAsOneGigabit() throws {
        let bytes = Self.entry(next: 0, index: 1, capability: 0, speed: 0, family: 2, address: [10, 0, 0, 1])
        let info = try NetworkInterfaceInfo(decoding: bytes)
        #expect(info.entries.first?.linkSpeed == 0)
        #expect(info.entries.first?.speedBitsPerSecond == 1_000_000_000)
    }

    @Test func kernelOrderPutsRDMAThenRSSThenSpeed() throws {
        let info = try NetworkInterfaceInfo(decoding: Self.threeEntries)
        let order = info.kernelOrder.map { $0.address?.description ?? "" }
        #expect(order == ["2001:db8::1", "127.0.0.1", "127.0.0.2"])
    }

    @Test func kernelOrderMergesExactDuplicatesAndDropsUnknownFamilies() throws {
        let one = Self.entry(next: 152, index: 1, capability: 1, speed: 5, family: 2, address: [10, 0, 0, 1])
        let unknown = Self.entry(next: 152, index: 9, capability: 0, speed: 5, family: 0x1f, address: [1, 2, 3, 4])
        let last = Self.entry(next: 0, index: 2, capability: 1, speed: 5, family: 2, address: [10, 0, 0, 1])
        let info = try NetworkInterfaceInfo(decoding: one + unknown + last)
        #expect(info.entries.count == 3)
        #expect(info.entries[1].address == nil)
        #expect(info.kernelOrder.count == 1)
    }

    @Test func everyTruncationOfOneEntryIsRejected() {
        let bytes = Self.entry(next: 0, index: 1, capability: 1, speed: 1, family: 2, address: [10, 0, 0, 1])
        for length in 0..<bytes.count {
            #expect(throws: CIFSABIError(.truncated, "")) {
                try NetworkInterfaceInfo(decoding: Array(bytes.prefix(length)))
            }
        }
    }

    @Test func everyTruncationOfThreeEntriesFailsOrStopsEarly() throws {
        let bytes = Self.threeEntries
        for length in 0..<bytes.count {
            let prefix = Array(bytes.prefix(length))
            if length < 152 {
                #expect(throws: CIFSABIError(.truncated, "")) { try NetworkInterfaceInfo(decoding: prefix) }
            } else {
                // The kernel checks Next against the bytes left: a cut inside a later entry makes Next overshoot.
                let result = Result { try NetworkInterfaceInfo(decoding: prefix) }
                switch result {
                case .success(let info):
                    #expect(!info.isComplete)
                    #expect(info.entries.count == length / 152)
                case .failure(let error):
                    #expect(error as? CIFSABIError == CIFSABIError(.invalidLength, ""))
                }
            }
        }
    }

    @Test func nextBelowEntrySizeIsRejected() {
        var bytes = Self.threeEntries
        bytes[0] = 100
        #expect(throws: CIFSABIError(.invalidLength, "")) { try NetworkInterfaceInfo(decoding: bytes) }
    }

    @Test func nextBeyondTheBufferIsRejected() {
        var bytes = Self.threeEntries
        bytes[0] = 0xFF
        bytes[1] = 0x10
        #expect(throws: CIFSABIError(.invalidLength, "")) { try NetworkInterfaceInfo(decoding: bytes) }
    }

    @Test func nextWithPaddingSkipsIt() throws {
        let first = Self.entry(next: 160, index: 1, capability: 0, speed: 1, family: 2, address: [10, 0, 0, 1])
        let second = Self.entry(next: 0, index: 2, capability: 0, speed: 2, family: 2, address: [10, 0, 0, 2])
        let info = try NetworkInterfaceInfo(decoding: first + [UInt8](repeating: 0xEE, count: 8) + second)
        #expect(info.entries.map(\.interfaceIndex) == [1, 2])
        #expect(info.isComplete)
    }

    @Test func trailingPaddingUpToEightBytesIsComplete() throws {
        let bytes = Self.entry(next: 0, index: 1, capability: 0, speed: 1, family: 2, address: [10, 0, 0, 1])
        let padded = try NetworkInterfaceInfo(decoding: bytes + [UInt8](repeating: 0, count: 8))
        #expect(padded.isComplete && padded.trailingByteCount == 8)
        let longer = try NetworkInterfaceInfo(decoding: bytes + [UInt8](repeating: 0, count: 9))
        #expect(!longer.isComplete && longer.trailingByteCount == 9)
    }

    @Test func emptyReplyIsRejected() {
        #expect(throws: CIFSABIError(.truncated, "")) { try NetworkInterfaceInfo(decoding: []) }
    }

    @Test func oversizedReplyIsRejected() {
        let bytes = [UInt8](repeating: 0, count: NetworkInterfaceInfo.maximumInputSize + 1)
        #expect(throws: CIFSABIError(.tooLarge, "")) { try NetworkInterfaceInfo(decoding: bytes) }
    }

    @Test func encodingRoundTrips() throws {
        let info = try NetworkInterfaceInfo(decoding: Self.threeEntries)
        let again = try NetworkInterfaceInfo(decoding: info.encoded())
        #expect(again == info)
        // The encoder zeroes port and flow info, so the bytes differ from the input only there.
        #expect(info.encoded().count == Self.threeEntries.count)
    }

    @Test func decodesFromASliceWithNonZeroStartIndex() throws {
        let bytes = [UInt8](repeating: 0x55, count: 5) + Self.threeEntries
        let info = try NetworkInterfaceInfo(decoding: bytes[5...])
        #expect(info.entries.count == 3)
    }
}
