import SMB3Wire

/// The endpoint mapper's ept_map (opnum 3 of e1af8308-5d1f-11c9-91a4-08002b14a0fa v3.0) on
/// TCP 135: which port serves an interface over ncacn_ip_tcp.
public enum EndpointMapper {
    public static let port: UInt16 = 135
    public static let interface = DCERPCSyntax(
        wireUUID: [0x08, 0x83, 0xaf, 0xe1, 0x1f, 0x5d, 0xc9, 0x11, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa],
        major: 3, minor: 0)
    public static let mapOpnum: UInt16 = 3
    /// ept_map's status when nothing matches.
    public static let noMoreEntries: UInt32 = 0x16C9_A0D6

    /// The tower the client asks about: the interface over NDR20, connection-oriented, TCP
    /// port 0, IPv4 0.0.0.0. Floors are little-endian except port and address.
    public static func tower(for interface: DCERPCSyntax) -> [UInt8] {
        var writer = WireWriter()
        writer.writeInteger(UInt16(5), .little)
        func floor(_ lhs: [UInt8], _ rhs: [UInt8]) {
            writer.writeInteger(UInt16(lhs.count), .little)
            writer.writeBytes(lhs)
            writer.writeInteger(UInt16(rhs.count), .little)
            writer.writeBytes(rhs)
        }
        func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
        floor([0x0d] + interface.uuid + le16(interface.majorVersion), le16(interface.minorVersion))
        floor([0x0d] + DCERPCSyntax.ndr20.uuid + le16(DCERPCSyntax.ndr20.majorVersion), le16(0))
        floor([0x0b], le16(0))
        floor([0x07], [0, 0])
        floor([0x09], [0, 0, 0, 0])
        return writer.bytes
    }

    /// ept_map request stub: obj (a nil GUID), map_tower, a zero entry handle, max_towers.
    public static func mapRequest(for interface: DCERPCSyntax, maxTowers: UInt32 = 4) -> [UInt8] {
        var ndr = NDRWriter()
        // Referent ids 1 and 2: some servers (WS2003) insist on them, none object.
        ndr.u32(1)
        ndr.raw(repeatElement(0, count: 16))
        ndr.u32(2)
        let tower = tower(for: interface)
        ndr.u32(UInt32(tower.count))  // conformance of twr_t, hoisted
        ndr.u32(UInt32(tower.count))  // tower_length
        ndr.raw(tower)
        ndr.align(4)
        ndr.raw(repeatElement(0, count: 20))
        ndr.u32(maxTowers)
        return ndr.bytes
    }

    /// The TCP ports of the towers in an ept_map response, in order.
    public static func ports(fromMapResponse stub: [UInt8]) throws(DCERPCError) -> [UInt16] {
        var reader = NDRReader(stub)
        _ = try reader.take(20, "entry handle")
        let towerCount = try reader.u32("num_towers")
        let maxCount = try reader.count("towers max_count", elementSize: 4)
        _ = try reader.u32("towers offset")
        let actual = try reader.count("towers actual_count", elementSize: 4)
        guard actual <= maxCount, UInt32(actual) == towerCount || towerCount <= actual else {
            throw .ndr("towers actual_count \(actual) inconsistent")
        }
        var present: [Bool] = []
        for _ in 0..<actual { present.append(try reader.u32("tower pointer") != 0) }
        var ports: [UInt16] = []
        for isPresent in present where isPresent {
            let conformance = try reader.count("twr_t conformance", elementSize: 1)
            let length = Int(try reader.u32("tower_length"))
            guard length <= conformance else { throw .ndr("tower_length \(length) exceeds conformance") }
            let octets = try reader.take(conformance, "tower octets")
            try reader.align(4)
            if let port = try tcpPort(inTower: Array(octets.prefix(length))) { ports.append(port) }
        }
        let status = try reader.u32("ept_map status")
        guard status == 0 else { throw .fault(status: status) }
        return ports
    }

    /// Floor 4 (protocol id 0x07) holds the port, big-endian.
    static func tcpPort(inTower tower: [UInt8]) throws(DCERPCError) -> UInt16? {
        var reader = WireReader(tower)
        guard let floors = reader.readInteger(.little, as: UInt16.self) else { throw .ndr("tower truncated") }
        for _ in 0..<floors {
            guard let lhsLength = reader.readInteger(.little, as: UInt16.self),
                let lhs = reader.readBytes(Int(lhsLength)),
                let rhsLength = reader.readInteger(.little, as: UInt16.self),
                let rhs = reader.readBytes(Int(rhsLength))
            else { throw .ndr("tower floor truncated") }
            if lhs.first == 0x07, rhs.count == 2 {
                return UInt16(rhs[rhs.startIndex]) << 8 | UInt16(rhs[rhs.startIndex + 1])
            }
        }
        return nil
    }
}
