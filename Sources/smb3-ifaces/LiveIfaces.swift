import IfacesKit
import SMB3Netlink
import SMB3Protocol
import SMB3RouteNetlink
import SMB3System

/// The live sources: the FSCTL through CIFS_QUERY_INFO and the local interfaces.
enum LiveIfaces {
    /// CAP_SYS_ADMIN in the effective set: the kernel requires it for a PASSTHRU_FSCTL.
    static var mayQueryServers: Bool {
        guard let capabilities = try? Identity.effectiveCapabilities() else { return false }
        return capabilities & Capabilities.systemAdministration != 0
    }

    /// FSCTL_QUERY_NETWORK_INTERFACE_INFO on the mount's root, decoded.
    static func queryServerInterfaces(mountPoint: String) -> Result<NetworkInterfaceInfo, FailureReason> {
        do {
            let request = try CIFSQueryInfo(
                infoType: NetworkInterfaceInfo.fsctlCode, mode: .fsctl,
                replyCapacity: CIFSQueryInfo.defaultReplyCapacity)
            let descriptor = try IoctlCalls.open(mountPoint, flags: IoctlCalls.openFlags(readWrite: false))
            defer { IoctlCalls.close(descriptor) }
            var buffer = request.encoded()
            try IoctlCalls.ioctl(descriptor, CIFSIoctl.queryInfo, buffer: &buffer)
            let reply = try request.reply(from: buffer)
            return .success(try NetworkInterfaceInfo(decoding: reply))
        } catch {
            return .failure(FailureReason(text: "\(error)"))
        }
    }

    struct FailureReason: Error, CustomStringConvertible {
        let text: String
        var description: String { text }
    }

    /// rtnetlink (libnl-route) for names, indexes, flags and addresses; sysfs and getifaddrs
    /// only if rtnetlink cannot be read.
    static func localInterfaces() -> [IfacesReport.LocalInterface] {
        let interfaces: [LocalNetworkInterface]
        if let links = try? RouteLinks.read() {
            interfaces = links.map {
                LocalInterfaces.completing(
                    name: $0.name, index: $0.index, isUp: $0.isUp, isLoopback: $0.isLoopback, addresses: $0.addresses)
            }
        } else {
            interfaces = LocalInterfaces.read()
        }
        return interfaces.map { interface in
            IfacesReport.LocalInterface(
                name: interface.name, index: interface.index, addresses: interface.addresses,
                speedBps: interface.speedBitsPerSecond, rssQueues: interface.receiveQueues,
                rdma: interface.hasRDMADevice, up: interface.isUp, loopback: interface.isLoopback)
        }
    }
}
