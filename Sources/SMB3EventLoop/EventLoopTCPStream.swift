import SMB3Errors
import SMB3System
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking TCP connection served by a `ReadinessLoop`: what arrives is pushed to a
/// handler on the loop thread, and writes queue what the socket does not take at once, so no
/// thread ever waits on it. One per witness (and endpoint-mapper) connection.
public final class EventLoopTCPStream: Sendable {
    public let peer: String
    private let descriptor: Int32
    private let loop: ReadinessLoop

    private struct State: ~Copyable {
        var outgoing: [UInt8] = []
        var closed = false
        var received: (@Sendable ([UInt8]) -> Void)?
        var onClose: (@Sendable (String) -> Void)?
    }

    private let state = Mutex(State())

    private init(peer: String, descriptor: Int32, loop: ReadinessLoop) {
        self.peer = peer
        self.descriptor = descriptor
        self.loop = loop
    }

    /// Connects to `address` (numeric IPv4 or IPv6) and `port` without blocking a thread,
    /// giving up after `timeoutSeconds` or when the task is cancelled.
    public static func connect(
        address: String, port: UInt16, timeoutSeconds: Int32, loop: ReadinessLoop
    ) async throws(SystemError) -> EventLoopTCPStream {
        let peer = address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
        let context = "connecting to \(peer)"
        guard var socketAddress = SocketAddress(numeric: address, port: port) else {
            throw SystemError(function: "inet_pton", errno: EINVAL, context: "parsing address \(address)")
        }
        let flags = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = try valueOrThrow("socket", context) { socket(socketAddress.family, flags, 0) }
        do throws(SystemError) {
            let started = socketAddress.withSockaddr { Glibc.connect(descriptor, $0, $1) }
            if started != 0 {
                let code = errno
                guard code == EINPROGRESS else { throw SystemError(function: "connect", errno: code, context: context) }
                guard await loop.wait(for: descriptor, events: .writable, timeoutSeconds: Double(timeoutSeconds)) else {
                    throw SystemError(
                        function: "connect", errno: Task.isCancelled ? ECANCELED : ETIMEDOUT, context: context)
                }
                var soError: Int32 = 0
                var length = socklen_t(MemoryLayout<Int32>.size)
                _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &soError, &length)
                guard soError == 0 else { throw SystemError(function: "connect", errno: soError, context: context) }
            }
            var on: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            // Long polls sit idle for minutes: let TCP notice a dead peer.
            _ = setsockopt(descriptor, SOL_SOCKET, SO_KEEPALIVE, &on, socklen_t(MemoryLayout<Int32>.size))
        } catch {
            close(descriptor)
            throw error
        }
        return EventLoopTCPStream(peer: peer, descriptor: descriptor, loop: loop)
    }

    deinit {
        // Released without shutdown: the loop still watches it (or would have).
        if !state.withLock({ $0.closed }) { loop.unwatchAndClose(descriptor) }
    }

    /// Starts delivering: `received` with every chunk that arrives, then `closed` once with the
    /// reason (end of stream, an error, or `shutdown`). Both run on the loop thread.
    public func start(
        received: @escaping @Sendable ([UInt8]) -> Void, closed: @escaping @Sendable (String) -> Void
    ) {
        state.withLock {
            $0.received = received
            $0.onClose = closed
        }
        loop.watch(descriptor, events: .readable) { [weak self] events in self?.ready(events) }
    }

    /// Sends `bytes` after whatever is queued, without blocking; fails once the stream is closed.
    public func write(_ bytes: [UInt8]) throws(SystemError) {
        let failure = state.withLock { state -> SystemError? in
            if state.closed { return SystemError(function: "send", errno: EPIPE, context: "sending to \(peer)") }
            state.outgoing += bytes
            return flush(&state.outgoing)
        }
        if let failure {
            // `closed` runs on the loop thread, never inside write: the caller may hold a lock
            // that its `closed` handler takes (RPCByteStream's contract).
            _ = loop.schedule(after: 0) { [self] in finish(because: failure.description) }
            throw failure
        }
    }

    /// Closes the connection; a pending `closed` handler runs with "closed by us".
    public func shutdown() { finish(because: "closed by us") }

    /// Sends as much of `outgoing` as the socket takes; watches for writability while some is left.
    private func flush(_ outgoing: inout [UInt8]) -> SystemError? {
        while !outgoing.isEmpty {
            let sent = outgoing.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0 {
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == EWOULDBLOCK { break }
                return SystemError(function: "send", errno: code, context: "sending to \(peer)")
            }
            outgoing.removeFirst(sent)
        }
        // Sent: the storage goes (removeFirst keeps the capacity of the largest write ever queued).
        if outgoing.isEmpty { outgoing = [] }
        loop.update(descriptor, events: outgoing.isEmpty ? .readable : [.readable, .writable])
        return nil
    }

    private func ready(_ events: ReadinessLoop.Events) {
        if events.contains(.writable) {
            if let failure = state.withLock({ $0.closed ? nil : flush(&$0.outgoing) }) {
                return finish(because: failure.description)
            }
        }
        while true {
            let (count, chunk, code) = loop.receive(from: descriptor)
            if count > 0 {
                guard let received = state.withLock({ $0.closed ? nil : $0.received }) else { return }
                received(chunk)
                continue
            }
            if count == 0 { return finish(because: "\(peer) closed the connection") }
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return }
            return finish(
                because: SystemError(function: "recv", errno: code, context: "reading from \(peer)").description)
        }
    }

    private func finish(because reason: String) {
        let (first, onClose) = state.withLock { state -> (Bool, (@Sendable (String) -> Void)?) in
            if state.closed { return (false, nil) }
            state.closed = true
            defer {
                state.onClose = nil
                state.received = nil
            }
            return (true, state.onClose)
        }
        guard first else { return }
        loop.unwatchAndClose(descriptor)
        onClose?(reason)
    }
}

/// A numeric IPv4 or IPv6 socket address.
struct SocketAddress {
    private var storage: sockaddr_storage
    private let length: socklen_t
    let family: Int32

    init?(numeric address: String, port: UInt16) {
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        if inet_pton(AF_INET, address, &v4.sin_addr) == 1 {
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
            (storage, length) = Self.stored(v4)
            family = AF_INET
        } else if inet_pton(AF_INET6, address, &v6.sin6_addr) == 1 {
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
            (storage, length) = Self.stored(v6)
            family = AF_INET6
        } else {
            return nil
        }
    }

    /// `address` copied into a sockaddr_storage, and its length.
    private static func stored<Address>(_ address: Address) -> (sockaddr_storage, socklen_t) {
        var storage = sockaddr_storage()
        withUnsafeBytes(of: address) { source in
            withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: source) }
        }
        return (storage, socklen_t(MemoryLayout<Address>.size))
    }

    mutating func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let length = self.length
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
