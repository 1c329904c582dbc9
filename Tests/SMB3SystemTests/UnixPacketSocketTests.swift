import Glibc
import SMB3Errors
import Testing

@testable import SMB3System

struct UnixPacketSocketTests {
    /// A fresh socket path under /tmp, removed again by the listener.
    static func path() -> String { "/tmp/smb3kit-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock" }

    @Test func messagesArriveWholeAndThePeerIsKnown() throws {
        let path = Self.path()
        let listener = try UnixPacketSocket.listening(at: path, mode: 0o600)
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let client = try UnixPacketSocket.connected(to: path)
        let server = try listener.accept()
        let peer = try server.peerCredentials()
        #expect(peer.uid == getuid() && peer.pid == getpid())

        try client.send([1, 2, 3])
        try client.send(Array(repeating: 7, count: 70_000))
        #expect(try server.receive(limit: 16) == [1, 2, 3])
        #expect(try server.receive(limit: 100_000)?.count == 70_000)
        try server.send([9])
        #expect(try client.receive(limit: 1) == [9])
    }

    @Test func aTooLongMessageIsAnErrorAndTheEndIsNil() throws {
        let path = Self.path()
        let listener = try UnixPacketSocket.listening(at: path, mode: 0o600)
        var client: UnixPacketSocket? = try UnixPacketSocket.connected(to: path)
        let server = try listener.accept()
        try client?.send([1, 2, 3, 4])
        try client?.send([5])
        #expect(throws: SystemError.self) { try server.receive(limit: 3) }
        #expect(try server.receive(limit: 3) == [5])
        client = nil
        #expect(try server.receive(limit: 16) == nil)
    }

    @Test func aTimeoutEndsTheWait() throws {
        let path = Self.path()
        let listener = try UnixPacketSocket.listening(at: path, mode: 0o600)
        let client = try UnixPacketSocket.connected(to: path)
        let server = try listener.accept()
        try client.setTimeout(seconds: 1)
        let error = try #require(throws: SystemError.self) { try client.receive(limit: 16) }
        #expect(error.errno == .resourceTemporarilyUnavailable)
        withExtendedLifetime(server) {}
    }

    @Test func nobodyListeningIsAnError() {
        #expect(throws: SystemError.self) { try UnixPacketSocket.connected(to: Self.path()) }
    }

    @Test func theListenerRemovesItsPath() throws {
        let path = Self.path()
        var listener: UnixPacketSocket? = try UnixPacketSocket.listening(at: path, mode: 0o600)
        #expect(access(path, F_OK) == 0)
        listener = nil
        #expect(access(path, F_OK) != 0)
        _ = listener
    }
}

struct ForkedChildTests {
    @Test func theChildRunsTheJobAndExitsWithItsResult() throws {
        var pipeFDs: [Int32] = [0, 0]
        #expect(pipe(&pipeFDs) == 0)
        let pid = try ForkedChild.run {
            var byte: UInt8 = 42
            _ = write(pipeFDs[1], &byte, 1)
            return 7
        }
        close(pipeFDs[1])
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        // WIFEXITED and WEXITSTATUS, which are macros Swift cannot import.
        #expect(status & 0x7F == 0)
        #expect((status >> 8) & 0xFF == 7)
        var byte: UInt8 = 0
        #expect(read(pipeFDs[0], &byte, 1) == 1 && byte == 42)
        close(pipeFDs[0])
    }
}

/// The listening socket's file never exists with a mode wider than asked, and what is at its
/// path already is replaced only when it is a socket (issue 13).
@Suite("listening unix sockets: mode from bind, nothing but a socket replaced")
struct ListeningUnixSocketTests {
    @Test func theFileHasItsModeFromTheStart() throws {
        let path = UnixPacketSocketTests.path()
        let previous = umask(0)
        defer { umask(previous) }
        var modeAtBind: mode_t = 0
        let fd = try listeningUnixSocket(path: path, type: Int32(SOCK_STREAM.rawValue), mode: 0o600, backlog: 1) {
            bound in
            var info = stat()
            if lstat(bound, &info) == 0 { modeAtBind = info.st_mode & 0o7777 }
        }
        defer {
            close(fd)
            unlink(path)
        }
        // With umask 0 a chmod after bind would show 0777 here.
        #expect(modeAtBind == 0o600)
    }

    @Test func aStaleSocketIsReplacedAnythingElseRefused() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/control"
        #expect(directory.shell("echo keep > control"))
        #expect(throws: SystemError.self) { try UnixListener(path: path, mode: 0o600) }
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG, "the regular file is still there")
        #expect(directory.shell("rm control && ln -s /etc/passwd control"))
        #expect(throws: SystemError.self) { try UnixListener(path: path, mode: 0o600) }
        #expect(directory.shell("rm control"))
        do {
            _ = try UnixListener(path: path, mode: 0o600)  // leaves no file behind: deinit unlinks
            let stale = try listeningUnixSocket(path: path, type: Int32(SOCK_STREAM.rawValue), mode: 0o600, backlog: 1)
            close(stale)  // the file stays: a stale socket
        }
        #expect(lstat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFSOCK)
        let listener = try UnixListener(path: path, mode: 0o600)
        #expect(listener.path == path)
    }
}
