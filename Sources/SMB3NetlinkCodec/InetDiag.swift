import SMB3Wire

/// The slice of sock_diag/inet_diag (linux/sock_diag.h, linux/inet_diag.h) that finds the
/// kernel's TCP connections to one server and aborts them with SOCK_DESTROY, as `ss -K` does.
/// cifs.ko acts on a witness move only when its receive times out (7 s) or data arrives;
/// aborting its socket makes it reconnect at once. Layouts: inet_diag_req_v2 is 56 bytes,
/// inet_diag_msg 72; ports and addresses in network order, the rest in host order.
public enum InetDiag {
    /// NETLINK_SOCK_DIAG, the netlink protocol number.
    public static let netlinkProtocol: Int32 = 4
    public static let sockDiagByFamily: UInt16 = 20
    public static let sockDestroy: UInt16 = 21
    public static let requestSize = 56
    public static let messageSize = 72
    static let flagDump: UInt16 = 0x300  // NLM_F_ROOT | NLM_F_MATCH
    static let protocolTCP: UInt8 = 6
    public static let familyIPv4: UInt8 = 2
    public static let familyIPv6: UInt8 = 10
    /// TCP_ESTABLISHED is state 1; `states` is a bit mask of them.
    public static let stateEstablished: UInt8 = 1

    /// inet_diag_sockid: what identifies one socket, the cookie included.
    public struct SocketID: Hashable, Sendable {
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        /// 16 bytes each; an IPv4 address fills the first four.
        public var source: [UInt8]
        public var destination: [UInt8]
        public var interface: UInt32
        public var cookie: (UInt32, UInt32)

        public static func == (lhs: SocketID, rhs: SocketID) -> Bool {
            lhs.sourcePort == rhs.sourcePort && lhs.destinationPort == rhs.destinationPort
                && lhs.source == rhs.source && lhs.destination == rhs.destination && lhs.interface == rhs.interface
                && lhs.cookie == rhs.cookie
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(sourcePort)
            hasher.combine(destinationPort)
            hasher.combine(source)
            hasher.combine(destination)
            hasher.combine(cookie.0)
            hasher.combine(cookie.1)
        }

        /// A wildcard id for dumps.
        public init() {
            sourcePort = 0
            destinationPort = 0
            source = Array(repeating: 0, count: 16)
            destination = Array(repeating: 0, count: 16)
            interface = 0
            cookie = (0xFFFF_FFFF, 0xFFFF_FFFF)  // INET_DIAG_NOCOOKIE
        }

        init?(reader: inout WireReader) {
            guard let sourcePort = reader.readInteger(.big, as: UInt16.self),
                let destinationPort = reader.readInteger(.big, as: UInt16.self),
                let source = reader.readBytes(16), let destination = reader.readBytes(16),
                let interface = reader.readInteger(.host, as: UInt32.self),
                let cookie0 = reader.readInteger(.host, as: UInt32.self),
                let cookie1 = reader.readInteger(.host, as: UInt32.self)
            else { return nil }
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
            self.source = Array(source)
            self.destination = Array(destination)
            self.interface = interface
            self.cookie = (cookie0, cookie1)
        }

        func write(to writer: inout WireWriter) {
            writer.writeInteger(sourcePort, .big)
            writer.writeInteger(destinationPort, .big)
            writer.writeBytes(source)
            writer.writeBytes(destination)
            writer.writeInteger(interface, .host)
            writer.writeInteger(cookie.0, .host)
            writer.writeInteger(cookie.1, .host)
        }
    }

    /// One socket from a dump (inet_diag_msg).
    public struct Socket: Hashable, Sendable {
        public var family: UInt8
        public var state: UInt8
        public var id: SocketID
        /// sk_uid in the dumping socket's user namespace: the fsuid of whoever created it.
        public var uid: UInt32
        /// The socket's sockfs inode (`socket:[inode]` in /proc/<pid>/fd); 0 when it has none.
        public var inode: UInt32

        public init(family: UInt8, state: UInt8, id: SocketID, uid: UInt32 = 0, inode: UInt32 = 0) {
            self.family = family
            self.state = state
            self.id = id
            self.uid = uid
            self.inode = inode
        }

        /// The peer, when the family is one this model knows.
        public var destination: SWNSocketAddress.Host? {
            switch family {
            case InetDiag.familyIPv4: IPv4Address(octets: id.destination.prefix(4)).map { .ipv4($0) }
            case InetDiag.familyIPv6: IPv6Address(octets: id.destination).map { .ipv6($0, scopeID: 0) }
            default: nil
            }
        }
    }

    /// inet_diag is a netlink codec: its errors are ``NetlinkParseError``s.
    public typealias ParseError = NetlinkParseError

    /// SOCK_DIAG_BY_FAMILY dump of the TCP sockets of `family` in ESTABLISHED whose peer port is
    /// `destinationPort` (the kernel filters dumps on a non-zero port in the id).
    public static func dumpRequest(family: UInt8, destinationPort: UInt16, sequence: UInt32) -> [UInt8] {
        var id = SocketID()
        id.destinationPort = destinationPort
        return request(
            type: sockDiagByFamily, flags: NetlinkMessage.flagRequest | flagDump, family: family,
            states: 1 << UInt32(stateEstablished), id: id, sequence: sequence)
    }

    /// SOCK_DESTROY of one socket from a dump, acked.
    public static func destroyRequest(_ socket: Socket, sequence: UInt32) -> [UInt8] {
        request(
            type: sockDestroy, flags: NetlinkMessage.flagRequest | NetlinkMessage.flagAck, family: socket.family,
            states: 1 << UInt32(socket.state), id: socket.id, sequence: sequence)
    }

    private static func request(
        type: UInt16, flags: UInt16, family: UInt8, states: UInt32, id: SocketID, sequence: UInt32
    ) -> [UInt8] {
        var writer = WireWriter(capacity: requestSize)
        writer.writeInteger(family, .host)
        writer.writeInteger(protocolTCP, .host)
        writer.writeInteger(UInt8(0), .host)  // ext: no extra attributes
        writer.writeInteger(UInt8(0), .host)  // pad
        writer.writeInteger(states, .host)
        id.write(to: &writer)
        return NetlinkMessage(type: type, flags: flags, sequence: sequence, portID: 0, payload: writer.bytes).encoded()
    }

    /// One datagram of a dump: its sockets, and whether NLMSG_DONE ended the dump.
    public static func parseDump(_ datagram: [UInt8]) throws(ParseError) -> (sockets: [Socket], done: Bool) {
        let messages = try NetlinkMessage.split(datagram)
        var sockets: [Socket] = []
        for message in messages {
            switch message.type {
            case NetlinkMessage.doneType: return (sockets, true)
            case NetlinkMessage.errorType:
                let code = message.errorCode ?? -1
                if code != 0 { throw .kernel(errno: code) }
            case sockDiagByFamily:
                guard message.payload.count >= messageSize else {
                    throw .truncatedMessage(length: message.payload.count)
                }
                var reader = WireReader(message.payload)
                guard let family = reader.readInteger(.host, as: UInt8.self),
                    let state = reader.readInteger(.host, as: UInt8.self),
                    reader.readBytes(2) != nil,  // timer, retrans
                    let id = SocketID(reader: &reader),
                    reader.readBytes(12) != nil,  // expires, rqueue, wqueue
                    let uid = reader.readInteger(.host, as: UInt32.self),
                    let inode = reader.readInteger(.host, as: UInt32.self)
                else { throw .truncatedMessage(length: message.payload.count) }
                sockets.append(Socket(family: family, state: state, id: id, uid: uid, inode: inode))
            default:
                continue
            }
        }
        return (sockets, false)
    }

    /// The errno of a SOCK_DESTROY ack (0: destroyed), nil when the datagram has no ack.
    public static func parseAck(_ datagram: [UInt8]) throws(ParseError) -> Int32? {
        try NetlinkMessage.split(datagram).lazy.compactMap(\.errorCode).first
    }
}

// MARK: the kernel's own connections

extension InetDiag {
    /// The ESTABLISHED connections to one server, split into the kernel's own (cifs.ko's, to
    /// be aborted) and everyone else's (left alone).
    ///
    /// No inet_diag field marks a kernel socket on 6.1 or 6.12 (sk_kern_sock is not exported;
    /// the inode, uid, cgroup and socket options look like a process's). What a kernel socket
    /// lacks is a file: cifs.ko creates it with sock_create_kern and never installs it in a
    /// descriptor table, so no process holds it. And cifs.ko creates it as root: sock_alloc
    /// takes the creator's fsuid, which is the mount's (mount needs CAP_SYS_ADMIN) or cifsd's
    /// (a kernel thread). So a socket is the kernel's when its uid is 0, it has an inode, and
    /// no `socket:[inode]` link in /proc/<pid>/fd names it. A process's socket can pass for
    /// one only while no descriptor table the daemon can read holds it: in flight in
    /// SCM_RIGHTS, or held by a root process whose table the daemon may not read (without
    /// CAP_SYS_PTRACE, any root process with capabilities the daemon lacks, or not dumpable).
    public struct ConnectionCensus: Hashable, Sendable {
        /// Created by root, held by no process: cifs.ko's.
        public var kernel: [Socket] = []
        /// Held by a process (found in a descriptor table).
        public var heldByProcesses: [Socket] = []
        /// Created by another uid, or without an inode: never the kernel's.
        public var otherOwners: [Socket] = []

        public init(_ sockets: [Socket], heldInodes: Set<UInt64>) {
            for socket in sockets {
                if socket.uid != 0 || socket.inode == 0 {
                    otherOwners.append(socket)
                } else if heldInodes.contains(UInt64(socket.inode)) {
                    heldByProcesses.append(socket)
                } else {
                    kernel.append(socket)
                }
            }
        }

        /// The connections left alone.
        public var kept: Int { heldByProcesses.count + otherOwners.count }
    }

    /// What one abort of the kernel's connections to a server did.
    public struct AbortReport: Hashable, Sendable {
        /// The kernel's connections destroyed.
        public var aborted: Int
        /// Connections to the same server that belong to processes, left alone.
        public var kept: Int
        /// Processes running as root whose descriptor tables the daemon could not read (without
        /// CAP_SYS_PTRACE: one with capabilities the daemon lacks, or not dumpable): a
        /// connection of theirs looks like the kernel's.
        public var hiddenRootProcesses: Int

        public init(aborted: Int, kept: Int = 0, hiddenRootProcesses: Int = 0) {
            self.aborted = aborted
            self.kept = kept
            self.hiddenRootProcesses = hiddenRootProcesses
        }
    }
}
