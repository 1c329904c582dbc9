/// The mount that holds a path, from /proc/self/mountinfo (proc(5)).
public struct FileMountEntry: Hashable, Sendable {
    public var mountPoint: String
    public var fileSystemType: String
    public var source: String
    /// Per-mount options (field 6) followed by the superblock options (field 11).
    public var options: [String]
}

public enum FileMountTable {
    /// The entry whose mount point is the longest prefix of `canonicalPath`; nil if none parses.
    public static func entry(containing canonicalPath: String, mountInfo: String) -> FileMountEntry? {
        var best: FileMountEntry?
        for line in mountInfo.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            // id parent major:minor root mountpoint options [optional…] - fstype source superoptions
            guard let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 2 < fields.count else { continue }
            let mountPoint = unescape(fields[4])
            guard isPrefix(mountPoint, of: canonicalPath) else { continue }
            let superOptions = dash + 3 < fields.count ? fields[dash + 3].split(separator: ",").map(String.init) : []
            let entry = FileMountEntry(
                mountPoint: mountPoint, fileSystemType: fields[dash + 1], source: unescape(fields[dash + 2]),
                options: fields[5].split(separator: ",").map(String.init) + superOptions)
            if best.map({ mountPoint.count >= $0.mountPoint.count }) ?? true { best = entry }
        }
        return best
    }

    static func isPrefix(_ mountPoint: String, of path: String) -> Bool {
        if mountPoint == "/" { return true }
        return path == mountPoint || path.hasPrefix(mountPoint + "/")
    }

    /// mountinfo escapes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: String) -> String {
        var bytes: [UInt8] = []
        let source = Array(field.utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count,
                let value = UInt8(String(decoding: source[(index + 1)...(index + 3)], as: UTF8.self), radix: 8)
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
}
