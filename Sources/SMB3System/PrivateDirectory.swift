#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// A directory for secrets (credential caches): owned by this process's uid, mode 0700.
public enum PrivateDirectory {
    /// Creates the directory (mode 0700 whatever the umask), or checks the one that is there:
    /// opened with O_NOFOLLOW|O_DIRECTORY (no symlink, nothing else) and fstat'ed, it must
    /// belong to this uid and have mode 0700 exactly. Anything else is refused, never changed:
    /// a cache there could have been read or swapped under us.
    public static func prepare(_ path: String) throws(SystemError) {
        let created = mkdir(path, 0o700) == 0
        if !created && errno != EEXIST {
            throw SystemError(function: "mkdir", errno: errno, context: "creating \(path)")
        }
        let descriptor = try valueOrThrow("open", "checking \(path) (a directory, not a symlink)") {
            open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }
        defer { close(descriptor) }
        if created {
            // mkdir's mode was masked by the umask; the directory is new and ours.
            _ = try valueOrThrow("fchmod", "creating \(path)") { fchmod(descriptor, 0o700) }
        }
        var info = stat()
        _ = try valueOrThrow("fstat", "checking \(path)") { fstat(descriptor, &info) }
        guard info.st_uid == geteuid(), info.st_mode & 0o7777 == 0o700 else {
            throw SystemError(
                function: "fstat", errno: EPERM,
                context:
                    "\(path) is owned by uid \(info.st_uid) with mode 0\(String(info.st_mode & 0o7777, radix: 8)); "
                    + "expected a directory of uid \(geteuid()) with mode 0700")
        }
    }
}
