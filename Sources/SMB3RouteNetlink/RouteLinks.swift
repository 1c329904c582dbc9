import CNetlinkRoute
import SMB3Netlink

#if canImport(Glibc)
    import Glibc
#endif

/// One network interface as rtnetlink reports it (RTM_GETLINK / RTM_GETADDR dumps).
public struct RouteLink: Hashable, Sendable {
    public var index: Int
    public var name: String
    public var isUp: Bool
    public var isLoopback: Bool
    /// Local addresses as text, without prefix length.
    public var addresses: [String]
}

/// The links and addresses of this network namespace through libnl-route's caches: the same
/// view `ip link` and `ip addr` have, names and indexes consistent with the rtnetlink events
/// `smb3-ifaces watch` sleeps on.
public enum RouteLinks {
    /// The corresponding C functions are `rtnl_link_alloc_cache` and `rtnl_addr_alloc_cache`.
    public static func read() throws(NetlinkError) -> [RouteLink] {
        guard let socket = nl_socket_alloc() else {
            throw NetlinkError(function: "nl_socket_alloc", code: NLE_NOMEM, context: "listing network interfaces")
        }
        defer { nl_socket_free(socket) }
        let connected = nl_connect(socket, NETLINK_ROUTE)
        guard connected >= 0 else {
            throw NetlinkError(function: "nl_connect", code: -connected, context: "connecting to rtnetlink")
        }
        var linkCache: OpaquePointer?
        let linksRead = rtnl_link_alloc_cache(socket, AF_UNSPEC, &linkCache)
        guard linksRead >= 0, let linkCache else {
            throw NetlinkError(function: "rtnl_link_alloc_cache", code: -linksRead, context: "dumping links")
        }
        defer { nl_cache_free(linkCache) }
        var addressCache: OpaquePointer?
        let addressesRead = rtnl_addr_alloc_cache(socket, &addressCache)
        guard addressesRead >= 0, let addressCache else {
            throw NetlinkError(function: "rtnl_addr_alloc_cache", code: -addressesRead, context: "dumping addresses")
        }
        defer { nl_cache_free(addressCache) }

        var addresses: [Int: [String]] = [:]
        var object = nl_cache_get_first(addressCache)
        while let current = object {
            let address = current
            let index = Int(rtnl_addr_get_ifindex(address))
            if let local = rtnl_addr_get_local(address), let text = numericText(local) {
                addresses[index, default: []].append(text)
            }
            object = nl_cache_get_next(current)
        }

        var links: [RouteLink] = []
        object = nl_cache_get_first(linkCache)
        while let current = object {
            let link = current
            let index = Int(rtnl_link_get_ifindex(link))
            let flags = rtnl_link_get_flags(link)
            let name = rtnl_link_get_name(link).map { String(cString: $0) } ?? "if\(index)"
            links.append(
                RouteLink(
                    index: index, name: name, isUp: flags & UInt32(IFF_UP) != 0,
                    isLoopback: flags & UInt32(IFF_LOOPBACK) != 0, addresses: addresses[index] ?? []))
            object = nl_cache_get_next(current)
        }
        return links.sorted { $0.index < $1.index }
    }

    /// An nl_addr as inet_ntop text (no "/prefix", unlike nl_addr2str).
    private static func numericText(_ address: OpaquePointer) -> String? {
        let family = nl_addr_get_family(address)
        guard family == AF_INET || family == AF_INET6, let binary = nl_addr_get_binary_addr(address) else { return nil }
        let expected = family == AF_INET ? 4 : 16
        guard Int(nl_addr_get_len(address)) == expected else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        guard inet_ntop(family, binary, &buffer, socklen_t(buffer.count)) != nil else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
