import CLinuxShims
import SMB3Errors

#if canImport(Glibc)
    import Glibc
#endif

/// sd_notify(3) without libsystemd: one datagram to $NOTIFY_SOCKET ("@" means abstract).
public enum ServiceManagerNotifier {
    /// Sends `state` (e.g. "READY=1\nSTATUS=…"); false when not run by systemd.
    @discardableResult
    public static func notify(_ state: String) -> Bool {
        guard let path = getenv("NOTIFY_SOCKET").map({ String(cString: $0) }), !path.isEmpty else { return false }
        var pathBytes = Array(path.utf8)
        if pathBytes.first == UInt8(ascii: "@") { pathBytes[0] = 0 }
        return sendUnixDatagram(Array(state.utf8), to: pathBytes)
    }
}

/// One datagram to a unix socket path (abstract when it starts with NUL); true when all of
/// it went. For fire-and-forget messages to systemd and journald.
func sendUnixDatagram(_ message: [UInt8], to path: [UInt8]) -> Bool {
    let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    guard var address = UnixSocketAddress(path) else { return false }
    let sent = address.withSockaddr { pointer, length in
        message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), pointer, length) }
    }
    return sent == message.count
}

struct UnixSocketAddress {
    var storage = sockaddr_un()
    let pathLength: Int

    init?(_ path: [UInt8]) {
        storage.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard path.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            for (index, byte) in path.enumerated() { raw[index] = byte }
        }
        pathLength = path.count
    }

    mutating func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        // Abstract names are not NUL-terminated: pass the exact length.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + pathLength + (storage.sun_path.0 == 0 ? 0 : 1))
        return withUnsafePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}

/// A new AF_UNIX socket (stream unless `type` says otherwise) on which `operation` (bind or
/// connect) to `path` succeeded; the socket is closed again on any failure.
private func unixSocket(
    path: String, type: Int32 = Int32(SOCK_STREAM.rawValue), function: String, context: String,
    _ operation: (Int32, UnsafePointer<sockaddr>, socklen_t) -> Int32
) throws(SystemError) -> Int32 {
    let fd = try valueOrThrow("socket", context) { socket(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0) }
    guard var address = UnixSocketAddress(Array(path.utf8)) else {
        close(fd)
        throw SystemError(function: function, errno: ENAMETOOLONG, context: context)
    }
    guard address.withSockaddr({ operation(fd, $0, $1) }) == 0 else {
        let code = errno
        close(fd)
        throw SystemError(function: function, errno: code, context: context)
    }
    return fd
}

/// A listening AF_UNIX socket of `type` at `path` with `mode` (less the umask's bits). The mode
/// goes on the socket before bind, and unix_bind gives the new file the socket inode's mode
/// (6.1 and 6.12 alike), so the file never exists with a wider one: no chmod after bind, which
/// left a window for anyone to connect and followed a symlink swapped in meanwhile. A stale
/// socket file at `path` is replaced; anything else there is refused, never deleted. On any
/// failure the socket is closed and its file removed. `afterBind` is a test seam.
func listeningUnixSocket(
    path: String, type: Int32, mode: mode_t, backlog: Int32, afterBind: (String) -> Void = { _ in }
) throws(SystemError) -> Int32 {
    let context = "listening on \(path)"
    var existing = stat()
    if lstat(path, &existing) == 0 {
        guard existing.st_mode & S_IFMT == S_IFSOCK else {
            throw SystemError(
                function: "lstat", errno: EEXIST, context: "\(context): \(path) exists and is not a socket")
        }
        unlink(path)
    }
    let fd = try unixSocket(path: path, type: type, function: "bind", context: context) { fd, address, length in
        guard fchmod(fd, mode) == 0 else { return -1 }
        return bind(fd, address, length)
    }
    afterBind(path)
    do throws(SystemError) {
        _ = try valueOrThrow("listen", context) { listen(fd, backlog) }
    } catch {
        close(fd)
        unlink(path)
        throw error
    }
    return fd
}

/// A listening unix stream socket (the daemon's control socket): one line in, text out.
public final class UnixListener: @unchecked Sendable {
    public let path: String
    private let fd: Int32

    public init(path: String, mode: mode_t) throws(SystemError) {
        self.path = path
        fd = try listeningUnixSocket(path: path, type: Int32(SOCK_STREAM.rawValue), mode: mode, backlog: 16)
    }

    /// The descriptor, for a readiness loop to wait on (accept once it is readable).
    public var descriptor: Int32 { fd }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Blocks for the next client; the returned connection closes itself when released.
    public func accept() throws(SystemError) -> UnixConnection {
        let client = try valueOrThrow("accept", "accepting on \(path)") { Glibc.accept(fd, nil, nil) }
        _ = fcntl(client, F_SETFD, FD_CLOEXEC)
        return UnixConnection(fd: client)
    }
}

public final class UnixConnection: @unchecked Sendable {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }

    /// The descriptor, for a readiness loop to wait on.
    public var descriptor: Int32 { fd }

    /// Connects to a listening unix socket.
    public convenience init(connectingTo path: String) throws(SystemError) {
        let socketFD = try unixSocket(path: path, function: "connect", context: "connecting to \(path)") {
            connect($0, $1, $2)
        }
        self.init(fd: socketFD)
    }

    /// One line (without its newline), or nil at EOF. Lines are capped at `limit` bytes.
    public func readLine(limit: Int = 4096) throws(SystemError) -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < limit {
            let received = try valueOrThrow("recv", "reading a control request") { recv(fd, &byte, 1, 0) }
            if received == 0 { return line.isEmpty ? nil : String(decoding: line, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        return String(decoding: line, as: UTF8.self)
    }

    /// Calls `body` with each line (without its newline) until the peer closes; a last line
    /// without a newline is passed too. Reads in blocks, not a byte at a time like `readLine`,
    /// because a client copies whole replies (a status of a thousand registrations). Lines longer
    /// than `limit` bytes are passed in pieces of `limit`.
    public func forEachLine(limit: Int = 1 << 20, _ body: (String) -> Void) throws(SystemError) {
        var pending: [UInt8] = []
        var block = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let received = try valueOrThrow("recv", "reading the daemon's reply") {
                block.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            }
            if received == 0 { break }
            for byte in block[0..<received] {
                if byte == UInt8(ascii: "\n") {
                    body(String(decoding: pending, as: UTF8.self))
                    pending.removeAll(keepingCapacity: true)
                } else {
                    pending.append(byte)
                    if pending.count == limit {
                        body(String(decoding: pending, as: UTF8.self))
                        pending.removeAll(keepingCapacity: true)
                    }
                }
            }
        }
        if !pending.isEmpty { body(String(decoding: pending, as: UTF8.self)) }
    }

    /// Returns false once the peer has gone (EPIPE), so event followers can be dropped. With
    /// `nonBlocking`, a peer that does not read (full socket buffer) also gives false instead
    /// of stalling the writer.
    @discardableResult
    public func write(_ text: String, nonBlocking: Bool = false) -> Bool {
        let bytes = Array(text.utf8)
        let flags = Int32(MSG_NOSIGNAL) | (nonBlocking ? Int32(MSG_DONTWAIT) : 0)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return send(fd, base + offset, raw.count - offset, flags)
            }
            if sent < 0 && errno == EINTR { continue }
            if sent <= 0 { return false }
            offset += sent
        }
        return true
    }
}

/// A unix SOCK_SEQPACKET socket: each send is one message and each receive returns one whole
/// message, so a request/reply service needs no framing. Closes itself when released.
public final class UnixPacketSocket: @unchecked Sendable {
    private var fd: Int32
    private let unlinkOnClose: String?

    /// The descriptor, for a list of those to keep open (FileDescriptors.closeAll).
    public var descriptor: Int32 { fd }

    private init(fd: Int32, unlinkOnClose: String? = nil) {
        self.fd = fd
        self.unlinkOnClose = unlinkOnClose
    }

    deinit {
        guard fd >= 0 else { return }
        close(fd)
        if let unlinkOnClose { unlink(unlinkOnClose) }
    }

    /// Closes the descriptor and leaves the socket file: what a forked worker does with the
    /// server's listening socket it inherited (only the server may remove the file).
    public func closeInWorker() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
    }

    /// A listening socket at `path` (a stale socket file there is replaced), with `mode`.
    public static func listening(at path: String, mode: mode_t) throws(SystemError) -> UnixPacketSocket {
        let fd = try listeningUnixSocket(path: path, type: Int32(SOCK_SEQPACKET.rawValue), mode: mode, backlog: 64)
        return UnixPacketSocket(fd: fd, unlinkOnClose: path)
    }

    /// The listening socket systemd passed (socket activation, sd_listen_fds(3)): descriptor 3
    /// when LISTEN_PID is this process and LISTEN_FDS is 1; the variables are then cleared so
    /// that children do not take them for theirs.
    public static func passedBySystemd() -> UnixPacketSocket? {
        defer {
            unsetenv("LISTEN_PID")
            unsetenv("LISTEN_FDS")
            unsetenv("LISTEN_FDNAMES")
        }
        guard let pid = Environment.get("LISTEN_PID").flatMap({ Int32($0) }), pid == getpid(),
            Environment.get("LISTEN_FDS") == "1"
        else { return nil }
        let fd: Int32 = 3
        var type: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0, type == Int32(SOCK_SEQPACKET.rawValue) else {
            return nil
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return UnixPacketSocket(fd: fd)
    }

    /// Connects to the listening socket at `path`.
    public static func connected(to path: String) throws(SystemError) -> UnixPacketSocket {
        let fd = try unixSocket(
            path: path, type: Int32(SOCK_SEQPACKET.rawValue), function: "connect", context: "connecting to \(path)"
        ) { connect($0, $1, $2) }
        return UnixPacketSocket(fd: fd)
    }

    /// Blocks for the next connection.
    public func accept() throws(SystemError) -> UnixPacketSocket {
        let client = try valueOrThrow("accept4", "accepting a connection") { smb3_accept_cloexec(fd) }
        return UnixPacketSocket(fd: client)
    }

    /// The pid (thread group, at connect time) and uid of the peer, from the kernel (SO_PEERCRED).
    public func peerCredentials() throws(SystemError) -> (pid: Int32, uid: UInt32) {
        var pid: Int32 = 0
        var uid: UInt32 = 0
        _ = try valueOrThrow("getsockopt", "reading the peer's credentials") { smb3_peer_credentials(fd, &pid, &uid) }
        return (pid, uid)
    }

    /// A pidfd of the peer as it was at connect time (SO_PEERPIDFD, Linux 6.5), so that a peer
    /// that exits and whose pid is reused cannot be mistaken for another process; nil on
    /// kernels without it. The caller owns the descriptor.
    public func peerPidfd() -> Int32? {
        let pidfd = smb3_peer_pidfd(fd)
        return pidfd >= 0 ? pidfd : nil
    }

    /// Sends and receives give up with EAGAIN after this long.
    public func setTimeout(seconds: Int) throws(SystemError) {
        var limit = timeval(tv_sec: seconds, tv_usec: 0)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            _ = try valueOrThrow("setsockopt", "setting a socket timeout") {
                setsockopt(fd, SOL_SOCKET, option, &limit, socklen_t(MemoryLayout<timeval>.size))
            }
        }
    }

    public func send(_ message: [UInt8]) throws(SystemError) {
        let sent = try valueOrThrow("send", "sending a message") {
            message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        guard sent == message.count else {
            throw SystemError(function: "send", errno: EMSGSIZE, context: "sending a message")
        }
    }

    /// The next message, or nil when the peer has closed. A message longer than `limit` is an
    /// error (EMSGSIZE), never silently cut. The buffer is the message's size, learnt first with
    /// MSG_PEEK|MSG_TRUNC, so a generous limit costs nothing.
    public func receive(limit: Int) throws(SystemError) -> [UInt8]? {
        let size = try valueOrThrow("recv", "receiving a message") {
            Glibc.recv(fd, nil, 0, Int32(MSG_PEEK) | Int32(MSG_TRUNC))
        }
        guard size <= limit else {
            _ = Glibc.recv(fd, nil, 0, Int32(MSG_TRUNC))  // drop it, so the next receive sees the next message
            throw SystemError(function: "recv", errno: EMSGSIZE, context: "receiving a message")
        }
        // A size of zero is the end of the stream, or an empty message, which neither end of
        // our services sends: it is consumed and read as the end.
        var buffer = [UInt8](repeating: 0, count: size)
        let count = try valueOrThrow("recv", "receiving a message") {
            buffer.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, $0.count, Int32(MSG_TRUNC)) }
        }
        if count == 0 && size == 0 { return nil }
        guard count == size else {
            throw SystemError(function: "recv", errno: EMSGSIZE, context: "receiving a message")
        }
        return buffer
    }
}
