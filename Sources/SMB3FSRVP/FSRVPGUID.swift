import SMB3Wire

/// A GUID as FSRVP carries it (shadow copy set and shadow copy ids): 16 bytes in NDR's order,
/// time_low, time_mid and time_hi little-endian, the rest as is; printed in the usual
/// `8-4-4-4-12` form that rpcclient and Windows show.
public struct FSRVPGUID: Hashable, Sendable, CustomStringConvertible {
    /// The on-wire bytes.
    public let bytes: [UInt8]

    public init?(wire bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// Parses `a8e0653c-2744-4389-a61d-7373df8b2292`, with or without braces, any case.
    public init?(_ text: some StringProtocol) {
        var body = Substring(text)
        if body.hasPrefix("{"), body.hasSuffix("}") { body = body.dropFirst().dropLast() }
        let groups = body.split(separator: "-", omittingEmptySubsequences: false)
        guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return nil }
        guard let big = parseHexBytes(groups.joined()), big.count == 16 else { return nil }
        bytes =
            Array(big[0..<4].reversed()) + Array(big[4..<6].reversed()) + Array(big[6..<8].reversed())
            + Array(big[8...])
    }

    /// A version 4 (random) GUID from 16 random bytes, as a client makes its ClientShadowCopySetId.
    public init(random: [UInt8]) {
        var big = Array(random.prefix(16)) + Array(repeating: 0, count: max(0, 16 - random.count))
        big[6] = big[6] & 0x0F | 0x40
        big[8] = big[8] & 0x3F | 0x80
        bytes =
            Array(big[0..<4].reversed()) + Array(big[4..<6].reversed()) + Array(big[6..<8].reversed())
            + Array(big[8...])
    }

    public static let zero = FSRVPGUID(uncheckedWire: Array(repeating: 0, count: 16))

    init(uncheckedWire bytes: [UInt8]) { self.bytes = bytes }

    public var description: String {
        let big =
            Array(bytes[0..<4].reversed()) + Array(bytes[4..<6].reversed()) + Array(bytes[6..<8].reversed())
            + Array(bytes[8...])
        let hex = hexString(big)
        let characters = Array(hex)
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        return [part(0..<8), part(8..<12), part(12..<16), part(16..<20), part(20..<32)].joined(separator: "-")
    }
}
