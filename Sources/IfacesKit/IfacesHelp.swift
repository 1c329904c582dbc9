/// The `--help` discussion (and man page text) of `smb3-ifaces`, including the JSON schema. It lives
/// beside `IfacesReport` so a test can hold the documented keys against the ones the type encodes.
public enum IfacesHelp {
    public static let discussion = """
        For each cifs mount (all by default): the server, dialect and session, the network interfaces the \
        server advertised (address, link speed, RSS, RDMA), the channels in use and the server interface each \
        is connected to, the local interfaces (from /sys/class/net and getifaddrs), and findings in plain \
        words, each with the mount option or server setting that fixes it.

        SOURCES: as root (CAP_SYS_ADMIN), the server interfaces are asked of the server with \
        FSCTL_QUERY_NETWORK_INTERFACE_INFO through the CIFS_QUERY_INFO passthrough ioctl; otherwise, or with \
        --from-debugdata, they are parsed from /proc/fs/cifs/DebugData (the kernel's copy, refreshed every \
        600 s). Channels always come from DebugData, which prints no address per channel: the server address \
        of a channel is inferred from the interfaces' 'Allocated channels'. "source" in the JSON says which \
        source gave the interfaces.

        JSON (--json, one line; keys are stable, lowerCamelCase, always present, null when unknown):
          source                      "debugdata" or "fsctl"
          mounts[].mountPoint, .unc, .server, .share, .addr (addr= option), .dialect ("3.1.1"),
                  .multichannel (bool), .maxChannels, .rdma, .sessionId ("0x…"), .foundInDebugData
          mounts[].serverInterfaces[].address, .family ("ipv4"|"ipv6"), .speedBps (bits/s; the kernel
                  reads 0 from the server as 1 Gbit/s), .rss, .rdma, .interfaceIndex (FSCTL only),
                  .allocatedChannels, .connected, .active
          mounts[].channels[].number (1 = primary), .serverAddress (inferred), .state ("connected",
                  "disconnected", "reconnecting", "disabled"), .primary, .connectionId
          local[].name, .index, .addresses[], .speedBps, .rssQueues (rx queues), .rdma (RDMA device on
                  the NIC), .up, .loopback
          findings[].code, .mountPoint, .message, .fix
        Finding codes: multichannelNotEnabled, serverWithoutMultichannel, noServerInterfaces, \
        maxChannelsTooLow, channelsOnSlowerInterface, noRSSPath, rdmaNotUsed, localNICSlower, \
        channelNotConnected, mountNotInDebugData, linkLocalServerInterface.

        PROMETHEUS (--prometheus): gauges smb3_ifaces_mount_channels, smb3_ifaces_mount_max_channels, \
        smb3_ifaces_channel_up, smb3_ifaces_server_interface_speed_bps, smb3_ifaces_server_interface_channels, \
        smb3_ifaces_local_interface_speed_bps, smb3_ifaces_local_interface_rx_queues and smb3_ifaces_finding.

        'debugdata' prints everything DebugData holds. Exit status: 0 success, 1 an input could not be read \
        or parsed or a named path is not a cifs mount point, 2 usage error.
        """
}
