import SMB3Protocol

/// What `--check-setup` and `--set-handler` need from the host, owned here so that tests pass a
/// fake (paths are absolute, with `SetupPaths.root` already in front). The live one, in
/// smb3-upcall-full, is SMB3System's.
public protocol SetupSystem {
    /// What is at `path`, following symlinks.
    func fileKind(_ path: String) -> SetupFileKind
    /// Whether this process could execute `path` (a regular file with an x bit it may use).
    func isExecutable(_ path: String) -> Bool
    func readText(_ path: String) -> SetupRead
    /// A gzip file's decompressed text (`/proc/config.gz`).
    func readGzipText(_ path: String) -> SetupRead
    /// The names in a directory, `nil` if it cannot be listed.
    func directoryEntries(_ path: String) -> [String]?
    /// uname(2)'s release.
    func kernelRelease() -> String
    /// Resolves a host name with a short timeout (getaddrinfo).
    func resolve(_ host: String) -> SetupResolution
    /// Replaces a file's text atomically, keeping its mode and owner (a new file gets 0644).
    func replaceFile(_ path: String, text: String) throws(SetupFileError)
}

public enum SetupFileKind: Hashable, Sendable {
    case absent
    case regular
    case directory
    case socket
    case other
    /// stat(2) failed for another reason than ENOENT (the message says which).
    case unknown(String)
}

public enum SetupRead: Hashable, Sendable {
    case text(String)
    case absent
    /// Present but not readable (the message says why).
    case unreadable(String)
}

public enum SetupResolution: Hashable, Sendable {
    case addresses([String])
    case failed(String)
}

/// A file that could not be read or written, in one line.
public struct SetupFileError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The files the checks read, under an alternative root for tests (`""` is the real one).
public struct SetupPaths: Hashable, Sendable {
    public var root: String

    public init(root: String = "") {
        self.root = root.hasSuffix("/") ? String(root.dropLast()) : root
    }

    public func path(_ absolute: String) -> String { root + absolute }

    /// The kernel's usermode helper for keys (security/keys/request_key.c).
    public var requestKeyProgram: String { path("/sbin/request-key") }
    public var requestKeyConf: String { path("/etc/request-key.conf") }
    public var requestKeyDirectory: String { path("/etc/request-key.d") }
    /// Ours, as `make install` ships it.
    public var ownRequestKeyFile: String { path("/etc/request-key.d/smb3kit.spnego.conf") }

    /// Every file request-key reads, in its order: `request-key.d/*.conf` by name, then
    /// `request-key.conf`. Hidden files are left out, as the shell glob in the man page does.
    public func requestKeyFiles(in system: some SetupSystem) -> [String] {
        let names = (system.directoryEntries(requestKeyDirectory) ?? [])
            .filter { $0.hasSuffix(".conf") && !$0.hasPrefix(".") }.sorted()
        return names.map { requestKeyDirectory + "/" + $0 } + [requestKeyConf]
    }
}
