import SMB3Wire

extension DebugData {
    /// The largest input accepted, 16 MiB.
    ///
    /// DebugData is one `seq_file` buffer; each session block is about 2 KiB, so even hundreds of
    /// mounts stay far below this. The cap bounds the work a hostile or corrupt file can cause.
    public static let maximumInputSize = 16 * 1024 * 1024

    /// Lines longer than this (64 KiB) are skipped with a ``Diagnostic/Code/lineTooLong`` diagnostic.
    ///
    /// The longest legitimate lines hold a UNC tree name or a DFS path (at most a few KiB), so the cap
    /// only bites on corrupt input, and it keeps the key searches in each line cheap.
    public static let maximumLineLength = 64 * 1024

    /// At most this many diagnostics (256) are kept; the rest are only counted in ``omittedDiagnosticCount``.
    public static let maximumDiagnostics = 256

    /// Parses the text of `/proc/fs/cifs/DebugData`.
    /// - Throws: ``DebugDataError`` with code `inputTooLarge` or `unrecognizedInput`.
    public init(parsing text: String) throws {
        guard text.utf8.count <= Self.maximumInputSize else {
            throw DebugDataError.inputTooLarge(size: text.utf8.count)
        }
        try self.init(parsing: Array(text.utf8)[...])
    }

    /// Parses the bytes of `/proc/fs/cifs/DebugData`.
    /// - Throws: ``DebugDataError`` with code `inputTooLarge` or `unrecognizedInput`.
    public init(parsing bytes: [UInt8]) throws {
        try self.init(parsing: bytes[...])
    }

    /// Parses the bytes of `/proc/fs/cifs/DebugData`. Invalid UTF-8 in text fields is replaced, not rejected.
    /// - Throws: ``DebugDataError`` with code `inputTooLarge` or `unrecognizedInput`.
    public init(parsing bytes: ArraySlice<UInt8>) throws {
        guard bytes.count <= Self.maximumInputSize else {
            throw DebugDataError.inputTooLarge(size: bytes.count)
        }
        var parser = DebugDataParser()
        var lineStart = bytes.startIndex
        var lineNumber = 0
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            lineNumber += 1
            parser.consume(line: bytes[lineStart..<lineEnd], number: lineNumber)
            lineStart = lineEnd + 1
        }
        self = try parser.finish()
    }
}

/// Collects diagnostics up to ``DebugData/maximumDiagnostics``.
struct DebugDataDiagnosticSink {
    var line = 0
    var diagnostics: [DebugData.Diagnostic] = []
    var omitted = 0

    mutating func report(_ code: DebugData.Diagnostic.Code, _ detail: @autoclosure () -> String) {
        guard diagnostics.count < DebugData.maximumDiagnostics else {
            omitted += 1
            return
        }
        diagnostics.append(DebugData.Diagnostic(line: line, code: code, detail: detail()))
    }

    /// The decimal value of the word after `key`, or `nil` with a diagnostic when it is there but does
    /// not parse (or is missing and `required`).
    mutating func decimal<T: FixedWidthInteger>(
        _ key: [UInt8], in line: ArraySlice<UInt8>, field: String, required: Bool = true, as type: T.Type = T.self
    ) -> T? {
        guard let word = DebugDataText.word(after: key, in: line) else {
            if required { report(.missingField, field) }
            return nil
        }
        guard let value = DebugDataText.decimal(word, as: T.self) else {
            report(.invalidNumber, "\(field): \(DebugDataText.excerpt(word))")
            return nil
        }
        return value
    }

    /// Like ``decimal(_:in:field:required:as:)`` for `0x`-prefixed hexadecimal values.
    mutating func hexadecimal<T: FixedWidthInteger & UnsignedInteger>(
        _ key: [UInt8], in line: ArraySlice<UInt8>, field: String, required: Bool = true, as type: T.Type = T.self
    ) -> T? {
        guard let word = DebugDataText.word(after: key, in: line) else {
            if required { report(.missingField, field) }
            return nil
        }
        guard let value = DebugDataText.hexadecimal(word, as: T.self) else {
            report(.invalidNumber, "\(field): \(DebugDataText.excerpt(word))")
            return nil
        }
        return value
    }

    /// A `%d` uid (`from_kuid()` returns a `uid_t`), kept as the 32-bit uid: `-1` reads as 4294967295.
    mutating func uid(_ key: [UInt8], in line: ArraySlice<UInt8>, field: String) -> UInt32? {
        guard let word = DebugDataText.word(after: key, in: line) else {
            report(.missingField, field)
            return nil
        }
        if let signed = DebugDataText.decimal(word, as: Int32.self) { return UInt32(bitPattern: signed) }
        if let unsigned = DebugDataText.decimal(word, as: UInt32.self) { return unsigned }
        report(.invalidNumber, "\(field): \(DebugDataText.excerpt(word))")
        return nil
    }
}

/// The literal keys of the format strings, as bytes.
private enum Key {
    static let banner = Array("Display Internal CIFS Data Structures".utf8)
    static let cifsVersion = Array("CIFS Version".utf8)
    static let features = Array("Features:".utf8)
    static let maxBufSize = Array("CIFSMaxBufSize:".utf8)
    static let activeVFSRequests = Array("Active VFS Requests:".utf8)
    static let servers = Array("Servers:".utf8)
    static let none = Array("[NONE]".utf8)

    static let connectionId = Array("ConnectionId:".utf8)
    static let hostname = Array("Hostname:".utf8)
    static let clientGUID = Array("ClientGUID:".utf8)
    static let credits = Array("Number of credits:".utf8)
    static let dialect = Array("Dialect".utf8)
    static let serverCapabilities = Array("Server capabilities:".utf8)
    static let rdma = Array("RDMA".utf8)
    static let tcpStatus = Array("TCP status:".utf8)
    static let instance = Array("Instance:".utf8)
    static let localUsers = Array("Local Users To Server:".utf8)
    static let secMode = Array("SecMode:".utf8)
    static let reqOnWire = Array("Req On Wire:".utf8)
    static let netNamespace = Array("Net namespace:".utf8)
    static let inSend = Array("In Send:".utf8)
    static let inMaxReqWait = Array("In MaxReq Wait:".utf8)
    static let dfsLeafFullPath = Array("DFS leaf full path:".utf8)
    static let compression = Array("Compression:".utf8)
    static let encryption = Array("Encryption:".utf8)
    static let sessions = Array("Sessions:".utf8)

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
    static let channel = Array("Channel:".utf8)
    static let disabled = Array("DISABLED".utf8)

    static let shares = Array("Shares:".utf8)
    static let ipc = Array("IPC:".utf8)
    static let mounts = Array(" Mounts:".utf8)
    static let mountsKey = Array("Mounts:".utf8)
    static let type = Array(" Type:".utf8)
    static let devInfo = Array("DevInfo:".utf8)
    static let devInfoSeparated = Array(" DevInfo:".utf8)
    static let attributes = Array("Attributes:".utf8)
    static let pathComponentMax = Array("PathComponentMax:".utf8)
    static let status = Array(" Status:".utf8)
    static let deviceType = Array(" type:".utf8)
    static let serialNumber = Array("Serial Number:".utf8)
    static let encryptedShare = Array("Encrypted".utf8)
    static let nocase = Array("nocase".utf8)
    static let posixExtensions = Array("POSIX Extensions".utf8)
    static let shareCapabilities = Array("Share Capabilities:".utf8)
    static let shareFlags = Array("Share Flags:".utf8)
    static let tid = Array("tid:".utf8)
    static let optimalSectorSize = Array("Optimal sector size:".utf8)
    static let maximalAccess = Array("Maximal Access:".utf8)
    static let witness = Array("Witness".utf8)
    static let nosparse = Array("nosparse".utf8)
    static let dfsOriginFullPath = Array("DFS origin fullpath:".utf8)

    static let serverInterfaces = Array("Server interfaces:".utf8)
    static let lastUpdated = Array("Last updated:".utf8)
    static let speed = Array("Speed:".utf8)
    static let bps = Array("bps".utf8)
    static let unknownSpeed = Array("Unknown".utf8)
    static let capabilities = Array("Capabilities:".utf8)
    static let rdmaWord = Array("rdma".utf8)
    static let rssWord = Array("rss".utf8)
    static let noneWord = Array("None".utf8)
    static let ipv4 = Array("IPv4:".utf8)
    static let ipv6 = Array("IPv6:".utf8)
    static let forCleanup = Array("[for-cleanup]".utf8)
    static let weight = Array("Weight (cur,total):".utf8)
    static let allocatedChannels = Array("Allocated channels:".utf8)
    static let connected = Array("[CONNECTED]".utf8)

    static let mids = Array("MIDs:".utf8)
    static let sessionEnd = Array("--".utf8)

    static let witnessRegistrations = Array("Witness registrations:".utf8)
    static let id = Array("Id:".utf8)
    static let refs = Array("Refs:".utf8)
    static let networkName = Array("Network name: '".utf8)
    static let shareName = Array(" Share name: '".utf8)
    static let ipAddress = Array(" Ip address:".utf8)
    static let notifyYes = Array("(y)".utf8)
    static let notifyNo = Array("(n)".utf8)
    static let quotedNotifyYes = Array("'(y)".utf8)
    static let quotedNotifyNo = Array("'(n)".utf8)
}

/// The words of `Share Capabilities:` (`smb2_dump_share_caps()` in `smb2ops.c`).
private let shareCapabilityWords: [(word: [UInt8], capability: DebugData.ShareCapabilities)] = [
    (Array("DFS".utf8), .dfs),
    (Array("CONTINUOUS AVAILABILITY".utf8), .continuousAvailability),
    (Array("SCALEOUT".utf8), .scaleout),
    (Array("CLUSTER".utf8), .cluster),
    (Array("ASYMMETRIC".utf8), .asymmetric),
]

private let sectorFlagWords: [(word: [UInt8], flag: DebugData.SectorFlags)] = [
    (Array("Aligned".utf8), .alignedDevice),
    (Array("Partition Aligned".utf8), .partitionAlignedOnDevice),
    (Array("SSD".utf8), .noSeekPenalty),
    (Array("TRIM-support".utf8), .trimEnabled),
]

/// A line-oriented state machine over DebugData.
///
/// The file nests server → session → (channels, shares, interfaces), each opened by a numbered or
/// keyword line and closed by the next sibling or parent. Open items are held as values and appended
/// to their parent when they close, so no index into a parent array is ever kept.
struct DebugDataParser {
    private enum Part {
        case top, server, session, channels, shares, interfaces, mids, witness
    }

    private var data = DebugData()
    private var sink = DebugDataDiagnosticSink()
    private var recognizedLineCount = 0
    private var evidenceFor6_12 = false
    private var evidenceFor6_1 = false

    private var part = Part.top
    private var server: DebugData.Server?
    private var session: DebugData.Session?
    private var channel: DebugData.Channel?
    private var share: DebugData.Share?
    private var interface: DebugData.ServerInterface?

    // MARK: Driving

    mutating func consume(line raw: ArraySlice<UInt8>, number: Int) {
        sink.line = number
        guard raw.count <= DebugData.maximumLineLength else {
            sink.report(.lineTooLong, "\(raw.count) bytes")
            return
        }
        let line = DebugDataText.trimmed(raw)
        if line.isEmpty {
            // A blank line ends a tree connection or an interface block.
            closeShare()
            closeInterface()
            return
        }
        if recognize(line) { recognizedLineCount += 1 }
        // A channel's DISCONNECTED / [RECONNECTING] follow whatever line the kernel printed last for it.
        if part == .channels, channel != nil { applyChannelFlags(line) }
    }

    mutating func finish() throws -> DebugData {
        closeServer()
        guard recognizedLineCount > 0 else { throw DebugDataError.unrecognizedInput() }
        if evidenceFor6_12 {
            data.format = .kernel6_12
        } else if evidenceFor6_1 {
            data.format = .kernel6_1
        }
        data.diagnostics = sink.diagnostics
        data.omittedDiagnosticCount = sink.omitted
        return data
    }

    /// Dispatches one trimmed, non-empty line; returns whether it was a known line.
    private mutating func recognize(_ line: ArraySlice<UInt8>) -> Bool {
        if let (index, rest) = Self.numbered(line) {
            return recognizeNumbered(index: index, rest: rest)
        }
        if let rest = DebugDataText.remainder(line, after: Key.cifsVersion) {
            data.cifsVersion = DebugDataText.string(rest)
        } else if let rest = DebugDataText.remainder(line, after: Key.features) {
            data.features = rest.split { $0 == UInt8(ascii: ",") || DebugDataText.isBlank($0) }
                .map(DebugDataText.string)
        } else if DebugDataText.hasPrefix(line, Key.maxBufSize) {
            data.maximumBufferSize = sink.decimal(Key.maxBufSize, in: line, field: "CIFSMaxBufSize")
        } else if DebugDataText.hasPrefix(line, Key.activeVFSRequests) {
            data.activeVFSRequests = sink.decimal(Key.activeVFSRequests, in: line, field: "Active VFS Requests")
        } else if DebugDataText.hasPrefix(line, Key.banner)
            || line.allSatisfy({ $0 == UInt8(ascii: "-") }) && line.count > 2
            || DebugDataText.hasPrefix(line, Key.servers) || line.elementsEqual(Key.none)
        {
            // Banner, its underline, "Servers:" and "[NONE]" carry nothing to keep.
        } else if DebugDataText.hasPrefix(line, Key.witnessRegistrations) {
            closeServer()
            part = .witness
            if data.witnessRegistrations == nil { data.witnessRegistrations = [] }
        } else if DebugDataText.hasPrefix(line, Key.id) && DebugDataText.contains(Key.networkName, in: line) {
            parseWitnessRegistration(line)
        } else {
            return recognizeServerLine(line)
        }
        return true
    }

    /// `N) …` lines: servers, sessions, shares and interfaces.
    private mutating func recognizeNumbered(index: Int, rest: ArraySlice<UInt8>) -> Bool {
        if DebugDataText.hasPrefix(rest, Key.connectionId) {
            startServer(index: index, line: rest)
        } else if DebugDataText.hasPrefix(rest, Key.address) || DebugDataText.hasPrefix(rest, Key.name) {
            startSession(index: index, line: rest)
        } else if let tcon = DebugDataText.remainder(rest, after: Key.ipc) {
            startShare(index: index, isIPC: true, line: tcon)
        } else if let speed = DebugDataText.remainder(rest, after: Key.speed) {
            startInterface(index: index, speed: speed)
        } else if part == .shares {
            startShare(index: index, isIPC: false, line: rest)
        } else {
            return false
        }
        return true
    }

    /// Lines that are not numbered and not part of the header.
    private mutating func recognizeServerLine(_ line: ArraySlice<UInt8>) -> Bool {
        if let connectionLine = ConnectionLine(line) {
            applyConnectionLine(connectionLine, line)
        } else if let rest = DebugDataText.remainder(line, after: Key.clientGUID) {
            evidenceFor6_12 = true
            if server == nil { sink.report(.outOfContext, "ClientGUID") }
            server?.clientGUID = DebugDataText.string(rest)
        } else if DebugDataText.hasPrefix(line, Key.serverCapabilities) {
            evidenceFor6_12 = true
            if server == nil { sink.report(.outOfContext, "Server capabilities") }
            let value: UInt32? = sink.hexadecimal(Key.serverCapabilities, in: line, field: "Server capabilities")
            server?.capabilities = value
        } else if line.elementsEqual(Key.rdma) {
            if server == nil { sink.report(.outOfContext, "RDMA") }
            server?.isRDMA = true
        } else if let rest = DebugDataText.remainder(line, after: Key.compression) {
            evidenceFor6_12 = true
            server?.compression = DebugDataText.string(rest)
        } else if let rest = DebugDataText.remainder(line, after: Key.encryption) {
            server?.encryption = DebugDataText.string(rest)
        } else if DebugDataText.hasPrefix(line, Key.sessions) {
            if server == nil { sink.report(.outOfContext, "Sessions") }
            part = .server
        } else {
            return recognizeSessionLine(line)
        }
        return true
    }

    // MARK: Servers and connections

    /// `ConnectionId: 0x%llx [Hostname: %s ]`
    private mutating func startServer(index: Int, line: ArraySlice<UInt8>) {
        closeServer()
        let id: UInt64? = sink.hexadecimal(Key.connectionId, in: line, field: "ConnectionId")
        var newServer = DebugData.Server(index: index, connection: DebugData.Connection(connectionId: id ?? 0))
        if let hostname = DebugDataText.word(after: Key.hostname, in: line), !hostname.isEmpty {
            newServer.hostname = DebugDataText.string(hostname)
        }
        server = newServer
        part = .server
    }

    /// The lines printed for every `TCP_Server_Info`, whether a server or a channel.
    private enum ConnectionLine {
        case credits, tcpStatus, localUsers, inSend, dfsLeafFullPath

        init?(_ line: ArraySlice<UInt8>) {
            if DebugDataText.hasPrefix(line, Key.credits) {
                self = .credits
            } else if DebugDataText.hasPrefix(line, Key.tcpStatus) {
                self = .tcpStatus
            } else if DebugDataText.hasPrefix(line, Key.localUsers) {
                self = .localUsers
            } else if DebugDataText.hasPrefix(line, Key.inSend) {
                self = .inSend
            } else if DebugDataText.hasPrefix(line, Key.dfsLeafFullPath) {
                self = .dfsLeafFullPath
            } else {
                return nil
            }
        }
    }

    private mutating func applyConnectionLine(_ kind: ConnectionLine, _ line: ArraySlice<UInt8>) {
        if part == .channels {
            guard var openChannel = channel, var connection = openChannel.connection else {
                sink.report(.outOfContext, "channel connection line")
                return
            }
            Self.apply(kind, line, to: &connection, sink: &sink)
            noteCreditsEvidence(kind, connection)
            openChannel.connection = connection
            channel = openChannel
            return
        }
        guard var openServer = server else {
            sink.report(.outOfContext, "connection line")
            return
        }
        Self.apply(kind, line, to: &openServer.connection, sink: &sink)
        noteCreditsEvidence(kind, openServer.connection)
        if kind == .credits { Self.applyServerFlags(line, to: &openServer) }
        server = openServer
    }

    private mutating func noteCreditsEvidence(_ kind: ConnectionLine, _ connection: DebugData.Connection) {
        guard kind == .credits else { return }
        if connection.echoCredits != nil {
            evidenceFor6_12 = true
        } else if connection.credits != nil {
            evidenceFor6_1 = true
        }
    }

    private static func apply(
        _ kind: ConnectionLine, _ line: ArraySlice<UInt8>, to connection: inout DebugData.Connection,
        sink: inout DebugDataDiagnosticSink
    ) {
        switch kind {
        case .credits:
            // "Number of credits: %d Dialect 0x%x" (6.1) or "Number of credits: %d,%d,%d Dialect 0x%x" (6.12)
            if let value = DebugDataText.word(after: Key.credits, in: line) {
                let parts = value.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
                let numbers = parts.map { DebugDataText.decimal($0, as: Int32.self) }
                if (numbers.count == 1 || numbers.count == 3), numbers.allSatisfy({ $0 != nil }) {
                    connection.credits = numbers.first ?? nil
                    if numbers.count == 3 {
                        connection.echoCredits = numbers.dropFirst().first ?? nil
                        connection.oplockCredits = numbers.last ?? nil
                    }
                } else {
                    sink.report(.invalidNumber, "Number of credits: \(DebugDataText.excerpt(value))")
                }
            } else {
                sink.report(.missingField, "Number of credits")
            }
            if let dialect: UInt16 = sink.hexadecimal(Key.dialect, in: line, field: "Dialect") {
                connection.dialect = DebugData.Dialect(rawValue: dialect)
            }
        case .tcpStatus:
            if let status: Int32 = sink.decimal(Key.tcpStatus, in: line, field: "TCP status") {
                connection.tcpStatus = DebugData.TCPStatus(rawValue: status)
            }
            connection.reconnectInstance = sink.decimal(Key.instance, in: line, field: "Instance")
        case .localUsers:
            connection.localUsers = sink.decimal(Key.localUsers, in: line, field: "Local Users To Server")
            connection.securityMode = sink.hexadecimal(Key.secMode, in: line, field: "SecMode")
            connection.requestsOnWire = sink.decimal(Key.reqOnWire, in: line, field: "Req On Wire")
            if let namespace: UInt32 = sink.decimal(
                Key.netNamespace, in: line, field: "Net namespace", required: false)
            {
                connection.netNamespace = namespace
            }
        case .inSend:
            connection.inSend = sink.decimal(Key.inSend, in: line, field: "In Send")
            connection.inMaxRequestWait = sink.decimal(Key.inMaxReqWait, in: line, field: "In MaxReq Wait")
            // 6.12 appends a channel's namespace here rather than after "Req On Wire".
            if let namespace: UInt32 = sink.decimal(
                Key.netNamespace, in: line, field: "Net namespace", required: false)
            {
                connection.netNamespace = namespace
            }
        case .dfsLeafFullPath:
            if let rest = DebugDataText.remainder(line, after: Key.dfsLeafFullPath) {
                connection.dfsLeafFullPath = DebugDataText.string(rest)
            }
        }
    }

    /// The words after `Dialect 0x%x` on a server's credits line.
    private static func applyServerFlags(_ line: ArraySlice<UInt8>, to server: inout DebugData.Server) {
        guard let dialectKey = DebugDataText.firstRange(of: Key.dialect, in: line) else { return }
        for word in DebugDataText.words(line[dialectKey.upperBound...]).dropFirst() {
            if word.elementsEqual(Key.signed) {
                server.isSigned = true
            } else if word.elementsEqual(Key.posix) {
                server.supportsPOSIXExtensions = true
            } else if word.elementsEqual(Key.nosharesock) {
                server.noShareSock = true
            } else if DebugDataText.hasPrefix(word, Key.compressPrefix) {
                server.compressionAlgorithm = DebugDataText.string(word)
            }
        }
    }

    // MARK: Sessions

    /// `Address: %s Uses: %d Capability: 0x%x\tSession Status: %d [Guest |Anonymous ][password no longer valid ]`
    /// or `Name: %s  Domain: %s Uses: %d OS: %s `.
    private mutating func startSession(index: Int, line: ArraySlice<UInt8>) {
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

    private static func applySessionStatusFlags(_ line: ArraySlice<UInt8>, to session: inout DebugData.Session) {
        let statusKey =
            DebugDataText.firstRange(of: Key.sessionStatus, in: line)
            ?? DebugDataText.firstRange(of: Key.smbSessionStatus, in: line)
        guard let statusKey else { return }
        let tail = line[statusKey.upperBound...]
        if DebugDataText.containsWord(Key.guest, in: tail) { session.isGuest = true }
        if DebugDataText.containsWord(Key.anonymous, in: tail) { session.isAnonymous = true }
        if DebugDataText.contains(Key.passwordNoLongerValid, in: tail) { session.passwordNoLongerValid = true }
    }

    private mutating func recognizeSessionLine(_ line: ArraySlice<UInt8>) -> Bool {
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
    private mutating func openSession(_ field: String) -> DebugData.Session? {
        guard let session else {
            sink.report(.outOfContext, field)
            return nil
        }
        return session
    }

    private static func applyPrimaryChannelFlags(_ line: ArraySlice<UInt8>, to session: inout DebugData.Session) {
        if DebugDataText.contains(Key.primaryDisconnected, in: line) { session.primaryChannelDisconnected = true }
        if DebugDataText.containsWord(Key.reconnecting, in: line) { session.primaryChannelReconnecting = true }
    }

    // MARK: Channels

    /// `Channel: %d ConnectionId: 0x%llx` or `Channel: %d DISABLED`.
    private mutating func startChannel(_ line: ArraySlice<UInt8>) {
        closeChannel()
        guard session != nil else {
            sink.report(.outOfContext, "Channel")
            return
        }
        part = .channels
        let number: Int = sink.decimal(Key.channel, in: line, field: "Channel") ?? 0
        var newChannel = DebugData.Channel(number: number, connection: nil)
        if DebugDataText.containsWord(Key.disabled, in: line) {
            newChannel.isDisabled = true
        } else if let id: UInt64 = sink.hexadecimal(Key.connectionId, in: line, field: "ConnectionId") {
            newChannel.connection = DebugData.Connection(connectionId: id)
        }
        channel = newChannel
        applyChannelFlags(line)
    }

    /// `\tDISCONNECTED ` and `\t[RECONNECTING] ` follow the last line printed for a channel.
    private mutating func applyChannelFlags(_ line: ArraySlice<UInt8>) {
        guard var open = channel else { return }
        for word in DebugDataText.words(line) {
            if word.elementsEqual(Key.disconnected) {
                open.needsReconnect = true
            } else if word.elementsEqual(Key.reconnecting) {
                open.isReconnecting = true
            }
        }
        channel = open
    }

    // MARK: Shares

    /// The first line of a tree connection: `%s Mounts: %d [Type: %s ]DevInfo: 0x%x Attributes: 0x%x`,
    /// or `none` for a session without an IPC connection.
    private mutating func startShare(index: Int, isIPC: Bool, line: ArraySlice<UInt8>) {
        closeShare()
        closeInterface()
        guard session != nil else {
            sink.report(.outOfContext, "share without a session")
            return
        }
        part = .shares
        var newShare = DebugData.Share(index: index, isIPC: isIPC)
        if isIPC && line.elementsEqual(Array("none".utf8)) {
            share = newShare
            closeShare()
            return
        }
        if let mountsKey = DebugDataText.firstRange(of: Key.mounts, in: line) {
            newShare.treeName = DebugDataText.string(
                DebugDataText.trimmed(line[line.startIndex..<mountsKey.lowerBound]))
            let rest = line[mountsKey.lowerBound...]
            newShare.mounts = sink.decimal(Key.mountsKey, in: rest, field: "Mounts")
            if let type = DebugDataText.text(after: Key.type, upTo: Key.devInfoSeparated, in: rest) {
                newShare.nativeFileSystem = DebugDataText.string(type)
            }
            newShare.deviceCharacteristics = sink.hexadecimal(Key.devInfo, in: rest, field: "DevInfo")
            newShare.attributes = sink.hexadecimal(Key.attributes, in: rest, field: "Attributes")
        } else {
            sink.report(.missingField, "Mounts")
            newShare.treeName = DebugDataText.string(line)
        }
        share = newShare
    }

    private mutating func recognizeShareLine(_ line: ArraySlice<UInt8>) -> Bool {
        if DebugDataText.hasPrefix(line, Key.pathComponentMax) {
            guard var open = openShare("PathComponentMax") else { return true }
            open.pathComponentMax = sink.decimal(Key.pathComponentMax, in: line, field: "PathComponentMax")
            if let status: Int32 = sink.decimal(Key.status, in: line, field: "Status") {
                open.status = DebugData.TreeConnectStatus(rawValue: status)
            }
            if let type = DebugDataText.word(after: Key.deviceType, in: line), !type.isEmpty {
                open.deviceType = DebugDataText.string(type)
            }
            open.serialNumber = sink.hexadecimal(Key.serialNumber, in: line, field: "Serial Number")
            if let serialKey = DebugDataText.firstRange(of: Key.serialNumber, in: line) {
                let tail = line[serialKey.upperBound...]
                for word in DebugDataText.words(tail) {
                    if word.elementsEqual(Key.encryptedShare) || word.elementsEqual(Key.encrypted) {
                        open.isEncrypted = true
                    } else if word.elementsEqual(Key.nocase) {
                        open.isCaseInsensitive = true
                    }
                }
                if DebugDataText.contains(Key.posixExtensions, in: tail) { open.hasPOSIXExtensions = true }
                // Without dump_share_caps (SMB1) the trailing words land on this line.
                Self.applyShareTrailingFlags(tail, to: &open)
            }
            share = open
        } else if DebugDataText.hasPrefix(line, Key.shareCapabilities) {
            guard var open = openShare("Share Capabilities") else { return true }
            if let words = DebugDataText.text(after: Key.shareCapabilities, upTo: Key.shareFlags, in: line) {
                Self.applyCapabilityWords(words, to: &open)
            }
            open.shareFlags = sink.hexadecimal(Key.shareFlags, in: line, field: "Share Flags", required: false)
            share = open
        } else if DebugDataText.hasPrefix(line, Key.tid) {
            guard var open = openShare("tid") else { return true }
            open.treeId = sink.hexadecimal(Key.tid, in: line, field: "tid")
            open.optimalSectorSize = sink.hexadecimal(
                Key.optimalSectorSize, in: line, field: "Optimal sector size", required: false)
            open.maximalAccess = sink.hexadecimal(Key.maximalAccess, in: line, field: "Maximal Access")
            if let accessKey = DebugDataText.firstRange(of: Key.maximalAccess, in: line) {
                Self.applyShareTrailingFlags(line[accessKey.upperBound...], to: &open)
            }
            share = open
        } else if let rest = DebugDataText.remainder(line, after: Key.dfsOriginFullPath) {
            guard var open = openShare("DFS origin fullpath") else { return true }
            open.dfsOriginFullPath = DebugDataText.string(rest)
            share = open
        } else {
            return recognizeInterfaceLine(line)
        }
        return true
    }

    private mutating func openShare(_ field: String) -> DebugData.Share? {
        guard let share else {
            sink.report(.outOfContext, field)
            return nil
        }
        return share
    }

    /// ` Witness`, ` nosparse`, `\tDISCONNECTED ` at the end of a tree connection.
    private static func applyShareTrailingFlags(_ tail: ArraySlice<UInt8>, to share: inout DebugData.Share) {
        for word in DebugDataText.words(tail) {
            if word.elementsEqual(Key.witness) {
                share.usesWitness = true
            } else if word.elementsEqual(Key.nosparse) {
                share.noSparse = true
            } else if word.elementsEqual(Key.disconnected) {
                share.isDisconnected = true
            }
        }
    }

    /// ` DFS, CONTINUOUS AVAILABILITY, … None Aligned, Partition Aligned, SSD, TRIM-support,`: each
    /// word ends in a comma except `None`, which the sector words may follow directly.
    private static func applyCapabilityWords(_ text: ArraySlice<UInt8>, to share: inout DebugData.Share) {
        for piece in text.split(separator: UInt8(ascii: ",")) {
            var phrase = DebugDataText.trimmed(piece)
            if DebugDataText.hasPrefix(phrase, Key.noneWord)
                && (phrase.count == Key.noneWord.count
                    || phrase.dropFirst(Key.noneWord.count).first.map(DebugDataText.isBlank) == true)
            {
                phrase = DebugDataText.trimmed(phrase.dropFirst(Key.noneWord.count))
            }
            if let match = shareCapabilityWords.first(where: { phrase.elementsEqual($0.word) }) {
                share.capabilities.insert(match.capability)
            } else if let match = sectorFlagWords.first(where: { phrase.elementsEqual($0.word) }) {
                share.sectorFlags.insert(match.flag)
            }
        }
    }

    // MARK: Server interfaces

    /// `N)\tSpeed: %zu bps` (6.1) or `N)\tSpeed: 10Gbps` (6.12).
    private mutating func startInterface(index: Int, speed: ArraySlice<UInt8>) {
        closeShare()
        closeInterface()
        guard session != nil else {
            sink.report(.outOfContext, "interface without a session")
            return
        }
        part = .interfaces
        var newInterface = DebugData.ServerInterface(index: index, speedText: DebugDataText.string(speed))
        let words = DebugDataText.words(speed)
        if words.count == 2, let number = words.first, let unit = words.last, unit.elementsEqual(Key.bps) {
            evidenceFor6_1 = true
            if let bps = DebugDataText.decimal(number, as: UInt64.self) {
                newInterface.speedBitsPerSecond = bps
            } else {
                sink.report(.invalidNumber, "Speed: \(DebugDataText.excerpt(number))")
            }
        } else if speed.elementsEqual(Key.unknownSpeed) {
            evidenceFor6_12 = true
        } else if let known = DebugData.interfaceSpeedNames.first(where: { speed.elementsEqual($0.name.utf8) }) {
            evidenceFor6_12 = true
            newInterface.speedBitsPerSecond = known.bitsPerSecond
        } else {
            sink.report(.unknownValue, "Speed: \(DebugDataText.excerpt(speed))")
        }
        interface = newInterface
    }

    private mutating func recognizeInterfaceLine(_ line: ArraySlice<UInt8>) -> Bool {
        if DebugDataText.hasPrefix(line, Key.serverInterfaces) {
            closeShare()
            guard var open = openSession("Server interfaces") else { return true }
            open.declaredServerInterfaceCount = sink.decimal(Key.serverInterfaces, in: line, field: "Server interfaces")
            open.serverInterfacesLastUpdatedSecondsAgo = sink.decimal(
                Key.lastUpdated, in: line, field: "Last updated", required: false)
            session = open
            part = .interfaces
        } else if let rest = DebugDataText.remainder(line, after: Key.capabilities) {
            guard var open = openInterface("Capabilities") else { return true }
            for word in DebugDataText.words(rest) {
                if word.elementsEqual(Key.rdmaWord) {
                    open.isRDMACapable = true
                } else if word.elementsEqual(Key.rssWord) {
                    open.isRSSCapable = true
                } else if word.elementsEqual(Key.noneWord) {
                    evidenceFor6_12 = true
                }
            }
            interface = open
        } else if let rest = DebugDataText.remainder(line, after: Key.ipv4) {
            guard var open = openInterface("IPv4") else { return true }
            open.address = DebugData.IPAddress(ipv4Text: rest)
            if open.address == nil { sink.report(.invalidAddress, "IPv4: \(DebugDataText.excerpt(rest))") }
            interface = open
        } else if let rest = DebugDataText.remainder(line, after: Key.ipv6) {
            guard var open = openInterface("IPv6") else { return true }
            open.address = DebugData.IPAddress(ipv6Text: rest)
            if open.address == nil { sink.report(.invalidAddress, "IPv6: \(DebugDataText.excerpt(rest))") }
            interface = open
        } else if line.elementsEqual(Key.forCleanup) {
            guard var open = openInterface("[for-cleanup]") else { return true }
            open.isActive = false
            interface = open
        } else if let rest = DebugDataText.remainder(line, after: Key.weight) {
            guard var open = openInterface("Weight") else { return true }
            // "(%zu,%zu)"
            let inner = rest.filter { $0 != UInt8(ascii: "(") && $0 != UInt8(ascii: ")") }
            let parts = inner[...].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            if parts.count == 2, let first = parts.first, let last = parts.last,
                let current = DebugDataText.decimal(DebugDataText.trimmed(first), as: UInt64.self),
                let total = DebugDataText.decimal(DebugDataText.trimmed(last), as: UInt64.self)
            {
                open.weightCurrent = current
                open.weightTotal = total
            } else {
                sink.report(.invalidNumber, "Weight (cur,total): \(DebugDataText.excerpt(rest))")
            }
            interface = open
        } else if DebugDataText.hasPrefix(line, Key.allocatedChannels) {
            guard var open = openInterface("Allocated channels") else { return true }
            open.allocatedChannels = sink.decimal(Key.allocatedChannels, in: line, field: "Allocated channels")
            interface = open
        } else if line.elementsEqual(Key.connected) {
            guard var open = openInterface("[CONNECTED]") else { return true }
            open.isConnected = true
            interface = open
        } else if DebugDataText.hasPrefix(line, Key.mids) {
            closeShare()
            closeInterface()
            part = .mids
        } else if line.elementsEqual(Key.sessionEnd) {
            closeSession()
            part = .server
        } else {
            return false
        }
        return true
    }

    private mutating func openInterface(_ field: String) -> DebugData.ServerInterface? {
        guard let interface else {
            sink.report(.outOfContext, field)
            return nil
        }
        return interface
    }

    // MARK: Witness registrations

    /// `Id: %u Refs: %u Network name: '%s'(y|n) Share name: '%s'(y|n) Ip address: <addr|(unknown)|(no live tcon)>[(y|n)]`
    private mutating func parseWitnessRegistration(_ line: ArraySlice<UInt8>) {
        if data.witnessRegistrations == nil { data.witnessRegistrations = [] }
        guard let id: UInt32 = sink.decimal(Key.id, in: line, field: "Id") else { return }
        let references: UInt32? = sink.decimal(Key.refs, in: line, field: "Refs")
        guard let networkKey = DebugDataText.firstRange(of: Key.networkName, in: line),
            let shareKey = DebugDataText.firstRange(of: Key.shareName, in: line[networkKey.upperBound...]),
            let ipKey = DebugDataText.firstRange(of: Key.ipAddress, in: line[shareKey.upperBound...]),
            let network = Self.quotedName(line[networkKey.upperBound..<shareKey.lowerBound]),
            let share = Self.quotedName(line[shareKey.upperBound..<ipKey.lowerBound])
        else {
            sink.report(.missingField, "Witness registration names")
            return
        }
        var address = DebugDataText.trimmed(line[ipKey.upperBound...])
        var addressNotify: Bool? = nil
        if address.count > Key.notifyYes.count, DebugDataText.hasSuffix(address, Key.notifyYes) {
            addressNotify = true
        } else if address.count > Key.notifyNo.count, DebugDataText.hasSuffix(address, Key.notifyNo) {
            addressNotify = false
        }
        if addressNotify != nil { address = address.dropLast(Key.notifyYes.count) }
        var registration = DebugData.WitnessRegistration(
            id: id, references: references, networkName: network.name, networkNameNotify: network.notify,
            shareName: share.name, shareNameNotify: share.notify, ipAddressText: DebugDataText.string(address),
            ipAddressNotify: addressNotify)
        // "%pI4" or "%pI6" with an optional "%%%u" scope id; anything else is left as text.
        let addressParts = address.split(separator: UInt8(ascii: "%"), maxSplits: 1, omittingEmptySubsequences: false)
        if let host = addressParts.first {
            registration.ipAddress =
                DebugData.IPAddress(ipv4Text: host) ?? DebugData.IPAddress(ipv6Text: host)
            if addressParts.count == 2, let scope = addressParts.last {
                registration.ipAddressScopeId = DebugDataText.decimal(scope, as: UInt32.self)
            }
        }
        data.witnessRegistrations?.append(registration)
    }

    /// `%s'(y)` or `%s'(n)`: the text up to the closing quote and its notify flag.
    private static func quotedName(_ text: ArraySlice<UInt8>) -> (name: String, notify: Bool)? {
        if DebugDataText.hasSuffix(text, Key.quotedNotifyYes) {
            return (DebugDataText.string(text.dropLast(Key.quotedNotifyYes.count)), true)
        }
        if DebugDataText.hasSuffix(text, Key.quotedNotifyNo) {
            return (DebugDataText.string(text.dropLast(Key.quotedNotifyNo.count)), false)
        }
        return nil
    }

    // MARK: Closing open items

    private mutating func closeInterface() {
        guard let open = interface else { return }
        session?.serverInterfaces.append(open)
        interface = nil
    }

    private mutating func closeShare() {
        guard let open = share else { return }
        session?.shares.append(open)
        share = nil
    }

    private mutating func closeChannel() {
        guard let open = channel else { return }
        session?.channels.append(open)
        channel = nil
    }

    private mutating func closeSession() {
        closeChannel()
        closeShare()
        closeInterface()
        guard var open = session else { return }
        let extraChannelCount = open.channels.count
        // The primary channel is the server's own connection; DebugData prints its state on the session.
        let primary = DebugData.Channel(
            number: 1, connection: server?.connection, isPrimary: true,
            needsReconnect: open.primaryChannelDisconnected, isReconnecting: open.primaryChannelReconnecting)
        open.channels.insert(primary, at: 0)
        if let declared = open.declaredExtraChannelCount, declared != extraChannelCount {
            sink.report(.countMismatch, "Extra Channels: \(declared) announced, \(extraChannelCount) printed")
        }
        if let declared = open.declaredServerInterfaceCount, declared != open.serverInterfaces.count {
            sink.report(
                .countMismatch, "Server interfaces: \(declared) announced, \(open.serverInterfaces.count) printed")
        }
        server?.sessions.append(open)
        session = nil
        if part != .witness && part != .top { part = .server }
    }

    private mutating func closeServer() {
        closeSession()
        guard let open = server else { return }
        data.servers.append(open)
        server = nil
    }

    /// `N)` at the start of a line: the index and the trimmed rest.
    private static func numbered(_ line: ArraySlice<UInt8>) -> (Int, ArraySlice<UInt8>)? {
        var end = line.startIndex
        while end < line.endIndex, end - line.startIndex < 9,
            line[end] >= UInt8(ascii: "0"), line[end] <= UInt8(ascii: "9")
        {
            end += 1
        }
        guard end > line.startIndex, end < line.endIndex, line[end] == UInt8(ascii: ")"),
            let index = DebugDataText.decimal(line[line.startIndex..<end], as: Int.self)
        else { return nil }
        return (index, DebugDataText.trimmed(line[(end + 1)...]))
    }
}
