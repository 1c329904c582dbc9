import SMB3Wire

/// An SMB2 dialect revision (MS-SMB2 2.2.3, Dialects).
public struct SMB2Dialect: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let smb202 = SMB2Dialect(rawValue: 0x0202)
    public static let smb210 = SMB2Dialect(rawValue: 0x0210)
    public static let smb300 = SMB2Dialect(rawValue: 0x0300)
    public static let smb302 = SMB2Dialect(rawValue: 0x0302)
    public static let smb311 = SMB2Dialect(rawValue: 0x0311)
    /// What a server answers an SMB1 multi-protocol negotiate with; never a session's dialect.
    public static let wildcard = SMB2Dialect(rawValue: 0x02FF)

    /// What this client offers, oldest first: 2.1 and the 3.x family (2.0.2 has no credits to
    /// speak of and no server this toolkit targets needs it).
    public static let offered: [SMB2Dialect] = [.smb210, .smb300, .smb302, .smb311]

    /// Whether the dialect belongs to the 3.x family (AES-CMAC signing, derived keys).
    public var isSMB3: Bool { rawValue >= 0x0300 && self != .wildcard }

    public static func < (lhs: SMB2Dialect, rhs: SMB2Dialect) -> Bool { lhs.rawValue < rhs.rawValue }

    /// `3.1.1`, `2.1`, or the hex of an unknown revision.
    public var description: String {
        switch self {
        case .smb202: "2.0.2"
        case .smb210: "2.1"
        case .smb300: "3.0"
        case .smb302: "3.0.2"
        case .smb311: "3.1.1"
        default: "0x" + zeroPaddedHex(rawValue, digits: 4)
        }
    }
}

/// SecurityMode of NEGOTIATE and SESSION_SETUP (MS-SMB2 2.2.3): 16 bits in NEGOTIATE, the low 8
/// in SESSION_SETUP.
public struct SMB2SecurityMode: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let signingEnabled = SMB2SecurityMode(rawValue: 0x0001)
    public static let signingRequired = SMB2SecurityMode(rawValue: 0x0002)
}

/// Capabilities of NEGOTIATE and SESSION_SETUP (MS-SMB2 2.2.3, SMB2_GLOBAL_CAP_*).
public struct SMB2Capabilities: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let dfs = SMB2Capabilities(rawValue: 0x0000_0001)
    public static let leasing = SMB2Capabilities(rawValue: 0x0000_0002)
    /// Multi-credit requests: reads and writes over 64 KiB.
    public static let largeMTU = SMB2Capabilities(rawValue: 0x0000_0004)
    public static let multiChannel = SMB2Capabilities(rawValue: 0x0000_0008)
    public static let persistentHandles = SMB2Capabilities(rawValue: 0x0000_0010)
    public static let directoryLeasing = SMB2Capabilities(rawValue: 0x0000_0020)
    /// SMB 3.0 and 3.0.2 encryption (3.1.1 negotiates a cipher in a context instead).
    public static let encryption = SMB2Capabilities(rawValue: 0x0000_0040)
    public static let notifications = SMB2Capabilities(rawValue: 0x0000_0080)
}

/// A pre-authentication integrity hash algorithm (MS-SMB2 2.2.3.1.1).
public struct SMB2HashAlgorithm: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let sha512 = SMB2HashAlgorithm(rawValue: 0x0001)
}

/// An encryption cipher (MS-SMB2 2.2.3.1.2).
public struct SMB2Cipher: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    /// In a response: the server supports none of the offered ciphers.
    public static let none = SMB2Cipher(rawValue: 0x0000)
    public static let aes128CCM = SMB2Cipher(rawValue: 0x0001)
    public static let aes128GCM = SMB2Cipher(rawValue: 0x0002)
    public static let aes256CCM = SMB2Cipher(rawValue: 0x0003)
    public static let aes256GCM = SMB2Cipher(rawValue: 0x0004)

    /// The key size in bits, which is also the KDF's L for the cipher keys (MS-SMB2 3.2.5.3.1).
    public var keyBits: Int { self == .aes256CCM || self == .aes256GCM ? 256 : 128 }

    public var description: String {
        switch self {
        case .none: "none"
        case .aes128CCM: "AES-128-CCM"
        case .aes128GCM: "AES-128-GCM"
        case .aes256CCM: "AES-256-CCM"
        case .aes256GCM: "AES-256-GCM"
        default: "cipher 0x" + zeroPaddedHex(rawValue, digits: 4)
        }
    }
}

/// A signing algorithm (MS-SMB2 2.2.3.1.7).
public struct SMB2SigningAlgorithm: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let hmacSHA256 = SMB2SigningAlgorithm(rawValue: 0x0000)
    public static let aesCMAC = SMB2SigningAlgorithm(rawValue: 0x0001)
    public static let aesGMAC = SMB2SigningAlgorithm(rawValue: 0x0002)

    public var description: String {
        switch self {
        case .hmacSHA256: "HMAC-SHA256"
        case .aesCMAC: "AES-CMAC"
        case .aesGMAC: "AES-GMAC"
        default: "signing algorithm 0x" + zeroPaddedHex(rawValue, digits: 4)
        }
    }

    /// What a session of `dialect` signs with when the server sent no signing context
    /// (MS-SMB2 3.1.4.1): HMAC-SHA256 for 2.x, AES-CMAC for 3.x.
    public static func implied(by dialect: SMB2Dialect) -> SMB2SigningAlgorithm {
        dialect.isSMB3 ? .aesCMAC : .hmacSHA256
    }
}

/// A negotiate context (MS-SMB2 2.2.3.1): the ones this client sends and reads by name, any
/// other kept as its type and data.
public enum SMB2NegotiateContext: Hashable, Sendable {
    case preauthIntegrity(hashAlgorithms: [SMB2HashAlgorithm], salt: [UInt8])
    case encryption(ciphers: [SMB2Cipher])
    case signing(algorithms: [SMB2SigningAlgorithm])
    case other(type: UInt16, data: [UInt8])

    public static let preauthIntegrityType: UInt16 = 0x0001
    public static let encryptionType: UInt16 = 0x0002
    public static let compressionType: UInt16 = 0x0003
    public static let netnameType: UInt16 = 0x0005
    public static let transportType: UInt16 = 0x0006
    public static let rdmaTransformType: UInt16 = 0x0007
    public static let signingType: UInt16 = 0x0008

    /// Caps on what one response may carry.
    public static let maximumCount = 32
    public static let maximumAlgorithmCount = 32

    public var type: UInt16 {
        switch self {
        case .preauthIntegrity: Self.preauthIntegrityType
        case .encryption: Self.encryptionType
        case .signing: Self.signingType
        case .other(let type, _): type
        }
    }

    public var data: [UInt8] {
        var writer = WireWriter()
        switch self {
        case .preauthIntegrity(let algorithms, let salt):
            writer.writeInteger(UInt16(truncatingIfNeeded: algorithms.count), .little)
            writer.writeInteger(UInt16(truncatingIfNeeded: salt.count), .little)
            for algorithm in algorithms { writer.writeInteger(algorithm.rawValue, .little) }
            writer.writeBytes(salt)
        case .encryption(let ciphers):
            writer.writeInteger(UInt16(truncatingIfNeeded: ciphers.count), .little)
            for cipher in ciphers { writer.writeInteger(cipher.rawValue, .little) }
        case .signing(let algorithms):
            writer.writeInteger(UInt16(truncatingIfNeeded: algorithms.count), .little)
            for algorithm in algorithms { writer.writeInteger(algorithm.rawValue, .little) }
        case .other(_, let data):
            writer.writeBytes(data)
        }
        return writer.bytes
    }

    /// Decodes a context's data by its type.
    public init(type: UInt16, data: [UInt8]) throws {
        var reader = WireReader(data)
        func count(_ what: String) throws -> Int {
            guard let value = reader.readInteger(.little, as: UInt16.self) else { throw SMB2Error.truncated(what) }
            guard Int(value) <= Self.maximumAlgorithmCount else { throw SMB2Error.tooLarge(what, Int(value)) }
            return Int(value)
        }
        func ids(_ count: Int, _ what: String) throws -> [UInt16] {
            try (0..<count).map { _ in
                guard let value = reader.readInteger(.little, as: UInt16.self) else { throw SMB2Error.truncated(what) }
                return value
            }
        }
        switch type {
        case Self.preauthIntegrityType:
            let algorithmCount = try count("hash algorithm count")
            guard let saltLength = reader.readInteger(.little, as: UInt16.self) else {
                throw SMB2Error.truncated("salt length")
            }
            let algorithms = try ids(algorithmCount, "hash algorithms").map(SMB2HashAlgorithm.init(rawValue:))
            guard let salt = reader.readBytes(Int(saltLength)) else { throw SMB2Error.truncated("salt") }
            self = .preauthIntegrity(hashAlgorithms: algorithms, salt: Array(salt))
        case Self.encryptionType:
            let cipherCount = try count("cipher count")
            self = .encryption(ciphers: try ids(cipherCount, "ciphers").map(SMB2Cipher.init(rawValue:)))
        case Self.signingType:
            let algorithmCount = try count("signing algorithm count")
            self = .signing(
                algorithms: try ids(algorithmCount, "signing algorithms").map(SMB2SigningAlgorithm.init(rawValue:)))
        default:
            self = .other(type: type, data: data)
        }
    }
}

/// The NEGOTIATE request (MS-SMB2 2.2.3).
public struct SMB2NegotiateRequest: Hashable, Sendable {
    public static let structureSize: UInt16 = 36

    public var dialects: [SMB2Dialect]
    public var securityMode: SMB2SecurityMode
    public var capabilities: SMB2Capabilities
    /// 16 bytes.
    public var clientGUID: [UInt8]
    /// Sent only when ``dialects`` offers 3.1.1.
    public var contexts: [SMB2NegotiateContext]

    public init(
        dialects: [SMB2Dialect] = SMB2Dialect.offered, securityMode: SMB2SecurityMode = .signingEnabled,
        capabilities: SMB2Capabilities = [.largeMTU, .encryption], clientGUID: [UInt8],
        contexts: [SMB2NegotiateContext]
    ) {
        self.dialects = dialects
        self.securityMode = securityMode
        self.capabilities = capabilities
        self.clientGUID = clientGUID
        self.contexts = contexts
    }

    /// The contexts this client sends with 3.1.1: SHA-512 with a fresh 32-byte salt; AES-GCM before
    /// AES-CCM, 128 before 256 bits; AES-GMAC preferred for signing, then AES-CMAC and HMAC-SHA256.
    public static func standardContexts(salt: [UInt8]) -> [SMB2NegotiateContext] {
        [
            .preauthIntegrity(hashAlgorithms: [.sha512], salt: salt),
            .encryption(ciphers: [.aes128GCM, .aes128CCM, .aes256GCM, .aes256CCM]),
            .signing(algorithms: [.aesGMAC, .aesCMAC, .hmacSHA256]),
        ]
    }

    public func encodedBody() -> [UInt8] {
        let withContexts = dialects.contains(.smb311) && !contexts.isEmpty
        var writer = WireWriter()
        writer.writeInteger(Self.structureSize, .little)
        writer.writeInteger(UInt16(truncatingIfNeeded: dialects.count), .little)
        writer.writeInteger(securityMode.rawValue, .little)
        writer.writeInteger(UInt16(0), .little)
        writer.writeInteger(capabilities.rawValue, .little)
        writer.writeBytes(clientGUID.prefix(16))
        writer.writeBytes(repeatElement(0, count: max(0, 16 - clientGUID.count)))
        // Offsets count from the header; the dialects follow the 36-byte fixed part.
        let dialectsEnd = SMB2Header.size + 36 + 2 * dialects.count
        let contextOffset = (dialectsEnd + 7) / 8 * 8
        if withContexts {
            writer.writeInteger(UInt32(contextOffset), .little)
            writer.writeInteger(UInt16(truncatingIfNeeded: contexts.count), .little)
            writer.writeInteger(UInt16(0), .little)
        } else {
            writer.writeInteger(UInt64(0), .little)  // ClientStartTime
        }
        for dialect in dialects { writer.writeInteger(dialect.rawValue, .little) }
        guard withContexts else { return writer.bytes }
        for context in contexts {
            writer.pad(toMultipleOf: 8, base: SMB2Header.size)
            let data = context.data
            writer.writeInteger(context.type, .little)
            writer.writeInteger(UInt16(truncatingIfNeeded: data.count), .little)
            writer.writeInteger(UInt32(0), .little)
            writer.writeBytes(data)
        }
        return writer.bytes
    }
}

/// The NEGOTIATE response (MS-SMB2 2.2.4).
public struct SMB2NegotiateResponse: Hashable, Sendable {
    public static let structureSize: UInt16 = 65

    public var securityMode: SMB2SecurityMode
    public var dialect: SMB2Dialect
    public var serverGUID: [UInt8]
    public var capabilities: SMB2Capabilities
    public var maxTransactSize: UInt32
    public var maxReadSize: UInt32
    public var maxWriteSize: UInt32
    /// FILETIME.
    public var systemTime: UInt64
    public var serverStartTime: UInt64
    /// The server's first GSS token (SPNEGO negTokenInit2), possibly empty.
    public var securityBuffer: [UInt8]
    /// Present only with dialect 3.1.1.
    public var contexts: [SMB2NegotiateContext]

    public init(parsing message: SMB2Message) throws {
        try message.requireResponse(to: .negotiate)
        var body = try SMB2BodyReader(message, command: .negotiate, structureSize: Self.structureSize)
        securityMode = SMB2SecurityMode(rawValue: try body.u16("security mode"))
        dialect = SMB2Dialect(rawValue: try body.u16("dialect"))
        let contextCount = Int(try body.u16("negotiate context count"))
        serverGUID = try body.bytes(16, "server GUID")
        capabilities = SMB2Capabilities(rawValue: try body.u32("capabilities"))
        maxTransactSize = try body.u32("max transact size")
        maxReadSize = try body.u32("max read size")
        maxWriteSize = try body.u32("max write size")
        systemTime = try body.u64("system time")
        serverStartTime = try body.u64("server start time")
        let securityOffset = Int(try body.u16("security buffer offset"))
        let securityLength = Int(try body.u16("security buffer length"))
        let contextOffset = Int(try body.u32("negotiate context offset"))
        let fixedEnd = SMB2Header.size + 64
        securityBuffer = try body.buffer(
            offset: securityOffset, length: securityLength, fixedEnd: fixedEnd, "security buffer")
        guard dialect == .smb311 else {
            contexts = []
            return
        }
        guard contextCount <= SMB2NegotiateContext.maximumCount else {
            throw SMB2Error.tooLarge("negotiate context count", contextCount)
        }
        contexts = try Self.contexts(
            in: message.bytes, offset: contextOffset, count: contextCount, fixedEnd: fixedEnd)
    }

    /// The context list: each an 8-byte header and its data, the next starting 8-byte aligned.
    static func contexts(in bytes: [UInt8], offset: Int, count: Int, fixedEnd: Int) throws -> [SMB2NegotiateContext] {
        guard count > 0 else { return [] }
        guard offset >= fixedEnd, offset <= bytes.count else {
            throw SMB2Error.badOffset("negotiate context offset \(offset)")
        }
        var position = offset
        var contexts: [SMB2NegotiateContext] = []
        for index in 0..<count {
            if index > 0 { position = (position + 7) / 8 * 8 }
            guard position <= bytes.count else { throw SMB2Error.truncated("negotiate context") }
            var reader = WireReader(bytes[position...])
            guard let type = reader.readInteger(.little, as: UInt16.self),
                let length = reader.readInteger(.little, as: UInt16.self),
                reader.readInteger(.little, as: UInt32.self) != nil,
                let data = reader.readBytes(Int(length))
            else { throw SMB2Error.truncated("negotiate context") }
            contexts.append(try SMB2NegotiateContext(type: type, data: Array(data)))
            position += 8 + Int(length)
        }
        return contexts
    }

    /// The cipher the server chose in its encryption context (3.1.1), nil if it sent none.
    public var cipher: SMB2Cipher? {
        for case .encryption(let ciphers) in contexts { return ciphers.first }
        return nil
    }

    /// The signing algorithm the session uses: the server's choice in its signing context (3.1.1),
    /// else what the dialect implies.
    public var signingAlgorithm: SMB2SigningAlgorithm {
        for case .signing(let algorithms) in contexts {
            if let chosen = algorithms.first { return chosen }
        }
        return .implied(by: dialect)
    }

    /// The server's pre-auth hash algorithm (3.1.1), nil if it sent no context.
    public var preauthHashAlgorithm: SMB2HashAlgorithm? {
        for case .preauthIntegrity(let algorithms, _) in contexts { return algorithms.first }
        return nil
    }

    /// Checks the answer against what this client offered (MS-SMB2 3.2.5.2): a dialect it offered,
    /// with 3.1.1 exactly one SHA-512 pre-auth context, and a cipher and signing algorithm it offered.
    public func validate(against request: SMB2NegotiateRequest) throws {
        guard request.dialects.contains(dialect) else { throw SMB2Error.unsupported("dialect \(dialect)") }
        guard dialect == .smb311 else { return }
        let preauth = contexts.filter { $0.type == SMB2NegotiateContext.preauthIntegrityType }
        guard preauth.count == 1, case .preauthIntegrity(let algorithms, _) = preauth.first, algorithms == [.sha512]
        else { throw SMB2Error.unsupported("pre-auth integrity context") }
        var offeredCiphers: [SMB2Cipher] = []
        var offeredSigning: [SMB2SigningAlgorithm] = []
        for context in request.contexts {
            if case .encryption(let ciphers) = context { offeredCiphers = ciphers }
            if case .signing(let algorithms) = context { offeredSigning = algorithms }
        }
        for context in contexts {
            switch context {
            case .encryption(let ciphers):
                guard ciphers.count == 1, let cipher = ciphers.first, cipher == .none || offeredCiphers.contains(cipher)
                else { throw SMB2Error.unsupported("cipher list \(ciphers)") }
            case .signing(let algorithms):
                guard algorithms.count == 1, let algorithm = algorithms.first, offeredSigning.contains(algorithm)
                else { throw SMB2Error.unsupported("signing algorithm list \(algorithms)") }
            default:
                continue
            }
        }
    }
}
