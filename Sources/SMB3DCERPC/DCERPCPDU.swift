import SMB3Wire

// Connection-oriented DCE/RPC (C706 ch. 12, MS-RPCE) PDUs: the 16-byte common header, the
// bodies a client sends and receives, and the auth verifier. Little-endian data
// representation only: that is what the client announces in `drep` and all servers answer in.

public enum DCERPCPacketType: UInt8, Sendable {
    case request = 0
    case response = 2
    case fault = 3
    case bind = 11
    case bindAck = 12
    case bindNak = 13
    case alterContext = 14
    case alterContextResponse = 15
    case auth3 = 16
}

public struct DCERPCPacketFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let firstFragment = DCERPCPacketFlags(rawValue: 0x01)
    public static let lastFragment = DCERPCPacketFlags(rawValue: 0x02)
    /// In bind and alter_context; PENDING_CANCEL elsewhere.
    public static let supportHeaderSign = DCERPCPacketFlags(rawValue: 0x04)
    /// Concurrent multiplexing: several calls outstanding on one connection (UnRegister while
    /// AsyncNotify is pending).
    public static let concurrentMultiplex = DCERPCPacketFlags(rawValue: 0x10)
    public static let didNotExecute = DCERPCPacketFlags(rawValue: 0x20)
    public static let objectUUID = DCERPCPacketFlags(rawValue: 0x80)
}

/// An interface or transfer syntax: UUID (wire form, first three fields little-endian) and version.
public struct DCERPCSyntax: Hashable, Sendable {
    public var uuid: [UInt8]
    public var majorVersion: UInt16
    public var minorVersion: UInt16

    public init?(uuid text: String, major: UInt16, minor: UInt16) {
        guard let bytes = Self.wireUUID(text) else { return nil }
        uuid = bytes
        majorVersion = major
        minorVersion = minor
    }

    public init(wireUUID: [UInt8], major: UInt16, minor: UInt16) {
        uuid = wireUUID
        majorVersion = major
        minorVersion = minor
    }

    /// "ccd8c074-d0e5-4a40-92b4-d074faa6ba28" in its on-wire (bytes_le) order.
    public static func wireUUID(_ text: String) -> [UInt8]? {
        let hex = Array(text.utf8.filter { $0 != UInt8(ascii: "-") })
        guard text.utf8.count == 36, hex.count == 32 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: 32, by: 2) {
            guard let high = hexDigitValue(hex[index]), let low = hexDigitValue(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        let timeLow = bytes[0..<4].reversed(), timeMid = bytes[4..<6].reversed(), timeHigh = bytes[6..<8].reversed()
        return Array(timeLow) + Array(timeMid) + Array(timeHigh) + Array(bytes[8...])
    }

    /// NDR20 transfer syntax 8a885d04-1ceb-11c9-9fe8-08002b104860 v2.
    public static let ndr20 = DCERPCSyntax(
        wireUUID: [0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60],
        major: 2, minor: 0)
}

/// auth_type and auth_level of the sec_trailer.
public enum DCERPCAuthType: UInt8, Sendable {
    case spnego = 9
    case ntlmssp = 10
    case kerberos = 16
}

public enum DCERPCAuthLevel: UInt8, Sendable, CustomStringConvertible {
    case connect = 2
    case integrity = 5
    case privacy = 6

    public var description: String {
        switch self {
        case .connect: "connect"
        case .integrity: "integrity"
        case .privacy: "privacy"
        }
    }
}

/// sec_trailer plus auth_value.
public struct DCERPCAuthVerifier: Hashable, Sendable {
    public static let trailerSize = 8

    public var type: UInt8
    public var level: UInt8
    public var padLength: UInt8
    public var contextID: UInt32
    public var value: [UInt8]

    public init(type: UInt8, level: UInt8, padLength: UInt8 = 0, contextID: UInt32 = 0, value: [UInt8]) {
        self.type = type
        self.level = level
        self.padLength = padLength
        self.contextID = contextID
        self.value = value
    }

    func write(into writer: inout WireWriter) {
        writer.writeBytes([type, level, padLength, 0])
        writer.writeInteger(contextID, .little)
        writer.writeBytes(value)
    }
}

/// One PDU (fragment) as read off the wire: header fields, the body between header and auth
/// pad, and the auth verifier.
public struct DCERPCPacket: Hashable, Sendable {
    public static let headerSize = 16
    /// The smallest max_xmit_frag/max_recv_frag C706 allows; also our ceiling for one PDU
    /// beyond which a length is treated as hostile.
    public static let maximumFragmentLength = 65535

    public var type: DCERPCPacketType
    public var flags: DCERPCPacketFlags
    public var callID: UInt32
    /// Body without auth pad and auth verifier.
    public var body: [UInt8]
    public var auth: DCERPCAuthVerifier?

    public init(
        type: DCERPCPacketType, flags: DCERPCPacketFlags, callID: UInt32, body: [UInt8],
        auth: DCERPCAuthVerifier? = nil
    ) {
        self.type = type
        self.flags = flags
        self.callID = callID
        self.body = body
        self.auth = auth
    }

    /// The fragment length a 16-byte header announces, for reading exactly one PDU off a stream.
    public static func fragmentLength(header: [UInt8]) throws(DCERPCError) -> Int {
        guard header.count >= headerSize else { throw .truncated("header") }
        guard header[0] == 5, header[1] == 0 else { throw .badVersion(header[0], header[1]) }
        let length = Int(header[8]) | Int(header[9]) << 8
        guard length >= headerSize else { throw .badFragmentLength(length) }
        return length
    }

    /// Parses one complete fragment.
    public init(parsing bytes: [UInt8]) throws(DCERPCError) {
        let length = try Self.fragmentLength(header: bytes)
        guard length == bytes.count else { throw .badFragmentLength(length) }
        guard bytes[4] & 0xF0 == 0x10 else { throw .unsupportedDataRepresentation(Array(bytes[4..<8])) }
        guard let type = DCERPCPacketType(rawValue: bytes[2]) else {
            throw .unexpectedPacket("packet type \(bytes[2])")
        }
        self.type = type
        flags = DCERPCPacketFlags(rawValue: bytes[3])
        let authLength = Int(bytes[10]) | Int(bytes[11]) << 8
        var reader = WireReader(bytes[12..<16])
        callID = reader.readInteger(.little, as: UInt32.self) ?? 0
        if authLength == 0 {
            body = Array(bytes[Self.headerSize...])
            auth = nil
            return
        }
        let trailerStart = length - authLength - DCERPCAuthVerifier.trailerSize
        guard trailerStart >= Self.headerSize else { throw .badAuthLength(authLength) }
        let padLength = Int(bytes[trailerStart + 2])
        guard trailerStart - padLength >= Self.headerSize else { throw .badAuthLength(authLength) }
        var trailer = WireReader(bytes[(trailerStart + 4)..<(trailerStart + 8)])
        auth = DCERPCAuthVerifier(
            type: bytes[trailerStart], level: bytes[trailerStart + 1], padLength: bytes[trailerStart + 2],
            contextID: trailer.readInteger(.little, as: UInt32.self) ?? 0,
            value: Array(bytes[(trailerStart + DCERPCAuthVerifier.trailerSize)...]))
        body = Array(bytes[Self.headerSize..<(trailerStart - padLength)])
    }

    /// The fragment's bytes. `authPad` bytes of zeros go between body and sec_trailer (the
    /// verifier's `padLength` must say the same).
    public func encoded() -> [UInt8] {
        let padLength = Int(auth?.padLength ?? 0)
        let authLength = auth?.value.count ?? 0
        let total =
            Self.headerSize + body.count + (auth == nil ? 0 : padLength + DCERPCAuthVerifier.trailerSize + authLength)
        var writer = WireWriter(capacity: total)
        writer.writeBytes([5, 0, type.rawValue, flags.rawValue, 0x10, 0, 0, 0])
        writer.writeInteger(UInt16(truncatingIfNeeded: total), .little)
        writer.writeInteger(UInt16(truncatingIfNeeded: authLength), .little)
        writer.writeInteger(callID, .little)
        writer.writeBytes(body)
        if let auth {
            writer.writeBytes(repeatElement(0, count: padLength))
            auth.write(into: &writer)
        }
        return writer.bytes
    }
}

/// Bodies of the PDUs a client builds.
public enum DCERPCBody {
    /// bind / alter_context with one presentation context (NDR20).
    public static func bind(
        interface: DCERPCSyntax, contextID: UInt16 = 0, maxFragment: UInt16 = 4280, associationGroup: UInt32 = 0
    ) -> [UInt8] {
        var writer = WireWriter(capacity: 56)
        writer.writeInteger(maxFragment, .little)
        writer.writeInteger(maxFragment, .little)
        writer.writeInteger(associationGroup, .little)
        writer.writeBytes([1, 0, 0, 0])  // n_context_elem, reserved
        writer.writeInteger(contextID, .little)
        writer.writeBytes([1, 0])  // n_transfer_syn, reserved
        writer.writeBytes(interface.uuid)
        writer.writeInteger(interface.majorVersion, .little)
        writer.writeInteger(interface.minorVersion, .little)
        writer.writeBytes(DCERPCSyntax.ndr20.uuid)
        writer.writeInteger(UInt32(DCERPCSyntax.ndr20.majorVersion), .little)
        return writer.bytes
    }

    /// request header fields before the stub.
    public static func request(contextID: UInt16 = 0, opnum: UInt16, stub: [UInt8]) -> [UInt8] {
        var writer = WireWriter(capacity: 8 + stub.count)
        writer.writeInteger(UInt32(stub.count), .little)
        writer.writeInteger(contextID, .little)
        writer.writeInteger(opnum, .little)
        writer.writeBytes(stub)
        return writer.bytes
    }

    /// auth3 carries four bytes of padding before its sec_trailer.
    public static let auth3: [UInt8] = [0, 0, 0, 0]
}

/// bind_ack / alter_context_resp.
public struct DCERPCBindAck: Hashable, Sendable {
    public var maxTransmitFragment: UInt16
    public var maxReceiveFragment: UInt16
    public var associationGroup: UInt32
    public var secondaryAddress: String
    /// (result, reason) per presentation context; result 0 is acceptance.
    public var results: [(result: UInt16, reason: UInt16)]

    public static func == (lhs: DCERPCBindAck, rhs: DCERPCBindAck) -> Bool {
        lhs.maxTransmitFragment == rhs.maxTransmitFragment && lhs.associationGroup == rhs.associationGroup
            && lhs.secondaryAddress == rhs.secondaryAddress
            && lhs.results.map(\.result) == rhs.results.map(\.result)
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(associationGroup) }

    public init(parsing packet: DCERPCPacket) throws(DCERPCError) {
        guard packet.type == .bindAck || packet.type == .alterContextResponse else {
            if packet.type == .bindNak {
                var reader = WireReader(packet.body)
                throw .bindRejected(reason: reader.readInteger(.little, as: UInt16.self) ?? 0)
            }
            throw .unexpectedPacket("\(packet.type) instead of bind_ack")
        }
        var reader = WireReader(packet.body)
        guard let maxTransmit = reader.readInteger(.little, as: UInt16.self),
            let maxReceive = reader.readInteger(.little, as: UInt16.self),
            let group = reader.readInteger(.little, as: UInt32.self),
            let addressLength = reader.readInteger(.little, as: UInt16.self),
            let address = reader.readBytes(Int(addressLength))
        else { throw .truncated("bind_ack") }
        maxTransmitFragment = maxTransmit
        maxReceiveFragment = maxReceive
        associationGroup = group
        secondaryAddress = String(decoding: address.prefix { $0 != 0 }, as: UTF8.self)
        // Pad to 4 relative to the PDU start: the body starts at 16, so at body offset 10+len.
        let consumed = 10 + Int(addressLength)
        guard reader.readBytes((4 - consumed % 4) % 4) != nil, let count = reader.readInteger(.little, as: UInt8.self),
            reader.readBytes(3) != nil
        else { throw .truncated("bind_ack results") }
        var results: [(UInt16, UInt16)] = []
        for _ in 0..<count {
            guard let result = reader.readInteger(.little, as: UInt16.self),
                let reason = reader.readInteger(.little, as: UInt16.self), reader.readBytes(20) != nil
            else { throw .truncated("bind_ack result") }
            results.append((result, reason))
        }
        self.results = results
    }
}

/// The fields of response and fault bodies.
public enum DCERPCReply: Hashable, Sendable {
    case response(stub: [UInt8])
    case fault(status: UInt32)

    public init(parsing packet: DCERPCPacket) throws(DCERPCError) {
        var reader = WireReader(packet.body)
        guard reader.readInteger(.little, as: UInt32.self) != nil,  // alloc_hint
            reader.readInteger(.little, as: UInt16.self) != nil,  // p_cont_id
            reader.readBytes(2) != nil  // cancel_count, reserved
        else { throw .truncated("\(packet.type) body") }
        switch packet.type {
        case .response:
            self = .response(stub: Array(reader.bytes))
        case .fault:
            guard let status = reader.readInteger(.little, as: UInt32.self) else { throw .truncated("fault status") }
            self = .fault(status: status)
        default:
            throw .unexpectedPacket("\(packet.type) instead of a response")
        }
    }
}
