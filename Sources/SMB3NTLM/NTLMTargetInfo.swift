import SMB3Wire

/// AV_PAIR ids, MS-NLMP 2.2.2.1.
public struct NTLMAVID: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// MsvAvEOL: ends the list.
    public static let eol = NTLMAVID(rawValue: 0)
    /// MsvAvNbComputerName
    public static let nbComputerName = NTLMAVID(rawValue: 1)
    /// MsvAvNbDomainName
    public static let nbDomainName = NTLMAVID(rawValue: 2)
    /// MsvAvDnsComputerName
    public static let dnsComputerName = NTLMAVID(rawValue: 3)
    /// MsvAvDnsDomainName
    public static let dnsDomainName = NTLMAVID(rawValue: 4)
    /// MsvAvDnsTreeName
    public static let dnsTreeName = NTLMAVID(rawValue: 5)
    /// MsvAvFlags: a 32-bit little-endian bit field.
    public static let flags = NTLMAVID(rawValue: 6)
    /// MsvAvTimestamp: a 64-bit FILETIME.
    public static let timestamp = NTLMAVID(rawValue: 7)
    /// MsvAvSingleHost
    public static let singleHost = NTLMAVID(rawValue: 8)
    /// MsvAvTargetName: the SPN the client meant to reach.
    public static let targetName = NTLMAVID(rawValue: 9)
    /// MsvAvChannelBindings
    public static let channelBindings = NTLMAVID(rawValue: 10)
}

public struct NTLMAVPair: Hashable, Sendable {
    public var id: NTLMAVID
    public var value: [UInt8]

    public init(id: NTLMAVID, value: [UInt8]) {
        self.id = id
        self.value = value
    }
}

/// The TargetInfo of a CHALLENGE message and of the NTLMv2 client blob: AV pairs, MsvAvEOL not included.
public struct NTLMTargetInfo: Hashable, Sendable {
    /// MsvAvFlags bit 0x2: the AUTHENTICATE message carries a MIC.
    public static let micPresentFlag: UInt32 = 0x0000_0002

    public var pairs: [NTLMAVPair]

    public init(pairs: [NTLMAVPair] = []) { self.pairs = pairs }

    /// Parses AV pairs up to MsvAvEOL. Bytes after MsvAvEOL are ignored; a list without it is malformed.
    public init(parsing bytes: [UInt8]) throws {
        var reader = WireReader(bytes)
        var pairs: [NTLMAVPair] = []
        while true {
            guard let rawID = reader.readInteger(.little, as: UInt16.self),
                let length = reader.readInteger(.little, as: UInt16.self)
            else { throw NTLMError.malformedTargetInfo(reason: "AV pair header runs past the end, no MsvAvEOL") }
            guard let value = reader.readBytes(Int(length)) else {
                throw NTLMError.malformedTargetInfo(reason: "AV pair \(rawID) value runs past the end")
            }
            let id = NTLMAVID(rawValue: rawID)
            if id == .eol { break }
            let expectedLength: Int? =
                switch id {
                case .flags: 4
                case .timestamp: 8
                default: nil
                }
            if let expectedLength, value.count != expectedLength {
                throw NTLMError.malformedTargetInfo(reason: "AV pair \(rawID) has \(value.count) bytes")
            }
            pairs.append(NTLMAVPair(id: id, value: Array(value)))
        }
        self.pairs = pairs
    }

    /// The AV pairs followed by MsvAvEOL.
    public func encoded() throws -> [UInt8] {
        var writer = WireWriter()
        for pair in pairs {
            guard let length = UInt16(exactly: pair.value.count) else {
                throw NTLMError.invalidParameter("AV pair \(pair.id.rawValue) longer than 65535 bytes")
            }
            writer.writeInteger(pair.id.rawValue, .little)
            writer.writeInteger(length, .little)
            writer.writeBytes(pair.value)
        }
        writer.writeInteger(UInt32(0), .little)  // MsvAvEOL, length 0
        return writer.bytes
    }

    public func value(for id: NTLMAVID) -> [UInt8]? { pairs.first { $0.id == id }?.value }

    /// MsvAvTimestamp as a FILETIME (100 ns ticks since 1601-01-01 UTC).
    public var timestamp: UInt64? {
        guard let value = value(for: .timestamp) else { return nil }
        var reader = WireReader(value)
        return reader.readInteger(.little, as: UInt64.self)
    }

    public var flags: UInt32? {
        guard let value = value(for: .flags) else { return nil }
        var reader = WireReader(value)
        return reader.readInteger(.little, as: UInt32.self)
    }

    public var nbComputerName: String? { value(for: .nbComputerName).map { decodeUTF16LELeniently($0) } }
    public var nbDomainName: String? { value(for: .nbDomainName).map { decodeUTF16LELeniently($0) } }
    public var dnsComputerName: String? { value(for: .dnsComputerName).map { decodeUTF16LELeniently($0) } }
    public var dnsDomainName: String? { value(for: .dnsDomainName).map { decodeUTF16LELeniently($0) } }

    /// Sets a pair in place, or appends it when absent.
    public mutating func set(_ id: NTLMAVID, to value: [UInt8]) {
        if let index = pairs.firstIndex(where: { $0.id == id }) {
            pairs[index].value = value
        } else {
            pairs.append(NTLMAVPair(id: id, value: value))
        }
    }
}
