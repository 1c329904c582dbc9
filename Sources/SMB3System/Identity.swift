import CLinuxShims
import SMB3ProcFS

#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// Becoming the user whose credentials an upcall uses, and giving up every privilege.
public enum Identity {
    /// Drops supplementary groups, then sets gid and uid (real, effective and saved), then clears
    /// every capability, so nothing done afterwards can act as root, even when `uid` is 0.
    ///
    /// The ids are set with the raw system calls, which change only the calling thread (glibc's
    /// wrappers would signal every thread): the process must be single-threaded, or another
    /// thread would keep root. That is checked first (unless the caller did so already, before
    /// joining a container whose /proc does not show this process), and nothing is changed if
    /// it is not.
    public static func become(uid: UInt32, gid: UInt32, threadsChecked: Bool = false) throws(SystemError) {
        if !threadsChecked { try requireSingleThreaded() }
        _ = try valueOrThrow("setgroups", "dropping supplementary groups") { smb3_setgroups_none() }
        _ = try valueOrThrow("setresgid", "switching to gid \(gid)") { smb3_setresgid(gid, gid, gid) }
        _ = try valueOrThrow("setresuid", "switching to uid \(uid)") { smb3_setresuid(uid, uid, uid) }
        try dropAllCapabilities()
    }

    /// Fails unless this process has exactly one thread (`Threads:` of /proc/self/status).
    public static func requireSingleThreaded() throws(SystemError) {
        let bytes = try KernelFile.read("/proc/self/status", limit: ProcessStatus.maximumSize)
        let threads = (try? ProcessStatus(parsing: bytes))?.threads
        guard threads == 1 else {
            throw SystemError(
                function: "setresuid", errno: EDEADLK,
                context:
                    "switching identity in a process with \(threads.map(String.init) ?? "an unknown number of") threads"
            )
        }
    }

    /// The corresponding system call is `capset(2)` with empty sets.
    public static func dropAllCapabilities() throws(SystemError) {
        _ = try valueOrThrow("capset", "dropping all capabilities") { smb3_drop_all_capabilities() }
        // No exec can regain them either.
        _ = try valueOrThrow("prctl", "setting no_new_privs") { smb3_set_no_new_privs() }
    }

    /// The effective capability set of this thread as a 64-bit mask.
    public static func effectiveCapabilities() throws(SystemError) -> UInt64 {
        var mask: UInt64 = 0
        _ = try valueOrThrow("capget", "reading capabilities") { smb3_effective_capabilities(&mask) }
        return mask
    }

    public static var realUID: UInt32 { getuid() }
    public static var effectiveUID: UInt32 { geteuid() }

    /// The primary gid of a user in this process's passwd database (NSS). Call it only while
    /// still in the host's mount namespace: after joining a container's, NSS would load that
    /// container's modules into a privileged process.
    public static func primaryGroup(ofUser uid: UInt32) -> UInt32? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16384)
        let status = getpwuid_r(uid, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return entry.pw_gid
    }
}

/// Process environment changes the Kerberos library reads (KRB5CCNAME, KRB5_CONFIG).
public enum Environment {
    public static func set(_ name: String, _ value: String) { setenv(name, value, 1) }
    public static func unset(_ name: String) { unsetenv(name) }
    public static func get(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}

extension Identity {
    /// Runs `body` as `uid`/`gid` (real and effective ids; the saved ids stay root's), then
    /// switches back. For dry runs by root that must see what a user would: libkrb5 expands
    /// `%{uid}` in the default cache name from the real uid.
    public static func withUserIDs<T>(uid: UInt32, gid: UInt32, _ body: () throws -> T) throws -> T {
        let savedUID = geteuid()
        let savedGID = getegid()
        let keep = UInt32.max  // -1: leave unchanged
        _ = try valueOrThrow("setresgid", "switching to gid \(gid)") { smb3_setresgid(gid, gid, keep) }
        do {
            _ = try valueOrThrow("setresuid", "switching to uid \(uid)") { smb3_setresuid(uid, uid, keep) }
        } catch {
            _ = smb3_setresgid(savedGID, savedGID, keep)
            throw error
        }
        defer {
            _ = smb3_setresuid(savedUID, savedUID, keep)
            _ = smb3_setresgid(savedGID, savedGID, keep)
        }
        return try body()
    }
}

/// The capabilities of the running kernel.
public enum Capabilities {
    /// CAP_SYS_ADMIN (bit 21) as a mask of `Identity.effectiveCapabilities()`.
    public static let systemAdministration: UInt64 = 1 << 21

    /// A mask with a bit for every capability the kernel knows (0 through
    /// /proc/sys/kernel/cap_last_cap); all 64 bits if that cannot be read, so that a check
    /// against it fails closed.
    public static func allKnown() -> UInt64 {
        guard let bytes = try? KernelFile.read("/proc/sys/kernel/cap_last_cap", limit: 16),
            let last = Int(String(decoding: bytes, as: UTF8.self).filter { $0 != "\n" }), (0..<63).contains(last)
        else { return UInt64.max }
        return (UInt64(1) << UInt64(last + 1)) - 1
    }
}
