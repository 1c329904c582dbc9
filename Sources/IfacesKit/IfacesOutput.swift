import SMB3Protocol

// The stable JSON form (`smb3-ifaces --json`), one line. Keys are lowerCamelCase and always present;
// unknown values are null. Add keys rather than renaming or removing them.
//
// {"source":"debugdata"|"fsctl",
//  "mounts":[{"mountPoint","unc","server","share","addr","dialect","multichannel","maxChannels","rdma",
//             "sessionId":"0x…","foundInDebugData",
//    "serverInterfaces":[{"address","family","speedBps","rss","rdma","interfaceIndex","allocatedChannels",
//                         "connected","active"}],
//    "channels":[{"number","serverAddress","state","primary","connectionId"}]}],
//  "local":[{"name","index","addresses":[…],"speedBps","rssQueues","rdma","up","loopback"}],
//  "findings":[{"code","mountPoint","message","fix"}]}

extension IfacesReport {
    /// The report as one line of JSON (no trailing newline), keys in the order documented above.
    public func jsonReport() -> String { jsonValue.rendered() }

    var jsonValue: JSONValue {
        .object([
            ("source", .string(source.rawValue)),
            ("mounts", .array(mounts.map(\.jsonValue))),
            ("local", .array(local.map(\.jsonValue))),
            ("findings", .array(findings.map(\.jsonValue))),
        ])
    }
}

extension IfacesReport.Mount {
    var jsonValue: JSONValue {
        var session = JSONValue.null
        if let sessionId { session = .string("0x" + String(sessionId, radix: 16)) }
        return .object([
            ("mountPoint", .string(mountPoint)),
            ("unc", .string(unc)),
            ("server", .string(server)),
            ("share", .string(share)),
            ("addr", .optionalString(serverAddressOption)),
            ("dialect", .optionalString(dialect)),
            ("multichannel", .bool(multichannel)),
            ("maxChannels", .int(Int64(maxChannels))),
            ("rdma", .bool(rdma)),
            ("sessionId", session),
            ("foundInDebugData", .bool(foundInDebugData)),
            ("serverInterfaces", .array(serverInterfaces.map(\.jsonValue))),
            ("channels", .array(channels.map(\.jsonValue))),
        ])
    }
}

extension IfacesReport.ServerInterface {
    var jsonValue: JSONValue {
        var index = JSONValue.null
        if let interfaceIndex { index = .uint(UInt64(interfaceIndex)) }
        var allocated = JSONValue.null
        if let allocatedChannels { allocated = .int(Int64(allocatedChannels)) }
        return .object([
            ("address", .string(address)),
            ("family", .string(family)),
            ("speedBps", .optionalUInt(speedBps)),
            ("rss", .bool(rss)),
            ("rdma", .bool(rdma)),
            ("interfaceIndex", index),
            ("allocatedChannels", allocated),
            ("connected", .bool(connected)),
            ("active", .bool(active)),
        ])
    }
}

extension IfacesReport.Channel {
    var jsonValue: JSONValue {
        .object([
            ("number", .int(Int64(number))),
            ("serverAddress", .optionalString(serverAddress)),
            ("state", .string(state)),
            ("primary", .bool(primary)),
            ("connectionId", .optionalUInt(connectionId)),
        ])
    }
}

extension IfacesReport.LocalInterface {
    var jsonValue: JSONValue {
        var interfaceIndex = JSONValue.null
        if let index { interfaceIndex = .int(Int64(index)) }
        return .object([
            ("name", .string(name)),
            ("index", interfaceIndex),
            ("addresses", .array(addresses.map(JSONValue.string))),
            ("speedBps", .optionalUInt(speedBps)),
            ("rssQueues", .int(Int64(rssQueues))),
            ("rdma", .bool(rdma)),
            ("up", .bool(up)),
            ("loopback", .bool(loopback)),
        ])
    }
}

extension IfacesReport.Finding {
    var jsonValue: JSONValue {
        .object([
            ("code", .string(code.rawValue)),
            ("mountPoint", .optionalString(mountPoint)),
            ("message", .string(message)),
            ("fix", .string(fix)),
        ])
    }
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
