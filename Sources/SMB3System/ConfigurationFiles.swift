#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// What is at a path, from stat(2) or lstat(2).
public struct FileStatus: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case regular, directory, symbolicLink, socket, other
    }

    public var kind: Kind
    /// The permission bits (and setuid, setgid, sticky).
    public var mode: UInt32
    public var uid: UInt32
    public var gid: UInt32

    /// stat(2) (`followSymlinks`) or lstat(2); `nil` if nothing is there (ENOENT, ENOTDIR).
    public static func of(_ path: String, followSymlinks: Bool = true) throws(SystemError) -> FileStatus? {
        var info = stat()
        let result = followSymlinks ? stat(path, &info) : lstat(path, &info)
        if result != 0 {
            let code = errno
            if code == ENOENT || code == ENOTDIR { return nil }
            throw SystemError(function: followSymlinks ? "stat" : "lstat", errno: code, context: "looking at \(path)")
        }
        let kind: Kind
        switch info.st_mode & S_IFMT {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFLNK: kind = .symbolicLink
        case S_IFSOCK: kind = .socket
        default: kind = .other
        }
        return FileStatus(kind: kind, mode: info.st_mode & 0o7777, uid: info.st_uid, gid: info.st_gid)
    }
}

/// Small administrator-owned text files (/etc/request-key.d/*.conf, krb5.conf): listing,
/// reading, and replacing them atomically.
public enum ConfigurationFile {
    /// Far beyond any real configuration file; a bigger one is refused rather than truncated.
    public static let defaultLimit = 1 << 20

    public static func read(_ path: String, limit: Int = defaultLimit) throws(SystemError) -> [UInt8] {
        try KernelFile.read(path, limit: limit)
    }

    /// The names in a directory, without `.` and `..` (opendir(3), readdir(3)).
    public static func entries(ofDirectory path: String) throws(SystemError) -> [String] {
        guard let directory = opendir(path) else {
            throw SystemError(function: "opendir", errno: errno, context: "listing \(path)")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Replaces `path` with `text` so that a reader (request-key runs at any moment) sees the old
    /// file or the new one, never a mix: a temporary file in the same directory, created with
    /// O_EXCL|O_NOFOLLOW (nothing planted there is followed), given the old file's mode and owner
    /// (0644 and ours for a new file), fsync'ed, then rename(2)d over `path`, and the directory
    /// fsync'ed so the rename survives a crash. A symlink or other non-regular file at `path` is
    /// refused: replacing it would cut the link, and writing through it would follow it.
    public static func replace(_ path: String, with text: String) throws(SystemError) {
        let existing = try FileStatus.of(path, followSymlinks: false)
        if let existing, existing.kind != .regular {
            throw SystemError(
                function: "lstat", errno: EINVAL,
                context:
                    "\(path) is \(existing.kind == .symbolicLink ? "a symbolic link" : "not a regular file"); change it by hand"
            )
        }
        let mode = existing?.mode ?? 0o644
        let (descriptor, temporary) = try AtomicTextFile.createTemporary(beside: path)
        try AtomicTextFile.complete(descriptor, temporary: temporary, text: text, over: path) {
            descriptor throws(SystemError) in
            if let existing, existing.uid != geteuid() || existing.gid != getegid() {
                _ = try valueOrThrow("fchown", "giving \(temporary) the owner of \(path)") {
                    fchown(descriptor, existing.uid, existing.gid)
                }
            }
            // After fchown, which clears setuid/setgid bits.
            _ = try valueOrThrow("fchmod", "giving \(temporary) the mode of \(path)") {
                fchmod(descriptor, mode_t(mode))
            }
            _ = try valueOrThrow("fsync", "writing \(temporary)") { fsync(descriptor) }
        }
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            // The file is in place already; a failed directory fsync only weakens crash safety.
            _ = fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}
