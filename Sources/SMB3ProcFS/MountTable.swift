// /proc/self/mountinfo (proc(5)), one line per mount:
//   id parent major:minor root mount-point mount-options [optional-fields…] - fstype source super-options
// /proc/mounts (fstab(5) shape): source mount-point fstype options dump pass
// Both escape space, tab, newline and backslash as \ooo (octal). For cifs the source is the UNC
// in slash form (//server/share[/prefix]) and the super options carry what cifs_show_options prints,
// including ",multichannel,max_channels=%zu" when the session may have more than one channel.

/// The cifs mounts of a mount table (`/proc/self/mountinfo` or `/proc/mounts`).
///
/// Parse with ``init(parsing:)``. Lines that are not cifs/smb3 mounts or do not parse are skipped.
public struct MountTable {
    /// The longest table parsed (a table of 100 000 mounts is ~15 MB).
    public static let maximumInputSize = 16 << 20
    /// The file system types of the cifs client (`smb3` is an alias registered by cifs.ko).
    public static let cifsTypes: Set<String> = ["cifs", "smb3"]

    /// The cifs mounts, in table order.
    public var mounts: [Mount]

    public init(mounts: [Mount]) { self.mounts = mounts }

    /// One cifs mount.
    public struct Mount {
        /// Where it is mounted.
        public var mountPoint: String
        /// `cifs` or `smb3`.
        public var fileSystemType: String
        /// The source as listed, e.g. `//server/share/dir`.
        public var source: String
        /// Mount options then super options, in order, as `name` or `name=value` words.
        public var options: [String]

        public init(mountPoint: String, fileSystemType: String = "cifs", source: String, options: [String] = []) {
            self.mountPoint = mountPoint
            self.fileSystemType = fileSystemType
            self.source = source
            self.options = options
        }

        /// The value of the last `name=value` option, or `""` for a bare `name`; `nil` when absent.
        public func option(_ name: String) -> String? {
            var found: String?
            for word in options {
                if word == name {
                    found = ""
                } else if word.hasPrefix(name + "=") {
                    found = String(word.dropFirst(name.count + 1))
                }
            }
            return found
        }

        /// The server part of the source (`//server/share` → `server`), `nil` if the source is not a UNC.
        public var server: String? { uncComponents?.server }
        /// The share part of the source (`//server/share/dir` → `share`).
        public var share: String? { uncComponents?.share }

        private var uncComponents: (server: String, share: String)? {
            var text = Substring(source)
            guard text.hasPrefix("//") || text.hasPrefix("\\\\") else { return nil }
            text = text.dropFirst(2)
            let parts = text.split(whereSeparator: { $0 == "/" || $0 == "\\" }).prefix(2)
            guard parts.count == 2, let server = parts.first, let share = parts.last else { return nil }
            return (String(server), String(share))
        }

        /// `max_channels=` as shown by the kernel (only printed above 1); 1 when absent.
        public var maximumChannels: Int {
            if let text = option("max_channels"), let value = Int(text), value >= 1 { return value }
            return 1
        }
        /// Whether the mount asked for multichannel (`multichannel`, or `max_channels` above 1).
        public var isMultichannel: Bool {
            if option("nomultichannel") != nil, option("multichannel") == nil { return false }
            return option("multichannel") != nil || maximumChannels > 1
        }
        /// `addr=`: the server address the kernel connected to.
        public var serverAddress: String? { option("addr") }
        /// `vers=` as shown (`3.1.1`, `3.0`, `default`).
        public var version: String? { option("vers") }
        /// `rdma` in the options.
        public var usesRDMA: Bool { option("rdma") != nil }
        /// Whether the mount is `soft` (cifs.ko's default, which it shows as `soft` or `hard`): a
        /// request that races a reconnect is replayed only `retrans=` times, so an application can
        /// get EAGAIN during a failover. The last of the two words wins, as when mounting.
        public var isSoft: Bool {
            options.last { $0 == "soft" || $0 == "hard" } == "soft"
        }

        /// Whether this mount's source names `server`'s `share` (case-insensitive, as SMB names are).
        public func isShare(_ share: String, of server: String) -> Bool {
            guard let components = uncComponents else { return false }
            return components.server.lowercased() == server.lowercased()
                && components.share.lowercased() == share.lowercased()
        }
    }
}

// MARK: - Parsing

extension MountTable {
    /// Parses `/proc/self/mountinfo` or `/proc/mounts` text (the form is recognised per line).
    public init(parsing text: String) {
        var mounts: [Mount] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let mount = Self.parseLine(line), Self.cifsTypes.contains(mount.fileSystemType) {
                mounts.append(mount)
            }
        }
        self.mounts = mounts
    }

    /// Parses the bytes of either table; invalid UTF-8 is repaired (names are for display and matching only).
    public init(parsing bytes: [UInt8]) {
        self.init(parsing: String(decoding: bytes.prefix(Self.maximumInputSize), as: UTF8.self))
    }

    /// The mount (of any type) whose mount point is the longest prefix of `canonicalPath`.
    public static func mount(containing canonicalPath: String, in text: String) -> Mount? {
        var best: Mount?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let mount = parseLine(line), isPrefix(mount.mountPoint, of: canonicalPath) else { continue }
            if mount.mountPoint.utf8.count >= best?.mountPoint.utf8.count ?? 0 { best = mount }
        }
        return best
    }

    static func isPrefix(_ mountPoint: String, of path: String) -> Bool {
        mountPoint == "/" || path == mountPoint || path.hasPrefix(mountPoint + "/")
    }

    /// One line of either format, or `nil` when it has neither shape.
    public static func parseLine(_ line: Substring) -> Mount? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        if let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 2 < fields.count {
            // mountinfo: fields[4] mount point, fields[5] per-mount options, after "-": type, source, super options.
            var options = splitOptions(fields[5])
            if dash + 3 < fields.count { options += splitOptions(fields[dash + 3]) }
            return Mount(
                mountPoint: unescape(fields[4]), fileSystemType: String(fields[dash + 1]),
                source: unescape(fields[dash + 2]), options: options)
        }
        if fields.count >= 4, fields.count <= 6 {
            return Mount(
                mountPoint: unescape(fields[1]), fileSystemType: String(fields[2]), source: unescape(fields[0]),
                options: splitOptions(fields[3]))
        }
        return nil
    }

    private static func splitOptions(_ field: Substring) -> [String] {
        field.split(separator: ",").map { unescape($0) }
    }

    /// Undoes the kernel's `\ooo` escaping (`seq_file` `mangle_path`); anything else is kept as is.
    public static func unescape(_ field: Substring) -> String {
        let source = Array(field.utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(source.count)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count,
                let value = octal(source[(index + 1)...(index + 3)])
            {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value: UInt16 = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(digit) else { return nil }
            value = value * 8 + UInt16(digit - UInt8(ascii: "0"))
        }
        return UInt8(exactly: value)
    }
}

extension MountTable: Hashable {}
extension MountTable: Sendable {}
extension MountTable.Mount: Hashable {}
extension MountTable.Mount: Sendable {}
