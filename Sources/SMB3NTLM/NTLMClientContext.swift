import SMB3Wire

/// What a successful `authenticate` produced.
public struct NTLMAuthenticateOutput: Sendable {
    /// The AUTHENTICATE message to send.
    public let message: [UInt8]
    /// The key session security derives from (and what callers export, e.g. to DCE/RPC).
    public let exportedSessionKey: Secret
    /// The flags the AUTHENTICATE message carries: what both sides agreed to.
    public let negotiatedFlags: NTLMNegotiateFlags
    /// Whether the message carries a MIC (the server sent MsvAvTimestamp).
    public let hasMIC: Bool
}

/// The client side of one NTLMSSP exchange with NTLMv2 and extended session security:
/// `negotiate()` → send, receive CHALLENGE → `authenticate(...)` → send, then use `sessionSecurity`.
///
/// Randomness and time come from the caller: 8 random bytes of client challenge, 16 random bytes of
/// exported session key, and the current time as a FILETIME.
public struct NTLMClientContext: Sendable {
    public let workstation: String
    public let version: NTLMVersion?
    /// Sent as MsvAvTargetName (e.g. "host/server.example.com") when set.
    public let targetName: String?
    public let offeredFlags: NTLMNegotiateFlags

    public private(set) var negotiateMessage: [UInt8]?
    public private(set) var challenge: NTLMChallengeMessage?
    public private(set) var output: NTLMAuthenticateOutput?
    /// Available after `authenticate`. A value with its own RC4 state: copy it out once and keep using
    /// that copy.
    public private(set) var sessionSecurity: NTLMSessionSecurity?

    /// `version` also decides NEGOTIATE_VERSION. `offeredFlags` must include UNICODE and
    /// EXTENDED_SESSIONSECURITY for `authenticate` to succeed.
    public init(
        workstation: String = "", version: NTLMVersion? = .sambaClient, targetName: String? = nil,
        offeredFlags: NTLMNegotiateFlags = .clientDefault
    ) {
        self.workstation = workstation
        self.version = version
        self.targetName = targetName
        self.offeredFlags = version == nil ? offeredFlags.subtracting(.version) : offeredFlags.union(.version)
    }

    /// The NEGOTIATE message. Calling it again starts the exchange over.
    public mutating func negotiate() -> [UInt8] {
        let message = NTLMNegotiateMessage(flags: offeredFlags, version: version).encoded()
        negotiateMessage = message
        challenge = nil
        output = nil
        sessionSecurity = nil
        return message
    }

    /// Parses the server's CHALLENGE and returns the AUTHENTICATE message.
    /// - Parameters:
    ///   - clientChallenge: 8 random bytes.
    ///   - exportedSessionKey: 16 random bytes, sent encrypted under KEY_EXCH (ignored without it, when
    ///     the KeyExchangeKey itself becomes the exported key).
    ///   - timestamp: now as a FILETIME (100 ns ticks since 1601-01-01 UTC); used only when the server
    ///     sent no MsvAvTimestamp.
    public mutating func authenticate(
        challenge challengeBytes: [UInt8], credentials: NTLMCredentials, clientChallenge: [UInt8],
        exportedSessionKey: Secret, timestamp: UInt64
    ) throws -> [UInt8] {
        guard let negotiateMessage, output == nil else { throw NTLMError.outOfOrder() }
        guard exportedSessionKey.count == 16 else {
            throw NTLMError.invalidParameter("exported session key must be 16 bytes")
        }
        let challenge = try NTLMChallengeMessage(parsing: challengeBytes)
        for required in [NTLMNegotiateFlags.unicode, .extendedSessionSecurity]
        where !challenge.flags.contains(required) || !offeredFlags.contains(required) {
            throw NTLMError.flagNotNegotiated(required)
        }
        let flags = offeredFlags.subtracting(NTLMNegotiateFlags.serverGranted.subtracting(challenge.flags))

        // With a server timestamp the spec wants that timestamp, a MIC announced in MsvAvFlags, and no
        // LMv2 response (3.1.5.1.2).
        var targetInfo = challenge.targetInfo
        let serverTimestamp = targetInfo.timestamp
        if serverTimestamp != nil {
            var avFlags = WireWriter(capacity: 4)
            avFlags.writeInteger((targetInfo.flags ?? 0) | NTLMTargetInfo.micPresentFlag, .little)
            targetInfo.set(.flags, to: avFlags.bytes)
        }
        if let targetName { targetInfo.set(.targetName, to: encodeUTF16LE(targetName)) }

        let response = try NTLMv2Response(
            responseKeyNT: credentials.responseKeyNT, serverChallenge: challenge.serverChallenge,
            clientChallenge: clientChallenge, timestamp: serverTimestamp ?? timestamp,
            targetInfo: try targetInfo.encoded(), omitsLMResponse: serverTimestamp != nil)

        let keyExchangeKey = response.sessionBaseKey.bytes  // NTLMv2: KXKEY is the SessionBaseKey
        let exported: Secret
        let encryptedRandomSessionKey: [UInt8]
        if flags.contains(.keyExchange) {
            var cipher = RC4(key: keyExchangeKey)
            encryptedRandomSessionKey = cipher.process(exportedSessionKey.bytes)
            exported = exportedSessionKey
        } else {
            encryptedRandomSessionKey = []
            exported = Secret(keyExchangeKey)
        }

        let hasMIC = serverTimestamp != nil
        var authenticate = NTLMAuthenticateMessage(
            flags: flags, lmChallengeResponse: response.lmChallengeResponse,
            ntChallengeResponse: response.ntChallengeResponse, domainName: credentials.domainName,
            userName: credentials.userName, workstation: workstation,
            encryptedRandomSessionKey: encryptedRandomSessionKey,
            version: flags.contains(.version) ? version : nil,
            mic: hasMIC ? [UInt8](repeating: 0, count: NTLMAuthenticateMessage.micLength) : nil)
        var message = try authenticate.encoded()
        if hasMIC {
            // MIC = HMAC_MD5(ExportedSessionKey, NEGOTIATE ‖ CHALLENGE ‖ AUTHENTICATE with a zero MIC).
            let mic = HMACMD5.authenticationCode(
                key: exported.bytes, message: negotiateMessage + challengeBytes + message)
            authenticate.mic = mic
            message = try authenticate.encoded()
        }

        self.challenge = challenge
        output = NTLMAuthenticateOutput(
            message: message, exportedSessionKey: exported, negotiatedFlags: flags, hasMIC: hasMIC)
        sessionSecurity = try NTLMSessionSecurity(exportedSessionKey: exported, flags: flags)
        return message
    }
}
