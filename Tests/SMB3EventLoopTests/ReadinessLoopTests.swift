import SMB3Errors
import SMB3EventLoop
import SMB3System
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("ReadinessLoop")
struct ReadinessLoopTests {
    /// A pipe's read end: not readable until something is written.
    @Test func waitTimesOutThenSeesData() async throws {
        let loop = try ReadinessLoop()
        defer { loop.stop() }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        #expect(await loop.wait(for: ends[0], events: .readable, timeoutSeconds: 0.05) == false)
        var byte: UInt8 = 7
        #expect(write(ends[1], &byte, 1) == 1)
        #expect(await loop.wait(for: ends[0], events: .readable, timeoutSeconds: 30))
    }

    @Test func cancelledWaitReturnsFalse() async throws {
        let loop = try ReadinessLoop()
        defer { loop.stop() }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { close(ends[0]); close(ends[1]) }
        let reader = ends[0]
        let waiting = Task { await loop.wait(for: reader, events: .readable) }
        waiting.cancel()
        #expect(await waiting.value == false)
    }

    /// A timer runs its action on the loop thread after its delay; a cancelled one never runs.
    @Test func timersRunAfterTheirDelayUnlessCancelled() async throws {
        let loop = try ReadinessLoop()
        defer { loop.stop() }
        let (fired, continuation) = AsyncStream.makeStream(of: String.self)
        let cancelled = loop.schedule(after: 0.05) { continuation.yield("cancelled") }
        loop.cancelTimer(cancelled)
        _ = loop.schedule(after: 0.2) { continuation.yield("later") }
        _ = loop.schedule(after: 0.1) {
            continuation.yield("first")
        }
        var order: [String] = []
        for await name in fired {
            order.append(name)
            if order.count == 2 { break }
        }
        #expect(order == ["first", "later"])
    }

    @Test func blockingCallsRunOnTheirOwnThread() async throws {
        let thread = try BlockingCallThread()
        let caller = pthread_self()
        let (value, ranElsewhere) = try await thread.run { (42, pthread_equal(pthread_self(), caller) == 0) }
        #expect(value == 42)
        #expect(ranElsewhere)
        struct Failed: Error {}
        await #expect(throws: Failed.self) { try await thread.run { () throws -> Int in throw Failed() } }
    }

    /// A loopback TCP listener; the stream connects, writes, and gets the echo pushed to it.
    @Test func tcpStreamRoundTrip() async throws {
        let loop = try ReadinessLoop()
        defer { loop.stop() }
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(server >= 0)
        defer { close(server) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, length) }
        }
        #expect(bound == 0)
        #expect(listen(server, 1) == 0)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &length) }
        }
        let port = UInt16(bigEndian: address.sin_port)

        let stream = try await EventLoopTCPStream.connect(
            address: "127.0.0.1", port: port, timeoutSeconds: 10, loop: loop)
        let peer = accept(server, nil, nil)
        #expect(peer >= 0)
        defer { close(peer) }
        let (chunks, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        let closedReason = Mutex<String?>(nil)
        stream.start(
            received: { continuation.yield($0) },
            closed: { reason in
                closedReason.withLock { $0 = reason }
                continuation.finish()
            })
        try stream.write(Array("ping".utf8))
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = recv(peer, &buffer, buffer.count, 0)
        #expect(Array(buffer.prefix(max(count, 0))) == Array("ping".utf8))
        _ = send(peer, "pong", 4, 0)
        shutdown(peer, Int32(SHUT_WR))
        var received: [UInt8] = []
        for await chunk in chunks { received += chunk }
        #expect(received == Array("pong".utf8))
        #expect(closedReason.withLock { $0 }?.contains("closed the connection") == true)
    }

    /// RPCConnection writes while holding its lock and its `closed` handler takes that lock: a
    /// failed send must not call `closed` from inside `write` (RPCByteStream's contract).
    @Test func aFailedWriteNeverCallsClosedFromInsideWrite() async throws {
        let loop = try ReadinessLoop()
        let (server, port) = Self.loopbackListener()
        defer { close(server) }
        let stream = try await EventLoopTCPStream.connect(
            address: "127.0.0.1", port: port, timeoutSeconds: 10, loop: loop)
        let peer = accept(server, nil, nil)
        #expect(peer >= 0)
        let writing = Mutex(false)
        let calledInsideWrite = Mutex(false)
        stream.start(received: { _ in }, closed: { _ in calledInsideWrite.withLock { $0 = writing.withLock { $0 } } })
        // The loop stops first, so only a write can notice the reset.
        loop.stop()
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(peer, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(peer)  // RST
        var failed = false
        for _ in 0..<200 where !failed {
            writing.withLock { $0 = true }
            do { try stream.write([UInt8](repeating: 0x55, count: 4096)) } catch { failed = true }
            writing.withLock { $0 = false }
        }
        #expect(failed)
        #expect(!calledInsideWrite.withLock { $0 })
    }

    /// On a running loop the failed write's `closed` still comes, once, from the loop thread.
    @Test func aFailedWriteClosesTheStreamFromTheLoop() async throws {
        let loop = try ReadinessLoop()
        defer { loop.stop() }
        let (server, port) = Self.loopbackListener()
        defer { close(server) }
        let stream = try await EventLoopTCPStream.connect(
            address: "127.0.0.1", port: port, timeoutSeconds: 10, loop: loop)
        let peer = accept(server, nil, nil)
        #expect(peer >= 0)
        let (reasons, continuation) = AsyncStream.makeStream(of: String.self)
        stream.start(received: { _ in }, closed: { continuation.yield($0) })
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(peer, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(peer)
        var failed = false
        for _ in 0..<200 where !failed {
            do { try stream.write([UInt8](repeating: 0x55, count: 4096)) } catch { failed = true }
        }
        #expect(failed)
        var iterator = reasons.makeAsyncIterator()
        #expect(await iterator.next() != nil)
    }

    /// A listening loopback TCP socket and its port.
    static func loopbackListener() -> (Int32, UInt16) {
        let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(server, $0, length) }
        }
        _ = listen(server, 1)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(server, $0, &length) }
        }
        return (server, UInt16(bigEndian: address.sin_port))
    }

    @Test func connectToAClosedPortFails() async throws {
        let loop = try ReadinessLoop()
        defer { loop.stop() }
        // Port 1 on loopback: nothing listens there in a test environment; the kernel refuses.
        await #expect(throws: SystemError.self) {
            _ = try await EventLoopTCPStream.connect(address: "127.0.0.1", port: 1, timeoutSeconds: 10, loop: loop)
        }
        await #expect(throws: SystemError.self) {
            _ = try await EventLoopTCPStream.connect(address: "not-an-address", port: 1, timeoutSeconds: 10, loop: loop)
        }
    }
}
