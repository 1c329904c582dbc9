// MS-SWN §2.2.2.x (RESP_ASYNC_NOTIFY RESOURCE_CHANGE NewState, WITNESS_INTERFACE_INFO State); the kernel's
// cifs_swn_resource_state carries the same numbers over netlink (SMB3NetlinkCodec).

/// cifs_swn_resource_state: the values MS-SWN uses for RESOURCE_CHANGE and for an interface's State.
public enum SWNResourceState: UInt32, Hashable, Sendable, CustomStringConvertible {
    case unknown = 0
    case available = 1
    case unavailable = 0xFF

    public var description: String {
        switch self {
        case .unknown: "unknown"
        case .available: "available"
        case .unavailable: "unavailable"
        }
    }
}
