#if canImport(Glibc)
import Glibc
#endif

/// A directory for secrets (credential caches): owned by this process's uid, mode 0700.
public enum PrivateDirectory {
    /// Creates the directory, or verifies an existing one, and refuses one that others could
    /// write to or that is a symlink, since a cache there could be swapped under us.
    public static func prepare(_ path: String) throws(SystemError) {
        if mkdir(path, 0o700) != 0 && errno != EEXIST {
            throw SystemError(function: "mkdir", errno: errno, context: "creating \(path)")
        }
        var info = stat()
        _ = try valueOrThrow("lstat", "checking \(path)") { lstat(path, &info) }
        guard info.st_mode & S_IFMT == S_IFDIR, info.st_uid == geteuid(), info.st_mode & 0o077 == 0 else {
            throw SystemError(function: "lstat", errno: EPERM, context: "\(path) is not a directory private to uid \(geteuid())")
        }
    }
}
