#if canImport(Glibc)
import Glibc
#endif
import CLinuxShims

/// A process pinned before anything about it is read: a pidfd (so the pid cannot be recycled
/// unnoticed) and a descriptor of its `/proc/<pid>` directory. Everything later read
/// about the process goes through that descriptor, so it is the host's procfs entry even after
/// this process has joined another mount or pid namespace.
public struct ProcessHandle: ~Copyable {
    public let pid: Int32
    private let procDirectory: Int32
    private let pidfd: Int32

    /// `/proc/<pid>/environ` of a big environment; cifs.upcall stops at the same 128 KiB.
    public static let environLimit = 128 << 10

    /// - Throws: `SystemError` with ESRCH if the process is gone.
    public init(pid: Int32) throws(SystemError) {
        self.pid = pid
        // pidfd first: if the task exits and its pid is reused, later checks see it.
        let pidfd = try valueOrThrow("pidfd_open", "pinning process \(pid)") { smb3_pidfd_open(pid, 0) }
        do throws(SystemError) {
            procDirectory = try valueOrThrow("open", "opening /proc/\(pid)") {
                open("/proc/\(pid)", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            }
        } catch {
            close(pidfd)
            throw error
        }
        self.pidfd = pidfd
    }

    deinit {
        close(procDirectory)
        close(pidfd)
    }

    /// Reads a file under the process's `/proc` directory, e.g. `environ` or `status`.
    public func read(_ name: String, limit: Int = ProcessHandle.environLimit) throws(SystemError) -> [UInt8] {
        let dir = procDirectory
        let fd = try valueOrThrow("openat", "reading /proc/\(pid)/\(name)") {
            openat(dir, name, O_RDONLY | O_CLOEXEC)
        }
        defer { close(fd) }
        return try KernelFile.readAll(fd: fd, description: "/proc/\(pid)/\(name)", limit: limit)
    }

    /// Opens the process's namespace files that differ from this process's, in join order.
    /// Every file is open before the first setns: after joining a mount namespace, `/proc` may
    /// be another procfs. Kinds the kernel lacks (ENOENT) are skipped.
    public func openNamespacesDifferingFromOurs() throws(SystemError) -> NamespaceSet {
        var set = NamespaceSet()
        for kind in NamespaceKind.joinOrder {
            let dir = procDirectory
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
                close(fd)
                throw SystemError(function: "stat", errno: code, context: "comparing the \(kind) namespace of pid \(pid)")
            }
            // Joining one's own user namespace is EINVAL; joining any other own namespace is a no-op.
            if theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev {
                close(fd)
                continue
            }
            set.append(kind: kind, fd: fd)
        }
        return set
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
