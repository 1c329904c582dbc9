/// Why a DebugData file could not be parsed at all.
///
/// Problems inside lines the parser recognised do not throw; they become ``DebugData/Diagnostic`` values.
/// Equality compares ``code`` only, so tests can match `DebugDataError.Code.inputTooLarge`.
public struct DebugDataError: Error, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The input is larger than ``DebugData/maximumInputSize``.
        public static let inputTooLarge = Code(rawValue: "inputTooLarge")
        /// Not one line of the input looked like DebugData.
        public static let unrecognizedInput = Code(rawValue: "unrecognizedInput")

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// Free text for people.
    public let reason: String
    /// Where the error was thrown.
    public let file: String
    /// Where the error was thrown.
    public let line: UInt

    public init(code: Code, reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    /// The input is larger than ``DebugData/maximumInputSize``.
    public static func inputTooLarge(size: Int, file: String = #fileID, line: UInt = #line) -> DebugDataError {
        DebugDataError(
            code: .inputTooLarge,
            reason: "input of \(size) bytes exceeds the limit of \(DebugData.maximumInputSize) bytes",
            file: file, line: line)
    }

    /// Not one line of the input looked like DebugData.
    public static func unrecognizedInput(file: String = #fileID, line: UInt = #line) -> DebugDataError {
        DebugDataError(
            code: .unrecognizedInput, reason: "no line looks like /proc/fs/cifs/DebugData", file: file, line: line)
    }

    public var description: String { "DebugDataError.\(code): \(reason)" }
}

extension DebugDataError: Hashable {
    public static func == (lhs: DebugDataError, rhs: DebugDataError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension DebugDataError: Sendable {}

extension DebugData {
    /// A problem in a line the parser recognised, such as a number that does not fit its field.
    public struct Diagnostic: CustomStringConvertible {
        /// A stable identifier for the kind of problem.
        public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
            public let rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }

            /// A number is missing its digits, has a stray character, or does not fit the field's C type.
            public static let invalidNumber = Code(rawValue: "invalidNumber")
            /// An `IPv4:`/`IPv6:` value is not an address.
            public static let invalidAddress = Code(rawValue: "invalidAddress")
            /// A word the field does not know, e.g. a speed name newer than this parser.
            public static let unknownValue = Code(rawValue: "unknownValue")
            /// A recognised line lacks a field that its format string always prints.
            public static let missingField = Code(rawValue: "missingField")
            /// A recognised line appeared where its parent (server, session, channel, share, interface) was missing.
            public static let outOfContext = Code(rawValue: "outOfContext")
            /// `Extra Channels:` or `Server interfaces:` announced a count other than what followed.
            public static let countMismatch = Code(rawValue: "countMismatch")
            /// A line longer than ``DebugData/maximumLineLength`` was skipped.
            public static let lineTooLong = Code(rawValue: "lineTooLong")

            public var description: String { rawValue }
        }

        /// The 1-based line number in the input.
        public var line: Int
        /// The kind of problem.
        public var code: Code
        /// The field and the offending text.
        public var detail: String

        public init(line: Int, code: Code, detail: String) {
            self.line = line
            self.code = code
            self.detail = detail
        }

        public var description: String { "line \(line): \(code): \(detail)" }
    }
}

extension DebugData.Diagnostic: Hashable {}
extension DebugData.Diagnostic: Sendable {}
