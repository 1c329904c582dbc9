/// Why a DCE/RPC exchange failed: a PDU or NDR body that does not decode, an answer the client
/// cannot use (bind_nak, a rejected context, a fault), or a transport that went away.
///
/// One struct for the family, shaped like SwiftASN1's `ASN1Error`: a stable ``code``, a reason for
/// people, where it was thrown; equality compares ``code`` only.
public struct DCERPCError: Error, CustomStringConvertible {
    /// A stable identifier for the kind of failure.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let truncated = Code(rawValue: "truncated")
        public static let badVersion = Code(rawValue: "badVersion")
        public static let unsupportedDataRepresentation = Code(rawValue: "unsupportedDataRepresentation")
        public static let badFragmentLength = Code(rawValue: "badFragmentLength")
        public static let badAuthLength = Code(rawValue: "badAuthLength")
        public static let unexpectedPacket = Code(rawValue: "unexpectedPacket")
        public static let bindRejected = Code(rawValue: "bindRejected")
        public static let contextRejected = Code(rawValue: "contextRejected")
        /// A fault PDU or a fault status in a response; ``DCERPCError/faultStatus`` holds it.
        public static let fault = Code(rawValue: "fault")
        /// An NDR body that does not decode.
        public static let ndr = Code(rawValue: "ndr")
        public static let tooLarge = Code(rawValue: "tooLarge")
        /// The transport failed: the peer closed, reset, or a call timed out.
        public static let connectionLost = Code(rawValue: "connectionLost")

        public var description: String { rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// Free text for people; ``description`` is this text.
    public let reason: String
    /// The status of a ``Code/fault``, else nil.
    public let faultStatus: UInt32?
    /// Where the error was thrown.
    public let file: String
    /// Where the error was thrown.
    public let line: UInt

    public init(_ code: Code, _ reason: String, faultStatus: UInt32? = nil, file: String = #fileID, line: UInt = #line)
    {
        self.code = code
        self.reason = reason
        self.faultStatus = faultStatus
        self.file = file
        self.line = line
    }

    public var description: String { reason }

    public static func truncated(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.truncated, "DCE/RPC: \(what) truncated", file: file, line: line)
    }
    public static func badVersion(_ major: UInt8, _ minor: UInt8, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badVersion, "DCE/RPC: unsupported version \(major).\(minor)", file: file, line: line)
    }
    public static func unsupportedDataRepresentation(
        _ drep: [UInt8], file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(.unsupportedDataRepresentation, "DCE/RPC: unsupported data representation \(drep)", file: file, line: line)
    }
    public static func badFragmentLength(_ length: Int, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badFragmentLength, "DCE/RPC: bad fragment length \(length)", file: file, line: line)
    }
    public static func badAuthLength(_ length: Int, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.badAuthLength, "DCE/RPC: bad auth length \(length)", file: file, line: line)
    }
    public static func unexpectedPacket(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.unexpectedPacket, "DCE/RPC: unexpected \(what)", file: file, line: line)
    }
    public static func bindRejected(reason: UInt16, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.bindRejected, "DCE/RPC: bind rejected (bind_nak reason \(reason))", file: file, line: line)
    }
    public static func contextRejected(
        result: UInt16, reason: UInt16, file: String = #fileID, line: UInt = #line
    ) -> Self {
        Self(
            .contextRejected, "DCE/RPC: presentation context rejected (result \(result), reason \(reason))",
            file: file, line: line)
    }
    public static func fault(status: UInt32, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.fault, "DCE/RPC fault \(DCERPCFaultStatus.name(status))", faultStatus: status, file: file, line: line)
    }
    public static func ndr(_ what: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.ndr, "NDR: \(what)", file: file, line: line)
    }
    public static func tooLarge(_ size: Int, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.tooLarge, "DCE/RPC: \(size)-byte message exceeds the limit", file: file, line: line)
    }
    public static func connectionLost(_ why: String, file: String = #fileID, line: UInt = #line) -> Self {
        Self(.connectionLost, "connection lost: \(why)", file: file, line: line)
    }
}

extension DCERPCError: Hashable {
    public static func == (lhs: DCERPCError, rhs: DCERPCError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension DCERPCError: Sendable {}

/// Names for the fault statuses MS-SWN clients meet.
public enum DCERPCFaultStatus {
    public static let operationRangeError: UInt32 = 0x1C01_0002
    public static let unknownInterface: UInt32 = 0x1C01_0003
    public static let protocolError: UInt32 = 0x1C01_000B
    public static let faultCancel: UInt32 = 0x1C00_000D
    public static let accessDenied: UInt32 = 0x0000_0005

    public static func name(_ status: UInt32) -> String {
        let hex = "0x" + String(status, radix: 16, uppercase: true)
        switch status {
        case operationRangeError: return "nca_s_op_rng_error (\(hex))"
        case unknownInterface: return "nca_s_unk_if (\(hex))"
        case protocolError: return "nca_s_proto_error (\(hex))"
        case faultCancel: return "nca_s_fault_cancel (\(hex))"
        case accessDenied: return "access denied (\(hex))"
        default: return hex
        }
    }
}
