import SMB3Wire

/// MD4 (RFC 1320). NTLM needs it for the NT password hash; nothing else should use it.
public enum MD4 {
    public static let digestLength = 16

    // RFC 1320 section 3.4: shift amounts per round, and the word order of rounds 2 and 3.
    private static let shifts: [[UInt32]] = [[3, 7, 11, 19], [3, 5, 9, 13], [3, 9, 11, 15]]
    private static let round2Words = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
    private static let round3Words = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]

    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476)
        forEachBlock(of: message) { words in
            var (a, b, c, d) = state
            for step in 0..<48 {
                let mixed: UInt32
                let wordIndex: Int
                let round = step / 16
                switch round {
                case 0:
                    mixed = (b & c) | (~b & d)
                    wordIndex = step
                case 1:
                    mixed = ((b & c) | (b & d) | (c & d)) &+ 0x5A82_7999
                    wordIndex = round2Words[step % 16]
                default:
                    mixed = (b ^ c ^ d) &+ 0x6ED9_EBA1
                    wordIndex = round3Words[step % 16]
                }
                let shift = shifts[round][step % 4]
                let updated = rotateLeft(a &+ mixed &+ words[wordIndex], by: shift)
                // Rename the registers so the next step updates the one RFC 1320 names next (a, d, c, b).
                (a, b, c, d) = (d, updated, b, c)
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
        }
        return littleEndianBytes(state)
    }
}

/// MD5 (RFC 1321). NTLM key derivation and HMAC-MD5 need it.
public enum MD5 {
    public static let digestLength = 16

    private static let shifts: [UInt32] = [
        7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
        5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9, 14, 20,
        4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
        6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
    ]

    // floor(|sin(i + 1)| * 2^32), RFC 1321 section 3.4.
    private static let sines: [UInt32] = [
        0xD76A_A478, 0xE8C7_B756, 0x2420_70DB, 0xC1BD_CEEE,
        0xF57C_0FAF, 0x4787_C62A, 0xA830_4613, 0xFD46_9501,
        0x6980_98D8, 0x8B44_F7AF, 0xFFFF_5BB1, 0x895C_D7BE,
        0x6B90_1122, 0xFD98_7193, 0xA679_438E, 0x49B4_0821,
        0xF61E_2562, 0xC040_B340, 0x265E_5A51, 0xE9B6_C7AA,
        0xD62F_105D, 0x0244_1453, 0xD8A1_E681, 0xE7D3_FBC8,
        0x21E1_CDE6, 0xC337_07D6, 0xF4D5_0D87, 0x455A_14ED,
        0xA9E3_E905, 0xFCEF_A3F8, 0x676F_02D9, 0x8D2A_4C8A,
        0xFFFA_3942, 0x8771_F681, 0x6D9D_6122, 0xFDE5_380C,
        0xA4BE_EA44, 0x4BDE_CFA9, 0xF6BB_4B60, 0xBEBF_BC70,
        0x289B_7EC6, 0xEAA1_27FA, 0xD4EF_3085, 0x0488_1D05,
        0xD9D4_D039, 0xE6DB_99E5, 0x1FA2_7CF8, 0xC4AC_5665,
        0xF429_2244, 0x432A_FF97, 0xAB94_23A7, 0xFC93_A039,
        0x655B_59C3, 0x8F0C_CC92, 0xFFEF_F47D, 0x8584_5DD1,
        0x6FA8_7E4F, 0xFE2C_E6E0, 0xA301_4314, 0x4E08_11A1,
        0xF753_7E82, 0xBD3A_F235, 0x2AD7_D2BB, 0xEB86_D391,
    ]

    public static func hash(_ message: [UInt8]) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32) = (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476)
        forEachBlock(of: message) { words in
            var (a, b, c, d) = state
            for step in 0..<64 {
                let mixed: UInt32
                let wordIndex: Int
                switch step / 16 {
                case 0:
                    mixed = (b & c) | (~b & d)
                    wordIndex = step
                case 1:
                    mixed = (d & b) | (~d & c)
                    wordIndex = (5 * step + 1) % 16
                case 2:
                    mixed = b ^ c ^ d
                    wordIndex = (3 * step + 5) % 16
                default:
                    mixed = c ^ (b | ~d)
                    wordIndex = (7 * step) % 16
                }
                let sum = a &+ mixed &+ sines[step] &+ words[wordIndex]
                (a, b, c, d) = (d, b &+ rotateLeft(sum, by: shifts[step]), b, c)
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d)
        }
        return littleEndianBytes(state)
    }
}

/// HMAC-MD5 (RFC 2104): NTOWFv2, the NTLMv2 proofs, the MIC and the message signatures.
public enum HMACMD5 {
    public static let blockLength = 64

    public static func authenticationCode(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var blockKey = key.count > blockLength ? MD5.hash(key) : key
        blockKey += [UInt8](repeating: 0, count: blockLength - blockKey.count)
        let inner = MD5.hash(blockKey.map { $0 ^ 0x36 } + message)
        return MD5.hash(blockKey.map { $0 ^ 0x5C } + inner)
    }
}

/// The padding and block loop MD4 and MD5 share: 0x80, zeros to 56 mod 64, the bit length little-endian,
/// then sixteen little-endian words per 64-byte block.
private func forEachBlock(of message: [UInt8], _ body: ([UInt32]) -> Void) {
    var padded = message
    padded.append(0x80)
    padded += [UInt8](repeating: 0, count: (119 - message.count % 64) % 64)
    let bitLength = UInt64(truncatingIfNeeded: message.count) &* 8
    for index in 0..<8 { padded.append(UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(index)))) }
    var words = [UInt32](repeating: 0, count: 16)
    for blockStart in stride(from: 0, to: padded.count, by: 64) {
        for wordIndex in 0..<16 {
            let base = blockStart + 4 * wordIndex
            words[wordIndex] =
                UInt32(padded[base]) | UInt32(padded[base + 1]) << 8 | UInt32(padded[base + 2]) << 16
                | UInt32(padded[base + 3]) << 24
        }
        body(words)
    }
    // The message may be a key (HMAC) or a UTF-16 password (the NT hash): leave no copy.
    Secret.zero(&padded)
    words.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
}

private func rotateLeft(_ value: UInt32, by shift: UInt32) -> UInt32 {
    (value << shift) | (value >> (32 - shift))
}

private func littleEndianBytes(_ state: (UInt32, UInt32, UInt32, UInt32)) -> [UInt8] {
    var writer = WireWriter(capacity: 16)
    for word in [state.0, state.1, state.2, state.3] { writer.writeInteger(word, .little) }
    return writer.bytes
}
