#if canImport(Glibc)
    import Glibc
#endif

/// The running kernel, as uname(2) reports it.
public enum KernelRelease {
    /// The release string, e.g. `6.12.117+deb12-amd64`.
    public static func current() -> String {
        var name = utsname()
        guard uname(&name) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &name.release) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
    }
}
