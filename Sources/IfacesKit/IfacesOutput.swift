import SMB3Protocol

// The stable JSON form (`smb3-ifaces --json`), one line: `IfacesReport`'s `Encodable` conformance.
// Keys are lowerCamelCase and always present; unknown values are null. Add keys rather than renaming or
// removing them. The keys are documented in `IfacesHelp.discussion`, and a test holds the two together.

extension IfacesReport {
    /// The report as one line of JSON (no trailing newline), keys in the order of the properties.
    public func jsonReport() -> String { encodedJSON.rendered() }
}

extension IfacesReport.Mount: Encodable {
    // `addr` is the mount option's name; `serverCapabilities` feeds the findings and is not reported.
    private enum CodingKeys: String, CodingKey {
        case mountPoint, unc, server, share
        case serverAddressOption = "addr"
        case dialect, multichannel, maxChannels, rdma, sessionId, foundInDebugData, serverInterfaces, channels
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(mountPoint, forKey: .mountPoint)
        try container.encode(unc, forKey: .unc)
        try container.encode(server, forKey: .server)
        try container.encode(share, forKey: .share)
        try container.encodeIfPresent(serverAddressOption, forKey: .serverAddressOption)
        try container.encodeIfPresent(dialect, forKey: .dialect)
        try container.encode(multichannel, forKey: .multichannel)
        try container.encode(maxChannels, forKey: .maxChannels)
        try container.encode(rdma, forKey: .rdma)
        try container.encodeIfPresent(sessionIdText, forKey: .sessionId)
        try container.encode(foundInDebugData, forKey: .foundInDebugData)
        try container.encode(serverInterfaces, forKey: .serverInterfaces)
        try container.encode(channels, forKey: .channels)
    }

    /// The session id as DebugData prints it (`0x%llx`), in every report of it.
    public var sessionIdText: String? { sessionId.map(prefixedHex) }
}

// MARK: - Prometheus text exposition (node-exporter textfile collector)

extension IfacesReport {
    /// The report as Prometheus text exposition format 0.0.4, ending with a newline.
    public func prometheusReport() -> String {
        var out = PrometheusText()
        out.family("smb3_ifaces_mount_channels", "Channels of the cifs session of a mount.")
        for mount in mounts {
            out.sample("smb3_ifaces_mount_channels", mountLabels(mount), Int64(mount.channels.count))
        }
        out.family("smb3_ifaces_mount_max_channels", "max_channels of a mount (1 without multichannel).")
        for mount in mounts {
            out.sample("smb3_ifaces_mount_max_channels", mountLabels(mount), Int64(mount.maxChannels))
        }
        out.family(
            "smb3_ifaces_channel_up", "1 when a channel is connected, 0 when disconnected, reconnecting or disabled.")
        for mount in mounts {
            for channel in mount.channels {
                let labels =
                    mountLabels(mount) + [
                        ("channel", String(channel.number)), ("server_address", channel.serverAddress ?? ""),
                    ]
                out.sample("smb3_ifaces_channel_up", labels, channel.state == "connected" ? 1 : 0)
            }
        }
        out.family("smb3_ifaces_server_interface_speed_bps", "Link speed the server advertised for an interface.")
        for mount in mounts {
            for interface in mount.serverInterfaces {
                guard let speed = interface.speedBps else { continue }
                out.sample("smb3_ifaces_server_interface_speed_bps", interfaceLabels(mount, interface), speed)
            }
        }
        out.family("smb3_ifaces_server_interface_channels", "Channels of the session on a server interface.")
        for mount in mounts {
            for interface in mount.serverInterfaces {
                let count = Int64(mount.channels.filter { $0.serverAddress == interface.address }.count)
                out.sample("smb3_ifaces_server_interface_channels", interfaceLabels(mount, interface), count)
            }
        }
        out.family("smb3_ifaces_local_interface_speed_bps", "Link speed of a local interface (absent when unknown).")
        for interface in local {
            guard let speed = interface.speedBps else { continue }
            out.sample("smb3_ifaces_local_interface_speed_bps", [("name", interface.name)], speed)
        }
        out.family("smb3_ifaces_local_interface_rx_queues", "Receive queues of a local interface.")
        for interface in local {
            out.sample("smb3_ifaces_local_interface_rx_queues", [("name", interface.name)], Int64(interface.rssQueues))
        }
        out.family("smb3_ifaces_finding", "1 for each finding of smb3-ifaces (see its --json for the text).")
        for finding in findings {
            out.sample(
                "smb3_ifaces_finding", [("mountpoint", finding.mountPoint ?? ""), ("code", finding.code.rawValue)],
                Int64(1))
        }
        return out.text
    }

    private func mountLabels(_ mount: Mount) -> [(String, String)] {
        [("mountpoint", mount.mountPoint), ("server", mount.server), ("share", mount.share)]
    }

    private func interfaceLabels(_ mount: Mount, _ interface: ServerInterface) -> [(String, String)] {
        mountLabels(mount) + [
            ("address", interface.address), ("rss", interface.rss ? "1" : "0"), ("rdma", interface.rdma ? "1" : "0"),
        ]
    }
}
