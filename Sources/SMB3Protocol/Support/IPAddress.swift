/// An IPv4 address as four bytes in network order.
public struct IPv4Address: Hashable, Sendable, CustomStringConvertible {
    public let octets: [UInt8]

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) { octets = [a, b, c, d] }

    /// - Returns: `nil` unless exactly 4 bytes (network order) are given.
    public init?(octets: some Collection<UInt8>) {
        guard octets.count == 4 else { return nil }
        self.octets = Array(octets)
    }

    /// Parses the kernel's `%pI4` form: four decimal numbers 0–255 without leading zeros.
    public init?(kernelText text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                part.utf8.count == 1 || part.utf8.first != 0x30, let octet = UInt8(part)
            else { return nil }
            octets.append(octet)
        }
        guard octets.count == 4 else { return nil }
        self.init(octets[0], octets[1], octets[2], octets[3])
    }

    public var description: String { octets.map(String.init).joined(separator: ".") }
}

/// An IPv6 address as sixteen bytes in network order.
public struct IPv6Address: Hashable, Sendable, CustomStringConvertible {
    public let octets: [UInt8]

    /// - Returns: `nil` unless exactly 16 bytes are given.
    public init?(octets: [UInt8]) {
        guard octets.count == 16 else { return nil }
        self.octets = octets
    }

    /// Parses the kernel's `%pI6` form (8 groups of exactly 4 lower-case hex digits, e.g.
    /// `2001:0db8:0000:0000:0000:0000:0000:0001`) and the `%pi6` form of old kernels (32 lower-case
    /// hex digits). Upper case is refused: the kernel never prints it.
    public init?(kernelText text: String) {
        // Bytes, not Characters: the input is untrusted and may hold any UTF-8 (or none).
        let bytes = Array(text.utf8)
        let digits: [UInt8]
        if bytes.count == 39 {
            var collected: [UInt8] = []
            for (index, byte) in bytes.enumerated() {
                if index % 5 == 4 {
                    guard byte == UInt8(ascii: ":") else { return nil }
                } else {
                    collected.append(byte)
                }
            }
            digits = collected
        } else if bytes.count == 32 {
            digits = bytes
        } else {
            return nil
        }
        guard digits.count == 32 else { return nil }
        var octets: [UInt8] = []
        for pair in stride(from: 0, to: 32, by: 2) {
            guard digits[pair].isLowercaseHexDigit, digits[pair + 1].isLowercaseHexDigit,
                let high = hexDigitValue(digits[pair]), let low = hexDigitValue(digits[pair + 1])
            else { return nil }
            octets.append(high << 4 | low)
        }
        self.init(octets: octets)
    }

    private var groups: [UInt16] {
        stride(from: 0, to: 16, by: 2).map { UInt16(octets[$0]) << 8 | UInt16(octets[$0 + 1]) }
    }

    /// The kernel's `%pI6` form: all 8 groups, each with 4 lower-case digits.
    public var fullDescription: String {
        groups.map { group in
            let digits = String(group, radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }.joined(separator: ":")
    }

    /// RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups
    /// (the first on a tie) as `::`, and `::ffff:a.b.c.d` for IPv4-mapped addresses (§5).
    public var description: String {
        let groups = groups
        if groups[0..<5].allSatisfy({ $0 == 0 }) && groups[5] == 0xFFFF {
            return "::ffff:" + octets[12..<16].map { String($0) }.joined(separator: ".")
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for (index, group) in groups.enumerated() {
            if group == 0 {
                if runStart < 0 { runStart = index }
                if index - runStart + 1 > bestLength { bestStart = runStart; bestLength = index - runStart + 1 }
            } else {
                runStart = -1
            }
        }
        let text = groups.map { String($0, radix: 16) }
        guard bestLength >= 2 else { return text.joined(separator: ":") }
        let head = text[..<bestStart].joined(separator: ":")
        let tail = text[(bestStart + bestLength)...].joined(separator: ":")
        return head + "::" + tail
    }
}
