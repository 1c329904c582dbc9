// A kernel's build configuration, as /boot/config-<release> holds it (and /proc/config.gz, with
// CONFIG_IKCONFIG_PROC, once decompressed): Kconfig's .config format.
//
//   CONFIG_CIFS=m
//   CONFIG_CIFS_UPCALL=y
//   # CONFIG_CIFS_SWN_UPCALL is not set
//   CONFIG_LOCALVERSION=""
//
// Other comments and blank lines carry nothing. An option absent from the file is not set
// either (its dependencies were off).

/// The options of a kernel configuration.
public struct KernelConfig: Hashable, Sendable {
    public enum Value: Hashable, Sendable {
        /// `=y`
        case builtIn
        /// `=m`
        case module
        /// `# CONFIG_X is not set`
        case notSet
        /// A string or number value, as written.
        case other(String)

        /// `y` or `m`.
        public var isEnabled: Bool { self == .builtIn || self == .module }
    }

    public private(set) var values: [String: Value] = [:]

    /// Parses the whole text; lines it does not recognise are skipped, as Kconfig does.
    public init(parsing text: String) {
        let notSetSuffix = " is not set"
        for line in RequestKeyRules.lines(of: text) {
            let line = line.hasSuffix("\r") ? String(line.dropLast()) : line
            if line.hasPrefix("# CONFIG_"), line.hasSuffix(notSetSuffix) {
                let name = line.dropFirst(2).dropLast(notSetSuffix.count)
                if !name.isEmpty, !name.contains(" ") { values[String(name)] = .notSet }
                continue
            }
            guard line.hasPrefix("CONFIG_"), let equals = line.firstIndex(of: "=") else { continue }
            let name = String(line[..<equals])
            let value = String(line[line.index(after: equals)...])
            switch value {
            case "y": values[name] = .builtIn
            case "m": values[name] = .module
            default: values[name] = .other(value)
            }
        }
    }

    /// The value of `CONFIG_<name>` (`name` without the prefix); `.notSet` when the file does not name it.
    public subscript(name: String) -> Value { values["CONFIG_" + name] ?? .notSet }
}
