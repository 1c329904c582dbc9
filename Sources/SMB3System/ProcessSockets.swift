#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// The sockets processes hold: every `socket:[inode]` link in /proc/<pid>/fd, what `ss -p`
/// reads. A socket the kernel made for itself (cifs.ko's) is in no descriptor table.
public struct ProcessSockets: Sendable, Equatable {
    /// The sockfs inodes of the sockets some process holds.
    public var inodes: Set<UInt64> = []
    /// Processes owned by root (st_uid of /proc/<pid>: root also for one that is not dumpable)
    /// whose descriptors could not be read: readlink of /proc/<pid>/fd/N needs ptrace read
    /// access, which without CAP_SYS_PTRACE a process grants only when it is dumpable and its
    /// permitted capabilities are a subset of the reader's effective ones (commoncap.c). A
    /// daemon with only CAP_NET_ADMIN (smb3-witnessd.service) therefore cannot read any
    /// ordinary root process's table. Other users' hidden processes are not counted: their
    /// sockets carry their own uid.
    public var hiddenRootProcesses: [Int32] = []

    public init(inodes: Set<UInt64> = [], hiddenRootProcesses: [Int32] = []) {
        self.inodes = inodes
        self.hiddenRootProcesses = hiddenRootProcesses
    }

    /// Scans every process under `procRoot`. Processes that exit meanwhile are skipped. Only
    /// the thread group's table is read (/proc/<pid>/fd), not that of a thread that unshared
    /// its descriptor table (rare; reading every task would multiply the cost).
    public static func scan(procRoot: String = "/proc") -> ProcessSockets {
        var result = ProcessSockets()
        for name in entries(of: procRoot) {
            guard let pid = Int32(name), pid > 0 else { continue }
            switch heldSockets(path: "\(procRoot)/\(name)/fd") {
            case .success(let inodes):
                result.inodes.formUnion(inodes)
            case .failure(let error) where error.errno == .permissionDenied || error.errno == .notPermitted:
                var info = stat()
                if stat("\(procRoot)/\(name)", &info) == 0 && info.st_uid == 0 {
                    result.hiddenRootProcesses.append(pid)
                }
            case .failure:
                continue  // gone (ENOENT, ESRCH)
            }
        }
        result.hiddenRootProcesses.sort()
        return result
    }

    /// The inode in a /proc/<pid>/fd link's text, `socket:[12345]`; nil for anything else.
    public static func socketInode(linkText: String) -> UInt64? {
        guard linkText.hasPrefix("socket:["), linkText.hasSuffix("]") else { return nil }
        let digits = linkText.dropFirst("socket:[".count).dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }

    private static func heldSockets(path: String) -> Result<Set<UInt64>, SystemError> {
        let directoryFD = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryFD >= 0 else {
            return .failure(SystemError(function: "open", errno: Glibc.errno, context: path))
        }
        guard let directory = fdopendir(directoryFD) else {
            let code = Glibc.errno
            close(directoryFD)
            return .failure(SystemError(function: "fdopendir", errno: code, context: path))
        }
        defer { closedir(directory) }
        var inodes: Set<UInt64> = []
        var buffer = [CChar](repeating: 0, count: 64)
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            let count = buffer.withUnsafeMutableBufferPointer { target -> Int in
                guard let base = target.baseAddress else { return -1 }
                return readlinkat(directoryFD, name, base, target.count)
            }
            if count < 0 {
                let code = Glibc.errno
                if code == EACCES || code == EPERM {
                    return .failure(SystemError(function: "readlinkat", errno: code, context: path))
                }
                continue  // closed meanwhile
            }
            let text = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let inode = socketInode(linkText: text) { inodes.insert(inode) }
        }
        return .success(inodes)
    }

    private static func entries(of path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            names.append(
                withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                })
        }
        return names
    }
}
