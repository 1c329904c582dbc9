import SMB3Errors
import SMB3System
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One thread in poll(2) for every descriptor the witness daemon waits on: the TCP connections
/// of all registrations, the netlink listener and the control socket. Registrations cost a
/// table entry here instead of a thread each, and nothing that waits ever runs on Swift's
/// cooperative pool (two threads on these machines), where one blocked call would stall every
/// task.
///
/// Two ways to wait: a persistent `watch` whose handler runs on the loop thread at each
/// readiness (level-triggered; handlers must not block and must tolerate spurious wake-ups), and
/// a one-shot `wait(for:)` that suspends a task until the descriptor is ready or a deadline
/// passes. Timers (`schedule`) run an action on the loop thread at a deadline, so a call's
/// timeout costs a table entry rather than a sleeping task. Descriptors handed to
/// `unwatchAndClose` are closed by the loop thread itself, so a handler never runs on a
/// descriptor number that was closed and reused under it.
public final class ReadinessLoop: Sendable {
    public struct Events: OptionSet, Sendable {
        public let rawValue: Int16
        public init(rawValue: Int16) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: Int16(POLLIN))
        public static let writable = Events(rawValue: Int16(POLLOUT))
        /// What poll reports whatever was asked: the peer hung up, an error, a closed descriptor.
        static let failure = Events(rawValue: Int16(POLLERR | POLLHUP | POLLNVAL))
    }

    private struct Watch {
        var events: Events
        let handler: @Sendable (Events) -> Void
    }

    private struct Waiter {
        let descriptor: Int32
        let events: Events
        let deadline: Double?
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct Timer {
        let deadline: Double
        let action: @Sendable () -> Void
    }

    private struct State: ~Copyable {
        var watches: [Int32: Watch] = [:]
        var waiters: [UInt64: Waiter] = [:]
        var timers: [UInt64: Timer] = [:]
        /// Waiters cancelled before their continuation was stored.
        var cancelled: Set<UInt64> = []
        /// The last id given to a waiter or a timer.
        var nextID: UInt64 = 0
        var toClose: [Int32] = []
        var stopped = false
    }

    private let state = Mutex(State())
    /// What handlers read into: they run one at a time on the loop thread, so one buffer
    /// serves every connection instead of an allocation per readiness event.
    private let receiveBuffer = Mutex([UInt8](repeating: 0, count: 16 * 1024))
    /// A pipe whose read end is in every poll: writing a byte wakes the loop after a change.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Starts the loop's thread.
    public init() throws(SystemError) {
        (wakeRead, wakeWrite) = try wakeUpPipe(nonBlocking: true, for: "the readiness loop")
        BackgroundThread.detach(stackSize: 256 * 1024) { [self] in run() }
    }

    /// Ends the loop's thread (tests); pending waiters are resumed with false.
    public func stop() {
        state.withLock { $0.stopped = true }
        wake()
    }

    /// Calls `handler` on the loop thread whenever `descriptor` is ready for `events` (or failed).
    public func watch(_ descriptor: Int32, events: Events, handler: @escaping @Sendable (Events) -> Void) {
        state.withLock { $0.watches[descriptor] = Watch(events: events, handler: handler) }
        wake()
    }

    /// Changes what a watched descriptor waits for (say, writable while output is queued).
    public func update(_ descriptor: Int32, events: Events) {
        let changed = state.withLock { state -> Bool in
            guard let watch = state.watches[descriptor], watch.events != events else { return false }
            state.watches[descriptor]?.events = events
            return true
        }
        if changed { wake() }
    }

    /// Stops watching `descriptor` and closes it on the loop thread.
    public func unwatchAndClose(_ descriptor: Int32) {
        state.withLock {
            $0.watches[descriptor] = nil
            $0.toClose.append(descriptor)
        }
        wake()
    }

    /// Suspends until `descriptor` is ready for `events` (true) or `timeoutSeconds` passed or the
    /// task was cancelled (false).
    public func wait(for descriptor: Int32, events: Events, timeoutSeconds: Double? = nil) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            return state.nextID
        }
        let deadline = timeoutSeconds.map { SystemClock.monotonicSeconds() + $0 }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.cancelled.remove(id) != nil || state.stopped { return true }
                    state.waiters[id] = Waiter(
                        descriptor: descriptor, events: events, deadline: deadline, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume(returning: false) } else { wake() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return waiter
            }
            waiter?.continuation.resume(returning: false)
        }
    }

    /// Runs `action` on the loop thread once `seconds` have passed, unless `cancelTimer` was
    /// called with the returned id first; it must be quick. A stopped loop runs none.
    public func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        let deadline = SystemClock.monotonicSeconds() + seconds
        let id = state.withLock { state -> UInt64 in
            state.nextID &+= 1
            state.timers[state.nextID] = Timer(deadline: deadline, action: action)
            return state.nextID
        }
        wake()
        return id
    }

    /// Drops a timer that has not run yet (no effect once it has).
    public func cancelTimer(_ id: UInt64) {
        _ = state.withLock { $0.timers.removeValue(forKey: id) }
    }

    /// recv(2) from `descriptor` into the loop's receive buffer (for handlers, on the loop
    /// thread): what it returned, the bytes it read and its errno.
    func receive(from descriptor: Int32) -> (count: Int, bytes: [UInt8], errno: Int32) {
        receiveBuffer.withLock { buffer in
            buffer.withUnsafeMutableBytes { space in
                let count = recv(descriptor, space.baseAddress, space.count, 0)
                return (count, count > 0 ? Array(space.prefix(count)) : [], count < 0 ? errno : 0)
            }
        }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // EAGAIN: a wake-up is pending already
    }

    private func run() {
        var descriptors: [pollfd] = []
        var owners: [UInt64?] = []  // nil: a watch (looked up by descriptor); else a waiter id
        while true {
            let (closing, timeout, stopped) = state.withLock { state -> ([Int32], Int32, Bool) in
                descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
                owners = [nil]
                for (descriptor, watch) in state.watches {
                    descriptors.append(pollfd(fd: descriptor, events: watch.events.rawValue, revents: 0))
                    owners.append(nil)
                }
                var nearest: Double?
                for (id, waiter) in state.waiters {
                    descriptors.append(pollfd(fd: waiter.descriptor, events: waiter.events.rawValue, revents: 0))
                    owners.append(id)
                    if let deadline = waiter.deadline { nearest = min(nearest ?? deadline, deadline) }
                }
                for timer in state.timers.values { nearest = min(nearest ?? timer.deadline, timer.deadline) }
                let closing = state.toClose
                state.toClose.removeAll()
                var timeout: Int32 = -1
                if let nearest {
                    let milliseconds = (nearest - SystemClock.monotonicSeconds()) * 1000
                    timeout = Int32(max(0, min(milliseconds.rounded(.up), 60_000)))
                }
                return (closing, timeout, state.stopped)
            }
            for descriptor in closing { close(descriptor) }
            if stopped { break }
            let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
            if ready < 0 && errno != EINTR { continue }
            if descriptors[0].revents != 0 {
                var drain = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &drain, drain.count) > 0 {}
            }
            let now = SystemClock.monotonicSeconds()
            var resumed: [(CheckedContinuation<Bool, Never>, Bool)] = []
            var handlers: [(@Sendable (Events) -> Void, Events)] = []
            var expired: [@Sendable () -> Void] = []
            state.withLock { state in
                for (id, timer) in state.timers.filter({ $0.value.deadline <= now }) {
                    state.timers[id] = nil
                    expired.append(timer.action)
                }
                for index in descriptors.indices.dropFirst() {
                    let revents = Events(rawValue: descriptors[index].revents)
                    if let id = owners[index] {
                        guard let waiter = state.waiters[id] else { continue }
                        if !revents.isEmpty {
                            state.waiters[id] = nil
                            resumed.append((waiter.continuation, true))
                        } else if let deadline = waiter.deadline, deadline <= now {
                            state.waiters[id] = nil
                            resumed.append((waiter.continuation, false))
                        }
                    } else if !revents.isEmpty, let watch = state.watches[descriptors[index].fd] {
                        handlers.append((watch.handler, revents))
                    }
                }
            }
            for (continuation, ready) in resumed { continuation.resume(returning: ready) }
            for (handler, revents) in handlers { handler(revents) }
            for action in expired { action() }
        }
        let waiters = state.withLock { state in
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.continuation.resume(returning: false) }
        close(wakeRead)
        close(wakeWrite)
    }
}

/// A close-on-exec pipe whose read end a thread sleeps on until a byte is written.
func wakeUpPipe(nonBlocking: Bool, for user: String) throws(SystemError) -> (read: Int32, write: Int32) {
    var ends: [Int32] = [0, 0]
    _ = try valueOrThrow("pipe", "creating the wake-up pipe of \(user)") { pipe(&ends) }
    for end in ends {
        if nonBlocking { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        _ = fcntl(end, F_SETFD, FD_CLOEXEC)
    }
    return (ends[0], ends[1])
}
