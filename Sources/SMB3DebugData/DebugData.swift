// Over 400 lines on purpose: the whole DebugData value tree, in the file's own order, that the section parsers fill.
import SMB3Wire

// /proc/fs/cifs/DebugData  -- fs/smb/client/cifs_debug.c: cifs_debug_data_proc_show(), cifs_swn_dump()
//
//   header      "Display Internal CIFS Data Structures for Debugging" / "CIFS Version %s" / "Features:..."
//               "CIFSMaxBufSize: %d" / "Active VFS Requests: %d" / "\nServers: "
//   server      "\n%d) ConnectionId: 0x%llx " ["Hostname: %s "] [6.12: "\nClientGUID: %pUL"]
//               "\nNumber of credits: %d[,%d,%d] Dialect 0x%x" [flags] [6.12: "\nServer capabilities: 0x%x"]
//               "\nTCP status: %d Instance: %d\nLocal Users To Server: %d SecMode: 0x%x Req On Wire: %d" ...
//     session   "\n\t%d) Address: %s Uses: %d Capability: 0x%x\tSession Status: %d " | "\n\t%d) Name: %s  Domain: ..."
//               "\n\tSecurity type: %s  SessionId: 0x%llx" ... "\n\tUser: %d Cred User: %d"
//       channel "\n\n\t\tChannel: %d ConnectionId: 0x%llx" + the connection lines, indented twice
//       share   "\n\t%d) %s Mounts: %d " ... (four or five lines per tree connection)
//       iface   "\n\t%d)\tSpeed: …" "\t\tCapabilities: …" "\t\tIPv4|IPv6: …" ["\t\t[for-cleanup]"] "\t\tWeight …" …
//     "\n\n\tMIDs: " … "\n--\n"
//   witness     "Witness registrations:" then "\nId: %u Refs: %u Network name: '%s'(y|n) Share name: '%s'(y|n) Ip address: …"
//
// The file is a debugging aid with no stability guarantee, so the model keeps what tools need
// (connections, sessions, channels, shares, server interfaces, witness registrations) and tolerates
// every line it does not know.

/// The parsed contents of `/proc/fs/cifs/DebugData`, as printed by kernels 6.1 and 6.12.
///
/// Parse with ``init(parsing:)-(String)``. Unknown lines are skipped; values that fail to parse in a
/// line the parser recognises are reported in ``diagnostics`` instead of failing the whole parse.
public struct DebugData {
    /// Which generation of the format the file was printed by, judged from the lines that differ.
    public var format: Format
    /// The `CIFS Version` line, e.g. `2.40` on 6.1.192 and `2.51` on 6.12.117.
    public var cifsVersion: String?
    /// The `Features:` words (`DFS`, `FSCACHE`, `STATS2`, …, `WITNESS`) in the order printed.
    public var features: [String]
    /// `CIFSMaxBufSize`, the module parameter.
    public var maximumBufferSize: Int32?
    /// `Active VFS Requests`.
    public var activeVFSRequests: Int32?
    /// The primary connections (`TCP_Server_Info`), numbered from 1; channel connections appear under their session.
    public var servers: [Server]
    /// The `Witness registrations:` entries, or `nil` when the section is absent (kernel built without `CONFIG_CIFS_SWN_UPCALL`).
    public var witnessRegistrations: [WitnessRegistration]?
    /// Problems found in lines the parser recognised, at most ``maximumDiagnostics``.
    public var diagnostics: [Diagnostic]
    /// How many diagnostics were dropped beyond ``maximumDiagnostics``.
    public var omittedDiagnosticCount: Int

    public init(
        format: Format = .undetermined, cifsVersion: String? = nil, features: [String] = [],
        maximumBufferSize: Int32? = nil, activeVFSRequests: Int32? = nil, servers: [Server] = [],
        witnessRegistrations: [WitnessRegistration]? = nil, diagnostics: [Diagnostic] = [],
        omittedDiagnosticCount: Int = 0
    ) {
        self.format = format
        self.cifsVersion = cifsVersion
        self.features = features
        self.maximumBufferSize = maximumBufferSize
        self.activeVFSRequests = activeVFSRequests
        self.servers = servers
        self.witnessRegistrations = witnessRegistrations
        self.diagnostics = diagnostics
        self.omittedDiagnosticCount = omittedDiagnosticCount
    }
}

extension DebugData: Hashable {}
extension DebugData: Sendable {}

extension DebugData {
    /// The counters and state of one TCP connection, shared by a server and by each of its channels.
    ///
    /// The corresponding kernel struct is `TCP_Server_Info`.
    public struct Connection {
        /// `ConnectionId: 0x%llx` (`server->conn_id`).
        public var connectionId: UInt64
        /// `Number of credits:` first value (`server->credits`).
        public var credits: Int32?
        /// 6.12: second credits value (`echo_credits`).
        public var echoCredits: Int32?
        /// 6.12: third credits value (`oplock_credits`).
        public var oplockCredits: Int32?
        /// `Dialect 0x%x`.
        public var dialect: Dialect?
        /// `TCP status: %d`.
        public var tcpStatus: TCPStatus?
        /// `Instance: %d` (`reconnect_instance`).
        public var reconnectInstance: Int32?
        /// `Local Users To Server: %d` (`srv_count`).
        public var localUsers: Int32?
        /// `SecMode: 0x%x`.
        public var securityMode: UInt32?
        /// `Req On Wire: %d` (requests in flight).
        public var requestsOnWire: Int32?
        /// `In Send: %d`.
        public var inSend: Int32?
        /// `In MaxReq Wait: %d`.
        public var inMaxRequestWait: Int32?
        /// 6.12: `Net namespace: %u`, the inode number of the network namespace (compare with `/proc/<pid>/ns/net`).
        public var netNamespace: UInt32?
        /// 6.12: `DFS leaf full path: %s`.
        public var dfsLeafFullPath: String?

        public init(
            connectionId: UInt64, credits: Int32? = nil, echoCredits: Int32? = nil, oplockCredits: Int32? = nil,
            dialect: Dialect? = nil, tcpStatus: TCPStatus? = nil, reconnectInstance: Int32? = nil,
            localUsers: Int32? = nil, securityMode: UInt32? = nil, requestsOnWire: Int32? = nil,
            inSend: Int32? = nil, inMaxRequestWait: Int32? = nil, netNamespace: UInt32? = nil,
            dfsLeafFullPath: String? = nil
        ) {
            self.connectionId = connectionId
            self.credits = credits
            self.echoCredits = echoCredits
            self.oplockCredits = oplockCredits
            self.dialect = dialect
            self.tcpStatus = tcpStatus
            self.reconnectInstance = reconnectInstance
            self.localUsers = localUsers
            self.securityMode = securityMode
            self.requestsOnWire = requestsOnWire
            self.inSend = inSend
            self.inMaxRequestWait = inMaxRequestWait
            self.netNamespace = netNamespace
            self.dfsLeafFullPath = dfsLeafFullPath
        }
    }

    /// One primary connection to a server, with its sessions.
    public struct Server {
        /// The 1-based number printed before `)`.
        public var index: Int
        /// Connection state and counters.
        public var connection: Connection
        /// `Hostname: %s`.
        public var hostname: String?
        /// 6.12: `ClientGUID: %pUL`, as printed (upper-case, little-endian UUID text).
        public var clientGUID: String?
        /// 6.12: `Server capabilities: 0x%x` (SMB2 global capabilities; 0x8 is multichannel).
        public var capabilities: UInt32?
        /// ` COMPRESS_LZNT1`, ` COMPRESS_LZ77` or ` COMPRESS_LZ77_HUFF` after the dialect (6.1).
        public var compressionAlgorithm: String?
        /// ` signed` after the dialect.
        public var isSigned: Bool
        /// ` posix` after the dialect.
        public var supportsPOSIXExtensions: Bool
        /// ` nosharesock` after the dialect.
        public var noShareSock: Bool
        /// An `RDMA ` line: the connection uses SMB Direct.
        public var isRDMA: Bool
        /// 6.12: the `Compression:` line after the colon (`no built-in support`, `disabled on mount`, …).
        public var compression: String?
        /// Newer kernels: the `Encryption:` line after the colon.
        public var encryption: String?
        /// Sessions on this connection, numbered from 1.
        public var sessions: [Session]

        public init(
            index: Int, connection: Connection, hostname: String? = nil, clientGUID: String? = nil,
            capabilities: UInt32? = nil, compressionAlgorithm: String? = nil, isSigned: Bool = false,
            supportsPOSIXExtensions: Bool = false, noShareSock: Bool = false, isRDMA: Bool = false,
            compression: String? = nil, encryption: String? = nil, sessions: [Session] = []
        ) {
            self.index = index
            self.connection = connection
            self.hostname = hostname
            self.clientGUID = clientGUID
            self.capabilities = capabilities
            self.compressionAlgorithm = compressionAlgorithm
            self.isSigned = isSigned
            self.supportsPOSIXExtensions = supportsPOSIXExtensions
            self.noShareSock = noShareSock
            self.isRDMA = isRDMA
            self.compression = compression
            self.encryption = encryption
            self.sessions = sessions
        }

        /// The connection id of the primary channel.
        public var connectionId: UInt64 { connection.connectionId }
        /// The negotiated dialect of the primary channel.
        public var dialect: Dialect? { connection.dialect }
        /// The TCP status of the primary channel.
        public var tcpStatus: TCPStatus? { connection.tcpStatus }
        /// 6.12: the network namespace inode number.
        public var netNamespace: UInt32? { connection.netNamespace }
    }

    /// One SMB session (`struct cifs_ses`).
    public struct Session {
        /// The 1-based number printed before `)`.
        public var index: Int
        /// `Address: %s` or `Name: %s`: the server address the session was set up to (`ses->ip_addr`).
        public var address: String
        /// `Domain: %s` (only in the `Name:` form, when the server sent domain and OS strings).
        public var domain: String?
        /// `OS: %s` (`Name:` form).
        public var serverOS: String?
        /// `NOS: %s` (`Name:` form).
        public var serverNOS: String?
        /// `Uses: %d`.
        public var uses: Int32?
        /// `Capability: 0x%x`.
        public var capabilities: UInt32?
        /// `Session Status: %d` or `SMB session status: %d`.
        public var status: SessionStatus?
        /// `Guest ` after the status.
        public var isGuest: Bool
        /// `Anonymous ` after the status.
        public var isAnonymous: Bool
        /// 6.12: `password no longer valid `.
        public var passwordNoLongerValid: Bool
        /// `Security type: %s`.
        public var securityType: SecurityType?
        /// `SessionId: 0x%llx`.
        public var sessionId: UInt64?
        /// ` encrypted` after the session id.
        public var isEncrypted: Bool
        /// 6.12: `(gcm256)` right after ` encrypted`.
        public var usesAES256GCM: Bool
        /// ` signed` after the session id.
        public var isSigned: Bool
        /// `User: %d` (`linux_uid`), as the 32-bit uid (an unmapped uid prints as -1 and reads as 4294967295).
        public var userId: UInt32?
        /// `Cred User: %d` (`cred_uid`, the `cruid=` of the mount).
        public var credentialUserId: UInt32?
        /// 6.12: `DFS root session id: 0x%llx`.
        public var dfsRootSessionId: UInt64?
        /// `Primary channel: DISCONNECTED`.
        public var primaryChannelDisconnected: Bool
        /// `[RECONNECTING]` printed for the primary channel.
        public var primaryChannelReconnecting: Bool
        /// `Extra Channels: %zu`, as printed (the parsed ``channels`` hold one more: the primary).
        public var declaredExtraChannelCount: Int?
        /// All channels: the primary as number 1, then the extra channels in the order printed.
        public var channels: [Channel]
        /// Tree connections: the IPC share as index 0 (when printed), then the mounted shares.
        public var shares: [Share]
        /// `Server interfaces: %zu`, as printed.
        public var declaredServerInterfaceCount: Int?
        /// `Last updated: %lu seconds ago`.
        public var serverInterfacesLastUpdatedSecondsAgo: UInt64?
        /// The interfaces the server advertised (FSCTL_QUERY_NETWORK_INTERFACE_INFO), in the kernel's order.
        public var serverInterfaces: [ServerInterface]

        public init(
            index: Int, address: String, domain: String? = nil, serverOS: String? = nil, serverNOS: String? = nil,
            uses: Int32? = nil, capabilities: UInt32? = nil, status: SessionStatus? = nil, isGuest: Bool = false,
            isAnonymous: Bool = false, passwordNoLongerValid: Bool = false, securityType: SecurityType? = nil,
            sessionId: UInt64? = nil, isEncrypted: Bool = false, usesAES256GCM: Bool = false,
            isSigned: Bool = false, userId: UInt32? = nil, credentialUserId: UInt32? = nil,
            dfsRootSessionId: UInt64? = nil, primaryChannelDisconnected: Bool = false,
            primaryChannelReconnecting: Bool = false, declaredExtraChannelCount: Int? = nil,
            channels: [Channel] = [], shares: [Share] = [], declaredServerInterfaceCount: Int? = nil,
            serverInterfacesLastUpdatedSecondsAgo: UInt64? = nil, serverInterfaces: [ServerInterface] = []
        ) {
            self.index = index
            self.address = address
            self.domain = domain
            self.serverOS = serverOS
            self.serverNOS = serverNOS
            self.uses = uses
            self.capabilities = capabilities
            self.status = status
            self.isGuest = isGuest
            self.isAnonymous = isAnonymous
            self.passwordNoLongerValid = passwordNoLongerValid
            self.securityType = securityType
            self.sessionId = sessionId
            self.isEncrypted = isEncrypted
            self.usesAES256GCM = usesAES256GCM
            self.isSigned = isSigned
            self.userId = userId
            self.credentialUserId = credentialUserId
            self.dfsRootSessionId = dfsRootSessionId
            self.primaryChannelDisconnected = primaryChannelDisconnected
            self.primaryChannelReconnecting = primaryChannelReconnecting
            self.declaredExtraChannelCount = declaredExtraChannelCount
            self.channels = channels
            self.shares = shares
            self.declaredServerInterfaceCount = declaredServerInterfaceCount
            self.serverInterfacesLastUpdatedSecondsAgo = serverInterfacesLastUpdatedSecondsAgo
            self.serverInterfaces = serverInterfaces
        }
    }

    /// One channel of a session (`struct cifs_chan`). The primary channel is number 1.
    ///
    /// DebugData prints no address for a channel; ``ServerInterface/isConnected`` and
    /// ``ServerInterface/allocatedChannels`` tell which interfaces the channels use.
    public struct Channel {
        /// `Channel: %d`; 1 for the primary channel.
        public var number: Int
        /// The channel's connection; `nil` when the channel is `DISABLED` (no server).
        public var connection: Connection?
        /// Whether this is the session's primary channel (taken from the server's own lines).
        public var isPrimary: Bool
        /// `Channel: %d DISABLED` (6.12).
        public var isDisabled: Bool
        /// `DISCONNECTED` (or `Primary channel: DISCONNECTED`): the channel needs reconnecting.
        public var needsReconnect: Bool
        /// `[RECONNECTING]`: a reconnect is in progress.
        public var isReconnecting: Bool

        public init(
            number: Int, connection: Connection?, isPrimary: Bool = false, isDisabled: Bool = false,
            needsReconnect: Bool = false, isReconnecting: Bool = false
        ) {
            self.number = number
            self.connection = connection
            self.isPrimary = isPrimary
            self.isDisabled = isDisabled
            self.needsReconnect = needsReconnect
            self.isReconnecting = isReconnecting
        }

        /// One word for the channel: disabled, reconnecting, disconnected or connected.
        public var state: ChannelState {
            if isDisabled { return .disabled }
            if isReconnecting { return .reconnecting }
            if needsReconnect { return .disconnected }
            return .connected
        }
        /// The connection id, `nil` for a disabled channel.
        public var connectionId: UInt64? { connection?.connectionId }
    }

    /// One tree connection (`struct cifs_tcon`).
    public struct Share {
        /// The number printed before `)`; 0 is the IPC connection.
        public var index: Int
        /// Whether this is the `IPC:` entry.
        public var isIPC: Bool
        /// The UNC tree name (`\\server\share`); `nil` for `IPC: none`.
        public var treeName: String?
        /// `Mounts: %d`.
        public var mounts: Int32?
        /// `Type: %s` (the native file system name).
        public var nativeFileSystem: String?
        /// `DevInfo: 0x%x` (device characteristics).
        public var deviceCharacteristics: UInt32?
        /// `Attributes: 0x%x` (file system attributes).
        public var attributes: UInt32?
        /// `PathComponentMax: %d`.
        public var pathComponentMax: Int32?
        /// `Status: %d` (`tcon->status`).
        public var status: TreeConnectStatus?
        /// `type: DISK`, `type: CDROM` or `type: %d`: the word or number as printed.
        public var deviceType: String?
        /// `Serial Number: 0x%x`.
        public var serialNumber: UInt32?
        /// ` Encrypted` (6.1) or ` encrypted` (6.12).
        public var isEncrypted: Bool
        /// ` nocase`.
        public var isCaseInsensitive: Bool
        /// ` POSIX Extensions`.
        public var hasPOSIXExtensions: Bool
        /// `Share Capabilities:` DFS, CONTINUOUS AVAILABILITY, SCALEOUT, CLUSTER, ASYMMETRIC.
        public var capabilities: ShareCapabilities
        /// `Share Capabilities:` Aligned, Partition Aligned, SSD, TRIM-support.
        public var sectorFlags: SectorFlags
        /// `Share Flags: 0x%x`.
        public var shareFlags: UInt32?
        /// `tid: 0x%x`.
        public var treeId: UInt32?
        /// `Optimal sector size: 0x%x`.
        public var optimalSectorSize: UInt32?
        /// `Maximal Access: 0x%x`.
        public var maximalAccess: UInt32?
        /// ` Witness`: the mount registered with the witness service.
        public var usesWitness: Bool
        /// ` nosparse`.
        public var noSparse: Bool
        /// `DISCONNECTED` (`tcon->need_reconnect`).
        public var isDisconnected: Bool
        /// 6.12: `DFS origin fullpath: %s`.
        public var dfsOriginFullPath: String?

        public init(
            index: Int, isIPC: Bool = false, treeName: String? = nil, mounts: Int32? = nil,
            nativeFileSystem: String? = nil, deviceCharacteristics: UInt32? = nil, attributes: UInt32? = nil,
            pathComponentMax: Int32? = nil, status: TreeConnectStatus? = nil, deviceType: String? = nil,
            serialNumber: UInt32? = nil, isEncrypted: Bool = false, isCaseInsensitive: Bool = false,
            hasPOSIXExtensions: Bool = false, capabilities: ShareCapabilities = [], sectorFlags: SectorFlags = [],
            shareFlags: UInt32? = nil, treeId: UInt32? = nil, optimalSectorSize: UInt32? = nil,
            maximalAccess: UInt32? = nil, usesWitness: Bool = false, noSparse: Bool = false,
            isDisconnected: Bool = false, dfsOriginFullPath: String? = nil
        ) {
            self.index = index
            self.isIPC = isIPC
            self.treeName = treeName
            self.mounts = mounts
            self.nativeFileSystem = nativeFileSystem
            self.deviceCharacteristics = deviceCharacteristics
            self.attributes = attributes
            self.pathComponentMax = pathComponentMax
            self.status = status
            self.deviceType = deviceType
            self.serialNumber = serialNumber
            self.isEncrypted = isEncrypted
            self.isCaseInsensitive = isCaseInsensitive
            self.hasPOSIXExtensions = hasPOSIXExtensions
            self.capabilities = capabilities
            self.sectorFlags = sectorFlags
            self.shareFlags = shareFlags
            self.treeId = treeId
            self.optimalSectorSize = optimalSectorSize
            self.maximalAccess = maximalAccess
            self.usesWitness = usesWitness
            self.noSparse = noSparse
            self.isDisconnected = isDisconnected
            self.dfsOriginFullPath = dfsOriginFullPath
        }
    }

    /// One interface the server advertised (`struct cifs_server_iface`).
    public struct ServerInterface {
        /// The number printed before `)` (1-based since ~6.0; older kernels counted from 0).
        public var index: Int
        /// The link speed in bits per second: exact from 6.1's `Speed: %zu bps`, or the value of one of
        /// 6.12's names (`10Mbps` … `800Gbps`); `nil` for 6.12's `Unknown` or an unknown name.
        public var speedBitsPerSecond: UInt64?
        /// The text after `Speed:`, as printed.
        public var speedText: String
        /// `rss` in `Capabilities:`.
        public var isRSSCapable: Bool
        /// `rdma` in `Capabilities:`.
        public var isRDMACapable: Bool
        /// `IPv4: %pI4` or `IPv6: %pI6`; `nil` when the line is missing or does not parse.
        public var address: IPAddress?
        /// `false` when `[for-cleanup]` is printed: the interface vanished from the last query.
        public var isActive: Bool
        /// `Weight (cur,total): (cur,…)`: channels already placed against the weight.
        public var weightCurrent: UInt64?
        /// `Weight (cur,total): (…,total)`: `speed / slowest speed`.
        public var weightTotal: UInt64?
        /// `Allocated channels: %u`.
        public var allocatedChannels: UInt32?
        /// `[CONNECTED]`: some channel of the session uses this interface.
        public var isConnected: Bool

        public init(
            index: Int, speedBitsPerSecond: UInt64? = nil, speedText: String = "", isRSSCapable: Bool = false,
            isRDMACapable: Bool = false, address: IPAddress? = nil, isActive: Bool = true,
            weightCurrent: UInt64? = nil, weightTotal: UInt64? = nil, allocatedChannels: UInt32? = nil,
            isConnected: Bool = false
        ) {
            self.index = index
            self.speedBitsPerSecond = speedBitsPerSecond
            self.speedText = speedText
            self.isRSSCapable = isRSSCapable
            self.isRDMACapable = isRDMACapable
            self.address = address
            self.isActive = isActive
            self.weightCurrent = weightCurrent
            self.weightTotal = weightTotal
            self.allocatedChannels = allocatedChannels
            self.isConnected = isConnected
        }
    }

    /// One entry of `Witness registrations:` (`struct cifs_swn_reg`).
    public struct WitnessRegistration {
        /// `Id: %u`, the registration id also sent in the REGISTER netlink message.
        public var id: UInt32
        /// `Refs: %u`: how many tree connections share the registration.
        public var references: UInt32?
        /// `Network name: '%s'`.
        public var networkName: String
        /// The `(y)`/`(n)` after the network name.
        public var networkNameNotify: Bool
        /// `Share name: '%s'`.
        public var shareName: String
        /// The `(y)`/`(n)` after the share name.
        public var shareNameNotify: Bool
        /// The text after `Ip address: ` without the notify suffix: an address, `(unknown)` or `(no live tcon)`.
        public var ipAddressText: String
        /// The address when ``ipAddressText`` is an IPv4 or IPv6 address.
        public var ipAddress: IPAddress?
        /// The IPv6 scope id printed as `%<scope>`.
        public var ipAddressScopeId: UInt32?
        /// The `(y)`/`(n)` after the address; `nil` when none was printed.
        public var ipAddressNotify: Bool?

        public init(
            id: UInt32, references: UInt32? = nil, networkName: String, networkNameNotify: Bool,
            shareName: String, shareNameNotify: Bool, ipAddressText: String, ipAddress: IPAddress? = nil,
            ipAddressScopeId: UInt32? = nil, ipAddressNotify: Bool? = nil
        ) {
            self.id = id
            self.references = references
            self.networkName = networkName
            self.networkNameNotify = networkNameNotify
            self.shareName = shareName
            self.shareNameNotify = shareNameNotify
            self.ipAddressText = ipAddressText
            self.ipAddress = ipAddress
            self.ipAddressScopeId = ipAddressScopeId
            self.ipAddressNotify = ipAddressNotify
        }
    }
}

extension DebugData.Connection: Hashable {}
extension DebugData.Connection: Sendable {}
extension DebugData.Server: Hashable {}
extension DebugData.Server: Sendable {}
extension DebugData.Session: Hashable {}
extension DebugData.Session: Sendable {}
extension DebugData.Channel: Hashable {}
extension DebugData.Channel: Sendable {}
extension DebugData.Share: Hashable {}
extension DebugData.Share: Sendable {}
extension DebugData.ServerInterface: Hashable {}
extension DebugData.ServerInterface: Sendable {}
extension DebugData.WitnessRegistration: Hashable {}
extension DebugData.WitnessRegistration: Sendable {}
