import CNetlinkGeneric
import SMB3System

#if canImport(Glibc)
    import Glibc
#endif

/// A libnl error: the NLE_* code and libnl's text for it.
public struct NetlinkError: Error, Hashable, Sendable, CustomStringConvertible {
    public let function: String
    /// The positive NLE_* code.
    public let code: Int32
    public let context: String

    /// Package-wide: SMB3RouteNetlink throws it too.
    package init(function: String, code: Int32, context: String) {
        self.function = function
        self.code = code
        self.context = context
    }

    public var message: String { String(cString: nl_geterror(code)) }
    public var description: String { "\(context): \(function) failed: \(message)" }

    /// NLE_OBJ_NOTFOUND: the family or group does not exist.
    public var isNotFound: Bool { code == NLE_OBJ_NOTFOUND }

    /// NLE_PERM: the kernel refused for lack of a capability (CAP_NET_ADMIN for cifs_mcgrp_swn).
    public var isPermissionDenied: Bool { code == NLE_PERM }
}

/// A resolved generic-netlink family and one of its multicast groups.
public struct GenericNetlinkFamily: Hashable, Sendable {
    public let name: String
    public let id: UInt16
    public let multicastGroup: String
    public let multicastGroupID: UInt32

    /// Asks the generic-netlink controller for `family` and its `group` (CTRL_CMD_GETFAMILY).
    /// The ids are dynamic: they differ between boots and kernels.
    public static func resolve(family: String, group: String) throws(NetlinkError) -> GenericNetlinkFamily {
        guard let socket = nl_socket_alloc() else {
            throw NetlinkError(function: "nl_socket_alloc", code: NLE_NOMEM, context: "opening a netlink socket")
        }
        defer { nl_socket_free(socket) }
        let connected = genl_connect(socket)
        guard connected >= 0 else {
            throw NetlinkError(function: "genl_connect", code: -connected, context: "connecting to generic netlink")
        }
        let familyID = genl_ctrl_resolve(socket, family)
        guard familyID >= 0 else {
            throw NetlinkError(function: "genl_ctrl_resolve", code: -familyID, context: "resolving family '\(family)'")
        }
        let groupID = genl_ctrl_resolve_grp(socket, family, group)
        guard groupID >= 0 else {
            throw NetlinkError(
                function: "genl_ctrl_resolve_grp", code: -groupID,
                context: "resolving group '\(group)' of family '\(family)'")
        }
        return GenericNetlinkFamily(
            name: family, id: UInt16(truncatingIfNeeded: familyID), multicastGroup: group,
            multicastGroupID: UInt32(truncatingIfNeeded: groupID))
    }
}
