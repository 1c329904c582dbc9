import SMB3Wire

/// Why bytes from the kernel or the server (an ioctl reply, a query-info buffer) could not be decoded.
///
/// Equality compares ``code`` only, so tests can match `CIFSABIError.Code.truncated`.
public struct CIFSABIError: Error, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// Fewer bytes than the structure needs.
        public static let truncated = Code(rawValue: "truncated")
        /// Bytes left over after a structure that must account for all of them.
        public static let trailingBytes = Code(rawValue: "trailingBytes")
        /// A length or offset field points outside the buffer or disagrees with another field.
        public static let invalidLength = Code(rawValue: "invalidLength")
        /// A field holds a value the structure does not allow (a version, a revision, a token).
        public static let invalidValue = Code(rawValue: "invalidValue")
        /// A count or size above the explicit cap of the decoder.
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// A UTF-16 name with a lone surrogate or an odd byte count.
        public static let invalidUTF16 = Code(rawValue: "invalidUTF16")

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// Free text for people: what was being decoded and which field was wrong.
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

    public var description: String { "\(reason) (\(code))" }
}

extension CIFSABIError: Hashable {
    public static func == (lhs: CIFSABIError, rhs: CIFSABIError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension CIFSABIError: Sendable {}

// MARK: - Reader helpers shared by the decoders in this folder

extension WireReader {
    /// Reads an integer or throws `truncated`, naming the field.
    mutating func require<T: FixedWidthInteger>(
        _ order: ByteOrder, _ field: @autoclosure () -> String, as: T.Type = T.self
    ) throws(CIFSABIError) -> T {
        guard let value = readInteger(order, as: T.self) else {
            throw CIFSABIError(.truncated, "\(field()): needs \(MemoryLayout<T>.size) bytes, \(readableBytes) left")
        }
        return value
    }

    /// Reads `count` bytes or throws `truncated`, naming the field.
    mutating func requireBytes(
        _ count: Int, _ field: @autoclosure () -> String
    ) throws(CIFSABIError) -> ArraySlice<UInt8> {
        guard let slice = readBytes(count) else {
            throw CIFSABIError(.truncated, "\(field()): needs \(count) bytes, \(readableBytes) left")
        }
        return slice
    }

    /// Throws `trailingBytes` unless every byte was consumed.
    func requireEnd(_ structure: @autoclosure () -> String) throws(CIFSABIError) {
        guard readableBytes == 0 else {
            throw CIFSABIError(.trailingBytes, "\(structure()): \(readableBytes) bytes after the end")
        }
    }
}

/// Bounds-checked access to a slice by offset relative to its start, for formats that use offsets
/// (security descriptors, chained records).
struct CIFSOffsetBuffer {
    let bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    /// A reader over `count` bytes at `offset`, or over the rest when `count` is nil; throws when out of range.
    func reader(
        at offset: Int, count: Int? = nil, _ field: @autoclosure () -> String
    ) throws(CIFSABIError) -> WireReader {
        guard offset >= 0, offset <= bytes.count else {
            throw CIFSABIError(.invalidLength, "\(field()): offset \(offset) outside \(bytes.count) bytes")
        }
        let available = bytes.count - offset
        let length = count ?? available
        guard length >= 0, length <= available else {
            throw CIFSABIError(
                .invalidLength, "\(field()): \(length) bytes at offset \(offset) exceed \(bytes.count) bytes")
        }
        let start = bytes.startIndex + offset
        return WireReader(bytes[start..<start + length])
    }
}
