/// Everything the NTLM code throws. Parsing errors name the field so a capture can be matched to them.
public enum NTLMError: Error, Hashable, Sendable {
    /// A message field the parser needed runs past the end of the bytes.
    case truncated(NTLMField)
    /// A payload field's offset and length point outside the message.
    case fieldOutOfRange(NTLMField)
    /// The first eight bytes are not `NTLMSSP\0`.
    case badSignature
    /// The MessageType is not the one expected (1, 2 or 3).
    case unexpectedMessageType(expected: UInt32, found: UInt32)
    /// A UTF-16LE field with an odd byte count.
    case oddUnicodeLength(NTLMField)
    /// The AV pair list is cut short, lacks MsvAvEOL, or an AV pair has the wrong length for its id.
    case malformedTargetInfo(reason: String)
    /// A caller-supplied value is unusable (wrong key or challenge length, an over-long name).
    case invalidParameter(String)
    /// The server did not agree to a flag this implementation requires.
    case flagNotNegotiated(NTLMNegotiateFlags)
    /// `authenticate` before `negotiate`, or twice.
    case outOfOrder
    /// A message signature that is not 16 bytes of version 1.
    case malformedMessageSignature
    /// The checksum in a received signature does not match the message.
    case checksumMismatch
    /// The sequence number in a received signature is not the one expected next.
    case sequenceMismatch(expected: UInt32, found: UInt32)
}

/// The fields of the NTLM messages, for error reports.
public enum NTLMField: String, Hashable, Sendable {
    case header, targetName, targetInfo, version, mic
    case lmChallengeResponse, ntChallengeResponse, domainName, userName, workstation
    case encryptedRandomSessionKey
}
