/// Everything the NTLM code throws: one struct for the codec family, shaped like SwiftASN1's
/// `ASN1Error` (a stable ``code``, a reason, where it was thrown; equality compares ``code`` only).
/// Parsing errors name the field in ``field`` so a capture can be matched to them.
public struct NTLMError: Error, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// A message field the parser needed runs past the end of the bytes.
        public static let truncated = Code(rawValue: "truncated")
        /// A payload field's offset and length point outside the message.
        public static let fieldOutOfRange = Code(rawValue: "fieldOutOfRange")
        /// The first eight bytes are not `NTLMSSP\0`.
        public static let badSignature = Code(rawValue: "badSignature")
        /// The MessageType is not the one expected (1, 2 or 3).
        public static let unexpectedMessageType = Code(rawValue: "unexpectedMessageType")
        /// A UTF-16LE field with an odd byte count.
        public static let oddUnicodeLength = Code(rawValue: "oddUnicodeLength")
        /// The AV pair list is cut short, lacks MsvAvEOL, or an AV pair has the wrong length for its id.
        public static let malformedTargetInfo = Code(rawValue: "malformedTargetInfo")
        /// A caller-supplied value is unusable (wrong key or challenge length, an over-long name).
        public static let invalidParameter = Code(rawValue: "invalidParameter")
        /// The server did not agree to a flag this implementation requires.
        public static let flagNotNegotiated = Code(rawValue: "flagNotNegotiated")
        /// `authenticate` before `negotiate`, or twice.
        public static let outOfOrder = Code(rawValue: "outOfOrder")
        /// A message signature that is not 16 bytes of version 1.
        public static let malformedMessageSignature = Code(rawValue: "malformedMessageSignature")
        /// The checksum in a received signature does not match the message.
        public static let checksumMismatch = Code(rawValue: "checksumMismatch")
        /// The sequence number in a received signature is not the one expected next.
        public static let sequenceMismatch = Code(rawValue: "sequenceMismatch")

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// The message field concerned, if any.
    public let field: NTLMField?
    /// Free text for people; ``description`` is this text.
    public let reason: String
    /// Where the error was thrown.
    public let file: String
    /// Where the error was thrown.
    public let line: UInt

    public init(_ code: Code, field: NTLMField? = nil, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.field = field
        self.reason = reason
        self.file = file
        self.line = line
    }

    public var description: String { "NTLM: \(reason)" }

    public static func truncated(_ field: NTLMField, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.truncated, field: field, "\(field.rawValue) runs past the end of the message", file: file, line: line)
    }
    public static func fieldOutOfRange(_ field: NTLMField, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.fieldOutOfRange, field: field, "\(field.rawValue) points outside the message", file: file, line: line)
    }
    public static func badSignature(file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badSignature, "the message does not start with NTLMSSP", file: file, line: line)
    }
    public static func unexpectedMessageType(
        expected: UInt32, found: UInt32, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.unexpectedMessageType, "message type \(found), expected \(expected)", file: file, line: line)
    }
    public static func oddUnicodeLength(_ field: NTLMField, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.oddUnicodeLength, field: field, "\(field.rawValue) has an odd UTF-16 byte count", file: file, line: line)
    }
    public static func malformedTargetInfo(reason: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.malformedTargetInfo, field: .targetInfo, "target info: \(reason)", file: file, line: line)
    }
    public static func invalidParameter(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.invalidParameter, what, file: file, line: line)
    }
    public static func flagNotNegotiated(_ flag: NTLMNegotiateFlags, file: String = #fileID, line: UInt = #line) -> Self
    {
        Self(.flagNotNegotiated, "the server did not negotiate \(flag)", file: file, line: line)
    }
    public static func outOfOrder(file: String = #fileID, line: UInt = #line) -> Self {
        Self(.outOfOrder, "authenticate before negotiate, or twice", file: file, line: line)
    }
    public static func malformedMessageSignature(file: String = #fileID, line: UInt = #line) -> Self {
        Self(
            .malformedMessageSignature, "a message signature that is not 16 bytes of version 1", file: file, line: line)
    }
    public static func checksumMismatch(file: String = #fileID, line: UInt = #line) -> Self {
        Self(.checksumMismatch, "the message signature's checksum does not match", file: file, line: line)
    }
    public static func sequenceMismatch(
        expected: UInt32, found: UInt32, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.sequenceMismatch, "sequence number \(found), expected \(expected)", file: file, line: line)
    }
}

extension NTLMError: Hashable {
    public static func == (lhs: NTLMError, rhs: NTLMError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension NTLMError: Sendable {}

/// The fields of the NTLM messages, for error reports.
public enum NTLMField: String, Hashable, Sendable {
    case header, targetName, targetInfo, version, mic
    case lmChallengeResponse, ntChallengeResponse, domainName, userName, workstation
    case encryptedRandomSessionKey
}
