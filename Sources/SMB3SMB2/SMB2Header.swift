import SMB3Wire

/// An SMB2 command code (MS-SMB2 2.2.1.2, Command).
public struct SMB2Command: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let negotiate = SMB2Command(rawValue: 0x0000)
    public static let sessionSetup = SMB2Command(rawValue: 0x0001)
    public static let logoff = SMB2Command(rawValue: 0x0002)
    public static let treeConnect = SMB2Command(rawValue: 0x0003)
    public static let treeDisconnect = SMB2Command(rawValue: 0x0004)
    public static let create = SMB2Command(rawValue: 0x0005)
    public static let close = SMB2Command(rawValue: 0x0006)
    public static let flush = SMB2Command(rawValue: 0x0007)
    public static let read = SMB2Command(rawValue: 0x0008)
    public static let write = SMB2Command(rawValue: 0x0009)
    public static let lock = SMB2Command(rawValue: 0x000A)
    public static let ioctl = SMB2Command(rawValue: 0x000B)
    public static let cancel = SMB2Command(rawValue: 0x000C)
    public static let echo = SMB2Command(rawValue: 0x000D)
    public static let queryDirectory = SMB2Command(rawValue: 0x000E)
    public static let changeNotify = SMB2Command(rawValue: 0x000F)
    public static let queryInfo = SMB2Command(rawValue: 0x0010)
    public static let setInfo = SMB2Command(rawValue: 0x0011)
    public static let oplockBreak = SMB2Command(rawValue: 0x0012)
    public static let serverToClientNotification = SMB2Command(rawValue: 0x0013)

    private static let names: [UInt16: String] = [
        0x00: "NEGOTIATE", 0x01: "SESSION_SETUP", 0x02: "LOGOFF", 0x03: "TREE_CONNECT", 0x04: "TREE_DISCONNECT",
        0x05: "CREATE", 0x06: "CLOSE", 0x07: "FLUSH", 0x08: "READ", 0x09: "WRITE", 0x0A: "LOCK", 0x0B: "IOCTL",
        0x0C: "CANCEL", 0x0D: "ECHO", 0x0E: "QUERY_DIRECTORY", 0x0F: "CHANGE_NOTIFY", 0x10: "QUERY_INFO",
        0x11: "SET_INFO", 0x12: "OPLOCK_BREAK", 0x13: "SERVER_TO_CLIENT_NOTIFICATION",
    ]

    /// `SESSION_SETUP`, or `command 0x0042` for a code MS-SMB2 does not define.
    public var description: String { Self.names[rawValue] ?? "command 0x\(zeroPaddedHex(rawValue, digits: 4))" }
}

/// The Flags field of the SMB2 header (MS-SMB2 2.2.1.2).
public struct SMB2HeaderFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// SMB2_FLAGS_SERVER_TO_REDIR: a response.
    public static let serverToRedirector = SMB2HeaderFlags(rawValue: 0x0000_0001)
    /// SMB2_FLAGS_ASYNC_COMMAND: the header's async form (AsyncId instead of Reserved and TreeId).
    public static let asyncCommand = SMB2HeaderFlags(rawValue: 0x0000_0002)
    /// SMB2_FLAGS_RELATED_OPERATIONS: in a compound, this request uses the previous one's handles.
    public static let relatedOperations = SMB2HeaderFlags(rawValue: 0x0000_0004)
    /// SMB2_FLAGS_SIGNED.
    public static let signed = SMB2HeaderFlags(rawValue: 0x0000_0008)
    /// SMB2_FLAGS_PRIORITY_MASK (3.1.1): three bits of I/O priority.
    public static let priorityMask = SMB2HeaderFlags(rawValue: 0x0000_0070)
    /// SMB2_FLAGS_DFS_OPERATIONS.
    public static let dfsOperations = SMB2HeaderFlags(rawValue: 0x1000_0000)
    /// SMB2_FLAGS_REPLAY_OPERATION (3.x).
    public static let replayOperation = SMB2HeaderFlags(rawValue: 0x2000_0000)
}

/// The 64-byte SMB2 packet header (MS-SMB2 2.2.1), sync or async form.
///
/// In a request of dialect 3.x the Status field carries ChannelSequence and a reserved half; this
/// client uses one channel and sends zero there, so the field is ``status`` in both directions.
public struct SMB2Header: Hashable, Sendable {
    /// The header's size, also its StructureSize.
    public static let size = 64
    /// ProtocolId: 0xFE 'S' 'M' 'B'.
    public static let protocolID: [UInt8] = [0xFE, 0x53, 0x4D, 0x42]
    /// Where the 16-byte Signature starts.
    public static let signatureOffset = 48
    public static let signatureLength = 16
    /// The MessageId of unsolicited oplock and lease breaks, never used by a request.
    public static let unsolicitedMessageID: UInt64 = 0xFFFF_FFFF_FFFF_FFFF

    public var creditCharge: UInt16
    public var status: NTStatus
    public var command: SMB2Command
    /// CreditRequest in a request, CreditResponse (credits granted) in a response.
    public var credits: UInt16
    public var flags: SMB2HeaderFlags
    /// Offset from this header to the next one in a compound, 0 for the last.
    public var nextCommand: UInt32
    public var messageID: UInt64
    /// The async form's AsyncId; nil in the sync form. Encoding sets or clears
    /// ``SMB2HeaderFlags/asyncCommand`` to match.
    public var asyncID: UInt64?
    /// The sync form's Reserved field (Windows clients send 0xFEFF there, the old ProcessId).
    public var reserved: UInt32
    /// The sync form's TreeId; 0 in the async form.
    public var treeID: UInt32
    public var sessionID: UInt64
    /// 16 bytes.
    public var signature: [UInt8]

    public init(
        command: SMB2Command, creditCharge: UInt16 = 1, credits: UInt16 = 1, flags: SMB2HeaderFlags = [],
        messageID: UInt64 = 0, treeID: UInt32 = 0, sessionID: UInt64 = 0, status: NTStatus = .success,
        nextCommand: UInt32 = 0, asyncID: UInt64? = nil, reserved: UInt32 = 0,
        signature: [UInt8] = Array(repeating: 0, count: 16)
    ) {
        self.creditCharge = creditCharge
        self.status = status
        self.command = command
        self.credits = credits
        self.flags = flags
        self.nextCommand = nextCommand
        self.messageID = messageID
        self.asyncID = asyncID
        self.reserved = reserved
        self.treeID = treeID
        self.sessionID = sessionID
        self.signature = signature
    }

    /// Whether the header is a response (SMB2_FLAGS_SERVER_TO_REDIR).
    public var isResponse: Bool { flags.contains(.serverToRedirector) }

    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeBytes(Self.protocolID)
        writer.writeInteger(UInt16(Self.size), .little)
        writer.writeInteger(creditCharge, .little)
        writer.writeInteger(status.rawValue, .little)
        writer.writeInteger(command.rawValue, .little)
        writer.writeInteger(credits, .little)
        var flags = self.flags
        if asyncID == nil { flags.remove(.asyncCommand) } else { flags.insert(.asyncCommand) }
        writer.writeInteger(flags.rawValue, .little)
        writer.writeInteger(nextCommand, .little)
        writer.writeInteger(messageID, .little)
        if let asyncID {
            writer.writeInteger(asyncID, .little)
        } else {
            writer.writeInteger(reserved, .little)
            writer.writeInteger(treeID, .little)
        }
        writer.writeInteger(sessionID, .little)
        writer.writeBytes(signature.prefix(Self.signatureLength))
        writer.writeBytes(repeatElement(0, count: max(0, Self.signatureLength - signature.count)))
        return writer.bytes
    }

    /// Decodes the header at the start of `bytes`; the rest is the body's.
    public init(parsing bytes: ArraySlice<UInt8>) throws {
        var reader = WireReader(bytes)
        guard let magic = reader.readBytes(4), let structureSize = reader.readInteger(.little, as: UInt16.self),
            let creditCharge = reader.readInteger(.little, as: UInt16.self),
            let status = reader.readInteger(.little, as: UInt32.self),
            let command = reader.readInteger(.little, as: UInt16.self),
            let credits = reader.readInteger(.little, as: UInt16.self),
            let flags = reader.readInteger(.little, as: UInt32.self),
            let nextCommand = reader.readInteger(.little, as: UInt32.self),
            let messageID = reader.readInteger(.little, as: UInt64.self),
            let word = reader.readInteger(.little, as: UInt64.self),
            let sessionID = reader.readInteger(.little, as: UInt64.self),
            let signature = reader.readBytes(Self.signatureLength)
        else { throw SMB2Error.truncated("header") }
        guard Array(magic) == Self.protocolID else { throw SMB2Error.badHeader("protocol id \(Array(magic))") }
        guard structureSize == UInt16(Self.size) else { throw SMB2Error.badHeader("structure size \(structureSize)") }
        self.creditCharge = creditCharge
        self.status = NTStatus(status)
        self.command = SMB2Command(rawValue: command)
        self.credits = credits
        self.flags = SMB2HeaderFlags(rawValue: flags)
        self.nextCommand = nextCommand
        self.messageID = messageID
        if self.flags.contains(.asyncCommand) {
            asyncID = word
            reserved = 0
            treeID = 0
        } else {
            asyncID = nil
            reserved = UInt32(truncatingIfNeeded: word)
            treeID = UInt32(truncatingIfNeeded: word >> 32)
        }
        self.sessionID = sessionID
        self.signature = Array(signature)
    }

    public init(parsing bytes: [UInt8]) throws { try self.init(parsing: bytes[...]) }
}
