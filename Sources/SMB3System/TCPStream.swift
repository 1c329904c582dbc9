#if canImport(Glibc)
import SMB3Errors
import Glibc
#endif

/// A blocking TCP connection to a numeric address. One thread reads, others may write (each
/// `write` is one `send` loop); `shutdown()` from any thread wakes a blocked reader.
public final class TCPStream: @unchecked Sendable {
    public let peer: String
    private let fd: Int32

    /// Connects to `address` (numeric IPv4 or IPv6) and `port`, giving up after `timeoutSeconds`.
    public init(address: String, port: UInt16, timeoutSeconds: Int32) throws(SystemError) {
        peer = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let looked = getaddrinfo(address, String(port), &hints, &result)
        guard looked == 0, let info = result else {
            throw SystemError(function: "getaddrinfo", errno: EINVAL, context: "parsing address \(address)")
        }
        defer { freeaddrinfo(info) }
        let context = "connecting to \(peer)"
        let socketFD = try valueOrThrow("socket", context) {
            socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        }
        do throws(SystemError) {
            if connect(socketFD, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
                guard errno == EINPROGRESS else { throw SystemError(function: "connect", errno: errno, context: context) }
                var poller = pollfd(fd: socketFD, events: Int16(POLLOUT), revents: 0)
                let ready = try valueOrThrow("poll", context) { poll(&poller, 1, timeoutSeconds * 1000) }
                guard ready == 1 else { throw SystemError(function: "connect", errno: ETIMEDOUT, context: context) }
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(socketFD, SOL_SOCKET, SO_ERROR, &soError, &length)
                guard soError == 0 else { throw SystemError(function: "connect", errno: soError, context: context) }
            }
            // Back to blocking: the reader thread waits in recv; no busy polling.
            let flags = fcntl(socketFD, F_GETFL)
            _ = fcntl(socketFD, F_SETFL, flags & ~O_NONBLOCK)
            var on: Int32 = 1
            _ = setsockopt(socketFD, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            // Long polls sit idle for minutes: let TCP notice a dead peer.
            _ = setsockopt(socketFD, SOL_SOCKET, SO_KEEPALIVE, &on, socklen_t(MemoryLayout<Int32>.size))
        } catch {
            close(socketFD)
            throw error
        }
        fd = socketFD
    }

    deinit { close(fd) }

    public func write(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let sent = try valueOrThrow("send", "sending to \(peer)") {
                bytes.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return send(fd, base + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
            }
            offset += sent
        }
    }

    /// Exactly `count` bytes; ECONNRESET-style errors and EOF throw.
    public func read(exactly count: Int) throws(SystemError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let received = try valueOrThrow("recv", "reading from \(peer)") {
                buffer.withUnsafeMutableBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return recv(fd, base + offset, count - offset, 0)
                }
            }
            if received == 0 { throw SystemError(function: "recv", errno: ECONNRESET, context: "\(peer) closed the connection") }
            offset += received
        }
        return buffer
    }

    /// Wakes a reader blocked in `read` and refuses further I/O.
    public func shutdown() { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
}
