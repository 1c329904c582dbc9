/// `/proc/self/smaps`: this process's mappings (fs/proc/task_mmu.c), each a header line
/// `START-END PERMS OFFSET DEV INODE [PATH]` followed by `Key:  value kB` lines. A daemon reads
/// it to hand back the file pages only its start-up touched. The text is the kernel's, but the
/// parser checks every field it uses: a header or a used key that is malformed is an error, a
/// key before any header too; unknown keys are skipped.
public struct MemoryMapping: Hashable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var readable: Bool
    public var writable: Bool
    public var executable: Bool
    /// `s` in the permissions (MAP_SHARED); `p` is private.
    public var shared: Bool
    /// The mapped file, or `[heap]`, `[stack]`, `[vdso]`…; nil for an anonymous mapping.
    public var path: String?
    /// `Rss:` and `Anonymous:` (private copies, e.g. relocated data), in KiB.
    public var residentKiB: UInt64 = 0
    public var anonymousKiB: UInt64 = 0
    /// `VmFlags:` two-letter flags (`lo`: mlocked).
    public var flags: [String] = []

    public init(
        start: UInt64, end: UInt64, readable: Bool, writable: Bool, executable: Bool, shared: Bool, path: String?
    ) {
        self.start = start
        self.end = end
        self.readable = readable
        self.writable = writable
        self.executable = executable
        self.shared = shared
        self.path = path
    }

    /// Resident pages that MADV_DONTNEED can drop from this process without losing anything: a
    /// private, read-only mapping of a file whose every resident page is still the file's (no
    /// private copy, not locked). The next access maps the page again from the page cache.
    /// Read-only alone is not enough: RELRO data is read-only after the loader relocated it, and
    /// its relocated pages are private copies (`Anonymous:`). `Private_Dirty:` is no sign of
    /// a copy: it also counts page-cache pages not yet written back (a program just built).
    public var isCleanFileMapping: Bool {
        guard let path, path.hasPrefix("/"), !path.hasSuffix(" (deleted)") else { return false }
        return !writable && !shared && residentKiB > 0 && anonymousKiB == 0 && !flags.contains("lo")
    }
}

public enum MemoryMappings {
    /// Far beyond any real smaps (about 1 KiB per mapping; a daemon has a few hundred).
    public static let maximumSize = 8 << 20

    public static func parse(_ bytes: [UInt8]) throws(MemoryMappingsError) -> [MemoryMapping] {
        guard bytes.count <= maximumSize else { throw .init("smaps of \(bytes.count) bytes is too large") }
        var mappings: [MemoryMapping] = []
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            if first.last == UInt8(ascii: ":") {
                guard !mappings.isEmpty else { throw .init("a key before the first mapping") }
                try apply(key: first.dropLast(), values: fields.dropFirst(), to: &mappings[mappings.count - 1])
            } else {
                mappings.append(try header(fields))
            }
        }
        return mappings
    }

    private static func header(_ fields: [ArraySlice<UInt8>]) throws(MemoryMappingsError) -> MemoryMapping {
        guard fields.count >= 5 else { throw .init("a mapping line with \(fields.count) fields") }
        let range = fields[0].split(separator: UInt8(ascii: "-"), omittingEmptySubsequences: false)
        guard range.count == 2, let start = hex(range[0]), let end = hex(range[1]), start < end else {
            throw .init("the address range '\(String(decoding: fields[0], as: UTF8.self))'")
        }
        let permissions = Array(fields[1])
        guard permissions.count == 4,
            [UInt8(ascii: "r"), UInt8(ascii: "-")].contains(permissions[0]),
            [UInt8(ascii: "w"), UInt8(ascii: "-")].contains(permissions[1]),
            [UInt8(ascii: "x"), UInt8(ascii: "-")].contains(permissions[2]),
            [UInt8(ascii: "s"), UInt8(ascii: "p")].contains(permissions[3])
        else { throw .init("the permissions '\(String(decoding: fields[1], as: UTF8.self))'") }
        // The path is the rest of the line after the inode, spaces included.
        var path: String?
        if fields.count == 6 {
            let text = String(decoding: fields[5], as: UTF8.self)
            let trimmed = text.drop(while: { $0 == " " })
            path = trimmed.isEmpty ? nil : String(trimmed)
        }
        return MemoryMapping(
            start: start, end: end, readable: permissions[0] == UInt8(ascii: "r"),
            writable: permissions[1] == UInt8(ascii: "w"), executable: permissions[2] == UInt8(ascii: "x"),
            shared: permissions[3] == UInt8(ascii: "s"), path: path)
    }

    private static func apply(
        key: ArraySlice<UInt8>, values: ArraySlice<ArraySlice<UInt8>>, to mapping: inout MemoryMapping
    ) throws(MemoryMappingsError) {
        let name = String(decoding: key, as: UTF8.self)
        switch name {
        case "Rss": mapping.residentKiB = try kibibytes(values, name)
        case "Anonymous": mapping.anonymousKiB = try kibibytes(values, name)
        case "VmFlags":
            let words = values.flatMap { $0.split(separator: UInt8(ascii: " ")) }
            mapping.flags = words.map { String(decoding: $0, as: UTF8.self) }
        default: break
        }
    }

    /// `N kB`, N decimal.
    private static func kibibytes(
        _ values: ArraySlice<ArraySlice<UInt8>>, _ name: String
    ) throws(MemoryMappingsError) -> UInt64 {
        let words = values.flatMap { $0.split(separator: UInt8(ascii: " ")) }
        guard words.count == 2, words[1].elementsEqual("kB".utf8), let value = decimal(words[0]) else {
            throw .init("\(name): not 'N kB'")
        }
        return value
    }

    private static func decimal(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 19, digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return UInt64(String(decoding: digits, as: UTF8.self))
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty, digits.count <= 16 else { return nil }
        return UInt64(String(decoding: digits, as: UTF8.self), radix: 16)
    }
}

public struct MemoryMappingsError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public var description: String { "malformed /proc/self/smaps: \(reason)" }
}
