import SMB3Errors

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking TCP client connection with deadlines, for short request/response exchanges run by
/// one thread (the SMB2 pipe client of `smb3-ioctl snapshot`): connect waits at most the connect
/// timeout, and every send and receive at most the I/O timeout (SO_SNDTIMEO, SO_RCVTIMEO).
/// The descriptor is closed when the value goes away.
public final class TCPClientConnection {
    public let peer: String
    private let descriptor: Int32

    private init(peer: String, descriptor: Int32) {
        self.peer = peer
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Connects to the first address of `host` (a name or a numeric address) that answers.
    /// - Throws: `SystemError` of the last address tried (`connect` ETIMEDOUT after
    ///   `connectTimeoutSeconds`), or of `getaddrinfo` (EHOSTUNREACH) when the name does not resolve.
    public static func connect(
        host: String, port: UInt16, connectTimeoutSeconds: Int32, ioTimeoutSeconds: Int32
    ) throws(SystemError) -> TCPClientConnection {
        let addresses: [String]
        switch HostResolver.addresses(ofHost: host, timeoutSeconds: Int(connectTimeoutSeconds)) {
        case .success(let found): addresses = found
        case .failure(let failure):
            throw SystemError(function: "getaddrinfo", errno: EHOSTUNREACH, context: "resolving \(host): \(failure)")
        }
        var lastError = SystemError(function: "getaddrinfo", errno: EHOSTUNREACH, context: "resolving \(host)")
        for address in addresses {
            do {
                return try connect(
                    address: address, port: port, connectTimeoutSeconds: connectTimeoutSeconds,
                    ioTimeoutSeconds: ioTimeoutSeconds)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func connect(
        address: String, port: UInt16, connectTimeoutSeconds: Int32, ioTimeoutSeconds: Int32
    ) throws(SystemError) -> TCPClientConnection {
        let peer = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        let context = "connecting to \(peer)"
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let family: Int32
        if inet_pton(AF_INET, address, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            family = AF_INET
        } else if inet_pton(AF_INET6, address, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            family = AF_INET6
        } else {
            throw SystemError(function: "inet_pton", errno: EINVAL, context: "parsing address \(address)")
        }
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = try valueOrThrow("socket", context) { socket(family, flags, 0) }
        let connection = TCPClientConnection(peer: peer, descriptor: descriptor)
        let started =
            family == AF_INET
            ? withUnsafePointer(to: &v4) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            : withUnsafePointer(to: &v6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        if started != 0 {
            let code = errno
            guard code == EINPROGRESS else { throw SystemError(function: "connect", errno: code, context: context) }
            var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            let ready = try valueOrThrow("poll", context) { poll(&waiting, 1, connectTimeoutSeconds * 1000) }
            guard ready == 1 else { throw SystemError(function: "connect", errno: ETIMEDOUT, context: context) }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &soError, &length)
            guard soError == 0 else { throw SystemError(function: "connect", errno: soError, context: context) }
        }
        // Back to blocking, with the I/O deadline on each call.
        let current = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, current & ~Int32(O_NONBLOCK))
        var timeout = timeval(tv_sec: Int(ioTimeoutSeconds), tv_usec: 0)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var on: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        return connection
    }

    /// Sends all of `bytes`. A send that times out throws ETIMEDOUT.
    public func send(_ bytes: [UInt8]) throws(SystemError) {
        var sent = 0
        while sent < bytes.count {
            let (count, code) = bytes.withUnsafeBytes { buffer -> (Int, Int32) in
                let result = Glibc.send(
                    descriptor, buffer.baseAddress.map { $0 + sent }, bytes.count - sent, Int32(MSG_NOSIGNAL))
                return (result, result < 0 ? errno : 0)
            }
            if count < 0 {
                if code == EINTR { continue }
                throw SystemError(
                    function: "send", errno: code == EAGAIN ? ETIMEDOUT : code, context: "sending to \(peer)")
            }
            sent += count
        }
    }

    /// Exactly `count` bytes. The peer closing first throws ECONNRESET; no data before the I/O
    /// deadline throws ETIMEDOUT.
    public func receive(exactly count: Int) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let (got, code) = buffer.withUnsafeMutableBytes { raw -> (Int, Int32) in
                let result = recv(descriptor, raw.baseAddress.map { $0 + received }, count - received, 0)
                return (result, result < 0 ? errno : 0)
            }
            if got < 0 {
                if code == EINTR { continue }
                throw SystemError(
                    function: "recv", errno: code == EAGAIN ? ETIMEDOUT : code, context: "waiting for \(peer)")
            }
            guard got > 0 else {
                throw SystemError(function: "recv", errno: ECONNRESET, context: "\(peer) closed the connection")
            }
            received += got
        }
        return buffer
    }
}
