import SMB3Wire

/// The SESSION_SETUP request (MS-SMB2 2.2.5): one GSS token (SPNEGO) per round trip.
public struct SMB2SessionSetupRequest: Hashable, Sendable {
    public static let structureSize: UInt16 = 25
    /// SMB2_SESSION_FLAG_BINDING: bind an existing session to a new channel (not used by this client).
    public static let bindingFlag: UInt8 = 0x01

    public var flags: UInt8
    public var securityMode: SMB2SecurityMode
    public var capabilities: SMB2Capabilities
    public var securityBuffer: [UInt8]
    public var previousSessionID: UInt64

    public init(
        securityBuffer: [UInt8], securityMode: SMB2SecurityMode = .signingEnabled,
        capabilities: SMB2Capabilities = [], flags: UInt8 = 0, previousSessionID: UInt64 = 0
    ) {
        self.flags = flags
        self.securityMode = securityMode
        self.capabilities = capabilities
        self.securityBuffer = securityBuffer
        self.previousSessionID = previousSessionID
    }

    public func encodedBody() -> [UInt8] {
        var writer = WireWriter(capacity: 24 + securityBuffer.count)
        writer.writeInteger(Self.structureSize, .little)
        writer.writeInteger(flags, .little)
        writer.writeInteger(UInt8(truncatingIfNeeded: securityMode.rawValue), .little)
        writer.writeInteger(capabilities.rawValue, .little)
        writer.writeInteger(UInt32(0), .little)  // Channel
        writer.writeInteger(UInt16(SMB2Header.size + 24), .little)
        writer.writeInteger(UInt16(truncatingIfNeeded: securityBuffer.count), .little)
        writer.writeInteger(previousSessionID, .little)
        writer.writeBytes(securityBuffer)
        return writer.bytes
    }
}

/// SessionFlags of the SESSION_SETUP response (MS-SMB2 2.2.6).
public struct SMB2SessionFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let isGuest = SMB2SessionFlags(rawValue: 0x0001)
    public static let isNull = SMB2SessionFlags(rawValue: 0x0002)
    /// The server requires every message of the session to be encrypted.
    public static let encryptData = SMB2SessionFlags(rawValue: 0x0004)
}

/// The SESSION_SETUP response (MS-SMB2 2.2.6). Its status is SUCCESS or, mid-exchange,
/// MORE_PROCESSING_REQUIRED; the caller checks it on the message.
public struct SMB2SessionSetupResponse: Hashable, Sendable {
    public static let structureSize: UInt16 = 9

    public var sessionFlags: SMB2SessionFlags
    public var securityBuffer: [UInt8]

    public init(parsing message: SMB2Message) throws {
        try message.requireResponse(to: .sessionSetup)
        var body = try SMB2BodyReader(message, command: .sessionSetup, structureSize: Self.structureSize)
        sessionFlags = SMB2SessionFlags(rawValue: try body.u16("session flags"))
        let offset = Int(try body.u16("security buffer offset"))
        let length = Int(try body.u16("security buffer length"))
        securityBuffer = try body.buffer(
            offset: offset, length: length, fixedEnd: SMB2Header.size + 8, "security buffer")
    }
}

/// The bodies that are a StructureSize of 4 and two reserved bytes: LOGOFF and TREE_DISCONNECT,
/// request and response alike (MS-SMB2 2.2.7, 2.2.8, 2.2.11, 2.2.12).
public enum SMB2EmptyBody {
    public static let structureSize: UInt16 = 4

    public static func encoded() -> [UInt8] { [4, 0, 0, 0] }

    /// Checks a LOGOFF or TREE_DISCONNECT response.
    public static func parse(_ message: SMB2Message, command: SMB2Command) throws {
        try message.requireResponse(to: command)
        var body = try SMB2BodyReader(message, command: command, structureSize: structureSize)
        _ = try body.u16("reserved")
    }
}

/// The TREE_CONNECT request (MS-SMB2 2.2.9): `\\server\share` in UTF-16LE.
public struct SMB2TreeConnectRequest: Hashable, Sendable {
    public static let structureSize: UInt16 = 9

    public var path: String

    public init(server: String, share: String) { self.path = "\\\\\(server)\\\(share)" }
    public init(path: String) { self.path = path }

    public func encodedBody() -> [UInt8] {
        let name = encodeUTF16LE(path)
        var writer = WireWriter(capacity: 8 + name.count)
        writer.writeInteger(Self.structureSize, .little)
        writer.writeInteger(UInt16(0), .little)  // Flags/Reserved
        writer.writeInteger(UInt16(SMB2Header.size + 8), .little)
        writer.writeInteger(UInt16(truncatingIfNeeded: name.count), .little)
        writer.writeBytes(name)
        return writer.bytes
    }
}

/// ShareType of the TREE_CONNECT response.
public struct SMB2ShareType: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let disk = SMB2ShareType(rawValue: 0x01)
    public static let pipe = SMB2ShareType(rawValue: 0x02)
    public static let print = SMB2ShareType(rawValue: 0x03)
}

/// ShareFlags of the TREE_CONNECT response (the ones a pipe client looks at).
public struct SMB2ShareFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let dfs = SMB2ShareFlags(rawValue: 0x0000_0001)
    public static let dfsRoot = SMB2ShareFlags(rawValue: 0x0000_0002)
    /// SMB2_SHAREFLAG_ENCRYPT_DATA: every message on this tree must be encrypted.
    public static let encryptData = SMB2ShareFlags(rawValue: 0x0000_8000)
}

/// The TREE_CONNECT response (MS-SMB2 2.2.10).
public struct SMB2TreeConnectResponse: Hashable, Sendable {
    public static let structureSize: UInt16 = 16

    public var shareType: SMB2ShareType
    public var shareFlags: SMB2ShareFlags
    public var capabilities: UInt32
    public var maximalAccess: UInt32

    public init(parsing message: SMB2Message) throws {
        try message.requireResponse(to: .treeConnect)
        var body = try SMB2BodyReader(message, command: .treeConnect, structureSize: Self.structureSize)
        shareType = SMB2ShareType(rawValue: try body.u8("share type"))
        _ = try body.u8("reserved")
        shareFlags = SMB2ShareFlags(rawValue: try body.u32("share flags"))
        capabilities = try body.u32("capabilities")
        maximalAccess = try body.u32("maximal access")
    }
}
