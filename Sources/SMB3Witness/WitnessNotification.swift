import SMB3DCERPC
import SMB3Wire

/// RESP_ASYNC_NOTIFY decoded. Its MessageBuffer is *not* NDR: records are packed,
/// little-endian, with addresses in network order and NUL-terminated UTF-16LE names; each
/// record's Length counts itself. Every length is checked against the buffer, loops are
/// bounded by NumberOfMessages, and Num = 0 is accepted (Samba's fuzz bugs, MS-SWN §2.2.2.4).
public struct WitnessNotification: Hashable, Sendable {
    /// Why a RESP_ASYNC_NOTIFY buffer could not be decoded: the ASN1Error shape (a stable ``code``, a
    /// reason, where it was thrown; equality compares ``code`` only).
    public struct DecodeError: Error, CustomStringConvertible {
        public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
            public let rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }

            public static let unknownType = Code(rawValue: "unknownType")
            public static let truncated = Code(rawValue: "truncated")
            public static let badLength = Code(rawValue: "badLength")
            public static let trailingBytes = Code(rawValue: "trailingBytes")

            public var description: String { rawValue }
        }

        public let code: Code
        /// Free text for people; ``description`` is this text.
        public let reason: String
        /// Where the error was thrown.
        public let file: String
        /// Where the error was thrown.
        public let line: UInt

        public init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
            self.code = code
            self.reason = reason
            self.file = file
            self.line = line
        }

        public var description: String { reason }

        public static func unknownType(_ type: UInt32, file: String = #fileID, line: UInt = #line) -> Self {
            Self(.unknownType, "unknown witness notification type \(type)", file: file, line: line)
        }
        public static func truncated(message: Int, file: String = #fileID, line: UInt = #line) -> Self {
            Self(.truncated, "witness notification message \(message) truncated", file: file, line: line)
        }
        public static func badLength(message: Int, length: UInt32, file: String = #fileID, line: UInt = #line) -> Self {
            Self(.badLength, "witness notification message \(message) has bad Length \(length)", file: file, line: line)
        }
        public static func trailingBytes(_ count: Int, file: String = #fileID, line: UInt = #line) -> Self {
            Self(.trailingBytes, "\(count) bytes after the last witness notification message", file: file, line: line)
        }

        public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
        public func hash(into hasher: inout Hasher) { hasher.combine(code) }
    }

    public enum MessageType: UInt32, Hashable, Sendable, CustomStringConvertible {
        case resourceChange = 1
        case clientMove = 2
        case shareMove = 3
        case ipChange = 4

        public var description: String {
            switch self {
            case .resourceChange: "resource-change"
            case .clientMove: "client-move"
            case .shareMove: "share-move"
            case .ipChange: "ip-change"
            }
        }
    }

    public struct ResourceChange: Hashable, Sendable {
        /// 0 unknown, 1 available, 0xFF unavailable; other values are passed on as they came.
        public var state: UInt32
        public var name: String

        public init(state: UInt32, name: String) {
            self.state = state
            self.name = name
        }
    }

    public struct AddressInfo: Hashable, Sendable {
        public struct Flags: OptionSet, Hashable, Sendable {
            public let rawValue: UInt32
            public init(rawValue: UInt32) { self.rawValue = rawValue }
            public static let ipv4 = Flags(rawValue: 0x1)
            public static let ipv6 = Flags(rawValue: 0x2)
            public static let online = Flags(rawValue: 0x8)
            public static let offline = Flags(rawValue: 0x10)
        }
        public var flags: Flags
        /// Only when the V4 flag is set (Windows leaves the other field as garbage).
        public var ipv4: IPv4Address?
        public var ipv6: IPv6Address?

        public init(flags: Flags, ipv4: IPv4Address?, ipv6: IPv6Address?) {
            self.flags = flags
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }
    }

    public enum Message: Hashable, Sendable {
        case resourceChange(ResourceChange)
        /// One IPADDR_INFO_LIST: CLIENT_MOVE, SHARE_MOVE and IP_CHANGE all carry these.
        case addresses([AddressInfo])
    }

    public static let ipAddressInfoSize = 24

    public var type: MessageType
    public var messages: [Message]

    public init(type rawType: UInt32, numberOfMessages: UInt32, buffer: [UInt8]) throws(DecodeError) {
        guard let type = MessageType(rawValue: rawType) else { throw .unknownType(rawType) }
        self.type = type
        var messages: [Message] = []
        var reader = WireReader(buffer)
        var index = 0
        while UInt32(index) < numberOfMessages {
            guard let length = reader.readInteger(.little, as: UInt32.self) else { throw .truncated(message: index) }
            let minimum: UInt32 = type == .resourceChange ? 8 : 12
            guard length >= minimum, Int(length) - 4 <= reader.readableBytes,
                let rest = reader.readBytes(Int(length) - 4)
            else { throw .badLength(message: index, length: length) }
            var record = WireReader(rest)
            if type == .resourceChange {
                guard let state = record.readInteger(.little, as: UInt32.self) else { throw .truncated(message: index) }
                messages.append(
                    .resourceChange(
                        ResourceChange(state: state, name: decodeUTF16LELeniently(record.bytes, upToNUL: true))))
            } else {
                guard record.readInteger(.little, as: UInt32.self) != nil,  // Reserved
                    let count = record.readInteger(.little, as: UInt32.self)
                else { throw .truncated(message: index) }
                guard UInt64(count) * UInt64(Self.ipAddressInfoSize) <= UInt64(record.readableBytes) else {
                    throw .badLength(message: index, length: length)
                }
                var addresses: [AddressInfo] = []
                for _ in 0..<count {
                    guard let flags = record.readInteger(.little, as: UInt32.self),
                        let v4 = record.readBytes(4), let v6 = record.readBytes(16)
                    else { throw .truncated(message: index) }
                    let parsedFlags = AddressInfo.Flags(rawValue: flags)
                    addresses.append(
                        AddressInfo(
                            flags: parsedFlags,
                            ipv4: parsedFlags.contains(.ipv4) ? IPv4Address(octets: v4) : nil,
                            ipv6: parsedFlags.contains(.ipv6) ? IPv6Address(octets: Array(v6)) : nil))
                }
                messages.append(.addresses(addresses))
            }
            index += 1
        }
        // Samba's encoder pads nothing; anything left is a sender bug worth reporting.
        guard reader.readableBytes == 0 else { throw .trailingBytes(reader.readableBytes) }
        self.messages = messages
    }

    public init(type: MessageType, messages: [Message]) {
        self.type = type
        self.messages = messages
    }

    /// The buffer as the server writes it (used by tests and the fuzz target's round trip).
    public func encodedBuffer() -> [UInt8] {
        var writer = WireWriter()
        for message in messages {
            switch message {
            case .resourceChange(let change):
                let name = encodeUTF16LE(change.name) + [0, 0]
                writer.writeInteger(UInt32(8 + name.count), .little)
                writer.writeInteger(change.state, .little)
                writer.writeBytes(name)
            case .addresses(let list):
                writer.writeInteger(UInt32(12 + Self.ipAddressInfoSize * list.count), .little)
                writer.writeInteger(UInt32(0), .little)
                writer.writeInteger(UInt32(list.count), .little)
                for info in list {
                    writer.writeInteger(info.flags.rawValue, .little)
                    writer.writeBytes(info.ipv4?.octets ?? [0, 0, 0, 0])
                    writer.writeBytes(info.ipv6?.octets ?? Array(repeating: 0, count: 16))
                }
            }
        }
        return writer.bytes
    }
}

extension WitnessNotification.DecodeError: Hashable {}
extension WitnessNotification.DecodeError: Sendable {}
