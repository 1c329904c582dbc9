import CNetlinkGeneric
import SMB3Protocol
import SMB3System
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The daemon's two generic-netlink sockets: one joined to `cifs_mcgrp_swn` (and to the
/// controller's `notify` group, to see the cifs family come and go), one for NOTIFY requests
/// and their acks, so an ack never interleaves with a multicast.
public final class SWNNetlinkSockets: @unchecked Sendable {
    public static let controllerFamily = "nlctrl"
    public static let controllerGroup = "notify"

    private let listener: OpaquePointer
    private let requester: OpaquePointer
    /// The last request's sequence number; held while a request waits for its ack.
    private let requestLock = Mutex<UInt32>(1)

    public init() throws(NetlinkError) {
        guard let listener = nl_socket_alloc(), let requester = nl_socket_alloc() else {
            throw NetlinkError(function: "nl_socket_alloc", code: NLE_NOMEM, context: "opening netlink sockets")
        }
        self.listener = listener
        self.requester = requester
        // Multicasts carry sequence 0; libnl's default check would drop them.
        nl_socket_disable_seq_check(listener)
        for socket in [listener, requester] {
            let connected = genl_connect(socket)
            guard connected >= 0 else {
                nl_socket_free(listener)
                nl_socket_free(requester)
                throw NetlinkError(function: "genl_connect", code: -connected, context: "connecting to generic netlink")
            }
        }
        // Many registrations re-REGISTER in bursts after an echo interval: room for them.
        _ = nl_socket_set_buffer_size(listener, 1 << 20, 0)
    }

    deinit {
        nl_socket_free(listener)
        nl_socket_free(requester)
    }

    /// Joins the controller's notify group: NEWFAMILY/DELFAMILY arrive on the listener.
    public func watchFamilies() throws(NetlinkError) {
        try join(family: Self.controllerFamily, group: Self.controllerGroup)
    }

    /// Resolves `cifs` and joins `cifs_mcgrp_swn`. NLE_PERM here means no CAP_NET_ADMIN
    /// (kernels with the CVE-2026-64137 fix restrict the group).
    @discardableResult
    public func joinWitnessGroup(family: String, group: String) throws(NetlinkError) -> GenericNetlinkFamily {
        let resolved = try GenericNetlinkFamily.resolve(family: family, group: group)
        try join(family: family, group: group)
        return resolved
    }

    private func join(family: String, group: String) throws(NetlinkError) {
        let groupID = genl_ctrl_resolve_grp(listener, family, group)
        guard groupID >= 0 else {
            throw NetlinkError(function: "genl_ctrl_resolve_grp", code: -groupID, context: "resolving group '\(group)' of '\(family)'")
        }
        let joined = nl_socket_add_membership(listener, groupID)
        guard joined >= 0 else {
            throw NetlinkError(function: "nl_socket_add_membership", code: -joined, context: "joining '\(family)/\(group)'")
        }
    }

    /// Blocks for the next datagram on the listener (its raw bytes: one or more messages). A
    /// REGISTER carries the mount's password: the caller zeroes the bytes when done
    /// (Secret.zero).
    public func receive() throws(NetlinkError) -> [UInt8] {
        while true {
            var (bytes, peerPort) = try Self.receiveDatagram(on: listener, context: "receiving witness messages")
            // Only the kernel (port 0) may speak for cifs.ko.
            if peerPort == 0 { return bytes }
            Secret.zero(&bytes)
        }
    }

    /// Sends one NOTIFY request built by the caller (sequence filled in here) and waits for the
    /// kernel's ack. Returns the kernel's errno (0 on success, e.g. -EINVAL for an unknown id).
    /// Workers notify concurrently: one request at a time owns the socket, so no thread can
    /// read another's ack.
    public func sendRequest(_ build: (UInt32) -> [UInt8]) throws(NetlinkError) -> Int32 {
        try requestLock.withLock { (sequence: inout UInt32) throws(NetlinkError) -> Int32 in
            sequence &+= 1
            let expected = sequence
            let message = build(expected)
            let sent = message.withUnsafeBytes { raw in
                nl_sendto(requester, UnsafeMutableRawPointer(mutating: raw.baseAddress), raw.count)
            }
            guard sent >= 0 else {
                throw NetlinkError(function: "nl_sendto", code: -sent, context: "sending a witness notification")
            }
            while true {
                let (bytes, _) = try Self.receiveDatagram(on: requester, context: "reading the kernel's ack")
                // The ack is an NLMSG_ERROR carrying our sequence; its payload starts with the errno.
                guard let messages = try? NetlinkMessage.split(bytes) else { continue }
                if let code = messages.first(where: { $0.sequence == expected && $0.errorCode != nil })?.errorCode {
                    return code
                }
            }
        }
    }

    /// One nl_recv, retried on EINTR/EAGAIN: the datagram and the sender's port.
    private static func receiveDatagram(on socket: OpaquePointer, context: String) throws(NetlinkError) -> ([UInt8], UInt32) {
        while true {
            var peer = sockaddr_nl()
            var buffer: UnsafeMutablePointer<UInt8>?
            let received = nl_recv(socket, &peer, &buffer, nil)
            defer {
                // A REGISTER carries the mount's password: zero libnl's copy before freeing it.
                if let buffer, received > 0 { memset(buffer, 0, Int(received)) }
                free(buffer)
            }
            if received == -NLE_INTR || received == -NLE_AGAIN { continue }
            guard received > 0, let buffer else {
                throw NetlinkError(function: "nl_recv", code: received < 0 ? -received : NLE_FAILURE, context: context)
            }
            return (Array(UnsafeBufferPointer(start: buffer, count: Int(received))), peer.nl_pid)
        }
    }
}
