import SMB3Wire

// struct cifs_spnego_msg {           -- fs/smb/client/cifs_spnego.h, host byte order, not packed,
//     uint32_t version;              -- no padding: the header is 16 bytes
//     uint32_t flags;                -- "for future use", never read by the kernel
//     uint32_t sesskey_len;
//     uint32_t secblob_len;
//     uint8_t  data[];               -- session key, then the SPNEGO blob
// };
// The kernel does not check the key's length against these fields, so a payload that is not
// exactly 16 + sesskey_len + secblob_len bytes would make it read out of bounds.

/// What the upcall instantiates a `cifs.spnego` key with.
public struct SpnegoUpcallPayload: Hashable, Sendable {
    public static let version: UInt32 = 2
    public static let headerLength = 16
    /// Kerberos session keys are at most 32 bytes (aes256); 64 leaves room and still catches garbage.
    public static let maximumSessionKeyLength = 64
    /// SMB2 SESSION_SETUP's SecurityBufferLength is a 16-bit field.
    public static let maximumSecurityBlobLength = Int(UInt16.max)

    public var flags: UInt32
    /// The whole Kerberos session key (the initiator subkey); SMB 3.1.1 with AES-256 uses all of it.
    public var sessionKey: Secret
    /// The SPNEGO token sent verbatim as the SESSION_SETUP security buffer.
    public var securityBlob: [UInt8]

    public init(sessionKey: Secret, securityBlob: [UInt8], flags: UInt32 = 0) throws(PayloadError) {
        guard sessionKey.count <= Self.maximumSessionKeyLength else {
            throw PayloadError(
                .sessionKeyTooLong, "session key of \(sessionKey.count) bytes exceeds \(Self.maximumSessionKeyLength)")
        }
        guard securityBlob.count <= Self.maximumSecurityBlobLength else {
            throw PayloadError(
                .securityBlobTooLong,
                "security blob of \(securityBlob.count) bytes exceeds \(Self.maximumSecurityBlobLength)")
        }
        self.flags = flags
        self.sessionKey = sessionKey
        self.securityBlob = securityBlob
    }

    /// The bytes to pass to keyctl_instantiate(3): exactly 16 + key + blob bytes.
    public func encoded(byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter(capacity: Self.headerLength + sessionKey.count + securityBlob.count)
        writer.writeInteger(Self.version, byteOrder)
        writer.writeInteger(flags, byteOrder)
        writer.writeInteger(UInt32(sessionKey.count), byteOrder)
        writer.writeInteger(UInt32(securityBlob.count), byteOrder)
        writer.writeBytes(sessionKey.bytes)
        writer.writeBytes(securityBlob)
        return writer.bytes
    }

    /// Decodes a payload, checking the version and that the lengths account for every byte.
    public init(parsing bytes: [UInt8], byteOrder: ByteOrder = .host) throws(PayloadError) {
        var reader = WireReader(bytes)
        guard let version = reader.readInteger(byteOrder, as: UInt32.self),
            let flags = reader.readInteger(byteOrder, as: UInt32.self),
            let keyLength = reader.readInteger(byteOrder, as: UInt32.self),
            let blobLength = reader.readInteger(byteOrder, as: UInt32.self)
        else {
            throw PayloadError(.truncated, "payload of \(bytes.count) bytes is shorter than the 16-byte header")
        }
        guard version == Self.version else {
            throw PayloadError(.unsupportedVersion, "payload version \(version), expected \(Self.version)")
        }
        guard let keyCount = Int(exactly: keyLength), keyCount <= Self.maximumSessionKeyLength else {
            throw PayloadError(.sessionKeyTooLong, "sesskey_len \(keyLength) exceeds \(Self.maximumSessionKeyLength)")
        }
        guard let blobCount = Int(exactly: blobLength), blobCount <= Self.maximumSecurityBlobLength else {
            throw PayloadError(
                .securityBlobTooLong, "secblob_len \(blobLength) exceeds \(Self.maximumSecurityBlobLength)")
        }
        guard reader.readableBytes == keyCount + blobCount else {
            throw PayloadError(
                .lengthMismatch,
                "header announces \(keyCount) + \(blobCount) data bytes but \(reader.readableBytes) follow")
        }
        guard let key = reader.readBytes(keyCount), let blob = reader.readBytes(blobCount) else {
            throw PayloadError(.truncated, "payload data is shorter than its header announces")
        }
        try self.init(sessionKey: Secret(Array(key)), securityBlob: Array(blob), flags: flags)
    }
}

public struct PayloadError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let truncated = Code(rawValue: "truncated")
        public static let unsupportedVersion = Code(rawValue: "unsupportedVersion")
        public static let sessionKeyTooLong = Code(rawValue: "sessionKeyTooLong")
        public static let securityBlobTooLong = Code(rawValue: "securityBlobTooLong")
        public static let lengthMismatch = Code(rawValue: "lengthMismatch")
    }

    public let code: Code
    public let reason: String
    public var description: String { reason }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// Where the error was thrown.
    public let file: String
    /// Where the error was thrown.
    public let line: UInt

    init(_ code: Code, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }
}
