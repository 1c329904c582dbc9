/// Bytes that must never reach a log: session keys, tickets, passwords.
/// Printing one shows only its length.
public struct Secret: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var count: Int { bytes.count }
    public var description: String { "<redacted \(bytes.count) bytes>" }
    public var debugDescription: String { description }
}
