/// smb3-upcall-full: everything of smb3-upcall but relaying a key to the upcall service (the
/// upcall in-process, --explain, --serve, help). smb3-upcall, which request-key runs, stays small
/// and execs it for anything else.
public enum UpcallFullProgram {
    public static let name = "smb3-upcall-full"

    /// Where to look, given smb3-upcall's own path: `<prefix>/libexec/smb3kit/` for an installed
    /// `<prefix>/sbin/smb3-upcall`, then smb3-upcall's own directory (a build tree). Nothing
    /// from the environment: request-key runs this as root.
    public static func candidates(besideFront frontPath: String) -> [String] {
        let directory = parent(of: frontPath)
        return [join(join(parent(of: directory), "libexec/smb3kit"), name), join(directory, name)]
    }

    /// Where the handler (`smb3-upcall`) that execs this program is, given this program's path:
    /// `<prefix>/sbin/` (and `<prefix>/bin/`) for `<prefix>/libexec/smb3kit/smb3-upcall-full`,
    /// then this program's own directory (a build tree). The upcall service accepts requests
    /// only from processes running one of these files.
    public static func frontCandidates(besideFull fullPath: String) -> [String] {
        let directory = parent(of: fullPath)
        var candidates: [String] = []
        if directory.hasSuffix("/libexec/smb3kit") {
            let prefix = parent(of: parent(of: directory))
            candidates += [join(join(prefix, "sbin"), frontName), join(join(prefix, "bin"), frontName)]
        }
        return candidates + [join(directory, frontName)]
    }

    public static let frontName = "smb3-upcall"

    /// The argument list for smb3-upcall-full: the same arguments, with `--no-service` first when
    /// the service was already tried (so that it is not asked twice for one key).
    public static func arguments(programPath: String, forwarding arguments: [String], serviceTried: Bool) -> [String] {
        [programPath] + (serviceTried ? ["--no-service"] : []) + arguments
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func join(_ directory: String, _ component: String) -> String {
        directory.hasSuffix("/") ? directory + component : directory + "/" + component
    }
}
