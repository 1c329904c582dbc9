import CLinuxShims
import SMB3Errors
import SMB3ProcFS
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Process-wide memory settings.
public enum ProcessMemory {
    // There is no call for one malloc arena: CLinuxShims sets it in a constructor, before any
    // thread exists (shims.c says why).

    /// Bytes malloc has handed out and not had back, in all arenas (glibc's mallinfo2,
    /// `uordblks + hblkhd`). For measurements: it locks every arena while it counts.
    public static var mallocBytesInUse: Int { Int(truncatingIfNeeded: smb3_malloc_bytes_in_use()) }

    /// prctl(PR_SET_DUMPABLE): a root helper that holds passwords or tickets turns it off, so
    /// it leaves no core dump and other processes of its uid cannot ptrace it or read its
    /// memory, environment or descriptors without CAP_SYS_PTRACE.
    public static func setDumpable(_ dumpable: Bool) throws(SystemError) {
        _ = try valueOrThrow("prctl(PR_SET_DUMPABLE)", "making the process \(dumpable ? "" : "not ")dumpable") {
            smb3_set_dumpable(dumpable ? 1 : 0)
        }
    }

    /// prctl(PR_GET_DUMPABLE): whether the process is dumpable now.
    public static var isDumpable: Bool { smb3_get_dumpable() == 1 }

    /// What `releaseCleanFilePages` dropped: how many mappings, how many KiB were resident.
    public struct Release: Hashable, Sendable {
        public var mappings: Int
        public var kibibytes: UInt64
    }

    /// The file mappings of this process now (range and path). Taken before the process starts
    /// threads, they are the program's and the libraries it was linked with, which stay mapped
    /// where they are until it exits: `releaseCleanFilePages(of:)` touches nothing else.
    public struct StableFileMappings: Sendable {
        let ranges: Set<Range>
        struct Range: Hashable, Sendable {
            let start: UInt64
            let end: UInt64
            let path: String
        }

        /// Those of one file only (tests keep to their own program, which never moves).
        func only(path: String) -> StableFileMappings {
            StableFileMappings(ranges: ranges.filter { $0.path == path })
        }
    }

    public static func stableFileMappings() throws(SystemError) -> StableFileMappings {
        let ranges = try currentMappings().compactMap { mapping in
            mapping.path.map { StableFileMappings.Range(start: mapping.start, end: mapping.end, path: $0) }
        }
        return StableFileMappings(ranges: Set(ranges))
    }

    /// Unmaps the resident pages of the clean, private, read-only file mappings
    /// (MemoryMapping.isCleanFileMapping) among `stable` with MADV_DONTNEED. A daemon calls it
    /// once its start-up is over, and after a burst of work: they ran code it will not run
    /// while idle, and the kernel mapped 64 KiB around every page faulted in (fault-around).
    /// The pages stay in the page cache, so what runs later maps again with a minor fault.
    /// Only mappings present since `stable` was taken, at the same range, are touched:
    /// MADV_DONTNEED on a range that another thread had meanwhile unmapped and mapped anew (a
    /// dlclose'd plugin, then malloc) would zero it.
    public static func releaseCleanFilePages(of stable: StableFileMappings) throws(SystemError) -> Release {
        // The ranges first, so that nothing but the madvise calls runs after the first of them:
        // code that runs after a release maps its pages (and 64 KiB around each) again.
        var ranges: [(address: UnsafeMutableRawPointer, length: Int, path: String)] = []
        var release = Release(mappings: 0, kibibytes: 0)
        for mapping in try currentMappings() where mapping.isCleanFileMapping {
            guard let path = mapping.path,
                stable.ranges.contains(.init(start: mapping.start, end: mapping.end, path: path)),
                let start = UInt(exactly: mapping.start), let length = Int(exactly: mapping.end - mapping.start),
                let address = UnsafeMutableRawPointer(bitPattern: start)
            else { continue }
            ranges.append((address, length, path))
            release.mappings += 1
            release.kibibytes += mapping.residentKiB
        }
        for range in ranges {
            _ = try valueOrThrow("madvise(MADV_DONTNEED)", "releasing clean file pages of \(range.path)") {
                madvise(range.address, range.length, MADV_DONTNEED)
            }
        }
        return release
    }

    /// Gives the free memory inside malloc's heap back to the kernel (glibc's malloc_trim(0):
    /// the heap's top, and MADV_DONTNEED on whole free pages inside it). A daemon calls it after
    /// a burst of work, whose short-lived allocations leave free chunks between the long-lived
    /// ones. Returns how many KiB of anonymous memory the process had less afterwards (0 when
    /// other threads allocated more meanwhile).
    public static func trimMallocHeap() throws(SystemError) -> UInt64 {
        let before = try anonymousKiB()
        _ = malloc_trim(0)
        let after = try anonymousKiB()
        return before > after ? before - after : 0
    }

    private static func anonymousKiB() throws(SystemError) -> UInt64 {
        try currentMappings().reduce(0) { $0 + $1.anonymousKiB }
    }

    private static func currentMappings() throws(SystemError) -> [MemoryMapping] {
        let bytes = try KernelFile.read("/proc/self/smaps", limit: MemoryMappings.maximumSize)
        do {
            return try MemoryMappings.parse(bytes)
        } catch {
            throw SystemError(function: "read", errno: EINVAL, context: "/proc/self/smaps: \(error)")
        }
    }
}

/// Detached pthreads for work that blocks in a syscall or a C library (the event loop's poll,
/// getaddrinfo, libkrb5 and libnl calls): Swift's cooperative pool must never block, and GCD's
/// pool would cap how many can wait at once.
public enum BackgroundThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    public static func detach(stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(&attributes, stackSize)
        var thread = pthread_t()
        let created = pthread_create(
            &thread, &attributes,
            { raw in
                guard let raw else { return nil }
                Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
                return nil
            }, context)
        if created != 0 {
            // Out of threads: run inline rather than lose the work.
            Unmanaged<Body>.fromOpaque(context).takeRetainedValue().run()
        }
    }
}

public enum SystemClock {
    public static func unixTime() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    public static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// Windows FILETIME: 100 ns ticks since 1601-01-01 UTC.
    public static func fileTime() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return (UInt64(now.tv_sec) + 11_644_473_600) * 10_000_000 + UInt64(now.tv_nsec) / 100
    }

    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A file opened for appending lines (the JSON-lines event log); each line is one write(2),
/// so concurrent readers never see half a line.
public final class AppendOnlyFile: @unchecked Sendable {
    public let path: String
    private let fd: Int32

    /// Opens (creating with mode 0640) `path` for appending. Root writes it, so what is there
    /// already must be this uid's own regular file with one link, writable by nobody else: not
    /// a symlink (O_NOFOLLOW), a FIFO or device (O_NONBLOCK keeps open from blocking on one),
    /// nor a hard link to a file elsewhere.
    public init(path: String) throws(SystemError) {
        self.path = path
        let context = "opening \(path) for appending"
        let fd = try valueOrThrow("open", context) {
            open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0o640)
        }
        do throws(SystemError) {
            try checkOwnRegularFile(fd, context: context)
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
    }

    deinit { close(fd) }

    public func appendLine(_ line: String) throws(SystemError) {
        let bytes = Array((line + "\n").utf8)
        _ = try valueOrThrow("write", "appending to \(path)") {
            bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }
    }
}

/// A signal (SIGHUP) recorded by a handler and taken by the main loop, whose blocking
/// poll(2) the signal interrupts with EINTR (the handler is installed without SA_RESTART).
public enum PendingSignal {
    private static let count = Atomic<Int>(0)

    /// SIGHUP, what `systemctl reload` sends.
    public static var hangup: Int32 { SIGHUP }

    public static func install(_ signalNumber: Int32) {
        _ = count.load(ordering: .relaxed)  // initialise before any handler can run
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in _ = PendingSignal.count.add(1, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(signalNumber, &action, nil)
    }

    /// Whether the signal arrived since the last call.
    public static func take() -> Bool { count.exchange(0, ordering: .relaxed) > 0 }
}
