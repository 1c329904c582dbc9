extension DebugData {
    /// An IPv4 or IPv6 address as DebugData prints it (`%pI4`, `%pI6`).
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
        static let maximumTextLength = 45

        init?(ipv4Text text: ArraySlice<UInt8>) {
            guard let bytes = Self.parseIPv4(text) else { return nil }
            self.family = .ipv4
            self.bytes = bytes
        }

        init?(ipv6Text text: ArraySlice<UInt8>) {
            guard let bytes = Self.parseIPv6(text) else { return nil }
            self.family = .ipv6
            self.bytes = bytes
        }

        private static func parseIPv4(_ text: ArraySlice<UInt8>) -> [UInt8]? {
            guard !text.isEmpty, text.count <= 15 else { return nil }
            var result: [UInt8] = []
            result.reserveCapacity(4)
            var value = 0
            var digits = 0
            for byte in text {
                if byte == UInt8(ascii: ".") {
                    guard digits > 0, result.count < 3 else { return nil }
                    result.append(UInt8(value))
                    value = 0
                    digits = 0
                } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                    digits += 1
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                    guard digits <= 3, value <= 255 else { return nil }
                } else {
                    return nil
                }
            }
            guard digits > 0, result.count == 3 else { return nil }
            result.append(UInt8(value))
            return result
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
}

extension DebugData.IPAddress: Hashable {}
extension DebugData.IPAddress: Sendable {}

extension DebugData.IPAddress: CustomStringConvertible {
    /// Dotted IPv4, or RFC 5952 IPv6 (see ``IPv6Address/description``).
    public var description: String {
        switch family {
        case .ipv4: IPv4Address(octets: bytes)?.description ?? ""
        case .ipv6: IPv6Address(octets: bytes)?.description ?? ""
        }
    }
}
