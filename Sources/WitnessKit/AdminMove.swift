import SMB3Protocol

/// `smb3-witnessd move` and `drain`: client-side moves an administrator asks for, checked against
/// the cluster's own interface list. Pure: the registry fetches the list (GetInterfaceList on the
/// registration's witness connection) and performs the move; what is allowed, and where a drain
/// sends each registration, is decided here.
public enum AdminMove {
    /// Which registrations `move` is for.
    public enum Target: Hashable, Sendable, CustomStringConvertible {
        case registration(UInt32)
        case all

        /// `all` or a decimal registration id (≥ 1, as the kernel's idr allocates them).
        public init?(_ text: String) {
            if text == "all" {
                self = .all
            } else if let id = UInt32(text), id >= 1 {
                self = .registration(id)
            } else {
                return nil
            }
        }

        public var description: String {
            switch self {
            case .registration(let id): String(id)
            case .all: "all"
            }
        }
    }

    /// An address as the kernel's NOTIFY carries it, from the text an administrator typed.
    public static func host(_ text: String) -> SWNSocketAddress.Host? {
        guard let address = IPAddress(text) else { return nil }
        switch address.family {
        case .ipv4: return IPv4Address(octets: address.bytes).map { .ipv4($0) }
        case .ipv6: return IPv6Address(octets: address.bytes).map { .ipv6($0, scopeID: 0) }
        }
    }

    /// The canonical text of an address (`192.0.2.11`, compressed IPv6), nil if it is none.
    public static func canonical(_ text: String) -> String? {
        host(text).map { host in
            switch host {
            case .ipv4(let address): address.description
            case .ipv6(let address, _): address.description
            }
        }
    }

    /// The addresses of the interfaces the cluster lists as AVAILABLE, in its order (IPv4 and
    /// IPv6 of one interface both count): the only places a client may be moved to.
    public static func availableAddresses(_ interfaces: [WitnessInterface]) -> [String] {
        var addresses: [String] = []
        for interface in interfaces where interface.state == .available {
            for address in [interface.ipv4?.description, interface.ipv6?.description].compactMap({ $0 })
            where !addresses.contains(address) {
                addresses.append(address)
            }
        }
        return addresses
    }

    /// Why a move was not made; the message names what the cluster does list.
    public struct Refusal: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// `address` (any spelling of it) if the cluster lists it as an available interface; otherwise
    /// a refusal that lists the available ones.
    public static func check(
        _ address: String, against interfaces: [WitnessInterface]
    ) throws(Refusal)
        -> SWNSocketAddress.Host
    {
        let available = availableAddresses(interfaces)
        let listed = available.isEmpty ? "none" : available.joined(separator: ", ")
        guard let host = host(address), let text = canonical(address) else {
            throw Refusal("'\(address)' is not an IP address (the cluster's available interfaces: \(listed))")
        }
        guard available.contains(text) else {
            throw Refusal(
                "\(text) is not an available interface of the cluster (its available interfaces: \(listed))")
        }
        return host
    }

    /// Where a drain of `address` sends a registration the kernel has there: the cluster's first
    /// available interface in another interface group than `address`'s (MS-SWN's group is a
    /// node, so a drain takes the clients off the node behind the address, not to its other
    /// address); if every other one is in that group, the first other available interface; a
    /// refusal when it lists none.
    public static func drainTarget(from address: String, interfaces: [WitnessInterface]) throws(Refusal) -> String {
        let from = canonical(address) ?? address
        let available = availableAddresses(interfaces)
        let fromGroups = Set(
            interfaces.filter { [$0.ipv4?.description, $0.ipv6?.description].contains(from) }.map(\.groupName))
        let otherNodes = availableAddresses(interfaces.filter { !fromGroups.contains($0.groupName) })
        if let target = otherNodes.first(where: { $0 != from }) {
            return target
        }
        guard let target = available.first(where: { $0 != from }) else {
            let listed = available.isEmpty ? "none" : available.joined(separator: ", ")
            throw Refusal("the cluster lists no other available interface (its available interfaces: \(listed))")
        }
        return target
    }

    /// The registrations a drain of `address` moves: those the kernel is connected to `address`
    /// now (DebugData), or, when DebugData does not say, registered at `address`.
    public static func drainCandidates(
        _ registrations: [WitnessDaemonStatus.Registration], address: String
    ) -> [UInt32] {
        let from = canonical(address) ?? address
        return registrations.filter { registration in
            let current = registration.kernelConnection?.address ?? registration.serverAddress
            return (canonical(current) ?? current) == from
        }.map(\.registrationId)
    }
}

/// What `move` or `drain` did: one line per registration, as text or JSON.
///
/// {"command":"move"|"drain","address","moved":[{"registrationId","netName","share","from","to","event"}],
///  "failed":[{"registrationId","reason"}]}
public struct AdminMoveReport: Sendable, Encodable {
    public struct Moved: Sendable, Encodable {
        public var registrationId: UInt32
        public var netName: String
        public var share: String
        public var from: String
        public var to: String
        /// The client-move event the move reported (source "admin").
        public var event: WitnessEvent
    }

    public struct Failed: Sendable, Encodable {
        /// Nil when no registration matched at all.
        public var registrationId: UInt32?
        public var reason: String
    }

    public var command: String
    /// `move`: the target address; `drain`: the address drained.
    public var address: String
    public var moved: [Moved] = []
    public var failed: [Failed] = []

    public init(command: String, address: String) {
        self.command = command
        self.address = address
    }

    /// Nothing failed (a drain with nothing connected to the address succeeds).
    public var succeeded: Bool { failed.isEmpty }

    /// One line per registration; `failure` marks what could not be done (the CLI prints those on
    /// standard error).
    public var lines: [(failure: Bool, text: String)] {
        var lines: [(failure: Bool, text: String)] = []
        for move in moved {
            var text =
                "registration \(move.registrationId) (\\\\\(move.netName)\\\(move.share)): moved from \(move.from) to \(move.to)"
            if let detail = move.event.detail, move.event.abortedConnections == 0 {
                text += " (\(detail))"  // e.g. the kernel had closed its connection before the abort
            } else if let aborted = move.event.abortedConnections {
                text += " (\(aborted) kernel connection(s) aborted)"
            }
            lines.append((false, text))
        }
        for failure in failed {
            lines.append(
                (true, (failure.registrationId.map { "registration \($0): " } ?? "") + "not moved: \(failure.reason)"))
        }
        if lines.isEmpty { lines.append((false, "no registration is connected to \(address); nothing to move")) }
        return lines
    }

    public var text: String { lines.map { $0.text + "\n" }.joined() }
}
