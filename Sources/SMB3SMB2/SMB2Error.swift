/// Why an SMB2 exchange failed: a message that does not decode, a status the client cannot go on
/// with, a signature that does not verify, or a credit or message id the client may not use.
///
/// One struct for the family, shaped like ``DCERPCError`` (and SwiftASN1's `ASN1Error`): a stable
/// ``code``, a reason for people, where it was thrown; equality compares ``code`` only.
public struct SMB2Error: Error, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The bytes end before a field or a buffer the message announces.
        public static let truncated = Code(rawValue: "truncated")
        /// Not an SMB2 header: wrong protocol id or structure size.
        public static let badHeader = Code(rawValue: "badHeader")
        /// A response body whose StructureSize is not the one MS-SMB2 fixes for the command.
        public static let badStructureSize = Code(rawValue: "badStructureSize")
        /// An offset or length that points outside the message or overlaps the fixed part.
        public static let badOffset = Code(rawValue: "badOffset")
        /// A count or a length over the client's cap.
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// A response to another command, or a request where a response was expected.
        public static let unexpectedMessage = Code(rawValue: "unexpectedMessage")
        /// A dialect, cipher, hash or signing algorithm the client did not offer.
        public static let unsupported = Code(rawValue: "unsupported")
        /// The server answered with an error NTSTATUS; ``SMB2Error/status`` holds it.
        public static let status = Code(rawValue: "status")
        /// A signed response whose signature does not verify.
        public static let badSignature = Code(rawValue: "badSignature")
        /// The client has no credit (or no message id) left for the request.
        public static let noCredits = Code(rawValue: "noCredits")

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// Free text for people; ``description`` is this text.
    public let reason: String
    /// The status of a ``Code/status`` error, else nil.
    public let status: NTStatus?
    /// Where the error was thrown.
    public let file: String
    /// Where the error was thrown.
    public let line: UInt

    public init(_ code: Code, _ reason: String, status: NTStatus? = nil, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.status = status
        self.file = file
        self.line = line
    }

    public var description: String { reason }

    public static func truncated(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.truncated, "SMB2: \(what) truncated", file: file, line: line)
    }
    public static func badHeader(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badHeader, "SMB2: not an SMB2 header (\(what))", file: file, line: line)
    }
    public static func badStructureSize(
        _ command: SMB2Command, _ size: UInt16, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.badStructureSize, "SMB2: \(command) response with structure size \(size)", file: file, line: line)
    }
    public static func badOffset(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badOffset, "SMB2: \(what) outside the message", file: file, line: line)
    }
    public static func tooLarge(_ what: String, _ size: Int, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.tooLarge, "SMB2: \(what) of \(size) exceeds the limit", file: file, line: line)
    }
    public static func unexpectedMessage(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.unexpectedMessage, "SMB2: unexpected \(what)", file: file, line: line)
    }
    public static func unsupported(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.unsupported, "SMB2: unsupported \(what)", file: file, line: line)
    }
    public static func status(
        _ status: NTStatus, command: SMB2Command, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.status, "SMB2 \(command): \(status)", status: status, file: file, line: line)
    }
    public static func badSignature(_ command: SMB2Command, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badSignature, "SMB2 \(command): the response's signature does not verify", file: file, line: line)
    }
    public static func noCredits(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.noCredits, "SMB2: \(what)", file: file, line: line)
    }
}

extension SMB2Error: Hashable {
    public static func == (lhs: SMB2Error, rhs: SMB2Error) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension SMB2Error: Sendable {}
