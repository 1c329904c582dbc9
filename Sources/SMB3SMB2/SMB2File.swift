import SMB3Wire

/// SMB2_FILEID (MS-SMB2 2.2.14.1): the handle CREATE returns.
public struct SMB2FileID: Hashable, Sendable {
    public var persistent: UInt64
    public var volatile: UInt64
    public init(persistent: UInt64, volatile: UInt64) {
        self.persistent = persistent
        self.volatile = volatile
    }
    /// 0xFFFFFFFFFFFFFFFF twice: "the file of the previous request" in a related compound.
    public static let related = SMB2FileID(persistent: .max, volatile: .max)

    func write(to writer: inout WireWriter) {
        writer.writeInteger(persistent, .little)
        writer.writeInteger(volatile, .little)
    }
}

/// Access, share, disposition and option values of CREATE (MS-SMB2 2.2.13, MS-FSCC), those a
/// named-pipe open uses.
public enum SMB2CreateValues {
    // DesiredAccess (MS-SMB2 2.2.13.1.1)
    public static let fileReadData: UInt32 = 0x0000_0001
    public static let fileWriteData: UInt32 = 0x0000_0002
    public static let fileAppendData: UInt32 = 0x0000_0004
    public static let fileReadEA: UInt32 = 0x0000_0008
    public static let fileWriteEA: UInt32 = 0x0000_0010
    public static let fileReadAttributes: UInt32 = 0x0000_0080
    public static let fileWriteAttributes: UInt32 = 0x0000_0100
    public static let readControl: UInt32 = 0x0002_0000
    public static let synchronize: UInt32 = 0x0010_0000
    /// What Windows asks for when it opens an RPC pipe: read, write, append, EAs, attributes,
    /// READ_CONTROL, SYNCHRONIZE (0x0012019F).
    public static let pipeAccess: UInt32 =
        fileReadData | fileWriteData | fileAppendData | fileReadEA | fileWriteEA | fileReadAttributes
        | fileWriteAttributes | readControl | synchronize
    // ShareAccess
    public static let shareRead: UInt32 = 0x0000_0001
    public static let shareWrite: UInt32 = 0x0000_0002
    public static let shareDelete: UInt32 = 0x0000_0004
    // CreateDisposition
    public static let fileOpen: UInt32 = 0x0000_0001
    // CreateOptions
    public static let fileNonDirectoryFile: UInt32 = 0x0000_0040
    // ImpersonationLevel
    public static let impersonation: UInt32 = 0x0000_0002
    // RequestedOplockLevel
    public static let oplockNone: UInt8 = 0x00
}

/// The CREATE request (MS-SMB2 2.2.13), as a pipe client sends it: a name relative to the share
/// (`FssagentRpc` on IPC$), no create contexts.
public struct SMB2CreateRequest: Hashable, Sendable {
    public static let structureSize: UInt16 = 57

    public var name: String
    public var desiredAccess: UInt32
    public var fileAttributes: UInt32
    public var shareAccess: UInt32
    public var createDisposition: UInt32
    public var createOptions: UInt32
    public var impersonationLevel: UInt32
    public var requestedOplockLevel: UInt8

    public init(
        name: String, desiredAccess: UInt32, fileAttributes: UInt32 = 0, shareAccess: UInt32,
        createDisposition: UInt32, createOptions: UInt32,
        impersonationLevel: UInt32 = SMB2CreateValues.impersonation,
        requestedOplockLevel: UInt8 = SMB2CreateValues.oplockNone
    ) {
        self.name = name
        self.desiredAccess = desiredAccess
        self.fileAttributes = fileAttributes
        self.shareAccess = shareAccess
        self.createDisposition = createDisposition
        self.createOptions = createOptions
        self.impersonationLevel = impersonationLevel
        self.requestedOplockLevel = requestedOplockLevel
    }

    /// Opens an existing named pipe for read and write, as Windows does for DCE/RPC.
    public static func pipe(_ name: String) -> SMB2CreateRequest {
        SMB2CreateRequest(
            name: name, desiredAccess: SMB2CreateValues.pipeAccess,
            shareAccess: SMB2CreateValues.shareRead | SMB2CreateValues.shareWrite,
            createDisposition: SMB2CreateValues.fileOpen, createOptions: SMB2CreateValues.fileNonDirectoryFile)
    }

    public func encodedBody() -> [UInt8] {
        let nameBytes = encodeUTF16LE(name)
        var writer = WireWriter(capacity: 56 + max(1, nameBytes.count))
        writer.writeInteger(Self.structureSize, .little)
        writer.writeInteger(UInt8(0), .little)  // SecurityFlags
        writer.writeInteger(requestedOplockLevel, .little)
        writer.writeInteger(impersonationLevel, .little)
        writer.writeInteger(UInt64(0), .little)  // SmbCreateFlags
        writer.writeInteger(UInt64(0), .little)  // Reserved
        writer.writeInteger(desiredAccess, .little)
        writer.writeInteger(fileAttributes, .little)
        writer.writeInteger(shareAccess, .little)
        writer.writeInteger(createDisposition, .little)
        writer.writeInteger(createOptions, .little)
        writer.writeInteger(UInt16(SMB2Header.size + 56), .little)
        writer.writeInteger(UInt16(truncatingIfNeeded: nameBytes.count), .little)
        writer.writeInteger(UInt32(0), .little)  // CreateContextsOffset
        writer.writeInteger(UInt32(0), .little)  // CreateContextsLength
        // The buffer is at least one byte even for an empty name (StructureSize counts it).
        writer.writeBytes(nameBytes.isEmpty ? [0] : nameBytes)
        return writer.bytes
    }
}

/// The block CREATE and CLOSE responses share (MS-SMB2 2.2.14, 2.2.16): NT times, sizes, attributes.
public struct SMB2FileAttributes: Hashable, Sendable {
    public var creationTime: UInt64
    public var lastAccessTime: UInt64
    public var lastWriteTime: UInt64
    public var changeTime: UInt64
    public var allocationSize: UInt64
    public var endOfFile: UInt64
    public var fileAttributes: UInt32

    init(reading body: inout SMB2BodyReader) throws {
        creationTime = try body.u64("creation time")
        lastAccessTime = try body.u64("last access time")
        lastWriteTime = try body.u64("last write time")
        changeTime = try body.u64("change time")
        allocationSize = try body.u64("allocation size")
        endOfFile = try body.u64("end of file")
        fileAttributes = try body.u32("file attributes")
    }
}

/// The CREATE response (MS-SMB2 2.2.14); create contexts are kept as bytes.
public struct SMB2CreateResponse: Hashable, Sendable {
    public static let structureSize: UInt16 = 89
    public static let maximumContextsLength = 64 * 1024

    public var oplockLevel: UInt8
    public var flags: UInt8
    public var createAction: UInt32
    /// The times, sizes and attributes both CREATE and CLOSE return.
    public var attributes: SMB2FileAttributes
    public var fileID: SMB2FileID
    public var createContexts: [UInt8]

    public init(parsing message: SMB2Message) throws {
        try message.requireResponse(to: .create)
        var body = try SMB2BodyReader(message, command: .create, structureSize: Self.structureSize)
        oplockLevel = try body.u8("oplock level")
        flags = try body.u8("flags")
        createAction = try body.u32("create action")
        attributes = try SMB2FileAttributes(reading: &body)
        _ = try body.u32("reserved")
        fileID = SMB2FileID(persistent: try body.u64("file id"), volatile: try body.u64("file id"))
        let offset = Int(try body.u32("create contexts offset"))
        let length = Int(try body.u32("create contexts length"))
        guard length <= Self.maximumContextsLength else { throw SMB2Error.tooLarge("create contexts", length) }
        createContexts = try body.buffer(
            offset: offset, length: length, fixedEnd: SMB2Header.size + 88, "create contexts")
    }
}

/// The CLOSE request (MS-SMB2 2.2.15).
public struct SMB2CloseRequest: Hashable, Sendable {
    public static let structureSize: UInt16 = 24
    /// SMB2_CLOSE_FLAG_POSTQUERY_ATTRIB.
    public static let postQueryAttributes: UInt16 = 0x0001

    public var fileID: SMB2FileID
    public var flags: UInt16

    public init(fileID: SMB2FileID, flags: UInt16 = 0) {
        self.fileID = fileID
        self.flags = flags
    }

    public func encodedBody() -> [UInt8] {
        var writer = WireWriter(capacity: 24)
        writer.writeInteger(Self.structureSize, .little)
        writer.writeInteger(flags, .little)
        writer.writeInteger(UInt32(0), .little)
        fileID.write(to: &writer)
        return writer.bytes
    }
}

/// The CLOSE response (MS-SMB2 2.2.16).
public struct SMB2CloseResponse: Hashable, Sendable {
    public static let structureSize: UInt16 = 60

    public var flags: UInt16
    /// The times, sizes and attributes both CREATE and CLOSE return.
    public var attributes: SMB2FileAttributes

    public init(parsing message: SMB2Message) throws {
        try message.requireResponse(to: .close)
        var body = try SMB2BodyReader(message, command: .close, structureSize: Self.structureSize)
        flags = try body.u16("flags")
        _ = try body.u32("reserved")
        attributes = try SMB2FileAttributes(reading: &body)
    }
}
