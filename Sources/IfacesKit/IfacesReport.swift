import SMB3Protocol

/// What `smb3-ifaces` reports: per cifs mount, the server's interfaces and the channels in use,
/// the client's own interfaces, and the findings in plain words.
public struct IfacesReport {
    /// Where the server interfaces came from.
    public struct Source: RawRepresentable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// `/proc/fs/cifs/DebugData` (the kernel's stored list, refreshed every 600 s).
        public static let debugData = Source(rawValue: "debugdata")
        /// FSCTL_QUERY_NETWORK_INTERFACE_INFO asked of the server now (CIFS_QUERY_INFO, root).
        public static let fsctl = Source(rawValue: "fsctl")
    }

    /// Where the server interfaces came from (channels always come from DebugData).
    public var source: Source
    /// One entry per cifs mount reported.
    public var mounts: [Mount]
    /// The client's network interfaces.
    public var local: [LocalInterface]
    /// What could be better, each with the option or setting that fixes it.
    public var findings: [Finding]

    public init(source: Source, mounts: [Mount], local: [LocalInterface], findings: [Finding]) {
        self.source = source
        self.mounts = mounts
        self.local = local
        self.findings = findings
    }

    /// One cifs mount and what the kernel knows about its session.
    public struct Mount {
        public var mountPoint: String
        /// The mount source (`//server/share`).
        public var unc: String
        /// The server as named in the source (the DebugData `Hostname:` when the mount was found there).
        public var server: String
        /// The share name.
        public var share: String
        /// `addr=`, the address of the primary connection.
        public var serverAddressOption: String?
        /// The negotiated dialect, e.g. `3.1.1`; `nil` when the mount was not found in DebugData.
        public var dialect: String?
        /// Whether the mount asked for multichannel.
        public var multichannel: Bool
        /// `max_channels` (1 without multichannel).
        public var maxChannels: Int
        /// Whether the mount uses SMB Direct.
        public var rdma: Bool
        /// The SMB session id, when found in DebugData.
        public var sessionId: UInt64?
        /// The server's SMB2 capabilities (6.12 DebugData); bit 0x8 is multichannel.
        public var serverCapabilities: UInt32?
        /// Whether the mount was found in DebugData (no server, session or share otherwise).
        public var foundInDebugData: Bool
        /// The interfaces the server advertised, in the kernel's order.
        public var serverInterfaces: [ServerInterface]
        /// The session's channels, the primary first.
        public var channels: [Channel]

        public init(
            mountPoint: String, unc: String, server: String, share: String, serverAddressOption: String? = nil,
            dialect: String? = nil, multichannel: Bool = false, maxChannels: Int = 1, rdma: Bool = false,
            sessionId: UInt64? = nil, serverCapabilities: UInt32? = nil, foundInDebugData: Bool = false,
            serverInterfaces: [ServerInterface] = [], channels: [Channel] = []
        ) {
            self.mountPoint = mountPoint
            self.unc = unc
            self.server = server
            self.share = share
            self.serverAddressOption = serverAddressOption
            self.dialect = dialect
            self.multichannel = multichannel
            self.maxChannels = maxChannels
            self.rdma = rdma
            self.sessionId = sessionId
            self.serverCapabilities = serverCapabilities
            self.foundInDebugData = foundInDebugData
            self.serverInterfaces = serverInterfaces
            self.channels = channels
        }

        /// Whether the server's capabilities are known and include SMB2_GLOBAL_CAP_MULTI_CHANNEL.
        public var serverSupportsMultichannel: Bool? {
            guard let capabilities = serverCapabilities else { return nil }
            return capabilities & 0x8 != 0
        }
    }

    /// One interface the server advertised.
    public struct ServerInterface {
        public var address: String
        /// `ipv4` or `ipv6`.
        public var family: String
        /// Link speed in bits per second as the kernel uses it (0 from the server counts as 1 Gbit/s);
        /// `nil` when 6.12's DebugData printed `Unknown`.
        public var speedBps: UInt64?
        public var rss: Bool
        public var rdma: Bool
        /// The server's interface index (FSCTL only; DebugData does not print it).
        public var interfaceIndex: UInt32?
        /// Channels of this session on the interface (DebugData `Allocated channels`).
        public var allocatedChannels: Int?
        /// DebugData `[CONNECTED]`: some channel of the session uses this interface.
        public var connected: Bool
        /// `false` for DebugData's `[for-cleanup]`.
        public var active: Bool

        public init(
            address: String, family: String, speedBps: UInt64?, rss: Bool, rdma: Bool, interfaceIndex: UInt32? = nil,
            allocatedChannels: Int? = nil, connected: Bool = false, active: Bool = true
        ) {
            self.address = address
            self.family = family
            self.speedBps = speedBps
            self.rss = rss
            self.rdma = rdma
            self.interfaceIndex = interfaceIndex
            self.allocatedChannels = allocatedChannels
            self.connected = connected
            self.active = active
        }
    }

    /// One channel of the session.
    public struct Channel {
        /// 1 for the primary channel.
        public var number: Int
        /// The server interface the channel is connected to. DebugData prints no address per channel, so
        /// this is inferred from the interfaces' `Allocated channels`/`[CONNECTED]`; `nil` when it cannot be.
        public var serverAddress: String?
        /// `connected`, `disconnected`, `reconnecting` or `disabled`.
        public var state: String
        public var primary: Bool
        public var connectionId: UInt64?

        public init(number: Int, serverAddress: String?, state: String, primary: Bool, connectionId: UInt64? = nil) {
            self.number = number
            self.serverAddress = serverAddress
            self.state = state
            self.primary = primary
            self.connectionId = connectionId
        }
    }

    /// One network interface of this machine.
    public struct LocalInterface {
        public var name: String
        public var index: Int?
        public var addresses: [String]
        /// Link speed in bits per second; `nil` when the driver does not report one (loopback, virtual NICs).
        public var speedBps: UInt64?
        /// Receive queues (`queues/rx-*`): more than one means the NIC spreads flows over CPUs (RSS).
        public var rssQueues: Int
        /// An RDMA device is bound to the NIC (`device/infiniband`).
        public var rdma: Bool
        public var up: Bool
        public var loopback: Bool

        public init(
            name: String, index: Int? = nil, addresses: [String] = [], speedBps: UInt64? = nil, rssQueues: Int = 1,
            rdma: Bool = false, up: Bool = true, loopback: Bool = false
        ) {
            self.name = name
            self.index = index
            self.addresses = addresses
            self.speedBps = speedBps
            self.rssQueues = rssQueues
            self.rdma = rdma
            self.up = up
            self.loopback = loopback
        }
    }

    /// A diagnosis in plain words.
    public struct Finding {
        /// Stable identifier for scripts (see ``Code``).
        public var code: Code
        /// The mount it is about; `nil` for the machine as a whole.
        public var mountPoint: String?
        /// What is wrong.
        public var message: String
        /// The mount option or server setting that fixes it.
        public var fix: String

        public init(code: Code, mountPoint: String?, message: String, fix: String) {
            self.code = code
            self.mountPoint = mountPoint
            self.message = message
            self.fix = fix
        }

        /// Stable finding identifiers.
        public struct Code: RawRepresentable {
            public let rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }
            /// The mount did not ask for multichannel.
            public static let multichannelNotEnabled = Code(rawValue: "multichannelNotEnabled")
            /// The server does not offer multichannel (capability 0x8 absent).
            public static let serverWithoutMultichannel = Code(rawValue: "serverWithoutMultichannel")
            /// Multichannel was asked for, but the server advertised no interfaces.
            public static let noServerInterfaces = Code(rawValue: "noServerInterfaces")
            /// More usable server interfaces than channels, and `max_channels` is the limit.
            public static let maxChannelsTooLow = Code(rawValue: "maxChannelsTooLow")
            /// Every channel uses one interface while a faster one is advertised.
            public static let channelsOnSlowerInterface = Code(rawValue: "channelsOnSlowerInterface")
            /// No server interface is RSS-capable: at most one channel per interface.
            public static let noRSSPath = Code(rawValue: "noRSSPath")
            /// An RDMA-capable server interface is advertised but the mount uses TCP.
            public static let rdmaNotUsed = Code(rawValue: "rdmaNotUsed")
            /// Every local interface is slower than the server interface in use.
            public static let localNICSlower = Code(rawValue: "localNICSlower")
            /// A channel is disconnected, reconnecting or disabled.
            public static let channelNotConnected = Code(rawValue: "channelNotConnected")
            /// The mount is not in DebugData (the session is gone or being set up).
            public static let mountNotInDebugData = Code(rawValue: "mountNotInDebugData")
            /// The server advertises an IPv6 link-local address, on which cifs.ko cannot open a channel.
            public static let linkLocalServerInterface = Code(rawValue: "linkLocalServerInterface")
        }
    }
}

// Encodable is the --json form (IfacesOutput.swift): synthesized, so it is declared here, with the
// types; the properties' names and order are the JSON's keys and order.
extension IfacesReport: Hashable, Sendable, Encodable {}
extension IfacesReport.Source: Hashable, Sendable, Encodable {}
extension IfacesReport.Mount: Hashable, Sendable {}
extension IfacesReport.ServerInterface: Hashable, Sendable, Encodable {}
extension IfacesReport.Channel: Hashable, Sendable, Encodable {}
extension IfacesReport.LocalInterface: Hashable, Sendable, Encodable {}
extension IfacesReport.Finding: Hashable, Sendable, Encodable {}
extension IfacesReport.Finding.Code: Hashable, Sendable, Encodable {}
