import SMB3Wire

/// Netlink framing (nlmsghdr, genlmsghdr, nlattr) as the kernel lays it out, in host byte
/// order with 4-byte alignment. Parsing is strict about lengths because the bytes come from
/// a socket: a message or attribute that claims more than it has is an error, never a trap.
///
/// Why netlink bytes (generic netlink, the cifs SWN messages, inet_diag) could not be decoded: one
/// struct for the codec family, shaped like SwiftASN1's `ASN1Error`; equality compares ``code`` only.
public struct NetlinkParseError: Error, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let truncatedHeader = Code(rawValue: "truncatedHeader")
        public static let badMessageLength = Code(rawValue: "badMessageLength")
        public static let truncatedGenericHeader = Code(rawValue: "truncatedGenericHeader")
        public static let badAttributeLength = Code(rawValue: "badAttributeLength")
        public static let missingAttribute = Code(rawValue: "missingAttribute")
        public static let badAttributePayload = Code(rawValue: "badAttributePayload")
        public static let unexpectedCommand = Code(rawValue: "unexpectedCommand")
        /// An inet_diag message shorter than `struct inet_diag_msg`.
        public static let truncatedMessage = Code(rawValue: "truncatedMessage")
        /// NLMSG_ERROR with a negative errno; ``NetlinkParseError/kernelErrno`` holds it.
        public static let kernel = Code(rawValue: "kernel")

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// Free text for people; ``description`` is this text.
    public let reason: String
    /// The errno of a ``Code/kernel`` answer, else nil.
    public let kernelErrno: Int32?
    /// Where the error was thrown.
    public let file: String
    /// Where the error was thrown.
    public let line: UInt

    public init(_ code: Code, _ reason: String, kernelErrno: Int32? = nil, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.kernelErrno = kernelErrno
        self.file = file
        self.line = line
    }

    public var description: String { reason }

    public static func truncatedHeader(offset: Int, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.truncatedHeader, "netlink header truncated at byte \(offset)", file: file, line: line)
    }
    public static func badMessageLength(offset: Int, length: Int, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badMessageLength, "netlink message at byte \(offset) claims \(length) bytes", file: file, line: line)
    }
    public static func truncatedGenericHeader(file: String = #fileID, line: UInt = #line) -> Self {
        Self(.truncatedGenericHeader, "generic-netlink header truncated", file: file, line: line)
    }
    public static func badAttributeLength(offset: Int, length: Int, file: String = #fileID, line: UInt = #line) -> Self
    {
        Self(.badAttributeLength, "netlink attribute at byte \(offset) claims \(length) bytes", file: file, line: line)
    }
    public static func missingAttribute(_ name: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.missingAttribute, "required attribute \(name) missing", file: file, line: line)
    }
    public static func badAttributePayload(
        _ name: String, length: Int, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.badAttributePayload, "attribute \(name) has an invalid \(length)-byte payload", file: file, line: line)
    }
    public static func unexpectedCommand(_ command: UInt8, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.unexpectedCommand, "unexpected generic-netlink command \(command)", file: file, line: line)
    }
    public static func truncatedMessage(length: Int, file: String = #fileID, line: UInt = #line) -> Self {
        Self(
            .truncatedMessage, "inet_diag message of \(length) bytes, expected \(InetDiag.messageSize)",
            file: file, line: line)
    }
    public static func kernel(errno: Int32, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.kernel, "the kernel answered errno \(errno)", kernelErrno: errno, file: file, line: line)
    }
}

extension NetlinkParseError: Hashable {
    public static func == (lhs: NetlinkParseError, rhs: NetlinkParseError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension NetlinkParseError: Sendable {}

/// One netlink message: the 16-byte header fields and the payload after it.
public struct NetlinkMessage: Hashable, Sendable {
    public static let headerSize = 16
    /// NLMSG_ERROR: the kernel's ack or error for a request.
    public static let errorType: UInt16 = 2
    public static let doneType: UInt16 = 3
    public static let flagRequest: UInt16 = 0x1
    public static let flagAck: UInt16 = 0x4

    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    public var portID: UInt32
    public var payload: [UInt8]

    public init(type: UInt16, flags: UInt16, sequence: UInt32, portID: UInt32, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// Splits a datagram into its messages (one recv can carry several).
    public static func split(_ datagram: [UInt8]) throws(NetlinkParseError) -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while datagram.count - offset >= headerSize {
            var reader = WireReader(datagram[offset...])
            guard let length = reader.readInteger(.host, as: UInt32.self),
                let type = reader.readInteger(.host, as: UInt16.self),
                let flags = reader.readInteger(.host, as: UInt16.self),
                let sequence = reader.readInteger(.host, as: UInt32.self),
                let portID = reader.readInteger(.host, as: UInt32.self)
            else { throw .truncatedHeader(offset: offset) }
            let total = Int(length)
            guard total >= headerSize, total <= datagram.count - offset else {
                throw .badMessageLength(offset: offset, length: total)
            }
            let payload = Array(datagram[(offset + headerSize)..<(offset + total)])
            messages.append(
                NetlinkMessage(type: type, flags: flags, sequence: sequence, portID: portID, payload: payload))
            offset += align4(total)
        }
        if offset < datagram.count { throw .truncatedHeader(offset: offset) }
        return messages
    }

    /// The message as it goes on the wire.
    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.headerSize + payload.count)
        writer.writeInteger(UInt32(Self.headerSize + payload.count), .host)
        writer.writeInteger(type, .host)
        writer.writeInteger(flags, .host)
        writer.writeInteger(sequence, .host)
        writer.writeInteger(portID, .host)
        writer.writeBytes(payload)
        return writer.bytes
    }

    /// Zeroes the payload in place (Secret.zero): a REGISTER carries the mount's password.
    public mutating func zeroPayload() { Secret.zero(&payload) }

    /// For NLMSG_ERROR: the errno the kernel answered (0 is an ack). Nil for other types.
    public var errorCode: Int32? {
        guard type == Self.errorType else { return nil }
        var reader = WireReader(payload)
        return reader.readInteger(.host, as: Int32.self)
    }
}

@inline(__always) func align4(_ value: Int) -> Int { (value + 3) & ~3 }

/// One nlattr: its type (without the nested/byte-order bits) and its payload.
public struct NetlinkAttribute: Hashable, Sendable {
    /// NLA_TYPE_MASK: the top two bits are NLA_F_NESTED and NLA_F_NET_BYTEORDER.
    static let typeMask: UInt16 = 0x3FFF

    public var type: UInt16
    public var payload: [UInt8]

    public init(type: UInt16, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    public static func u32(_ type: UInt16, _ value: UInt32) -> NetlinkAttribute {
        var writer = WireWriter(capacity: 4)
        writer.writeInteger(value, .host)
        return NetlinkAttribute(type: type, payload: writer.bytes)
    }

    /// NLA_STRING as the kernel writes it with nla_put_string: NUL-terminated.
    public static func string(_ type: UInt16, _ value: String) -> NetlinkAttribute {
        NetlinkAttribute(type: type, payload: Array(value.utf8) + [0])
    }

    public static func flag(_ type: UInt16) -> NetlinkAttribute { NetlinkAttribute(type: type, payload: []) }

    public var u32: UInt32? {
        guard payload.count == 4 else { return nil }
        var reader = WireReader(payload)
        return reader.readInteger(.host, as: UInt32.self)
    }

    /// The text up to the first NUL (NLA_STRING need not be terminated); nil if not UTF-8.
    public var string: String? {
        let text = payload.prefix { $0 != 0 }
        var decoded = ""
        var iterator = text.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): decoded.unicodeScalars.append(scalar)
            case .emptyInput: return decoded
            case .error: return nil
            }
        }
    }

    public static func parseAll(_ bytes: ArraySlice<UInt8>) throws(NetlinkParseError) -> [NetlinkAttribute] {
        var attributes: [NetlinkAttribute] = []
        var offset = bytes.startIndex
        while bytes.endIndex - offset >= 4 {
            var reader = WireReader(bytes[offset...])
            guard let length = reader.readInteger(.host, as: UInt16.self),
                let type = reader.readInteger(.host, as: UInt16.self)
            else { throw .badAttributeLength(offset: offset - bytes.startIndex, length: 0) }
            let total = Int(length)
            guard total >= 4, total <= bytes.endIndex - offset else {
                throw .badAttributeLength(offset: offset - bytes.startIndex, length: total)
            }
            attributes.append(
                NetlinkAttribute(type: type & typeMask, payload: Array(bytes[(offset + 4)..<(offset + total)])))
            offset += min(align4(total), bytes.endIndex - offset)
        }
        return attributes
    }

    public static func encodeAll(_ attributes: [NetlinkAttribute]) -> [UInt8] {
        var writer = WireWriter()
        for attribute in attributes {
            let length = 4 + attribute.payload.count
            writer.writeInteger(UInt16(length), .host)
            writer.writeInteger(attribute.type, .host)
            writer.writeBytes(attribute.payload)
            writer.writeBytes(repeatElement(0, count: align4(length) - length))
        }
        return writer.bytes
    }
}

/// The 4-byte generic-netlink header and the attributes after it (the cifs family has no
/// family header: hdrsize 0).
public struct GenericNetlinkMessage: Hashable, Sendable {
    public var command: UInt8
    public var version: UInt8
    public var attributes: [NetlinkAttribute]

    public init(command: UInt8, version: UInt8, attributes: [NetlinkAttribute]) {
        self.command = command
        self.version = version
        self.attributes = attributes
    }

    public init(parsing payload: [UInt8]) throws(NetlinkParseError) {
        guard payload.count >= 4 else { throw .truncatedGenericHeader() }
        command = payload[0]
        version = payload[1]
        attributes = try NetlinkAttribute.parseAll(payload[4...])
    }

    public func encoded() -> [UInt8] {
        [command, version, 0, 0] + NetlinkAttribute.encodeAll(attributes)
    }

    /// Zeroes every attribute's payload in place (Secret.zero): REGISTER's password attribute.
    public mutating func zeroAttributes() {
        for index in attributes.indices { Secret.zero(&attributes[index].payload) }
    }

    /// The last attribute of `type` (the kernel's nla_parse keeps the last duplicate too).
    public func attribute(_ type: UInt16) -> NetlinkAttribute? { attributes.last { $0.type == type } }
}

/// The generic-netlink controller (include/uapi/linux/genetlink.h): it announces families as
/// they come and go on its `notify` group.
public enum GenericNetlinkController {
    /// GENL_ID_CTRL: the controller's fixed family id (the message type of its messages).
    public static let familyID: UInt16 = 0x10
    public static let familyName = "nlctrl"
    public static let notifyGroup = "notify"

    public enum Command: UInt8, Sendable {
        /// CTRL_CMD_NEWFAMILY: a family was registered (a module was loaded).
        case newFamily = 1
        /// CTRL_CMD_DELFAMILY: a family went away (its module was removed).
        case deleteFamily = 2
    }

    /// CTRL_ATTR_FAMILY_NAME: the family's name, NUL-terminated.
    public static let familyNameAttribute: UInt16 = 2
}
