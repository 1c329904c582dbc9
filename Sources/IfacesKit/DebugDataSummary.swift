import SMB3Protocol

/// The human-readable report of `smb3-ifaces debugdata`. Not a stable format: scripts use `--json`.
public struct DebugDataSummary {
    /// The report, ending with a newline; no line ends in spaces.
    public let text: String

    public init(_ data: DebugData) {
        var lines: [String] = []
        var header = "DebugData format \(data.format)"
        if let version = data.cifsVersion { header += ", CIFS version \(version)" }
        lines.append(header)
        if data.servers.isEmpty { lines.append("No cifs connections.") }
        for server in data.servers {
            lines.append("")
            lines += Self.describe(server)
        }
        if let registrations = data.witnessRegistrations {
            lines.append("")
            lines.append("Witness registrations: \(registrations.isEmpty ? "none" : String(registrations.count))")
            for registration in registrations {
                lines.append("  " + Self.describe(registration))
            }
        }
        if !data.diagnostics.isEmpty {
            lines.append("")
            lines.append("Warnings:")
            for diagnostic in data.diagnostics { lines.append("  \(diagnostic)") }
            if data.omittedDiagnosticCount > 0 { lines.append("  … and \(data.omittedDiagnosticCount) more") }
        }
        text = lines.map(Self.trimmingTrailingSpaces).joined(separator: "\n") + "\n"
    }

    private static func describe(_ server: DebugData.Server) -> [String] {
        var facts = ["connection \(prefixedHex(server.connectionId))"]
        if let dialect = server.dialect { facts.append("SMB \(dialect)") }
        if let status = server.tcpStatus { facts.append("TCP \(status)") }
        if server.isRDMA { facts.append("RDMA") }
        if server.isSigned { facts.append("signed") }
        if let namespace = server.netNamespace { facts.append("net namespace \(namespace)") }
        var lines = ["Server \(server.index): \(server.hostname ?? "(no hostname)") (\(facts.joined(separator: ", ")))"]
        if server.sessions.isEmpty { lines.append("  No sessions.") }
        for session in server.sessions { lines += describe(session) }
        return lines
    }

    private static func describe(_ session: DebugData.Session) -> [String] {
        var facts: [String] = []
        if let type = session.securityType { facts.append(type.rawValue) }
        if let id = session.sessionIdText { facts.append("id \(id)") }
        if let status = session.status { facts.append("status \(status)") }
        if session.isEncrypted { facts.append(session.usesAES256GCM ? "encrypted (AES-256-GCM)" : "encrypted") }
        if session.isSigned { facts.append("signed") }
        if session.isGuest { facts.append("guest") }
        if let uid = session.userId { facts.append("uid \(uid)") }
        if let cruid = session.credentialUserId { facts.append("cruid \(cruid)") }
        var lines = ["  Session \(session.index): \(session.address) (\(facts.joined(separator: ", ")))"]

        lines += channelLines(session)
        lines += interfaceLines(session)
        lines += shareLines(session)
        return lines
    }

    // Split in three: swiftc 6.3.1 -O crashed (CopyPropagation) on the single function.
    private static func channelLines(_ session: DebugData.Session) -> [String] {
        var lines: [String] = []
        lines.append("    Channels: \(session.channels.count)")
        for channel in session.channels {
            var row = "      \(pad(String(channel.number), 3))"
            if let connection = channel.connectionId {
                row += "connection " + pad(prefixedHex(connection), 6)
            } else {
                row += pad("no connection", 17)
            }
            row += "  " + String(describing: channel.state)
            if channel.isPrimary { row += " (primary)" }
            lines.append(row)
        }
        return lines
    }

    private static func interfaceLines(_ session: DebugData.Session) -> [String] {
        var lines: [String] = []
        var interfacesHeader = "    Server interfaces: \(session.serverInterfaces.count)"
        if let age = session.serverInterfacesLastUpdatedSecondsAgo { interfacesHeader += " (queried \(age) s ago)" }
        lines.append(interfacesHeader)
        let addressWidth = session.serverInterfaces.map { ($0.address?.description ?? "?").count }.max() ?? 0
        for interface in session.serverInterfaces {
            var capabilities: [String] = []
            if interface.isRSSCapable { capabilities.append("rss") }
            if interface.isRDMACapable { capabilities.append("rdma") }
            var row = "      \(interface.index)) \(pad(interface.address?.description ?? "?", addressWidth))"
            row += "  \(pad(speed(interface), 12, right: true))"
            row += "  \(pad(capabilities.isEmpty ? "-" : capabilities.joined(separator: ","), 8))"
            if let current = interface.weightCurrent, let total = interface.weightTotal {
                row += "  weight \(pad("\(current)/\(total)", 6))"
            }
            if let channels = interface.allocatedChannels { row += "  channels \(channels)" }
            if interface.isConnected { row += "  connected" }
            if !interface.isActive { row += "  for-cleanup" }
            lines.append(row)
        }
        return lines
    }

    private static func shareLines(_ session: DebugData.Session) -> [String] {
        var lines: [String] = []
        if !session.shares.isEmpty {
            lines.append("    Shares: \(session.shares.count)")
            for share in session.shares {
                var row = "      \(share.index)) \(share.treeName ?? "none")"
                if share.isIPC { row += " (IPC)" }
                if let tid = share.treeId { row += " tid \(prefixedHex(tid))" }
                if share.usesWitness { row += " witness" }
                if share.isDisconnected { row += " disconnected" }
                lines.append(row)
            }
        }
        return lines
    }

    private static func describe(_ registration: DebugData.WitnessRegistration) -> String {
        func notify(_ flag: Bool?) -> String {
            switch flag {
            case true?: " (notify)"
            case false?: ""
            case nil: ""
            }
        }
        let address = registration.scopedAddress ?? registration.ipAddressText
        var text = "\(registration.id)) \(registration.networkName)\(notify(registration.networkNameNotify))"
        text += " share \(registration.shareName)\(notify(registration.shareNameNotify))"
        text += " address \(address)\(notify(registration.ipAddressNotify))"
        if let references = registration.references { text += ", \(references) reference\(references == 1 ? "" : "s")" }
        return text
    }

    /// `10 Gbit/s`, `2.5 Gbit/s`, `100 Mbit/s`; the exact value when it is not a round number;
    /// `unknown`, or DebugData's own text, when it printed no number.
    static func speed(_ interface: DebugData.ServerInterface) -> String {
        guard let bps = interface.speedBitsPerSecond else {
            return interface.speedText == "Unknown" ? "unknown" : interface.speedText
        }
        return IfacesFormat.speed(bps)
    }

    private static func trimmingTrailingSpaces(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }

    private static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
