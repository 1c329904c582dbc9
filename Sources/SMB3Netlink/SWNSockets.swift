import CNetlinkGeneric
import SMB3Protocol
import SMB3System
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The daemon's two generic-netlink sockets: one joined to `cifs_mcgrp_swn` (and to the
/// controller's `notify` group, to see the cifs family come and go), one for NOTIFY requests,
/// group look-ups and their acks, so an ack never interleaves with a multicast. The listener
/// is non-blocking: the daemon waits for it in its readiness loop, not in a thread of its own.
/// The requester blocks (the kernel answers at once): callers keep it on one thread.
///
/// Invariant for `@unchecked Sendable`: the listener is read by one task at a time (the
/// kernel listener service), the requester is used under `requestLock`.
public final class SWNNetlinkSockets: @unchecked Sendable {
    public static let controllerFamily = GenericNetlinkController.familyName
    public static let controllerGroup = GenericNetlinkController.notifyGroup

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
        _ = nl_socket_set_nonblocking(listener)
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

    /// The group is looked up on the requester (the listener does not block, and must not see
    /// the controller's answer); membership is a socket option of the listener.
    private func join(family: String, group: String) throws(NetlinkError) {
        let groupID = requestLock.withLock { _ in genl_ctrl_resolve_grp(requester, family, group) }
        guard groupID >= 0 else {
            throw NetlinkError(
                function: "genl_ctrl_resolve_grp", code: -groupID, context: "resolving group '\(group)' of '\(family)'")
        }
        let joined = nl_socket_add_membership(listener, groupID)
        guard joined >= 0 else {
            throw NetlinkError(
                function: "nl_socket_add_membership", code: -joined, context: "joining '\(family)/\(group)'")
        }
    }

    /// The listener's descriptor, for the caller's readiness loop.
    public var listenerDescriptor: Int32 { nl_socket_get_fd(listener) }

    /// The next datagram on the listener (its raw bytes: one or more messages), calling
    /// `waitReadable` with the listener's descriptor whenever none is queued. A REGISTER carries
    /// the mount's password: the caller zeroes the bytes when done (Secret.zero).
    public func receive(waitingWith waitReadable: (Int32) async throws -> Void) async throws -> [UInt8] {
        while true {
            guard
                case (var bytes, let peerPort)? = try Self.receiveDatagram(
                    on: listener, context: "receiving witness messages", nonBlocking: true)
            else {
                try await waitReadable(listenerDescriptor)
                continue
            }
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
                guard let (bytes, _) = try Self.receiveDatagram(on: requester, context: "reading the kernel's ack")
                else { continue }
                // The ack is an NLMSG_ERROR carrying our sequence; its payload starts with the errno.
                guard let messages = try? NetlinkMessage.split(bytes) else { continue }
                if let code = messages.first(where: { $0.sequence == expected && $0.errorCode != nil })?.errorCode {
                    return code
                }
            }
        }
    }

    /// One nl_recv, retried on EINTR (and EAGAIN unless `nonBlocking`, which then gives nil):
    /// the datagram and the sender's port.
    private static func receiveDatagram(
        on socket: OpaquePointer, context: String, nonBlocking: Bool = false
    ) throws(NetlinkError) -> ([UInt8], UInt32)? {
        while true {
            var peer = sockaddr_nl()
            var buffer: UnsafeMutablePointer<UInt8>?
            let received = nl_recv(socket, &peer, &buffer, nil)
            defer {
                // A REGISTER carries the mount's password: zero libnl's copy before freeing it.
                if let buffer, received > 0 { memset(buffer, 0, Int(received)) }
                free(buffer)
            }
            if received == -NLE_AGAIN && nonBlocking { return nil }
            if received == -NLE_INTR || received == -NLE_AGAIN { continue }
            guard received > 0, let buffer else {
                throw NetlinkError(function: "nl_recv", code: received < 0 ? -received : NLE_FAILURE, context: context)
            }
            return (Array(UnsafeBufferPointer(start: buffer, count: Int(received))), peer.nl_pid)
        }
    }
}
