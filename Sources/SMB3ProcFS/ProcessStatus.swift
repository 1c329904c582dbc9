/// The fields of `/proc/<pid>/status` that the upcall decides on: whose process it is (the
/// thread group, its ids), whether it is single-threaded, and its capabilities. The file is the
/// kernel's (fs/proc/array.c: `Name:\tvalue` lines), but it names a process that may belong to
/// someone else, so the parser trusts nothing: a known field that is malformed, or given twice,
/// is an error rather than a guess; unknown lines are skipped.
public struct ProcessStatus: Hashable, Sendable {
    /// `Tgid:`: the thread group (the process) a task belongs to.
    public var threadGroupID: UInt32?
    /// `Pid:`: the task itself (a thread's own id for a non-leader).
    public var taskID: UInt32?
    /// `Uid:` and `Gid:`: real, effective, saved set and filesystem ids.
    public var uids: IDs?
    public var gids: IDs?
    /// `Threads:`: tasks in the thread group.
    public var threads: UInt32?
    /// `CapEff:` and `CapBnd:`: 64-bit capability masks.
    public var effectiveCapabilities: UInt64?
    public var boundingCapabilities: UInt64?

    public struct IDs: Hashable, Sendable {
        public var real: UInt32
        public var effective: UInt32
        public var savedSet: UInt32
        public var filesystem: UInt32

        public init(real: UInt32, effective: UInt32, savedSet: UInt32, filesystem: UInt32) {
            self.real = real
            self.effective = effective
            self.savedSet = savedSet
            self.filesystem = filesystem
        }

        /// All four the same: nobody switched identity halfway (setuid programs, a server
        /// acting for a user).
        public var areUniform: Bool { real == effective && real == savedSet && real == filesystem }
    }

    /// Larger than any status file (about 1.5 KiB on 6.12); `read` stops there.
    public static let maximumSize = 16 * 1024

    public init() {}

    public init(parsing bytes: [UInt8]) throws(ProcessStatusError) {
        guard bytes.count <= Self.maximumSize else { throw .init("status of \(bytes.count) bytes is too large") }
        var seen: Set<String> = []
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self)
            guard Self.fields.contains(name) else { continue }
            guard seen.insert(name).inserted else { throw .init("\(name): appears twice") }
            let values = line[line.index(after: colon)...]
                .split(whereSeparator: { $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: " ") })
            switch name {
            case "Tgid": threadGroupID = try Self.decimal(values, name)
            case "Pid": taskID = try Self.decimal(values, name)
            case "Threads": threads = try Self.decimal(values, name)
            case "Uid": uids = try Self.ids(values, name)
            case "Gid": gids = try Self.ids(values, name)
            case "CapEff": effectiveCapabilities = try Self.mask(values, name)
            case "CapBnd": boundingCapabilities = try Self.mask(values, name)
            default: break
            }
        }
    }

    private static let fields: Set<String> = ["Tgid", "Pid", "Threads", "Uid", "Gid", "CapEff", "CapBnd"]

    private static func decimal(_ values: [ArraySlice<UInt8>], _ name: String) throws(ProcessStatusError) -> UInt32 {
        guard values.count == 1, let value = number(values[0]) else { throw .init("\(name): not one decimal number") }
        return value
    }

    private static func ids(_ values: [ArraySlice<UInt8>], _ name: String) throws(ProcessStatusError) -> IDs {
        let numbers = values.compactMap(number)
        guard values.count == 4, numbers.count == 4 else { throw .init("\(name): not four decimal ids") }
        // (uid_t)-1 is no id: from_kuid_munged prints the overflow id instead, and setresuid
        // would take it as "unchanged".
        guard !numbers.contains(UInt32.max) else { throw .init("\(name): (uid_t)-1 is no id") }
        return IDs(real: numbers[0], effective: numbers[1], savedSet: numbers[2], filesystem: numbers[3])
    }

    /// The kernel prints capability sets as 16 lower-case hex digits (`%016llx`).
    private static func mask(_ values: [ArraySlice<UInt8>], _ name: String) throws(ProcessStatusError) -> UInt64 {
        guard values.count == 1, values[0].count == 16 else { throw .init("\(name): not a 16-digit hex mask") }
        var mask: UInt64 = 0
        for byte in values[0] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: throw .init("\(name): not a 16-digit hex mask")
            }
            mask = mask << 4 | UInt64(digit)
        }
        return mask
    }

    /// Decimal without sign or leading zeros beyond "0", within UInt32.
    private static func number(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        guard digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
        return UInt32(String(decoding: digits, as: UTF8.self))
    }
}

public struct ProcessStatusError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "malformed /proc status: \(reason)" }
}

/// `/proc/<pid>/environ`: NUL-separated `NAME=value` entries.
public enum ProcessEnvironment {
    /// The value of the first `name=` entry.
    public static func value(of name: String, in environ: [UInt8]) -> String? {
        let prefix = Array((name + "=").utf8)
        for entry in environ.split(separator: 0) where entry.starts(with: prefix) {
            return String(decoding: entry.dropFirst(prefix.count), as: UTF8.self)
        }
        return nil
    }
}
