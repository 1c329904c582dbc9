import CNetlinkRoute
import SMB3Netlink
import SMB3System

#if canImport(Glibc)
    import Glibc
#endif

/// A netlink socket subscribed to rtnetlink link and address events (RTNLGRP_LINK,
/// RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR): NIC add/remove/rename, up/down, address changes.
///
/// The events only say "something changed"; callers re-read the interfaces. Owned by one thread.
public struct RouteEventSocket: ~Copyable {
    private let socket: OpaquePointer

    /// The corresponding C functions are `nl_socket_alloc`, `nl_connect(NETLINK_ROUTE)` and `nl_socket_add_membership`.
    public init() throws(NetlinkError) {
        guard let socket = nl_socket_alloc() else {
            throw NetlinkError(function: "nl_socket_alloc", code: NLE_NOMEM, context: "opening an rtnetlink socket")
        }
        // Notifications carry no sequence numbers of ours.
        nl_socket_disable_seq_check(socket)
        let connected = nl_connect(socket, NETLINK_ROUTE)
        guard connected == 0 else {
            nl_socket_free(socket)
            throw NetlinkError(function: "nl_connect", code: -connected, context: "connecting to rtnetlink")
        }
        for group in [RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR] {
            let joined = nl_socket_add_membership(socket, Int32(group.rawValue))
            guard joined == 0 else {
                nl_socket_free(socket)
                throw NetlinkError(
                    function: "nl_socket_add_membership", code: -joined,
                    context: "joining rtnetlink group \(group.rawValue)")
            }
        }
        _ = nl_socket_set_nonblocking(socket)
        self.socket = socket
    }

    deinit { nl_socket_free(socket) }

    public enum WaitResult: Sendable {
        case events, timeout
        /// A signal arrived (poll returned EINTR); the caller checks why.
        case interrupted
    }

    /// Sleeps in poll(2) until an event arrives, `timeoutMilliseconds` pass (-1: forever) or a
    /// signal interrupts; drains what arrived.
    public func waitForEvents(timeoutMilliseconds: Int32) -> WaitResult {
        let descriptor = nl_socket_get_fd(socket)
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, timeoutMilliseconds)
        if ready < 0 && errno == EINTR { return .interrupted }
        guard ready > 0 else { return .timeout }
        var buffer = [UInt8](repeating: 0, count: 32768)
        var received = false
        while true {
            let count = buffer.withUnsafeMutableBytes { raw in
                recv(descriptor, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT))
            }
            if count > 0 {
                received = true
                continue
            }
            if count < 0 && errno == EINTR { continue }
            // EAGAIN: drained. ENOBUFS: the queue overflowed, which still means "something changed".
            if count < 0 && errno == ENOBUFS { received = true }
            break
        }
        return received ? .events : .timeout
    }
}
