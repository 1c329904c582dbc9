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
        guard let octets = Self.parse(Array(text.utf8)[...], allowingLeadingZeros: false) else { return nil }
        self.octets = octets
    }

    /// The one IPv4 text parser of the model: four dot-separated decimal numbers 0–255 of 1 to 3
    /// digits. `%pI4` never prints leading zeros (the key description refuses them); DebugData's
    /// reader takes them, as `inet_pton` would not but hand-edited captures may carry.
    package static func parse(_ text: ArraySlice<UInt8>, allowingLeadingZeros: Bool) -> [UInt8]? {
        guard !text.isEmpty, text.count <= 15 else { return nil }
        var result: [UInt8] = []
        result.reserveCapacity(4)
        var value = 0
        var digits = 0
        var leadingZero = false
        for byte in text {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, result.count < 3 else { return nil }
                result.append(UInt8(value))
                value = 0
                digits = 0
            } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if digits == 0 { leadingZero = byte == UInt8(ascii: "0") }
                digits += 1
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                guard digits <= 3, value <= 255, allowingLeadingZeros || !leadingZero || digits == 1 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, result.count == 3 else { return nil }
        result.append(UInt8(value))
        return result
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

/// An IPv4 or IPv6 address: the one either-family address type of the model (DebugData's `%pI4`/`%pI6`
/// fields, `FSCTL_QUERY_NETWORK_INTERFACE_INFO` sockaddrs).
///
/// The kernel prints IPv6 in full (`fe80:0000:0000:0000:0000:0000:0000:0001`); parsing also accepts
/// the compressed form. ``description`` gives the RFC 5952 text (`fe80::1`).
public struct IPAddress {
    /// The address family.
    public enum Family: String, Hashable, Sendable {
        /// `AF_INET`, 4 bytes.
        case ipv4
        /// `AF_INET6`, 16 bytes.
        case ipv6
    }

    /// The address family.
    public let family: Family
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Creates an IPv4 address from its four bytes.
    public init(ipv4 a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        self.family = .ipv4
        self.bytes = [a, b, c, d]
    }

    /// Creates an address from 4 (IPv4) or 16 (IPv6) bytes in network byte order; `nil` for any other count.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4: self.family = .ipv4
        case 16: self.family = .ipv6
        default: return nil
        }
        self.bytes = bytes
    }

    /// An IPv6 link-local address (fe80::/10, RFC 4291 §2.5.6): reachable only through one link, named by a
    /// scope id that an SMB interface list does not carry.
    public var isIPv6LinkLocal: Bool {
        family == .ipv6 && bytes.count == 16 && bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80
    }

    /// Parses dotted IPv4 or colon-separated IPv6 text (full or compressed). Scope suffixes are not accepted.
    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        if let address = IPAddress(ipv4Text: utf8[...]) ?? IPAddress(ipv6Text: utf8[...]) {
            self = address
        } else {
            return nil
        }
    }

    /// The longest text either form can take (`ffff:…:255.255.255.255` is 45 bytes).
    package static let maximumTextLength = 45

    package init?(ipv4Text text: ArraySlice<UInt8>) {
        guard let bytes = Self.parseIPv4(text) else { return nil }
        self.family = .ipv4
        self.bytes = bytes
    }

    package init?(ipv6Text text: ArraySlice<UInt8>) {
        guard let bytes = Self.parseIPv6(text) else { return nil }
        self.family = .ipv6
        self.bytes = bytes
    }

    private static func parseIPv4(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        IPv4Address.parse(text, allowingLeadingZeros: true)
    }

    private static func parseIPv6(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        guard text.count >= 2, text.count <= maximumTextLength else { return nil }
        let colon = UInt8(ascii: ":")
        // Split on "::" first; a second "::" is malformed.
        var head = text
        var tail: ArraySlice<UInt8>? = nil
        var index = text.startIndex
        while index < text.endIndex - 1 {
            if text[index] == colon && text[index + 1] == colon {
                guard tail == nil else { return nil }
                head = text[text.startIndex..<index]
                tail = text[(index + 2)...]
                index += 2
                continue
            }
            index += 1
        }
        guard let headWords = parseGroups(head, allowIPv4Tail: tail == nil) else { return nil }
        var words = headWords
        if let tailText = tail {
            guard let tailWords = parseGroups(tailText, allowIPv4Tail: true) else { return nil }
            guard headWords.count + tailWords.count <= 7 else { return nil }
            words += Array(repeating: 0, count: 8 - headWords.count - tailWords.count)
            words += tailWords
        }
        guard words.count == 8 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        for word in words {
            bytes.append(UInt8(truncatingIfNeeded: word >> 8))
            bytes.append(UInt8(truncatingIfNeeded: word))
        }
        return bytes
    }

    /// Parses `h:h:…:h` (possibly empty) into 16-bit words; the last group may be dotted IPv4.
    private static func parseGroups(_ text: ArraySlice<UInt8>, allowIPv4Tail: Bool) -> [UInt16]? {
        if text.isEmpty { return [] }
        var words: [UInt16] = []
        let groups = text.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        for (position, group) in groups.enumerated() {
            if group.contains(UInt8(ascii: ".")) {
                guard allowIPv4Tail, position == groups.count - 1,
                    let v4 = parseIPv4(group), v4.count == 4
                else { return nil }
                words.append(UInt16(v4[0]) << 8 | UInt16(v4[1]))
                words.append(UInt16(v4[2]) << 8 | UInt16(v4[3]))
                continue
            }
            guard !group.isEmpty, group.count <= 4 else { return nil }
            var word: UInt16 = 0
            for byte in group {
                guard let nibble = hexDigitValue(byte) else { return nil }
                word = word << 4 | UInt16(nibble)
            }
            words.append(word)
        }
        return words.count <= 8 ? words : nil
    }
}

extension IPAddress: Hashable {}
extension IPAddress: Sendable {}

extension IPAddress: CustomStringConvertible {
    /// Dotted IPv4, or RFC 5952 IPv6 (see ``IPv6Address/description``).
    public var description: String {
        switch family {
        case .ipv4: IPv4Address(octets: bytes)?.description ?? ""
        case .ipv6: IPv6Address(octets: bytes)?.description ?? ""
        }
    }
}
