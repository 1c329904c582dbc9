import SMB3Protocol

/// Which mounts a report covers, and which servers it asks for their interfaces: the steps
/// between the command line and `IfacesReportBuilder.build`.
public enum IfacesMountSelection {
    /// A command-line argument that names no cifs mount point.
    public struct NotAMountPoint: Error, Hashable, Sendable, CustomStringConvertible {
        public let argument: String
        public init(argument: String) { self.argument = argument }
        public var description: String { "\(argument) is not a cifs mount point" }
    }

    /// The mounts named by `arguments`, in argument order (each matched after `canonicalize`,
    /// which resolves symlinks and relative paths; the mount mounted last on a path wins, as
    /// the kernel shows it), or every cifs mount when none is named.
    public static func select(
        _ arguments: [String], from all: [MountTable.Mount], canonicalize: (String) -> String?
    ) -> Result<[MountTable.Mount], NotAMountPoint> {
        guard !arguments.isEmpty else { return .success(all) }
        var selected: [MountTable.Mount] = []
        for argument in arguments {
            let path = canonicalize(argument) ?? argument
            guard let mount = all.last(where: { $0.mountPoint == path }) else {
                return .failure(NotAMountPoint(argument: argument))
            }
            selected.append(mount)
        }
        return .success(selected)
    }

    /// Asks each mount's server for its interfaces; a mount whose query fails is reported to
    /// `failed` and left out, so the report falls back to DebugData for it.
    public static func serverInterfaces<Failure: Error>(
        of mounts: [MountTable.Mount], query: (String) -> Result<NetworkInterfaceInfo, Failure>,
        failed: (MountTable.Mount, Failure) -> Void
    ) -> [String: NetworkInterfaceInfo] {
        var replies: [String: NetworkInterfaceInfo] = [:]
        for mount in mounts {
            switch query(mount.mountPoint) {
            case .success(let reply): replies[mount.mountPoint] = reply
            case .failure(let reason): failed(mount, reason)
            }
        }
        return replies
    }
}
