import SMB3Errors
import SMB3Protocol
import SMB3System

#if canImport(Glibc)
    import Glibc
#endif

/// The kernel's TCP connections to a server, found and aborted through NETLINK_SOCK_DIAG
/// (`ss -K`). Needs CAP_NET_ADMIN and CONFIG_INET_DIAG_DESTROY (Debian kernels have it).
public enum KernelConnections {
    /// Aborts the kernel's own ESTABLISHED TCP connections to `host`:`port` in this network
    /// namespace (cifs.ko's: created by root, held by no process, InetDiag.ConnectionCensus)
    /// and leaves every process's connection alone. A socket that closed between dump and
    /// destroy is not an error.
    public static func abort(to host: SWNSocketAddress.Host, port: UInt16) throws -> InetDiag.AbortReport {
        let context = "aborting the kernel's connections to port \(port)"
        let descriptor = try valueOrThrow("socket(NETLINK_SOCK_DIAG)", context) {
            socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), InetDiag.netlinkProtocol)
        }
        defer { close(descriptor) }
        // A kernel that never answers must not hang the registration thread.
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let established = try dump(descriptor, to: host, port: port, context)
        guard !established.isEmpty else { return InetDiag.AbortReport(aborted: 0) }
        // After the dump: a process's socket in the dump is in its table by now.
        let held = ProcessSockets.scan()
        let census = InetDiag.ConnectionCensus(established, heldInodes: held.inodes)
        var aborted = 0
        for (index, socket) in census.kernel.enumerated() {
            try send(descriptor, InetDiag.destroyRequest(socket, sequence: UInt32(2 + index)), context)
            // The ack carries a negative errno.
            let code = -(try InetDiag.parseAck(try receive(descriptor, context)) ?? 0)
            switch code {
            case 0: aborted += 1
            case ENOENT: continue  // gone already
            default: throw SystemError(function: "SOCK_DESTROY", errno: code, context: context)
            }
        }
        return InetDiag.AbortReport(
            aborted: aborted, kept: census.kept, hiddenRootProcesses: held.hiddenRootProcesses.count)
    }

    /// The ESTABLISHED TCP sockets to `host`:`port`.
    private static func dump(
        _ descriptor: Int32, to host: SWNSocketAddress.Host, port: UInt16, _ context: String
    ) throws -> [InetDiag.Socket] {
        let family: UInt8 =
            switch host {
            case .ipv4: InetDiag.familyIPv4
            case .ipv6: InetDiag.familyIPv6
            }
        try send(descriptor, InetDiag.dumpRequest(family: family, destinationPort: port, sequence: 1), context)
        var matches: [InetDiag.Socket] = []
        var done = false
        while !done {
            let datagram = try receive(descriptor, context)
            let part = try InetDiag.parseDump(datagram)
            matches += part.sockets.filter { socket in
                guard socket.id.destinationPort == port, let destination = socket.destination else { return false }
                switch (destination, host) {
                case (.ipv4(let a), .ipv4(let b)): return a == b
                case (.ipv6(let a, _), .ipv6(let b, _)): return a == b  // inet_diag carries no scope id
                default: return false
                }
            }
            done = part.done || datagram.isEmpty
        }
        return matches
    }

    private static func send(_ descriptor: Int32, _ bytes: [UInt8], _ context: String) throws(SystemError) {
        _ = try valueOrThrow("send(NETLINK_SOCK_DIAG)", context) {
            bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
        }
    }

    private static func receive(_ descriptor: Int32, _ context: String) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 32 * 1024)
        let count = try valueOrThrow("recv(NETLINK_SOCK_DIAG)", context) {
            buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        }
        return Array(buffer.prefix(count))
    }
}
