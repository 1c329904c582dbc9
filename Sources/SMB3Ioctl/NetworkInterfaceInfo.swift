import SMB3Wire

// FSCTL_QUERY_NETWORK_INTERFACE_INFO (0x001401FC) response -- MS-SMB2 §2.2.32.5, fs/smb/client/smb2pdu.h
// struct network_interface_info_ioctl_rsp (__packed, 152 bytes, little-endian unless noted):
//   0  le32 Next              byte offset of the next entry; 0 = last
//   4  le32 IfIndex           (cifs ignores it)
//   8  le32 Capability        RSS_CAPABLE 0x1, RDMA_CAPABLE 0x2
//  12  le32 Reserved
//  16  le64 LinkSpeed         bits per second; cifs reads 0 as 1 Gbit/s
//  24  le16 Family            INTERNETWORK 0x0002, INTERNETWORKV6 0x0017
//  26  u8   Buffer[126]       IPv4: be16 Port, be32 IPv4Address @28, u8 Reserved[8]
//                             IPv6: be16 Port, be32 FlowInfo, u8 IPv6Address[16] @32, be32 ScopeId
//
// Walk (smb2ops.c: parse_server_interfaces, 6.1 and 6.12): while at least 152 bytes are left, read an
// entry; Next == 0 ends the list; Next < 152 or Next > bytes left is -EINVAL; otherwise advance by Next.
// No entry at all is -EINVAL ("malformed interface info"); more than 8 bytes left over, or a last
// entry whose Next is not 0, is only a warning ("incomplete interface info"; Azure pads to 16).

/// The server's reply to FSCTL_QUERY_NETWORK_INTERFACE_INFO: the network interfaces it offers for multichannel.
///
/// Decode with ``init(decoding:)``; the walk and its checks are those of the kernel's
/// `parse_server_interfaces` (6.1, 6.12). ``kernelOrder`` gives the list as cifs.ko stores it.
public struct NetworkInterfaceInfo {
    /// The FSCTL code (`fs/smb/common/smbfsctl.h`).
    public static let fsctlCode: UInt32 = 0x0014_01FC
    /// One entry's size on the wire.
    public static let entrySize = 152
    /// Bytes left after the last entry that still count as complete (Azure pads the reply to 16 bytes).
    public static let tolerableTrailingBytes = 8
    /// The largest reply decoded: CIFS_QUERY_INFO's reply cap (`CIFSQueryInfo.maximumReplyCapacity`, 1 MiB),
    /// far above `CIFSMaxBufSize`'s 130048 that bounds what the kernel itself accepts.
    public static let maximumInputSize = 1 << 20
    /// The speed cifs assumes when the server reports 0 (`parse_server_interfaces`: `speed ?: 1000000000`).
    public static let assumedSpeedBitsPerSecond: UInt64 = 1_000_000_000

    /// Every entry walked, in wire order, including those of an unknown family (``Entry/address`` is `nil`).
    public var entries: [Entry]
    /// Bytes after the last entry (the kernel warns above ``tolerableTrailingBytes``).
    public var trailingByteCount: Int
    /// Whether the list ended the way the kernel calls complete: last `Next` 0 and at most 8 bytes left.
    public var isComplete: Bool

    public init(entries: [Entry], trailingByteCount: Int = 0, isComplete: Bool = true) {
        self.entries = entries
        self.trailingByteCount = trailingByteCount
        self.isComplete = isComplete
    }

    /// The `Capability` word of an entry.
    public struct Capabilities: OptionSet {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `RSS_CAPABLE`: several channels may share this interface.
        public static let rss = Capabilities(rawValue: 0x1)
        /// `RDMA_CAPABLE`: the interface does SMB Direct.
        public static let rdma = Capabilities(rawValue: 0x2)
    }

    /// The `Family` of `SockAddr_Storage` (MS-SMB2 §2.2.32.5.1).
    public struct Family: RawRepresentable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        /// `INTERNETWORK`: IPv4.
        public static let ipv4 = Family(rawValue: 0x0002)
        /// `INTERNETWORKV6`: IPv6.
        public static let ipv6 = Family(rawValue: 0x0017)
    }

    /// One `NETWORK_INTERFACE_INFO` entry.
    public struct Entry {
        /// `IfIndex`, the server's interface index (cifs does not store it).
        public var interfaceIndex: UInt32
        /// `Capability`.
        public var capabilities: Capabilities
        /// `LinkSpeed` as sent, in bits per second (may be 0).
        public var linkSpeed: UInt64
        /// `Family` as sent.
        public var family: Family
        /// The address; `nil` for a family the kernel skips ("skipping unsupported socket family").
        public var address: IPAddress?

        public init(
            interfaceIndex: UInt32 = 0, capabilities: Capabilities = [], linkSpeed: UInt64,
            address: IPAddress
        ) {
            self.interfaceIndex = interfaceIndex
            self.capabilities = capabilities
            self.linkSpeed = linkSpeed
            self.family = address.family == .ipv4 ? .ipv4 : .ipv6
            self.address = address
        }

        public init(
            interfaceIndex: UInt32, capabilities: Capabilities, linkSpeed: UInt64, family: Family,
            address: IPAddress?
        ) {
            self.interfaceIndex = interfaceIndex
            self.capabilities = capabilities
            self.linkSpeed = linkSpeed
            self.family = family
            self.address = address
        }

        /// The speed cifs uses: ``linkSpeed``, or 1 Gbit/s when the server sent 0.
        public var speedBitsPerSecond: UInt64 {
            linkSpeed == 0 ? NetworkInterfaceInfo.assumedSpeedBitsPerSecond : linkSpeed
        }
        public var isRSSCapable: Bool { capabilities.contains(.rss) }
        public var isRDMACapable: Bool { capabilities.contains(.rdma) }
    }
}

// MARK: - Decoding

extension NetworkInterfaceInfo {
    /// Decodes the FSCTL output buffer.
    ///
    /// - Throws: `CIFSABIError` `.truncated` when the reply is empty or shorter than one entry (the
    ///   kernel's "malformed interface info"), `.invalidLength` for a `Next` below 152 or beyond the
    ///   bytes left, `.tooLarge` above ``maximumInputSize``.
    public init(decoding bytes: ArraySlice<UInt8>) throws(CIFSABIError) {
        guard bytes.count <= Self.maximumInputSize else {
            throw CIFSABIError(.tooLarge, "interface list: \(bytes.count) bytes, at most \(Self.maximumInputSize)")
        }
        guard bytes.count >= Self.entrySize else {
            throw CIFSABIError(
                .truncated, "interface list: \(bytes.count) bytes, an entry needs \(Self.entrySize)")
        }
        var entries: [Entry] = []
        var remaining = bytes
        var lastNext: UInt32 = 0
        while remaining.count >= Self.entrySize {
            var reader = WireReader(remaining)
            let entry = try Self.decodeEntry(&reader, number: entries.count + 1)
            entries.append(entry.entry)
            lastNext = entry.next
            if entry.next == 0 {
                remaining = remaining.dropFirst(Self.entrySize)
                break
            }
            guard let next = Int(exactly: entry.next), next >= Self.entrySize, next <= remaining.count else {
                throw CIFSABIError(
                    .invalidLength,
                    "interface \(entries.count): Next \(entry.next) out of range [\(Self.entrySize), \(remaining.count)]"
                )
            }
            remaining = remaining.dropFirst(next)
        }
        self.entries = entries
        self.trailingByteCount = remaining.count
        self.isComplete = lastNext == 0 && remaining.count <= Self.tolerableTrailingBytes
    }

    /// Decodes the FSCTL output buffer; see ``init(decoding:)-(ArraySlice<UInt8>)``.
    public init(decoding bytes: [UInt8]) throws(CIFSABIError) {
        try self.init(decoding: bytes[...])
    }

    private static func decodeEntry(
        _ reader: inout WireReader, number: Int
    ) throws(CIFSABIError) -> (entry: Entry, next: UInt32) {
        let field = "interface \(number)"
        let next: UInt32 = try reader.require(.little, "\(field) Next")
        let index: UInt32 = try reader.require(.little, "\(field) IfIndex")
        let capability: UInt32 = try reader.require(.little, "\(field) Capability")
        let _: UInt32 = try reader.require(.little, "\(field) Reserved")
        let speed: UInt64 = try reader.require(.little, "\(field) LinkSpeed")
        let family = Family(rawValue: try reader.require(.little, "\(field) Family"))
        let buffer = try reader.requireBytes(126, "\(field) SockAddr_Storage")
        var address: IPAddress?
        // Buffer starts with be16 Port (ignored: the kernel uses the primary connection's port).
        switch family {
        case .ipv4:
            address = IPAddress(bytes: Array(buffer.dropFirst(2).prefix(4)))
        case .ipv6:
            // be32 FlowInfo, then the address; FlowInfo and ScopeId are ignored like the kernel does.
            address = IPAddress(bytes: Array(buffer.dropFirst(6).prefix(16)))
        default:
            address = nil  // Skipped on purpose: the kernel logs "skipping unsupported socket family".
        }
        let entry = Entry(
            interfaceIndex: index, capabilities: Capabilities(rawValue: capability), linkSpeed: speed,
            family: family, address: address)
        return (entry, next)
    }
}

// MARK: - Encoding (tests, fakes)

extension NetworkInterfaceInfo {
    /// The wire form: entries chained with `Next = 152`, the last with `Next = 0`; ports, flow info and scope 0.
    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: entries.count * Self.entrySize)
        for (position, entry) in entries.enumerated() {
            let isLast = position == entries.count - 1
            writer.writeInteger(UInt32(isLast ? 0 : Self.entrySize), .little)
            writer.writeInteger(entry.interfaceIndex, .little)
            writer.writeInteger(entry.capabilities.rawValue, .little)
            writer.writeInteger(UInt32(0), .little)
            writer.writeInteger(entry.linkSpeed, .little)
            writer.writeInteger(entry.family.rawValue, .little)
            var buffer = [UInt8](repeating: 0, count: 126)
            if let address = entry.address {
                let offset = address.family == .ipv4 ? 2 : 6
                for (position, byte) in address.bytes.enumerated() where offset + position < buffer.count {
                    buffer[offset + position] = byte
                }
            }
            writer.writeBytes(buffer)
        }
        return writer.bytes
    }
}

// MARK: - The kernel's view

extension NetworkInterfaceInfo {
    /// The interfaces as cifs.ko keeps them (`parse_server_interfaces`, `iface_cmp`): unknown families
    /// dropped, exact duplicates merged, sorted RDMA first, then RSS, then faster, then by address.
    public var kernelOrder: [Entry] {
        var result: [Entry] = []
        for entry in entries where entry.address != nil {
            let isDuplicate = result.contains { existing in
                existing.isRDMACapable == entry.isRDMACapable && existing.isRSSCapable == entry.isRSSCapable
                    && existing.speedBitsPerSecond == entry.speedBitsPerSecond && existing.address == entry.address
            }
            if !isDuplicate { result.append(entry) }
        }
        return result.sorted(by: Self.kernelPrecedes)
    }

    /// `iface_cmp` > 0: which of two entries the kernel lists first.
    static func kernelPrecedes(_ lhs: Entry, _ rhs: Entry) -> Bool {
        if lhs.isRDMACapable != rhs.isRDMACapable { return lhs.isRDMACapable }
        if lhs.isRSSCapable != rhs.isRSSCapable { return lhs.isRSSCapable }
        if lhs.speedBitsPerSecond != rhs.speedBitsPerSecond { return lhs.speedBitsPerSecond > rhs.speedBitsPerSecond }
        let left = lhs.address?.bytes ?? []
        let right = rhs.address?.bytes ?? []
        if left.count != right.count { return left.count < right.count }
        return left.lexicographicallyPrecedes(right) == false && left != right
    }
}

extension NetworkInterfaceInfo: Hashable {}
extension NetworkInterfaceInfo: Sendable {}
extension NetworkInterfaceInfo.Capabilities: Hashable {}
extension NetworkInterfaceInfo.Capabilities: Sendable {}
extension NetworkInterfaceInfo.Family: Hashable {}
extension NetworkInterfaceInfo.Family: Sendable {}
extension NetworkInterfaceInfo.Entry: Hashable {}
extension NetworkInterfaceInfo.Entry: Sendable {}
