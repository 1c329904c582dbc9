import SMB3Wire

/// NEGOTIATE flags, MS-NLMP 2.2.2.5. Each constant's comment gives the spec's name.
public struct NTLMNegotiateFlags: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// NTLMSSP_NEGOTIATE_UNICODE
    public static let unicode = NTLMNegotiateFlags(rawValue: 0x0000_0001)
    /// NTLM_NEGOTIATE_OEM
    public static let oem = NTLMNegotiateFlags(rawValue: 0x0000_0002)
    /// NTLMSSP_REQUEST_TARGET
    public static let requestTarget = NTLMNegotiateFlags(rawValue: 0x0000_0004)
    /// NTLMSSP_NEGOTIATE_SIGN
    public static let sign = NTLMNegotiateFlags(rawValue: 0x0000_0010)
    /// NTLMSSP_NEGOTIATE_SEAL
    public static let seal = NTLMNegotiateFlags(rawValue: 0x0000_0020)
    /// NTLMSSP_NEGOTIATE_DATAGRAM
    public static let datagram = NTLMNegotiateFlags(rawValue: 0x0000_0040)
    /// NTLMSSP_NEGOTIATE_LM_KEY
    public static let lmKey = NTLMNegotiateFlags(rawValue: 0x0000_0080)
    /// NTLMSSP_NEGOTIATE_NTLM
    public static let ntlm = NTLMNegotiateFlags(rawValue: 0x0000_0200)
    /// NTLMSSP_ANONYMOUS (the spec's "J" bit)
    public static let anonymous = NTLMNegotiateFlags(rawValue: 0x0000_0800)
    /// NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED
    public static let oemDomainSupplied = NTLMNegotiateFlags(rawValue: 0x0000_1000)
    /// NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED
    public static let oemWorkstationSupplied = NTLMNegotiateFlags(rawValue: 0x0000_2000)
    /// NTLMSSP_NEGOTIATE_ALWAYS_SIGN
    public static let alwaysSign = NTLMNegotiateFlags(rawValue: 0x0000_8000)
    /// NTLMSSP_TARGET_TYPE_DOMAIN
    public static let targetTypeDomain = NTLMNegotiateFlags(rawValue: 0x0001_0000)
    /// NTLMSSP_TARGET_TYPE_SERVER
    public static let targetTypeServer = NTLMNegotiateFlags(rawValue: 0x0002_0000)
    /// NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
    public static let extendedSessionSecurity = NTLMNegotiateFlags(rawValue: 0x0008_0000)
    /// NTLMSSP_NEGOTIATE_IDENTIFY
    public static let identify = NTLMNegotiateFlags(rawValue: 0x0010_0000)
    /// NTLMSSP_REQUEST_NON_NT_SESSION_KEY
    public static let requestNonNTSessionKey = NTLMNegotiateFlags(rawValue: 0x0040_0000)
    /// NTLMSSP_NEGOTIATE_TARGET_INFO
    public static let targetInfo = NTLMNegotiateFlags(rawValue: 0x0080_0000)
    /// NTLMSSP_NEGOTIATE_VERSION
    public static let version = NTLMNegotiateFlags(rawValue: 0x0200_0000)
    /// NTLMSSP_NEGOTIATE_128
    public static let key128 = NTLMNegotiateFlags(rawValue: 0x2000_0000)
    /// NTLMSSP_NEGOTIATE_KEY_EXCH
    public static let keyExchange = NTLMNegotiateFlags(rawValue: 0x4000_0000)
    /// NTLMSSP_NEGOTIATE_56
    public static let key56 = NTLMNegotiateFlags(rawValue: 0x8000_0000)

    /// What `NTLMClientContext` offers (VERSION is added when it sends a version): NTLMv2 with extended
    /// session security, signing and sealing, 128-bit keys and key exchange.
    public static let clientDefault: NTLMNegotiateFlags = [
        .unicode, .requestTarget, .sign, .seal, .ntlm, .alwaysSign, .extendedSessionSecurity, .targetInfo,
        .key128, .keyExchange, .key56,
    ]

    /// Bits a client may only keep in AUTHENTICATE when the server's CHALLENGE set them too.
    static let serverGranted: NTLMNegotiateFlags = [
        .sign, .seal, .alwaysSign, .extendedSessionSecurity, .targetInfo, .key128, .keyExchange, .key56,
    ]

    private static let names: [(NTLMNegotiateFlags, String)] = [
        (.unicode, "UNICODE"), (.oem, "OEM"), (.requestTarget, "REQUEST_TARGET"), (.sign, "SIGN"),
        (.seal, "SEAL"), (.datagram, "DATAGRAM"), (.lmKey, "LM_KEY"), (.ntlm, "NTLM"), (.anonymous, "ANONYMOUS"),
        (.oemDomainSupplied, "OEM_DOMAIN_SUPPLIED"), (.oemWorkstationSupplied, "OEM_WORKSTATION_SUPPLIED"),
        (.alwaysSign, "ALWAYS_SIGN"), (.targetTypeDomain, "TARGET_TYPE_DOMAIN"),
        (.targetTypeServer, "TARGET_TYPE_SERVER"), (.extendedSessionSecurity, "EXTENDED_SESSIONSECURITY"),
        (.identify, "IDENTIFY"), (.requestNonNTSessionKey, "REQUEST_NON_NT_SESSION_KEY"),
        (.targetInfo, "TARGET_INFO"), (.version, "VERSION"), (.key128, "128"), (.keyExchange, "KEY_EXCH"),
        (.key56, "56"),
    ]

    /// `0x628a8215 [UNICODE|REQUEST_TARGET|...]`, unknown bits as hex.
    public var description: String {
        var parts = Self.names.filter { contains($0.0) }.map(\.1)
        let unknown = rawValue & ~Self.names.reduce(0) { $0 | $1.0.rawValue }
        if unknown != 0 { parts.append(hex(unknown)) }
        return "\(hex(rawValue)) [\(parts.joined(separator: "|"))]"
    }

    private func hex(_ value: UInt32) -> String { "0x" + zeroPaddedHex(value, digits: 8) }
}
