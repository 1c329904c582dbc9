import SMB3Errors
import SMB3Protocol

/// What a command produced: lines for people and the same facts as JSON.
public struct IoctlReport: Hashable, Sendable {
    public var lines: [String]
    public var json: JSONValue

    public init(lines: [String], json: JSONValue) {
        self.lines = lines
        self.json = json
    }

    /// What the program prints: one line of JSON with `json`, else the text lines (nil when there
    /// are none, so nothing is printed, not an empty line); no trailing newline.
    public func output(json asJSON: Bool) -> String? {
        if asJSON { return json.rendered() }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }
}

extension CIFSNotifyFilter {
    /// A name on the command line that is not one of `names`.
    public struct UnknownName: Error, Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public var description: String {
            "unknown filter '\(name)'; one of \(CIFSNotifyFilter.names.map(\.0).joined(separator: ", "))"
        }
    }

    /// The union of the named bits; every bit when `names` is empty (smb3-ioctl notify --filter).
    public init(commandLineNames names: [String]) throws(UnknownName) {
        guard !names.isEmpty else {
            self = .all
            return
        }
        var mask: CIFSNotifyFilter = []
        for name in names {
            guard let bits = Self.names.first(where: { $0.0 == name })?.1 else { throw UnknownName(name: name) }
            mask.formUnion(bits)
        }
        self = mask
    }
}

/// Why a command failed, and the exit status that says so.
public struct IoctlCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The exit statuses of smb3-ioctl (documented in its help and man page).
    public struct ExitStatus: RawRepresentable, Hashable, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let success = ExitStatus(rawValue: 0)
        /// The operation failed; the message names the errno.
        public static let failed = ExitStatus(rawValue: 1)
        /// Bad arguments.
        public static let usage = ExitStatus(rawValue: 2)
        /// The path is not on a cifs (SMB) mount.
        public static let notCIFS = ExitStatus(rawValue: 3)
    }

    public var status: ExitStatus
    /// One line, no trailing newline.
    public var message: String
    /// The errno behind the failure, when there is one.
    public var platformError: SystemError?

    public init(status: ExitStatus, message: String, platformError: SystemError? = nil) {
        self.status = status
        self.message = message
        self.platformError = platformError
    }

    public static func failed(_ message: String, _ error: SystemError? = nil) -> IoctlCommandError {
        IoctlCommandError(status: .failed, message: message, platformError: error)
    }

    public static func usage(_ message: String) -> IoctlCommandError {
        IoctlCommandError(status: .usage, message: message)
    }

    public static func notCIFS(_ path: String, type: UInt64) -> IoctlCommandError {
        IoctlCommandError(
            status: .notCIFS,
            message: "\(path): not on a cifs mount (filesystem type \(prefixedHex(type)), "
                + "cifs is \(prefixedHex(CIFSMagic.cifs)) or \(prefixedHex(CIFSMagic.smb2)))")
    }

    public var description: String { message }
}

/// Superblock magics of cifs.ko mounts (`f_type` of statfs(2); include/uapi/linux/magic.h).
public enum CIFSMagic {
    /// `CIFS_SUPER_MAGIC`.
    public static let cifs: UInt64 = 0xFF53_4D42
    /// `SMB2_SUPER_MAGIC`: mounts of type `smb3`.
    public static let smb2: UInt64 = 0xFE53_4D42

    public static func isCIFS(_ type: UInt64) -> Bool { type == cifs || type == smb2 }
}

/// Human-readable sizes and rates: binary units, one decimal.
enum ByteFormat {
    static func size(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : "\(fixed(value, 1)) \(units[unit])"
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return "-" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if let dot = text.firstIndex(of: ".") {
            let fraction = text.distance(from: dot, to: text.endIndex) - 1
            if fraction < decimals { text += String(repeating: "0", count: decimals - fraction) }
            if decimals == 0 { text = String(text[..<dot]) }
        } else if decimals > 0 {
            text += "." + String(repeating: "0", count: decimals)
        }
        return text
    }
}
