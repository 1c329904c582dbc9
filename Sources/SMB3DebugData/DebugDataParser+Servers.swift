import SMB3Wire

// Server blocks: `N) ConnectionId:`, the connection lines shared with channels, and the server-wide flags.

extension Key {
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
}

extension DebugDataParser {
    /// Lines that are not numbered and not part of the header.
    mutating func recognizeServerLine(_ line: ArraySlice<UInt8>) -> Bool {
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
    mutating func startServer(index: Int, line: ArraySlice<UInt8>) {
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
    enum ConnectionLine {
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

    mutating func applyConnectionLine(_ kind: ConnectionLine, _ line: ArraySlice<UInt8>) {
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

    mutating func noteCreditsEvidence(_ kind: ConnectionLine, _ connection: DebugData.Connection) {
        guard kind == .credits else { return }
        if connection.echoCredits != nil {
            evidenceFor6_12 = true
        } else if connection.credits != nil {
            evidenceFor6_1 = true
        }
    }

    static func apply(
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
    static func applyServerFlags(_ line: ArraySlice<UInt8>, to server: inout DebugData.Server) {
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
}
