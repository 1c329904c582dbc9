import SMB3Protocol

/// Builds an ``IfacesReport`` from what the platform read: DebugData, the mount table, the local
/// interfaces and, as root, the servers' own FSCTL_QUERY_NETWORK_INTERFACE_INFO replies.
public enum IfacesReportBuilder {
    /// - Parameters:
    ///   - debugData: the parsed `/proc/fs/cifs/DebugData`, `nil` when it could not be read.
    ///   - mounts: the cifs mounts to report, in table order.
    ///   - local: the client's interfaces.
    ///   - fsctl: per mount point, the decoded FSCTL reply; when given for every mount the report's
    ///     source is ``IfacesReport/Source/fsctl``.
    public static func build(
        debugData: DebugData?, mounts: [MountTable.Mount], local: [IfacesReport.LocalInterface],
        fsctl: [String: NetworkInterfaceInfo] = [:]
    ) -> IfacesReport {
        var used = Set<SessionKey>()
        var reported: [IfacesReport.Mount] = []
        for mount in mounts {
            var entry = baseMount(mount)
            if let debugData, let match = locate(mount, in: debugData, excluding: used) {
                used.insert(match.key)
                fill(&entry, server: match.server, session: match.session)
            }
            if let reply = fsctl[mount.mountPoint] {
                entry.serverInterfaces = merge(fsctl: reply, into: entry.serverInterfaces)
            }
            reported.append(entry)
        }
        let source: IfacesReport.Source = !mounts.isEmpty && fsctl.count >= mounts.count ? .fsctl : .debugData
        var report = IfacesReport(source: source, mounts: reported, local: local, findings: [])
        report.findings = IfacesDiagnosis.findings(for: report)
        return report
    }

    struct SessionKey: Hashable {
        var server: Int
        var session: Int
        var share: Int
    }

    private static func baseMount(_ mount: MountTable.Mount) -> IfacesReport.Mount {
        IfacesReport.Mount(
            mountPoint: mount.mountPoint, unc: mount.source, server: mount.server ?? mount.source,
            share: mount.share ?? "", serverAddressOption: mount.serverAddress, multichannel: mount.isMultichannel,
            maxChannels: mount.isMultichannel ? max(mount.maximumChannels, 2) : 1, rdma: mount.usesRDMA)
    }

    /// The session whose tree connection names the mount's `\\server\share`, preferring one whose
    /// address is the mount's `addr=`; mounts of the same share take the sessions in order.
    static func locate(
        _ mount: MountTable.Mount, in data: DebugData, excluding used: Set<SessionKey>
    ) -> (key: SessionKey, server: DebugData.Server, session: DebugData.Session)? {
        guard let serverName = mount.server, let shareName = mount.share else { return nil }
        let wanted = "\\\\\(serverName)\\\(shareName)".lowercased()
        var fallback: (key: SessionKey, server: DebugData.Server, session: DebugData.Session)?
        var reused: (key: SessionKey, server: DebugData.Server, session: DebugData.Session)?
        for (serverPosition, server) in data.servers.enumerated() {
            for (sessionPosition, session) in server.sessions.enumerated() {
                for (sharePosition, share) in session.shares.enumerated() where !share.isIPC {
                    guard let tree = share.treeName, tree.lowercased() == wanted else { continue }
                    let key = SessionKey(server: serverPosition, session: sessionPosition, share: sharePosition)
                    // Several mount points can share one tree connection ("Mounts: 2"): a used one is
                    // the last resort, after every unused one.
                    if used.contains(key) {
                        if reused == nil { reused = (key, server, session) }
                        continue
                    }
                    if let address = mount.serverAddress, address == session.address {
                        return (key, server, session)
                    }
                    if fallback == nil { fallback = (key, server, session) }
                }
            }
        }
        if let fallback { return fallback }
        return reused
    }

    private static func fill(_ entry: inout IfacesReport.Mount, server: DebugData.Server, session: DebugData.Session) {
        entry.foundInDebugData = true
        if let hostname = server.hostname { entry.server = hostname }
        if let dialect = server.dialect { entry.dialect = dialect.description }
        entry.sessionId = session.sessionId
        entry.serverCapabilities = server.capabilities
        if server.isRDMA { entry.rdma = true }
        entry.serverInterfaces = session.serverInterfaces.map(serverInterface)
        entry.channels = channels(of: session)
    }

    static func serverInterface(_ interface: DebugData.ServerInterface) -> IfacesReport.ServerInterface {
        var allocated: Int?
        if let count = interface.allocatedChannels { allocated = Int(count) }
        return IfacesReport.ServerInterface(
            address: interface.address?.description ?? "?", family: interface.address?.family.rawValue ?? "unknown",
            speedBps: interface.speedBitsPerSecond, rss: interface.isRSSCapable, rdma: interface.isRDMACapable,
            allocatedChannels: allocated, connected: interface.isConnected, active: interface.isActive)
    }

    /// Channels with their server interface inferred: the primary uses the session's address; the extra
    /// channels fill the interfaces' `Allocated channels` in the kernel's order. 6.12 counts the primary
    /// in `Allocated channels`, 6.1 does not; the sum of the counts tells which.
    static func channels(of session: DebugData.Session) -> [IfacesReport.Channel] {
        var slots: [String] = []
        for interface in session.serverInterfaces where interface.isActive {
            guard let address = interface.address?.description, let count = interface.allocatedChannels else {
                continue
            }
            slots += Array(repeating: address, count: Int(min(count, 64)))
        }
        let primaryAddress = DebugData.IPAddress(session.address)?.description ?? session.address
        if slots.count >= session.channels.count, let position = slots.firstIndex(of: primaryAddress) {
            slots.remove(at: position)
        }
        var result: [IfacesReport.Channel] = []
        for channel in session.channels {
            var address: String?
            if channel.isPrimary || channel.number == 1 {
                address = primaryAddress
            } else if !slots.isEmpty {
                address = slots.removeFirst()
            }
            result.append(
                IfacesReport.Channel(
                    number: channel.number, serverAddress: address, state: channel.state.description,
                    primary: channel.isPrimary || channel.number == 1, connectionId: channel.connectionId))
        }
        return result
    }

    /// FSCTL interfaces in the kernel's order, with channel counts taken from DebugData by address.
    static func merge(
        fsctl reply: NetworkInterfaceInfo, into known: [IfacesReport.ServerInterface]
    ) -> [IfacesReport.ServerInterface] {
        reply.kernelOrder.compactMap { entry in
            guard let address = entry.address else { return nil }
            let text = address.description
            let previous = known.first { $0.address == text }
            return IfacesReport.ServerInterface(
                address: text, family: address.family.rawValue, speedBps: entry.speedBitsPerSecond,
                rss: entry.isRSSCapable, rdma: entry.isRDMACapable, interfaceIndex: entry.interfaceIndex,
                allocatedChannels: previous?.allocatedChannels, connected: previous?.connected ?? false)
        }
    }
}
