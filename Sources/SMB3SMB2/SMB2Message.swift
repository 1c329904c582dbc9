import SMB3Wire

/// One SMB2 message: its header and all its bytes, header included. Buffer offsets in SMB2 bodies
/// count from the start of the header, and a signature covers exactly these bytes, so the message
/// keeps them whole.
public struct SMB2Message: Hashable, Sendable {
    public let header: SMB2Header
    /// The message from the first header byte to its end (in a compound, to the next header).
    public let bytes: [UInt8]

    /// The most messages one compound response may chain; more is refused, not looped over.
    public static let maximumCompoundCount = 32

    /// The body: what follows the 64-byte header.
    public var body: ArraySlice<UInt8> { bytes[Self.bodyStart...] }

    private static var bodyStart: Int { SMB2Header.size }

    public init(header: SMB2Header, body: [UInt8]) {
        self.header = header
        self.bytes = header.encoded() + body
    }

    /// One message: a header and its body, nothing after it (the header's NextCommand is not followed).
    public init(parsing bytes: [UInt8]) throws {
        self.header = try SMB2Header(parsing: bytes[...])
        self.bytes = bytes
    }

    /// The messages of one transport frame: a single message or a compound chained by NextCommand
    /// (MS-SMB2 3.2.5.1: each NextCommand is 8-byte aligned and lands inside the frame).
    public static func messages(inFrame frame: [UInt8]) throws -> [SMB2Message] {
        var messages: [SMB2Message] = []
        var start = 0
        while true {
            guard messages.count < maximumCompoundCount else {
                throw SMB2Error.tooLarge("compound message count", messages.count + 1)
            }
            let header = try SMB2Header(parsing: frame[start...])
            let next = Int(header.nextCommand)
            if next == 0 {
                messages.append(SMB2Message(header: header, bytes: Array(frame[start...])))
                return messages
            }
            guard next % 8 == 0, next >= SMB2Header.size, next <= frame.count - start else {
                throw SMB2Error.badOffset("NextCommand \(next)")
            }
            messages.append(SMB2Message(header: header, bytes: Array(frame[start..<(start + next)])))
            start += next
        }
    }

    private init(header: SMB2Header, bytes: [UInt8]) {
        self.header = header
        self.bytes = bytes
    }

    /// Throws ``SMB2Error/Code/status`` unless the status is success or one of `allowed`
    /// (MORE_PROCESSING_REQUIRED for SESSION_SETUP, BUFFER_OVERFLOW for a pipe's IOCTL or READ).
    public func requireSuccess(allowing allowed: Set<NTStatus> = []) throws {
        let status = header.status
        guard status != .success, !allowed.contains(status) else { return }
        throw SMB2Error.status(status, command: header.command)
    }

    /// Throws unless this is a response to `command`.
    public func requireResponse(to command: SMB2Command) throws {
        guard header.isResponse else { throw SMB2Error.unexpectedMessage("request \(header.command)") }
        guard header.command == command else {
            throw SMB2Error.unexpectedMessage("\(header.command) response where \(command) was expected")
        }
    }
}

/// Reads a response body: the fixed part field by field, and the variable buffers by offset and
/// length against the whole message, each checked to lie inside it and after the fixed part.
struct SMB2BodyReader {
    let message: SMB2Message
    var reader: WireReader

    /// Checks StructureSize and positions after it.
    init(_ message: SMB2Message, command: SMB2Command, structureSize: UInt16) throws {
        self.message = message
        self.reader = WireReader(message.body)
        guard let size = reader.readInteger(.little, as: UInt16.self) else {
            throw SMB2Error.truncated("\(command) response")
        }
        guard size == structureSize else { throw SMB2Error.badStructureSize(command, size) }
    }

    mutating func u8(_ what: String) throws -> UInt8 {
        guard let value = reader.readInteger(.little, as: UInt8.self) else { throw SMB2Error.truncated(what) }
        return value
    }
    mutating func u16(_ what: String) throws -> UInt16 {
        guard let value = reader.readInteger(.little, as: UInt16.self) else { throw SMB2Error.truncated(what) }
        return value
    }
    mutating func u32(_ what: String) throws -> UInt32 {
        guard let value = reader.readInteger(.little, as: UInt32.self) else { throw SMB2Error.truncated(what) }
        return value
    }
    mutating func u64(_ what: String) throws -> UInt64 {
        guard let value = reader.readInteger(.little, as: UInt64.self) else { throw SMB2Error.truncated(what) }
        return value
    }
    mutating func bytes(_ count: Int, _ what: String) throws -> [UInt8] {
        guard let value = reader.readBytes(count) else { throw SMB2Error.truncated(what) }
        return Array(value)
    }

    /// The bytes at `offset` (from the header's start) for `length`; an empty buffer may have any
    /// offset. The buffer must start at or after `fixedEnd` (header plus fixed body) and end
    /// inside the message.
    func buffer(offset: Int, length: Int, fixedEnd: Int, _ what: String) throws -> [UInt8] {
        guard length > 0 else { return [] }
        let bytes = message.bytes
        guard offset >= fixedEnd, offset <= bytes.count, length <= bytes.count - offset else {
            throw SMB2Error.badOffset("\(what) (offset \(offset), length \(length))")
        }
        return Array(bytes[offset..<(offset + length)])
    }
}

extension WireWriter {
    /// Zero bytes up to the next multiple of `alignment`, counted from the header's start
    /// (`base` bytes precede what this writer holds).
    mutating func pad(toMultipleOf alignment: Int, base: Int = 0) {
        let remainder = (base + bytes.count) % alignment
        if remainder != 0 { writeBytes(repeatElement(0, count: alignment - remainder)) }
    }
}
