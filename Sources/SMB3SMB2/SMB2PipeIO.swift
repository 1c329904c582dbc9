import SMB3Wire

/// The READ request (MS-SMB2 2.2.19): on a pipe, the rest of a reply that did not fit a
/// transceive (BUFFER_OVERFLOW), or a whole reply after a WRITE.
public struct SMB2ReadRequest: Hashable, Sendable {
    public static let structureSize: UInt16 = 49

    public var fileID: SMB2FileID
    public var length: UInt32
    public var offset: UInt64
    public var minimumCount: UInt32

    public init(fileID: SMB2FileID, length: UInt32, offset: UInt64 = 0, minimumCount: UInt32 = 0) {
        self.fileID = fileID
        self.length = length
        self.offset = offset
        self.minimumCount = minimumCount
    }

    public func encodedBody() -> [UInt8] {
        var writer = WireWriter(capacity: 49)
        writer.writeInteger(Self.structureSize, .little)
        writer.writeInteger(UInt8(0), .little)  // Padding
        writer.writeInteger(UInt8(0), .little)  // Flags
        writer.writeInteger(length, .little)
        writer.writeInteger(offset, .little)
        fileID.write(to: &writer)
        writer.writeInteger(minimumCount, .little)
        writer.writeInteger(UInt32(0), .little)  // Channel: SMB2_CHANNEL_NONE
        writer.writeInteger(UInt32(0), .little)  // RemainingBytes
        writer.writeInteger(UInt16(0), .little)  // ReadChannelInfoOffset
        writer.writeInteger(UInt16(0), .little)  // ReadChannelInfoLength
        writer.writeInteger(UInt8(0), .little)  // the one Buffer byte StructureSize counts
        return writer.bytes
    }
}

/// The READ response (MS-SMB2 2.2.20).
public struct SMB2ReadResponse: Hashable, Sendable {
    public static let structureSize: UInt16 = 17

    public var data: [UInt8]
    public var dataRemaining: UInt32

    public init(parsing message: SMB2Message) throws {
        try message.requireResponse(to: .read)
        var body = try SMB2BodyReader(message, command: .read, structureSize: Self.structureSize)
        let offset = Int(try body.u8("data offset"))
        _ = try body.u8("reserved")
        let length = Int(try body.u32("data length"))
        dataRemaining = try body.u32("data remaining")
        _ = try body.u32("reserved")
        data = try body.buffer(offset: offset, length: length, fixedEnd: SMB2Header.size + 16, "read data")
    }
}

/// The WRITE request (MS-SMB2 2.2.21): a DCE/RPC request written to a pipe when it is not sent
/// through a transceive.
public struct SMB2WriteRequest: Hashable, Sendable {
    public static let structureSize: UInt16 = 49

    public var fileID: SMB2FileID
    public var data: [UInt8]
    public var offset: UInt64
    /// Ignored by servers when Channel is NONE; Windows fills it with the data offset (0x70),
    /// kept so that captures re-encode byte for byte.
    public var writeChannelInfoOffset: UInt16

    public init(fileID: SMB2FileID, data: [UInt8], offset: UInt64 = 0, writeChannelInfoOffset: UInt16 = 0) {
        self.fileID = fileID
        self.data = data
        self.offset = offset
        self.writeChannelInfoOffset = writeChannelInfoOffset
    }

    public func encodedBody() -> [UInt8] {
        var writer = WireWriter(capacity: 48 + data.count)
        writer.writeInteger(Self.structureSize, .little)
        writer.writeInteger(UInt16(SMB2Header.size + 48), .little)
        writer.writeInteger(UInt32(truncatingIfNeeded: data.count), .little)
        writer.writeInteger(offset, .little)
        fileID.write(to: &writer)
        writer.writeInteger(UInt32(0), .little)  // Channel
        writer.writeInteger(UInt32(0), .little)  // RemainingBytes
        writer.writeInteger(writeChannelInfoOffset, .little)
        writer.writeInteger(UInt16(0), .little)  // WriteChannelInfoLength
        writer.writeInteger(UInt32(0), .little)  // Flags
        writer.writeBytes(data.isEmpty ? [0] : data)
        return writer.bytes
    }
}

/// The WRITE response (MS-SMB2 2.2.22).
public struct SMB2WriteResponse: Hashable, Sendable {
    public static let structureSize: UInt16 = 17

    public var count: UInt32
    public var remaining: UInt32

    public init(parsing message: SMB2Message) throws {
        try message.requireResponse(to: .write)
        var body = try SMB2BodyReader(message, command: .write, structureSize: Self.structureSize)
        _ = try body.u16("reserved")
        count = try body.u32("count")
        remaining = try body.u32("remaining")
        _ = try body.u16("write channel info offset")
        _ = try body.u16("write channel info length")
    }
}

/// The IOCTL request (MS-SMB2 2.2.31), for FSCTL_PIPE_TRANSCEIVE: write a DCE/RPC request to the
/// pipe and read its reply in one round trip.
public struct SMB2IoctlRequest: Hashable, Sendable {
    public static let structureSize: UInt16 = 57
    /// FSCTL_PIPE_TRANSCEIVE (MS-FSCC 2.3.49).
    public static let pipeTransceive: UInt32 = 0x0011_C017
    /// SMB2_0_IOCTL_IS_FSCTL.
    public static let isFSCTL: UInt32 = 0x0000_0001

    public var controlCode: UInt32
    public var fileID: SMB2FileID
    public var input: [UInt8]
    public var maxOutputResponse: UInt32
    public var flags: UInt32

    public init(
        controlCode: UInt32, fileID: SMB2FileID, input: [UInt8], maxOutputResponse: UInt32,
        flags: UInt32 = SMB2IoctlRequest.isFSCTL
    ) {
        self.controlCode = controlCode
        self.fileID = fileID
        self.input = input
        self.maxOutputResponse = maxOutputResponse
        self.flags = flags
    }

    /// A pipe transceive carrying `fragment`, accepting up to `maxOutput` reply bytes.
    public static func transceive(fileID: SMB2FileID, fragment: [UInt8], maxOutput: UInt32) -> SMB2IoctlRequest {
        SMB2IoctlRequest(controlCode: pipeTransceive, fileID: fileID, input: fragment, maxOutputResponse: maxOutput)
    }

    public func encodedBody() -> [UInt8] {
        let inputOffset = SMB2Header.size + 56
        var writer = WireWriter(capacity: 56 + input.count)
        writer.writeInteger(Self.structureSize, .little)
        writer.writeInteger(UInt16(0), .little)
        writer.writeInteger(controlCode, .little)
        fileID.write(to: &writer)
        writer.writeInteger(UInt32(input.isEmpty ? 0 : inputOffset), .little)
        writer.writeInteger(UInt32(truncatingIfNeeded: input.count), .little)
        writer.writeInteger(UInt32(0), .little)  // MaxInputResponse
        // No output is sent; Windows points OutputOffset just past the input.
        writer.writeInteger(UInt32(inputOffset + input.count), .little)
        writer.writeInteger(UInt32(0), .little)  // OutputCount
        writer.writeInteger(maxOutputResponse, .little)
        writer.writeInteger(flags, .little)
        writer.writeInteger(UInt32(0), .little)  // Reserved2
        writer.writeBytes(input.isEmpty ? [0] : input)
        return writer.bytes
    }
}

/// The IOCTL response (MS-SMB2 2.2.32). A transceive whose reply is longer than
/// MaxOutputResponse answers BUFFER_OVERFLOW with this body and the first part; READ the rest.
public struct SMB2IoctlResponse: Hashable, Sendable {
    public static let structureSize: UInt16 = 49

    public var controlCode: UInt32
    public var fileID: SMB2FileID
    public var input: [UInt8]
    public var output: [UInt8]
    public var flags: UInt32

    public init(parsing message: SMB2Message) throws {
        try message.requireResponse(to: .ioctl)
        var body = try SMB2BodyReader(message, command: .ioctl, structureSize: Self.structureSize)
        _ = try body.u16("reserved")
        controlCode = try body.u32("control code")
        fileID = SMB2FileID(persistent: try body.u64("file id"), volatile: try body.u64("file id"))
        let inputOffset = Int(try body.u32("input offset"))
        let inputCount = Int(try body.u32("input count"))
        let outputOffset = Int(try body.u32("output offset"))
        let outputCount = Int(try body.u32("output count"))
        flags = try body.u32("flags")
        _ = try body.u32("reserved")
        let fixedEnd = SMB2Header.size + 48
        input = try body.buffer(offset: inputOffset, length: inputCount, fixedEnd: fixedEnd, "ioctl input")
        output = try body.buffer(offset: outputOffset, length: outputCount, fixedEnd: fixedEnd, "ioctl output")
    }
}

/// The ERROR response (MS-SMB2 2.2.2): what a failed request gets instead of its own body. 3.1.1
/// servers may put error contexts in ErrorData; they are kept as (id, data).
public struct SMB2ErrorResponse: Hashable, Sendable {
    public static let structureSize: UInt16 = 9
    public static let maximumContextCount = 16

    public struct Context: Hashable, Sendable {
        public var id: UInt32
        public var data: [UInt8]
    }

    public var status: NTStatus
    public var errorData: [UInt8]
    public var contexts: [Context]

    public init(parsing message: SMB2Message) throws {
        guard message.header.isResponse else { throw SMB2Error.unexpectedMessage("request \(message.header.command)") }
        status = message.header.status
        var body = try SMB2BodyReader(message, command: message.header.command, structureSize: Self.structureSize)
        let contextCount = Int(try body.u8("error context count"))
        _ = try body.u8("reserved")
        let byteCount = Int(try body.u32("byte count"))
        // ErrorData follows directly; servers send one zero byte when ByteCount is 0.
        errorData = try body.buffer(
            offset: SMB2Header.size + 8, length: byteCount, fixedEnd: SMB2Header.size + 8, "error data")
        guard contextCount <= Self.maximumContextCount else {
            throw SMB2Error.tooLarge("error context count", contextCount)
        }
        var reader = WireReader(errorData)
        var contexts: [Context] = []
        for index in 0..<contextCount {
            if index > 0 {
                // Each context after the first starts 8-byte aligned within ErrorData.
                let consumed = errorData.count - reader.readableBytes
                guard reader.readBytes((8 - consumed % 8) % 8) != nil else {
                    throw SMB2Error.truncated("error context")
                }
            }
            guard let length = reader.readInteger(.little, as: UInt32.self),
                let id = reader.readInteger(.little, as: UInt32.self), let data = reader.readBytes(Int(length))
            else { throw SMB2Error.truncated("error context") }
            contexts.append(Context(id: id, data: Array(data)))
        }
        self.contexts = contexts
    }
}
