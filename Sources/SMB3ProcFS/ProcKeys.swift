/// One line of `/proc/keys` (security/keys/proc.c): the serial in 8 hex digits, seven flag
/// characters, then usage, expiry, permissions, uid, gid, the type (cut to 9 characters) and
/// the description. The upcall service reads it to learn whether a key a handler asks about is
/// still waiting for its handler (under construction).
public struct ProcKeyEntry: Hashable, Sendable {
    public var serial: Int32
    /// `I` or `-`, `R`, `D`, `Q`, `U`, `N` or `-`, `i`: each `-` when not set.
    public var flags: [Character]
    public var uid: UInt32
    /// The type as the kernel prints it: at most 9 characters (`cifs.spne`).
    public var typePrefix: String

    /// Not instantiated (positive or negative) and marked for construction from userspace
    /// (`KEY_FLAG_USER_CONSTRUCT`): request-key's handler has not finished with it yet.
    public var isUnderConstruction: Bool { flags.count == 7 && flags[0] == "-" && flags[4] == "U" && flags[5] == "-" }

    /// Parses one line; nil for anything that is not a well-formed entry.
    public init?(line: Substring) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 8, fields[0].utf8.count == 8,
            fields[0].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
            let serial = UInt32(fields[0], radix: 16), fields[1].count == 7,
            let uid = UInt32(fields[5])
        else { return nil }
        self.serial = Int32(bitPattern: serial)
        flags = Array(fields[1])
        self.uid = uid
        typePrefix = String(fields[7])
    }

    /// The entry for `serial` in the whole file, if the reader may see it.
    public static func find(serial: Int32, in bytes: [UInt8]) -> ProcKeyEntry? {
        let text = String(decoding: bytes.prefix(maximumSize), as: UTF8.self)
        for line in text.split(separator: "\n") {
            if let entry = ProcKeyEntry(line: line), entry.serial == serial { return entry }
        }
        return nil
    }

    /// Keys of every user, each under a hundred bytes plus its description: 4 MiB is far more
    /// than a real system lists.
    public static let maximumSize = 4 << 20
}
