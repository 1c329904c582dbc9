import SMB3Protocol

/// The findings of a report, in plain words, each with the mount option or server setting that fixes it.
///
/// The rules follow how cifs.ko opens channels (`sess.c: cifs_try_adding_channels`): interfaces whose
/// RDMA capability differs from the primary transport are skipped, an interface already in use is
/// reused only when RSS-capable, and at most `max_channels` (1..16) channels are opened.
public enum IfacesDiagnosis {
    /// `CIFS_MAX_CHANNELS`.
    public static let maximumChannels = 16

    public static func findings(for report: IfacesReport) -> [IfacesReport.Finding] {
        var findings: [IfacesReport.Finding] = []
        for mount in report.mounts {
            findings += self.findings(for: mount, local: report.local)
        }
        return findings
    }

    static func findings(
        for mount: IfacesReport.Mount, local: [IfacesReport.LocalInterface]
    ) -> [IfacesReport.Finding] {
        let at = mount.mountPoint
        guard mount.foundInDebugData else {
            return [
                .init(
                    code: .mountNotInDebugData, mountPoint: at,
                    message:
                        "\(at): no session for \(mount.unc) in /proc/fs/cifs/DebugData (disconnected or still being set up)",
                    fix: "check 'dmesg | grep CIFS' and the server; remount if the session does not come back")
            ]
        }
        var findings: [IfacesReport.Finding] = []
        findings += channelStates(mount)
        let usable = usableInterfaces(mount)
        if !mount.multichannel {
            findings.append(multichannelNotEnabled(mount, usable: usable))
            return findings
        }
        // The client asks for SMB2_GLOBAL_CAP_MULTI_CHANNEL only when the mount wants multichannel, so the
        // server's answer means something only then.
        if mount.serverSupportsMultichannel == false {
            findings.append(
                .init(
                    code: .serverWithoutMultichannel, mountPoint: at,
                    message:
                        "\(at): the server \(mount.server) does not offer multichannel, so only one channel is used",
                    fix:
                        "enable multichannel on the server (Samba: 'server multi channel support = yes'; Windows: Set-SmbServerConfiguration -EnableMultiChannel $true)"
                ))
            return findings
        }
        if mount.serverInterfaces.isEmpty {
            findings.append(
                .init(
                    code: .noServerInterfaces, mountPoint: at,
                    message: "\(at): multichannel is on, but \(mount.server) advertised no network interfaces",
                    fix:
                        "list the interfaces on the server (Samba: interfaces = \"ADDRESS;speed=BPS,capability=RSS\" with 'server multi channel support = yes')"
                ))
            return findings
        }
        findings += linkLocalInterfaces(mount)
        if let finding = maxChannelsTooLow(mount, usable: usable) { findings.append(finding) }
        if let finding = slowerInterface(mount, usable: usable) { findings.append(finding) }
        if !usable.isEmpty, !usable.contains(where: \.rss) {
            findings.append(
                .init(
                    code: .noRSSPath, mountPoint: at,
                    message:
                        "\(at): no interface of \(mount.server) is RSS-capable, so each carries at most one channel",
                    fix: "enable RSS on the server's NIC and advertise it (Samba: capability=RSS in 'interfaces')"))
        }
        if !mount.rdma, let fast = mount.serverInterfaces.first(where: \.rdma) {
            findings.append(
                .init(
                    code: .rdmaNotUsed, mountPoint: at,
                    message:
                        "\(at): \(mount.server) offers SMB Direct (RDMA) on \(fast.address), but the mount uses TCP, and cifs opens no channel on an RDMA interface for a TCP session",
                    fix: "mount with rdma (needs an RDMA NIC on the client and CONFIG_CIFS_SMB_DIRECT)"))
        }
        if let finding = localSlower(mount, local: local) { findings.append(finding) }
        return findings
    }

    /// The interfaces the kernel can open channels on: active, with the transport's RDMA capability, and
    /// not IPv6 link-local (the kernel tries those and fails, see ``linkLocalInterfaces(_:)``).
    static func usableInterfaces(_ mount: IfacesReport.Mount) -> [IfacesReport.ServerInterface] {
        mount.serverInterfaces.filter { $0.active && $0.rdma == mount.rdma && !isIPv6LinkLocal($0) }
    }

    static func isIPv6LinkLocal(_ interface: IfacesReport.ServerInterface) -> Bool {
        IPAddress(interface.address)?.isIPv6LinkLocal ?? false
    }

    /// One finding per advertised IPv6 link-local address. The interface list carries no scope id and
    /// cifs.ko zeroes it (`parse_server_interfaces`), so connecting to it fails: the kernel logs "failed to
    /// open extra channel on iface:fe80:… rc=-22". ksmbd advertises the first usable IPv6 address of each
    /// interface, which can be the link-local one.
    private static func linkLocalInterfaces(_ mount: IfacesReport.Mount) -> [IfacesReport.Finding] {
        mount.serverInterfaces.filter { $0.active && isIPv6LinkLocal($0) }.map { interface in
            .init(
                code: .linkLocalServerInterface, mountPoint: mount.mountPoint,
                message:
                    "\(mount.mountPoint): \(mount.server) advertises the link-local address \(interface.address): the client cannot open a channel to \(interface.address)",
                fix:
                    "give the server a global address on that interface or restrict its interfaces (ksmbd and Samba: 'interfaces = ...' with 'bind interfaces only = yes')"
            )
        }
    }

    private static func channelStates(_ mount: IfacesReport.Mount) -> [IfacesReport.Finding] {
        mount.channels.filter { $0.state != "connected" }.map { channel in
            var target = ""
            if let address = channel.serverAddress { target = " to \(address)" }
            return .init(
                code: .channelNotConnected, mountPoint: mount.mountPoint,
                message: "\(mount.mountPoint): channel \(channel.number)\(target) is \(channel.state)",
                fix:
                    "the kernel retries by itself; if it stays \(channel.state), check the network path\(target) and the server, or remount"
            )
        }
    }

    /// How many channels the kernel could place (`cifs_try_adding_channels`): one on each usable interface,
    /// and on an RSS-capable one up to its weight `speed / slowest speed`; at most 16.
    static func channelCapacity(usable: [IfacesReport.ServerInterface], all: [IfacesReport.ServerInterface]) -> Int {
        let slowest = all.compactMap(\.speedBps).filter { $0 > 0 }.min() ?? 1
        var capacity = 0
        for interface in usable {
            if interface.rss, let speed = interface.speedBps {
                capacity += Int(min(max(speed / slowest, 1), UInt64(maximumChannels)))
            } else {
                capacity += 1
            }
            if capacity >= maximumChannels { return maximumChannels }
        }
        return capacity
    }

    /// The `max_channels` to suggest: one more channel than now, or one per usable interface, within the capacity.
    static func suggestedChannels(
        usable: [IfacesReport.ServerInterface], all: [IfacesReport.ServerInterface], current: Int
    ) -> Int {
        let capacity = channelCapacity(usable: usable, all: all)
        return min(max(usable.count, current + 1, 2), max(capacity, 2), maximumChannels)
    }

    private static func multichannelNotEnabled(
        _ mount: IfacesReport.Mount, usable: [IfacesReport.ServerInterface]
    ) -> IfacesReport.Finding {
        let suggestion = suggestedChannels(usable: usable, all: mount.serverInterfaces, current: 1)
        var what = "multichannel is not enabled on this mount, so it uses a single connection"
        if usable.count > 1 {
            what += " although \(mount.server) advertises \(usable.count) usable interfaces"
        }
        return .init(
            code: .multichannelNotEnabled, mountPoint: mount.mountPoint, message: "\(mount.mountPoint): \(what)",
            fix: "remount with multichannel,max_channels=\(suggestion)")
    }

    private static func maxChannelsTooLow(
        _ mount: IfacesReport.Mount, usable: [IfacesReport.ServerInterface]
    ) -> IfacesReport.Finding? {
        let channelCount = mount.channels.count
        let capacity = channelCapacity(usable: usable, all: mount.serverInterfaces)
        guard capacity > channelCount, channelCount >= mount.maxChannels, mount.maxChannels < maximumChannels else {
            return nil
        }
        let next = ordinal(channelCount + 1)
        let suggestion = suggestedChannels(usable: usable, all: mount.serverInterfaces, current: channelCount)
        let advertised = mount.serverInterfaces.count
        return .init(
            code: .maxChannelsTooLow, mountPoint: mount.mountPoint,
            message:
                "\(mount.mountPoint): \(mount.server) advertises \(advertised) interface\(advertised == 1 ? "" : "s") with room for more than the \(channelCount) channel\(channelCount == 1 ? "" : "s") in use (max_channels=\(mount.maxChannels) is the limit): a \(next) channel is possible",
            fix: "remount with multichannel,max_channels=\(suggestion)")
    }

    private static func slowerInterface(
        _ mount: IfacesReport.Mount, usable: [IfacesReport.ServerInterface]
    ) -> IfacesReport.Finding? {
        let addresses = Set(mount.channels.compactMap(\.serverAddress))
        guard mount.channels.count >= 1, addresses.count == 1, let used = addresses.first,
            let usedSpeed = usable.first(where: { $0.address == used })?.speedBps
        else { return nil }
        guard
            let faster = usable.filter({ ($0.speedBps ?? 0) > usedSpeed }).max(by: {
                ($0.speedBps ?? 0) < ($1.speedBps ?? 0)
            }),
            let fasterSpeed = faster.speedBps
        else { return nil }
        let channels = mount.channels.count == 1 ? "The only channel uses" : "All \(mount.channels.count) channels use"
        return .init(
            code: .channelsOnSlowerInterface, mountPoint: mount.mountPoint,
            message:
                "\(mount.mountPoint): \(channels) \(used) (\(IfacesFormat.speed(usedSpeed))) while \(faster.address) is faster (\(IfacesFormat.speed(fasterSpeed)))",
            fix: faster.rss
                ? "remount with a higher max_channels so the kernel adds channels on \(faster.address)"
                : "the kernel prefers RSS-capable interfaces: advertise \(faster.address) as RSS-capable on the server (Samba: capability=RSS), or mount //\(faster.address)/\(mount.share)"
        )
    }

    private static func localSlower(
        _ mount: IfacesReport.Mount, local: [IfacesReport.LocalInterface]
    ) -> IfacesReport.Finding? {
        let speeds = local.filter { !$0.loopback && $0.up }.compactMap(\.speedBps)
        guard let fastestLocal = speeds.max() else { return nil }
        let used = Set(mount.channels.compactMap(\.serverAddress))
        let serverSpeeds = mount.serverInterfaces.filter { used.contains($0.address) }.compactMap(\.speedBps)
        guard let fastestServer = serverSpeeds.max(), fastestLocal < fastestServer else { return nil }
        return .init(
            code: .localNICSlower, mountPoint: mount.mountPoint,
            message:
                "\(mount.mountPoint): the fastest local NIC runs at \(IfacesFormat.speed(fastestLocal)), slower than the server interface in use (\(IfacesFormat.speed(fastestServer)))",
            fix: "use a faster client NIC, or more channels over several client NICs (multichannel,max_channels=N)")
    }

    static func ordinal(_ number: Int) -> String {
        let words = ["zeroth", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
        if number >= 0, number < words.count { return words[number] }
        return "\(number)th"
    }
}

/// Shared text helpers.
public enum IfacesFormat {
    /// `10 Gbit/s`, `2.5 Gbit/s`, `100 Mbit/s`; the exact value when it is not a round number.
    public static func speed(_ bps: UInt64) -> String {
        for (unit, scale) in [("Tbit/s", UInt64(1_000_000_000_000)), ("Gbit/s", 1_000_000_000), ("Mbit/s", 1_000_000)]
        where bps >= scale {
            if bps % scale == 0 { return "\(bps / scale) \(unit)" }
            if bps <= UInt64.max / 10, (bps * 10) % scale == 0 {
                return "\(bps / scale).\((bps % scale) * 10 / scale) \(unit)"
            }
        }
        return "\(bps) bit/s"
    }
}
