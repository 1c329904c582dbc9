import CLinuxShims
import SMB3ProcFS

#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// A task pinned before anything about it is read: a pidfd of its process (so the pid cannot
/// be recycled unnoticed) and a descriptor of its `/proc/<tgid>/task/<tid>` directory.
/// Everything later read about it goes through that descriptor, so it is the host's procfs
/// entry even after this process has joined another mount or pid namespace.
///
/// The kernel names the task that triggered an upcall (`current->pid`), which may be any
/// thread; pidfd_open refuses threads that do not lead their group, so the handle pins the
/// thread group and reads the task's own entry inside it (its credentials and namespaces are
/// per thread).
public struct ProcessHandle: ~Copyable {
    /// The thread group (the process).
    public let pid: Int32
    /// The task asked for; the same as `pid` for a leader.
    public let taskID: Int32
    private let taskDirectory: Int32
    private let pidfd: Int32

    /// `/proc/<pid>/environ` of a big environment; cifs.upcall stops at the same 128 KiB.
    public static let environLimit = 128 << 10

    /// - Throws: `SystemError` with ESRCH if the task is gone.
    public init(task: Int32) throws(SystemError) {
        let group = try Self.threadGroup(of: task)
        // pidfd first: if the process exits and its pid is reused, the check below sees it.
        let pidfd = try valueOrThrow("pidfd_open", "pinning process \(group)") { smb3_pidfd_open(group, 0) }
        try self.init(pidfd: pidfd, pid: group, task: task)
    }

    /// Pins the process behind `pidfd` (taken over: closed with the handle), known as `pid`.
    public init(pidfd: Int32, pid: Int32) throws(SystemError) {
        try self.init(pidfd: pidfd, pid: pid, task: pid)
    }

    private init(pidfd: Int32, pid: Int32, task: Int32) throws(SystemError) {
        let directory = open("/proc/\(pid)/task/\(task)", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else {
            let code = errno
            Glibc.close(pidfd)
            throw SystemError(function: "open", errno: code, context: "opening /proc/\(pid)/task/\(task)")
        }
        // The directory was opened by number: it is the pinned process's only if that process
        // still runs now (a pid is not reused while its process lives).
        guard Self.isRunning(pidfd: pidfd) else {
            Glibc.close(directory)
            Glibc.close(pidfd)
            throw SystemError(function: "pidfd_open", errno: ESRCH, context: "pinning process \(pid): it ended")
        }
        self.pid = pid
        taskID = task
        taskDirectory = directory
        self.pidfd = pidfd
    }

    deinit {
        close(taskDirectory)
        close(pidfd)
    }

    /// Closes both descriptors now (before closing every other descriptor of the process).
    public consuming func release() {}

    /// The thread group of `task`, from the `Tgid:` of its status.
    private static func threadGroup(of task: Int32) throws(SystemError) -> Int32 {
        let status = try KernelFile.read("/proc/\(task)/status", limit: ProcessStatus.maximumSize)
        guard let parsed = try? ProcessStatus(parsing: status), let group = parsed.threadGroupID,
            let signed = Int32(exactly: group)
        else {
            throw SystemError(function: "read", errno: EINVAL, context: "reading the thread group of task \(task)")
        }
        return signed
    }

    /// False once the process has ended (its pidfd polls readable); asks for no permission,
    /// unlike a signal 0.
    private static func isRunning(pidfd: Int32) -> Bool {
        var entry = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) == 0
    }

    /// True while the pinned process runs.
    public var isRunning: Bool { Self.isRunning(pidfd: pidfd) }

    /// Throws ESRCH, as reading its /proc entry would, once the pinned process has ended: what
    /// was read from it is the process's only if it still runs after the reads.
    public func requireRunning() throws(SystemError) {
        guard isRunning else { throw SystemError(function: "read", errno: ESRCH, context: "process \(taskID) ended") }
    }

    /// Reads a file under the task's `/proc` directory, e.g. `environ` or `status`.
    public func read(_ name: String, limit: Int = ProcessHandle.environLimit) throws(SystemError) -> [UInt8] {
        let dir = taskDirectory
        let fd = try valueOrThrow("openat", "reading /proc/\(pid)/task/\(taskID)/\(name)") {
            openat(dir, name, O_RDONLY | O_CLOEXEC)
        }
        defer { Glibc.close(fd) }
        return try KernelFile.readAll(fd: fd, description: "/proc/\(pid)/task/\(taskID)/\(name)", limit: limit)
    }

    /// The task's status, parsed.
    public func status() throws(SystemError) -> ProcessStatus {
        let bytes = try read("status", limit: ProcessStatus.maximumSize)
        do { return try ProcessStatus(parsing: bytes) } catch {
            throw SystemError(function: "read", errno: EINVAL, context: "/proc/\(pid)/status: \(error.reason)")
        }
    }

    /// The device and inode of the program the process runs (`exe`, followed), to compare
    /// with a file's; needs ptrace read access to the process.
    public func executable() throws(SystemError) -> FileIdentity {
        var info = stat()
        let dir = taskDirectory
        _ = try valueOrThrow("fstatat", "reading /proc/\(pid)/exe") { fstatat(dir, "exe", &info, 0) }
        return FileIdentity(info)
    }

    /// The path of the program the process runs (the `exe` link), for messages.
    public func programPath() throws(SystemError) -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX))
        let dir = taskDirectory
        let count = try valueOrThrow("readlinkat", "reading /proc/\(pid)/exe") {
            buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return readlinkat(dir, "exe", base.assumingMemoryBound(to: CChar.self), raw.count)
            }
        }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    /// Opens the task's namespace files that differ from this process's, in join order.
    /// Every file is open before the first setns: after joining a mount namespace, `/proc` may
    /// be another procfs. Kinds the kernel lacks (ENOENT) are skipped.
    public func openNamespacesDifferingFromOurs() throws(SystemError) -> NamespaceSet {
        var set = NamespaceSet()
        for kind in NamespaceKind.joinOrder {
            let dir = taskDirectory
            let fd = openat(dir, "ns/\(kind.name)", O_RDONLY | O_CLOEXEC)
            if fd < 0 {
                let code = errno
                if code == ENOENT { continue }
                throw SystemError(function: "openat", errno: code, context: "opening /proc/\(pid)/ns/\(kind.name)")
            }
            var theirs = stat()
            var ours = stat()
            guard fstat(fd, &theirs) == 0, stat("/proc/self/ns/\(kind.name)", &ours) == 0 else {
                let code = errno
                Glibc.close(fd)
                throw SystemError(
                    function: "stat", errno: code, context: "comparing the \(kind) namespace of pid \(pid)")
            }
            // Joining one's own user namespace is EINVAL; joining any other own namespace is a no-op.
            if theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev {
                Glibc.close(fd)
                continue
            }
            set.append(kind: kind, fd: fd)
        }
        return set
    }
}

/// A file's device and inode: what identifies it whatever path reaches it.
public struct FileIdentity: Hashable, Sendable {
    public let device: UInt64
    public let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// The identity of the file at `path` (symlinks followed), nil if there is none.
    public static func of(path: String) -> FileIdentity? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileIdentity(info)
    }
}

/// The namespace types setns(2) can join, in the order an upcall joins them (cifs.upcall's
/// order): the user namespace last, because joining it drops privileges in the others.
/// The CLONE_NEW* values are from <linux/sched.h>; Glibc exposes them only under _GNU_SOURCE.
public struct NamespaceKind: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let cloneFlag: Int32

    public static let cgroup = NamespaceKind(name: "cgroup", cloneFlag: 0x0200_0000)
    public static let ipc = NamespaceKind(name: "ipc", cloneFlag: 0x0800_0000)
    public static let uts = NamespaceKind(name: "uts", cloneFlag: 0x0400_0000)
    public static let net = NamespaceKind(name: "net", cloneFlag: 0x4000_0000)
    public static let pid = NamespaceKind(name: "pid", cloneFlag: 0x2000_0000)
    public static let time = NamespaceKind(name: "time", cloneFlag: 0x80)
    public static let mount = NamespaceKind(name: "mnt", cloneFlag: 0x0002_0000)
    public static let user = NamespaceKind(name: "user", cloneFlag: 0x1000_0000)

    public static let joinOrder: [NamespaceKind] = [.cgroup, .ipc, .uts, .net, .pid, .time, .mount, .user]
    public var description: String { name }
}

/// Open namespace files, joined together and closed together.
public struct NamespaceSet: ~Copyable {
    private var entries: [(kind: NamespaceKind, fd: Int32)] = []

    init() {}

    mutating func append(kind: NamespaceKind, fd: Int32) { entries.append((kind, fd)) }

    deinit { for entry in entries { close(entry.fd) } }

    public var kinds: [NamespaceKind] { entries.map(\.kind) }

    /// The open namespace files (to keep when closing every other descriptor).
    public var descriptors: [Int32] { entries.map(\.fd) }

    /// Calls setns(2) on each, in order; returns the names joined.
    public func joinAll() throws(SystemError) -> [String] {
        for entry in entries {
            let fd = entry.fd
            let flag = entry.kind.cloneFlag
            _ = try valueOrThrow("setns", "joining the \(entry.kind) namespace") { smb3_setns(fd, flag) }
        }
        return entries.map(\.kind.name)
    }
}
