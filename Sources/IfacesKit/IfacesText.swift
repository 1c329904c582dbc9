import SMB3Protocol

// The human-readable tree (mount → session → channels → interfaces). Not a stable format: scripts use --json.
// Built from small functions: swiftc 6.3.1 -O crashed (CopyPropagation) on one big string builder.

extension IfacesReport {
    /// The tree, ending with a newline.
    public func textReport() -> String {
        var lines: [String] = []
        lines.append(
            "Source: \(source == .fsctl ? "FSCTL_QUERY_NETWORK_INTERFACE_INFO (asked the servers)" : "/proc/fs/cifs/DebugData")"
        )
        if mounts.isEmpty { lines.append("No cifs mounts.") }
        for mount in mounts {
            lines.append("")
            lines += Self.mountLines(mount)
        }
        lines.append("")
        lines += Self.localLines(local)
        lines.append("")
        lines += Self.findingLines(findings)
        return lines.joined(separator: "\n") + "\n"
    }

    static func mountLines(_ mount: Mount) -> [String] {
        var head = "\(mount.mountPoint)  \(mount.unc)"
        if let dialect = mount.dialect { head += "  SMB \(dialect)" }
        var lines = [head]
        var session = "└─ session"
        if let id = mount.sessionIdText { session += " " + id }
        session += " on \(mount.server)"
        session += mount.multichannel ? ", multichannel, max_channels=\(mount.maxChannels)" : ", multichannel off"
        if mount.rdma { session += ", RDMA" }
        if !mount.foundInDebugData { session += " (not in DebugData)" }
        lines.append(session)
        lines.append("   ├─ channels: \(mount.channels.count)")
        for channel in mount.channels { lines.append("   │   " + channelLine(channel)) }
        lines.append("   └─ server interfaces: \(mount.serverInterfaces.count)")
        for interface in mount.serverInterfaces { lines.append("       " + interfaceLine(interface, mount: mount)) }
        return lines
    }

    static func channelLine(_ channel: Channel) -> String {
        var line = "\(channel.number)) "
        if let address = channel.serverAddress {
            line += "→ \(address)"
        } else {
            line += "→ ?"
        }
        line += "  \(channel.state)"
        if channel.primary { line += " (primary)" }
        return line
    }

    static func interfaceLine(_ interface: ServerInterface, mount: Mount) -> String {
        var capabilities: [String] = []
        if interface.rss { capabilities.append("rss") }
        if interface.rdma { capabilities.append("rdma") }
        var speed = "unknown speed"
        if let bps = interface.speedBps { speed = IfacesFormat.speed(bps) }
        var line = "\(interface.address)  \(speed)  \(capabilities.isEmpty ? "-" : capabilities.joined(separator: ","))"
        if let index = interface.interfaceIndex { line += "  ifindex \(index)" }
        let channels = mount.channels.filter { $0.serverAddress == interface.address }.count
        if channels > 0 { line += "  ← \(channels) channel\(channels == 1 ? "" : "s")" }
        if !interface.active { line += "  (for cleanup)" }
        return line
    }

    static func localLines(_ local: [LocalInterface]) -> [String] {
        var lines = ["Local interfaces: \(local.count)"]
        for interface in local {
            var line = "  \(interface.name)"
            if let index = interface.index { line += " (#\(index))" }
            if let speed = interface.speedBps {
                line += "  \(IfacesFormat.speed(speed))"
            } else {
                line += "  speed unknown"
            }
            line += "  rx queues \(interface.rssQueues)"
            if interface.rdma { line += "  rdma" }
            if !interface.up { line += "  down" }
            if !interface.addresses.isEmpty { line += "  " + interface.addresses.joined(separator: " ") }
            lines.append(line)
        }
        return lines
    }

    static func findingLines(_ findings: [Finding]) -> [String] {
        guard !findings.isEmpty else { return ["Findings: none"] }
        var lines = ["Findings: \(findings.count)"]
        for finding in findings {
            lines.append("  • \(finding.message)")
            lines.append("    fix: \(finding.fix)")
        }
        return lines
    }
}
