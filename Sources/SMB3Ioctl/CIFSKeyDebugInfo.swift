import SMB3Wire

// struct smb3_key_debug_info {          -- cifs_ioctl.h, __packed, host byte order
//     __u64 Suid;                      @0
//     __u16 cipher_type;               @8
//     __u8  auth_key[16];              @10  first 16 bytes of the session key
//     __u8  smb3encryptionkey[16];     @26
//     __u8  smb3decryptionkey[16];     @42
// };                                   = 58 bytes; keys are truncated for AES-256
//
// struct smb3_full_key_debug_info {     -- cifs_ioctl.h, __packed
//     __u32 in_size;                   @0   total size of the caller's buffer
//     __u64 session_id;                @4   0 = this mount's session
//     __u16 cipher_type;               @12
//     __u8  session_key_length;        @14
//     __u8  server_in_key_length;      @15
//     __u8  server_out_key_length;     @16
//     __u8  data[];                    @17  session key ‖ server in (enc) ‖ server out (dec)
// };

/// The legacy `CIFS_DUMP_KEY` reply: 16-byte keys only.
public struct CIFSKeyDebugInfo: Hashable, Sendable {
    public static let size = 58

    public var sessionID: UInt64
    public var cipher: UInt16
    public var sessionKey: Secret
    public var encryptionKey: Secret
    public var decryptionKey: Secret

    public init(sessionID: UInt64, cipher: UInt16, sessionKey: Secret, encryptionKey: Secret, decryptionKey: Secret) {
        self.sessionID = sessionID
        self.cipher = cipher
        self.sessionKey = sessionKey
        self.encryptionKey = encryptionKey
        self.decryptionKey = decryptionKey
    }

    public init(parsing bytes: ArraySlice<UInt8>, byteOrder: ByteOrder = .host) throws(CIFSABIError) {
        var reader = WireReader(bytes)
        sessionID = try reader.require(byteOrder, "Suid")
        cipher = try reader.require(byteOrder, "cipher_type")
        sessionKey = Secret(Array(try reader.requireBytes(16, "auth_key")))
        encryptionKey = Secret(Array(try reader.requireBytes(16, "smb3encryptionkey")))
        decryptionKey = Secret(Array(try reader.requireBytes(16, "smb3decryptionkey")))
        try reader.requireEnd("smb3_key_debug_info")
    }

    public func encoded(byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeInteger(sessionID, byteOrder)
        writer.writeInteger(cipher, byteOrder)
        for key in [sessionKey, encryptionKey, decryptionKey] {
            writer.writeBytes((key.bytes + [UInt8](repeating: 0, count: 16)).prefix(16))
        }
        return writer.bytes
    }
}

/// The `CIFS_DUMP_FULL_KEY` request and reply: full-length keys for any session.
public struct CIFSFullKeyDebugInfo: Hashable, Sendable {
    public static let headerSize = 17
    /// What smbinfo passes as `in_size`: room for any cipher (17 + 3 × 32 is the minimum for AES-256).
    public static let defaultBufferSize = 1024

    public var sessionID: UInt64
    public var cipher: UInt16
    public var sessionKey: Secret
    /// The key the server decrypts with, i.e. the client's encryption key.
    public var serverInKey: Secret
    /// The key the server encrypts with, i.e. the client's decryption key.
    public var serverOutKey: Secret

    public init(sessionID: UInt64, cipher: UInt16, sessionKey: Secret, serverInKey: Secret, serverOutKey: Secret) {
        self.sessionID = sessionID
        self.cipher = cipher
        self.sessionKey = sessionKey
        self.serverInKey = serverInKey
        self.serverOutKey = serverOutKey
    }

    /// The ioctl buffer: `in_size` = `bufferSize`, the wanted session (0 = this mount's), zeros.
    public static func request(
        sessionID: UInt64, bufferSize: Int = defaultBufferSize, byteOrder: ByteOrder = .host
    ) -> [UInt8] {
        let size = max(headerSize, min(bufferSize, 1 << 16))
        var writer = WireWriter(capacity: size)
        writer.writeInteger(UInt32(size), byteOrder)
        writer.writeInteger(sessionID, byteOrder)
        writer.writeBytes(repeatElement(0, count: size - 12))
        return writer.bytes
    }

    /// Decodes the filled buffer; the three key lengths must fit in the bytes after the header.
    public init(parsing bytes: ArraySlice<UInt8>, byteOrder: ByteOrder = .host) throws(CIFSABIError) {
        var reader = WireReader(bytes)
        let inSize: UInt32 = try reader.require(byteOrder, "in_size")
        sessionID = try reader.require(byteOrder, "session_id")
        cipher = try reader.require(byteOrder, "cipher_type")
        let sessionLength: UInt8 = try reader.require(byteOrder, "session_key_length")
        let inLength: UInt8 = try reader.require(byteOrder, "server_in_key_length")
        let outLength: UInt8 = try reader.require(byteOrder, "server_out_key_length")
        guard let total = Int(exactly: inSize), total <= bytes.count else {
            throw CIFSABIError(
                .invalidLength, "smb3_full_key_debug_info: in_size \(inSize) exceeds the \(bytes.count)-byte buffer")
        }
        let needed = Self.headerSize + Int(sessionLength) + Int(inLength) + Int(outLength)
        guard needed <= total else {
            throw CIFSABIError(
                .invalidLength, "smb3_full_key_debug_info: keys need \(needed) bytes, in_size is \(inSize)")
        }
        sessionKey = Secret(Array(try reader.requireBytes(Int(sessionLength), "session key")))
        serverInKey = Secret(Array(try reader.requireBytes(Int(inLength), "server in key")))
        serverOutKey = Secret(Array(try reader.requireBytes(Int(outLength), "server out key")))
    }

    public func encoded(bufferSize: Int = defaultBufferSize, byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter(capacity: bufferSize)
        writer.writeInteger(UInt32(bufferSize), byteOrder)
        writer.writeInteger(sessionID, byteOrder)
        writer.writeInteger(cipher, byteOrder)
        writer.writeInteger(UInt8(truncatingIfNeeded: sessionKey.count), byteOrder)
        writer.writeInteger(UInt8(truncatingIfNeeded: serverInKey.count), byteOrder)
        writer.writeInteger(UInt8(truncatingIfNeeded: serverOutKey.count), byteOrder)
        writer.writeBytes(sessionKey.bytes)
        writer.writeBytes(serverInKey.bytes)
        writer.writeBytes(serverOutKey.bytes)
        writer.writeBytes(repeatElement(0, count: max(0, bufferSize - writer.bytes.count)))
        return writer.bytes
    }
}
