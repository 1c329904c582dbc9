import SMB3Wire

// Session blocks: `N) Address:` / `N) Name:`, security, users and the primary channel's state.

extension Key {
    static let address = Array("Address:".utf8)
    static let name = Array("Name:".utf8)
    static let domain = Array("Domain:".utf8)
    static let uses = Array("Uses:".utf8)
    static let usesSeparated = Array(" Uses:".utf8)
    static let os = Array(" OS:".utf8)
    static let nos = Array("NOS:".utf8)
    static let capability = Array("Capability:".utf8)
    static let sessionStatus = Array("Session Status:".utf8)
    static let smbSessionStatus = Array("SMB session status:".utf8)
    static let guest = Array("Guest".utf8)
    static let anonymous = Array("Anonymous".utf8)
    static let passwordNoLongerValid = Array("password no longer valid".utf8)
    static let securityType = Array("Security type:".utf8)
    static let sessionId = Array("SessionId:".utf8)
    static let encrypted = Array("encrypted".utf8)
    static let encryptedGCM256 = Array("encrypted(gcm256)".utf8)
    static let signed = Array("signed".utf8)
    static let posix = Array("posix".utf8)
    static let nosharesock = Array("nosharesock".utf8)
    static let compressPrefix = Array("COMPRESS_".utf8)
    static let user = Array("User:".utf8)
    static let credUser = Array("Cred User:".utf8)
    static let dfsRootSessionId = Array("DFS root session id:".utf8)
    static let primaryDisconnected = Array("Primary channel: DISCONNECTED".utf8)
    static let reconnecting = Array("[RECONNECTING]".utf8)
    static let disconnected = Array("DISCONNECTED".utf8)
    static let extraChannels = Array("Extra Channels:".utf8)
}

extension DebugDataParser {
    // MARK: Sessions

    /// `Address: %s Uses: %d Capability: 0x%x\tSession Status: %d [Guest |Anonymous ][password no longer valid ]`
    /// or `Name: %s  Domain: %s Uses: %d OS: %s `.
    mutating func startSession(index: Int, line: ArraySlice<UInt8>) {
        closeSession()
        guard server != nil else {
            sink.report(.outOfContext, "session without a server")
            return
        }
        if DebugDataText.hasPrefix(line, Key.address) {
            let address = DebugDataText.text(after: Key.address, upTo: Key.usesSeparated, in: line) ?? []
            var newSession = DebugData.Session(index: index, address: DebugDataText.string(address))
            newSession.uses = sink.decimal(Key.uses, in: line, field: "Uses")
            newSession.capabilities = sink.hexadecimal(Key.capability, in: line, field: "Capability")
            if let status: Int32 = sink.decimal(Key.sessionStatus, in: line, field: "Session Status") {
                newSession.status = DebugData.SessionStatus(rawValue: status)
            }
            Self.applySessionStatusFlags(line, to: &newSession)
            session = newSession
        } else {
            let address = DebugDataText.text(after: Key.name, upTo: Key.domain, in: line) ?? []
            var newSession = DebugData.Session(index: index, address: DebugDataText.string(address))
            if let domain = DebugDataText.text(after: Key.domain, upTo: Key.usesSeparated, in: line) {
                newSession.domain = DebugDataText.string(domain)
            }
            newSession.uses = sink.decimal(Key.uses, in: line, field: "Uses")
            if let os = DebugDataText.text(after: Key.os, upTo: nil, in: line) {
                newSession.serverOS = DebugDataText.string(os)
            }
            session = newSession
        }
        part = .session
    }

    static func applySessionStatusFlags(_ line: ArraySlice<UInt8>, to session: inout DebugData.Session) {
        let statusKey =
            DebugDataText.firstRange(of: Key.sessionStatus, in: line)
            ?? DebugDataText.firstRange(of: Key.smbSessionStatus, in: line)
        guard let statusKey else { return }
        let tail = line[statusKey.upperBound...]
        if DebugDataText.containsWord(Key.guest, in: tail) { session.isGuest = true }
        if DebugDataText.containsWord(Key.anonymous, in: tail) { session.isAnonymous = true }
        if DebugDataText.contains(Key.passwordNoLongerValid, in: tail) { session.passwordNoLongerValid = true }
    }

    mutating func recognizeSessionLine(_ line: ArraySlice<UInt8>) -> Bool {
        if DebugDataText.hasPrefix(line, Key.securityType) {
            guard var open = openSession("Security type") else { return true }
            if let type = DebugDataText.word(after: Key.securityType, in: line), !type.isEmpty,
                !type.elementsEqual(Key.sessionId)
            {
                open.securityType = DebugData.SecurityType(rawValue: DebugDataText.string(type))
            } else {
                sink.report(.missingField, "Security type")
            }
            open.sessionId = sink.hexadecimal(Key.sessionId, in: line, field: "SessionId")
            if let idKey = DebugDataText.firstRange(of: Key.sessionId, in: line) {
                for word in DebugDataText.words(line[idKey.upperBound...]).dropFirst() {
                    if word.elementsEqual(Key.encrypted) {
                        open.isEncrypted = true
                    } else if word.elementsEqual(Key.encryptedGCM256) {
                        open.isEncrypted = true
                        open.usesAES256GCM = true
                    } else if word.elementsEqual(Key.signed) {
                        open.isSigned = true
                    }
                }
            }
            session = open
        } else if DebugDataText.hasPrefix(line, Key.user) {
            guard var open = openSession("User") else { return true }
            open.userId = sink.uid(Key.user, in: line, field: "User")
            open.credentialUserId = sink.uid(Key.credUser, in: line, field: "Cred User")
            Self.applyPrimaryChannelFlags(line, to: &open)
            session = open
        } else if DebugDataText.hasPrefix(line, Key.dfsRootSessionId) {
            guard var open = openSession("DFS root session id") else { return true }
            open.dfsRootSessionId = sink.hexadecimal(Key.dfsRootSessionId, in: line, field: "DFS root session id")
            Self.applyPrimaryChannelFlags(line, to: &open)
            session = open
        } else if DebugDataText.hasPrefix(line, Key.primaryDisconnected)
            || (line.elementsEqual(Key.reconnecting) && part == .session)
        {
            guard var open = openSession("Primary channel") else { return true }
            Self.applyPrimaryChannelFlags(line, to: &open)
            session = open
        } else if DebugDataText.hasPrefix(line, Key.nos) {
            // "NOS: %s\tCapability: 0x%x" of the Name: form; the NOS text may contain blanks.
            guard var open = openSession("NOS") else { return true }
            if let nos = DebugDataText.text(after: Key.nos, upTo: Key.capability, in: line) {
                open.serverNOS = DebugDataText.string(nos)
            }
            open.capabilities = sink.hexadecimal(Key.capability, in: line, field: "Capability")
            session = open
        } else if DebugDataText.hasPrefix(line, Key.smbSessionStatus) {
            guard var open = openSession("SMB session status") else { return true }
            if let status: Int32 = sink.decimal(Key.smbSessionStatus, in: line, field: "SMB session status") {
                open.status = DebugData.SessionStatus(rawValue: status)
            }
            Self.applySessionStatusFlags(line, to: &open)
            session = open
        } else if DebugDataText.hasPrefix(line, Key.extraChannels) {
            guard var open = openSession("Extra Channels") else { return true }
            if let count: Int = sink.decimal(Key.extraChannels, in: line, field: "Extra Channels") {
                open.declaredExtraChannelCount = count
            }
            session = open
            part = .channels
        } else if DebugDataText.hasPrefix(line, Key.channel) {
            startChannel(line)
        } else if DebugDataText.hasPrefix(line, Key.shares) {
            closeChannel()
            if session == nil { sink.report(.outOfContext, "Shares") }
            part = .shares
        } else {
            return recognizeShareLine(line)
        }
        return true
    }

    /// The open session, or `nil` with an ``DebugData/Diagnostic/Code/outOfContext`` diagnostic.
    mutating func openSession(_ field: String) -> DebugData.Session? {
        guard let session else {
            sink.report(.outOfContext, field)
            return nil
        }
        return session
    }

    static func applyPrimaryChannelFlags(_ line: ArraySlice<UInt8>, to session: inout DebugData.Session) {
        if DebugDataText.contains(Key.primaryDisconnected, in: line) { session.primaryChannelDisconnected = true }
        if DebugDataText.containsWord(Key.reconnecting, in: line) { session.primaryChannelReconnecting = true }
    }
}
