import SMB3Wire

/// SMB2 TRANSFORM_HEADER (MS-SMB2 2.2.41): what wraps every message of an encrypted session.
///
///     ProtocolId 0xFD 'S' 'M' 'B' | Signature (the AEAD tag) 16 | Nonce 16 |
///     OriginalMessageSize 4 | Reserved 2 | Flags 2 (0x0001, encrypted) | SessionId 8
///
/// The authenticated data is the header from Nonce to its end (32 bytes); the encrypted message
/// follows the 52 bytes.
public struct SMB2TransformHeader: Hashable, Sendable {
    public static let size = 52
    public static let protocolID: [UInt8] = [0xFD, 0x53, 0x4D, 0x42]
    /// Flags in 3.1.1 (EncryptionAlgorithm in 3.0, with the same value for AES-128-CCM).
    public static let encrypted: UInt16 = 0x0001

    public var signature: [UInt8]
    /// 16 bytes: the cipher's nonce (12 for GCM, 11 for CCM) then zeros.
    public var nonce: [UInt8]
    public var originalMessageSize: UInt32
    public var flags: UInt16
    public var sessionID: UInt64

    public init(
        signature: [UInt8] = Array(repeating: 0, count: 16), nonce: [UInt8], originalMessageSize: UInt32,
        flags: UInt16 = SMB2TransformHeader.encrypted, sessionID: UInt64
    ) {
        self.signature = signature
        self.nonce = nonce
        self.originalMessageSize = originalMessageSize
        self.flags = flags
        self.sessionID = sessionID
    }

    /// Whether a frame is an encrypted message (its first four bytes).
    public static func isTransform(_ frame: [UInt8]) -> Bool { frame.starts(with: protocolID) }

    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeBytes(Self.protocolID)
        writer.writeBytes(signature.prefix(16))
        writer.writeBytes(repeatElement(0, count: max(0, 16 - signature.count)))
        writer.writeBytes(nonce.prefix(16))
        writer.writeBytes(repeatElement(0, count: max(0, 16 - nonce.count)))
        writer.writeInteger(originalMessageSize, .little)
        writer.writeInteger(UInt16(0), .little)
        writer.writeInteger(flags, .little)
        writer.writeInteger(sessionID, .little)
        return writer.bytes
    }

    /// The 32 bytes the AEAD authenticates: the encoded header from Nonce on.
    public var associatedData: [UInt8] { Array(encoded()[20...]) }

    /// Decodes the header at the start of `frame`; the ciphertext is what follows it and must be
    /// OriginalMessageSize bytes long.
    public init(parsing frame: [UInt8]) throws {
        var reader = WireReader(frame)
        guard let magic = reader.readBytes(4), let signature = reader.readBytes(16), let nonce = reader.readBytes(16),
            let size = reader.readInteger(.little, as: UInt32.self), reader.readBytes(2) != nil,
            let flags = reader.readInteger(.little, as: UInt16.self),
            let session = reader.readInteger(.little, as: UInt64.self)
        else { throw SMB2Error.truncated("transform header") }
        guard Array(magic) == Self.protocolID else {
            throw SMB2Error.badHeader("transform protocol id \(Array(magic))")
        }
        guard flags == Self.encrypted else { throw SMB2Error.unsupported("transform flags \(flags)") }
        guard Int(size) == reader.readableBytes else {
            throw SMB2Error.badHeader("OriginalMessageSize \(size) for \(reader.readableBytes) encrypted bytes")
        }
        self.signature = Array(signature)
        self.nonce = Array(nonce)
        self.originalMessageSize = size
        self.flags = flags
        self.sessionID = session
    }
}
