import SMB3Wire

/// Who authenticates. Holds the NT hash, never the password; printing shows only `DOMAIN\user`.
public struct NTLMCredentials: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public let userName: String
    public let domainName: String
    /// NTOWFv1: MD4 of the UTF-16LE password.
    public let ntHash: Secret

    public init(userName: String, domainName: String, password: String) {
        self.init(userName: userName, domainName: domainName, ntHash: Secret(MD4.hash(encodeUTF16LE(password))))
    }

    /// From the password's bytes as the kernel sent them (REGISTER), decoded as UTF-8 the way
    /// `String(decoding:as:)` does (U+FFFD for invalid sequences) but without a String of the
    /// password: its UTF-16LE copy is zeroed once hashed.
    public init(userName: String, domainName: String, password: Secret) {
        var utf16 = encodeUTF16LE(utf8: password.bytes)
        defer { Secret.zero(&utf16) }
        self.init(userName: userName, domainName: domainName, ntHash: Secret(MD4.hash(utf16)))
    }

    public init(userName: String, domainName: String, ntHash: Secret) {
        self.userName = userName
        self.domainName = domainName
        self.ntHash = ntHash
    }

    /// ResponseKeyNT = NTOWFv2 = HMAC_MD5(NT hash, UTF-16LE(Uppercase(User) ‖ UserDom)), MS-NLMP 3.3.2.
    /// The domain keeps its case.
    public var responseKeyNT: Secret {
        Secret(
            HMACMD5.authenticationCode(
                key: ntHash.bytes, message: encodeUTF16LE(windowsUppercased(userName) + domainName)))
    }

    public var description: String { "\(domainName)\\\(userName)" }
    public var debugDescription: String { description }
}

/// The NTLMv2 responses and session base key, MS-NLMP 3.3.2.
public struct NTLMv2Response: Sendable {
    /// NTProofStr ‖ temp, where temp is the NTLMv2_CLIENT_CHALLENGE blob followed by Z(4).
    public let ntChallengeResponse: [UInt8]
    /// LMv2: HMAC_MD5(ResponseKeyLM, ServerChallenge ‖ ClientChallenge) ‖ ClientChallenge, or Z(24).
    public let lmChallengeResponse: [UInt8]
    /// SessionBaseKey = HMAC_MD5(ResponseKeyNT, NTProofStr); for NTLMv2 it is also the KeyExchangeKey.
    public let sessionBaseKey: Secret

    public var ntProofString: [UInt8] { Array(ntChallengeResponse.prefix(16)) }

    /// - Parameters:
    ///   - timestamp: FILETIME (100 ns ticks since 1601-01-01 UTC) placed in the blob.
    ///   - targetInfo: the encoded AV pairs, MsvAvEOL included, exactly as they go into the blob.
    ///   - omitsLMResponse: send Z(24) instead of LMv2, as the spec asks when the server sent MsvAvTimestamp.
    public init(
        responseKeyNT: Secret, serverChallenge: [UInt8], clientChallenge: [UInt8], timestamp: UInt64,
        targetInfo: [UInt8], omitsLMResponse: Bool
    ) throws {
        guard serverChallenge.count == 8 else { throw NTLMError.invalidParameter("server challenge must be 8 bytes") }
        guard clientChallenge.count == 8 else { throw NTLMError.invalidParameter("client challenge must be 8 bytes") }
        var blob = WireWriter(capacity: 32 + targetInfo.count)
        blob.writeBytes([0x01, 0x01])  // RespType, HiRespType
        blob.writeBytes([UInt8](repeating: 0, count: 6))  // Reserved1, Reserved2
        blob.writeInteger(timestamp, .little)
        blob.writeBytes(clientChallenge)
        blob.writeBytes([UInt8](repeating: 0, count: 4))  // Reserved3
        blob.writeBytes(targetInfo)
        blob.writeBytes([UInt8](repeating: 0, count: 4))  // the Z(4) ComputeResponse appends after ServerName
        let key = responseKeyNT.bytes
        let ntProof = HMACMD5.authenticationCode(key: key, message: serverChallenge + blob.bytes)
        ntChallengeResponse = ntProof + blob.bytes
        // LMOWFv2 is NTOWFv2.
        lmChallengeResponse =
            omitsLMResponse
            ? [UInt8](repeating: 0, count: 24)
            : HMACMD5.authenticationCode(key: key, message: serverChallenge + clientChallenge) + clientChallenge
        sessionBaseKey = Secret(HMACMD5.authenticationCode(key: key, message: ntProof))
    }
}

/// Windows upper-cases names one UTF-16 code point at a time (RtlUpcaseUnicodeString): a character whose
/// upper case is several characters (ß → SS) stays as it is, unlike `String.uppercased()`.
func windowsUppercased(_ string: String) -> String {
    var result = String.UnicodeScalarView()
    for scalar in string.unicodeScalars {
        let mapping = scalar.properties.uppercaseMapping.unicodeScalars
        if mapping.count == 1, let upper = mapping.first {
            result.append(upper)
        } else {
            result.append(scalar)
        }
    }
    return String(result)
}
