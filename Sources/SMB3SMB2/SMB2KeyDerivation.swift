/// The labels and contexts of the SMB 3.x keys (MS-SMB2 3.2.5.3.1, 3.1.4.2): what goes into the
/// SP800-108 counter-mode KDF for each key and dialect. The computation (HMAC-SHA256) is in
/// SMB3SMB2Security; this is the table, pure.
public struct SMB2KeyDerivationInput: Hashable, Sendable {
    /// The label with its terminating NUL, as MS-SMB2 counts it.
    public let label: [UInt8]
    public let context: [UInt8]

    public init(label: [UInt8], context: [UInt8]) {
        self.label = label
        self.context = context
    }

    /// The four keys of a session.
    public enum Key: Sendable, Hashable, CaseIterable {
        case signing, application, encryption, decryption
    }

    /// What derives `key` for a session of `dialect`; `preauthHash` (64 bytes) is the session's
    /// pre-authentication integrity hash, used by 3.1.1 only. Nil for 2.x, whose signing key is
    /// the session key itself and which has no other keys.
    public static func input(
        for key: Key, dialect: SMB2Dialect, preauthHash: [UInt8]
    ) -> SMB2KeyDerivationInput? {
        guard dialect.isSMB3 else { return nil }
        if dialect == .smb311 {
            switch key {
            case .signing: return SMB2KeyDerivationInput(label: nulTerminated("SMBSigningKey"), context: preauthHash)
            case .application: return SMB2KeyDerivationInput(label: nulTerminated("SMBAppKey"), context: preauthHash)
            // The client encrypts with the client-to-server key and decrypts with the other.
            case .encryption:
                return SMB2KeyDerivationInput(label: nulTerminated("SMBC2SCipherKey"), context: preauthHash)
            case .decryption:
                return SMB2KeyDerivationInput(label: nulTerminated("SMBS2CCipherKey"), context: preauthHash)
            }
        }
        switch key {
        case .signing:
            return SMB2KeyDerivationInput(label: nulTerminated("SMB2AESCMAC"), context: nulTerminated("SmbSign"))
        case .application:
            return SMB2KeyDerivationInput(label: nulTerminated("SMB2APP"), context: nulTerminated("SmbRpc"))
        // "ServerIn " has a trailing space in MS-SMB2; it is not a typo to fix.
        case .encryption:
            return SMB2KeyDerivationInput(label: nulTerminated("SMB2AESCCM"), context: nulTerminated("ServerIn "))
        case .decryption:
            return SMB2KeyDerivationInput(label: nulTerminated("SMB2AESCCM"), context: nulTerminated("ServerOut"))
        }
    }

    /// The key length in bits: 128, or 256 for the cipher keys of an AES-256 cipher.
    public static func bits(for key: Key, cipher: SMB2Cipher?) -> Int {
        switch key {
        case .encryption, .decryption: cipher?.keyBits ?? 128
        case .signing, .application: 128
        }
    }

    private static func nulTerminated(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
}

/// The 12-byte AES-GMAC signing nonce (MS-SMB2 3.1.4.1): the MessageId, then a 32-bit word whose
/// bit 0 says the message goes server to client and bit 1 that it is a CANCEL request.
public func smb2GMACNonce(for header: SMB2Header) -> [UInt8] {
    var nonce: [UInt8] = []
    nonce.reserveCapacity(12)
    withUnsafeBytes(of: header.messageID.littleEndian) { nonce.append(contentsOf: $0) }
    var role: UInt32 = header.isResponse ? 1 : 0
    if header.command == .cancel { role |= 2 }
    withUnsafeBytes(of: role.littleEndian) { nonce.append(contentsOf: $0) }
    return nonce
}
