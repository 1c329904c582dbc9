#if canImport(Glibc)
    import Glibc
#endif

/// One network interface of this machine, as sysfs and getifaddrs(3) describe it.
public struct LocalNetworkInterface: Hashable, Sendable {
    public var name: String
    /// `/sys/class/net/<name>/ifindex`.
    public var index: Int?
    /// IPv4 and IPv6 addresses from getifaddrs(3), as text.
    public var addresses: [String]
    /// `/sys/class/net/<name>/speed` (Mbit/s) in bits per second; `nil` when unreadable or -1.
    public var speedBitsPerSecond: UInt64?
    /// How many `queues/rx-*` the NIC has.
    public var receiveQueues: Int
    /// `device/infiniband` exists: an RDMA device sits on the NIC.
    public var hasRDMADevice: Bool
    /// `IFF_UP` in `flags`.
    public var isUp: Bool
    /// `IFF_LOOPBACK` in `flags`.
    public var isLoopback: Bool
}

/// Local interfaces: identity (name, index, flags, addresses) from rtnetlink when the caller
/// has it (`SMB3Netlink.RouteLinks`), else from sysfs and getifaddrs(3); link speed, receive
/// queues and RDMA always from `/sys/class/net`, which is where ethtool's speed comes from
/// (`ethtool_ops.get_link_ksettings`).
public enum LocalInterfaces {
    public static let sysfsRoot = "/sys/class/net"

    /// One rtnetlink link completed with what only sysfs knows.
    public static func completing(
        name: String, index: Int, isUp: Bool, isLoopback: Bool, addresses: [String],
        sysfsRoot: String = LocalInterfaces.sysfsRoot
    ) -> LocalNetworkInterface {
        let base = "\(sysfsRoot)/\(name)"
        var speed: UInt64?
        if let text = readText("\(base)/speed"), let megabits = Int64(text), megabits > 0 {
            speed = UInt64(megabits) * 1_000_000
        }
        let queues = directoryEntries("\(base)/queues").filter { $0.hasPrefix("rx-") }.count
        return LocalNetworkInterface(
            name: name, index: index, addresses: addresses, speedBitsPerSecond: speed, receiveQueues: max(queues, 1),
            hasRDMADevice: access("\(base)/device/infiniband", F_OK) == 0, isUp: isUp, isLoopback: isLoopback)
    }

    /// All interfaces, sorted by index (then name).
    public static func read(sysfsRoot: String = LocalInterfaces.sysfsRoot) -> [LocalNetworkInterface] {
        let addresses = addressesByName()
        var result: [LocalNetworkInterface] = []
        for name in directoryEntries(sysfsRoot) where !name.hasPrefix(".") {
            let base = "\(sysfsRoot)/\(name)"
            let flags = readText("\(base)/flags").flatMap { UInt32($0.dropFirst(2), radix: 16) } ?? 0
            var speed: UInt64?
            if let text = readText("\(base)/speed"), let megabits = Int64(text), megabits > 0 {
                speed = UInt64(megabits) * 1_000_000
            }
            let queues = directoryEntries("\(base)/queues").filter { $0.hasPrefix("rx-") }.count
            result.append(
                LocalNetworkInterface(
                    name: name, index: readText("\(base)/ifindex").flatMap { Int($0) },
                    addresses: addresses[name] ?? [], speedBitsPerSecond: speed, receiveQueues: max(queues, 1),
                    hasRDMADevice: access("\(base)/device/infiniband", F_OK) == 0, isUp: flags & 0x1 != 0,
                    isLoopback: flags & 0x8 != 0))
        }
        return result.sorted { ($0.index ?? Int.max, $0.name) < ($1.index ?? Int.max, $1.name) }
    }

    /// A small sysfs attribute, trimmed; `nil` when it cannot be read (e.g. `speed` of a down link: EINVAL).
    static func readText(_ path: String) -> String? {
        guard let bytes = try? KernelFile.read(path, limit: 4096) else { return nil }
        var text = String(decoding: bytes, as: UTF8.self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }

    static func directoryEntries(_ path: String) -> [String] {
        ((try? ConfigurationFile.entries(ofDirectory: path)) ?? []).sorted()
    }

    /// The corresponding C function is `getifaddrs(3)`.
    static func addressesByName() -> [String: [String]] {
        var head: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&head) == 0, let first = head else { return [:] }
        defer { freeifaddrs(first) }
        var result: [String: [String]] = [:]
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let current = cursor {
            defer { cursor = current.pointee.ifa_next }
            guard let namePointer = current.pointee.ifa_name, let address = current.pointee.ifa_addr else { continue }
            let family = Int32(address.pointee.sa_family)
            var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
            var text: String?
            if family == AF_INET {
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    var raw = pointer.pointee.sin_addr
                    if inet_ntop(AF_INET, &raw, &buffer, socklen_t(buffer.count)) != nil {
                        text = String(
                            decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    }
                }
            } else if family == AF_INET6 {
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    var raw = pointer.pointee.sin6_addr
                    if inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)) != nil {
                        text = String(
                            decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                    }
                }
            }
            if let text { result[String(cString: namePointer), default: []].append(text) }
        }
        return result
    }
}
