import SMB3Wire

// The parser of /proc/fs/cifs/DebugData is one state machine (this file: its state, the dispatch of
// a line to the section that knows it, and closing open items) and one extension per section of the
// file, each with the literal keys it reads: +Servers, +Sessions, +Channels, +Shares, +Interfaces,
// +Witness. DebugDataScanner.swift is the shared line and field scanner; DebugData+Parsing.swift the
// entry point with the caps.

/// The literal keys of the format strings, as bytes; each section file adds its own.
enum Key {
    static let banner = Array("Display Internal CIFS Data Structures".utf8)
    static let cifsVersion = Array("CIFS Version".utf8)
    static let features = Array("Features:".utf8)
    static let maxBufSize = Array("CIFSMaxBufSize:".utf8)
    static let activeVFSRequests = Array("Active VFS Requests:".utf8)
    static let servers = Array("Servers:".utf8)
    static let none = Array("[NONE]".utf8)
}

/// A line-oriented state machine over DebugData.
///
/// The file nests server → session → (channels, shares, interfaces), each opened by a numbered or
/// keyword line and closed by the next sibling or parent. Open items are held as values and appended
/// to their parent when they close, so no index into a parent array is ever kept.
struct DebugDataParser {
    enum Part {
        case top, server, session, channels, shares, interfaces, mids, witness
    }

    var data = DebugData()
    var sink = DebugDataDiagnosticSink()
    var recognizedLineCount = 0
    var evidenceFor6_12 = false
    var evidenceFor6_1 = false

    var part = Part.top
    var server: DebugData.Server?
    var session: DebugData.Session?
    var channel: DebugData.Channel?
    var share: DebugData.Share?
    var interface: DebugData.ServerInterface?

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
    mutating func recognize(_ line: ArraySlice<UInt8>) -> Bool {
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
    mutating func recognizeNumbered(index: Int, rest: ArraySlice<UInt8>) -> Bool {
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

    // MARK: Closing open items

    mutating func closeInterface() {
        guard let open = interface else { return }
        session?.serverInterfaces.append(open)
        interface = nil
    }

    mutating func closeShare() {
        guard let open = share else { return }
        session?.shares.append(open)
        share = nil
    }

    mutating func closeChannel() {
        guard let open = channel else { return }
        session?.channels.append(open)
        channel = nil
    }

    mutating func closeSession() {
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

    mutating func closeServer() {
        closeSession()
        guard let open = server else { return }
        data.servers.append(open)
        server = nil
    }

    /// `N)` at the start of a line: the index and the trimmed rest.
    static func numbered(_ line: ArraySlice<UInt8>) -> (Int, ArraySlice<UInt8>)? {
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
