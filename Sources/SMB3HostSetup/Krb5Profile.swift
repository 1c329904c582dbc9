// krb5.conf(5), MIT's profile format (util/profile/prof_parse.c):
//
//   include /path/file            -- top-level directives, outside any section (not followed here)
//   includedir /path/dir
//   [libdefaults]                 -- a section; a trailing `*` (final) is accepted and ignored
//       default_realm = EXAMPLE.COM
//   [realms]
//       EXAMPLE.COM = {           -- a group; groups nest
//           kdc = kdc1.example.com:88
//           kdc = kdc2.example.com
//       }
//
// - A line whose first non-blank character is `#` or `;` is a comment. There are no trailing
//   comments: `#` after a value belongs to the value.
// - `name = value`: blanks around both are dropped; a value in double quotes may use `\n`, `\t`,
//   `\b`, `\\` and `\"`. A tag may end in `*` (final), which is dropped.
// - A relation outside any section, an unbalanced `}`, an unclosed group, a line that is none of
//   these: errors, as libkrb5 refuses such a file.
// Nesting is capped at `maximumDepth` groups; MIT has no cap, but no real krb5.conf nests past 3.

/// A parsed krb5.conf: sections of relations and groups, in file order.
public struct Krb5Profile: Hashable, Sendable {
    /// A relation (`name = value`) or a group (`name = { ... }`).
    public indirect enum Node: Hashable, Sendable {
        case relation(name: String, value: String)
        case group(name: String, children: [Node])

        public var name: String {
            switch self {
            case .relation(let name, _), .group(let name, _): name
            }
        }
    }

    public struct Section: Hashable, Sendable {
        public var name: String
        public var nodes: [Node]
    }

    /// Groups inside a section, at most this deep.
    public static let maximumDepth = 32

    public var sections: [Section] = []
    /// `include`, `includedir` and `module` directives, in order.
    public var includes: [Include] = []

    public struct Include: Hashable, Sendable {
        /// `include`, `includedir` or `module`.
        public var directive: String
        public var path: String
    }

    public init() {}

    /// Every value at `path`, across all sections of that name and all groups on the way:
    /// `["realms", "EXAMPLE.COM", "kdc"]` gives every kdc of EXAMPLE.COM. Names compare exactly,
    /// as libkrb5's profile does.
    public func values(_ path: [String]) -> [String] {
        guard let sectionName = path.first else { return [] }
        let rest = Array(path.dropFirst())
        return sections.filter { $0.name == sectionName }.flatMap { Self.values(rest, in: $0.nodes) }
    }

    /// The first value at `path`, as libkrb5's `profile_get_string` returns it.
    public func value(_ path: [String]) -> String? { values(path).first }

    private static func values(_ path: [String], in nodes: [Node]) -> [String] {
        guard let name = path.first else { return [] }
        let rest = Array(path.dropFirst())
        var found: [String] = []
        for node in nodes where node.name == name {
            switch node {
            case .relation(_, let value) where rest.isEmpty: found.append(value)
            case .group(_, let children) where !rest.isEmpty: found += values(rest, in: children)
            default: break
            }
        }
        return found
    }

    /// Adds another file's sections after these (`KRB5_CONFIG` may name several files).
    public mutating func merge(_ other: Krb5Profile) {
        sections += other.sections
        includes += other.includes
    }
}

// MARK: - Errors

public struct Krb5ProfileError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// `name = value` before any `[section]`.
        public static let relationOutsideSection = Code(rawValue: "relationOutsideSection")
        /// `[name` without `]`, or an empty name.
        public static let badSectionHeader = Code(rawValue: "badSectionHeader")
        /// A line with no `=` that is not a header, a brace or a directive.
        public static let syntax = Code(rawValue: "syntax")
        /// `}` with no group open.
        public static let unbalancedBrace = Code(rawValue: "unbalancedBrace")
        /// End of file (or a new section) inside a group.
        public static let unclosedGroup = Code(rawValue: "unclosedGroup")
        /// Groups nested deeper than `Krb5Profile.maximumDepth`.
        public static let tooDeep = Code(rawValue: "tooDeep")

        public var description: String { rawValue }
    }

    public let code: Code
    /// The 1-based line of the input.
    public let line: Int
    public let reason: String
    /// Where the error was thrown.
    public let sourceFile: String
    public let sourceLine: UInt

    public var description: String { "line \(line): \(reason)" }

    public init(_ code: Code, line: Int, _ reason: String, file: String = #fileID, sourceLine: UInt = #line) {
        self.code = code
        self.line = line
        self.reason = reason
        self.sourceFile = file
        self.sourceLine = sourceLine
    }

    // Equality on the code only: the wording and where it was thrown may change.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

// MARK: - Parsing

extension Krb5Profile {
    /// Parses a krb5.conf's text.
    /// - Throws: `Krb5ProfileError` for the first line libkrb5 would refuse.
    public init(parsing text: String) throws(Krb5ProfileError) {
        self.init()
        // The open groups of the current section: each with its name and the nodes so far.
        var stack: [(name: String, nodes: [Node])] = []
        var section: Section?

        func closeSection(at line: Int) throws(Krb5ProfileError) {
            guard stack.isEmpty else {
                throw Krb5ProfileError(
                    .unclosedGroup, line: line, "group '\(Self.bounded(stack.last?.name ?? ""))' is not closed with '}'"
                )
            }
            if let section { sections.append(section) }
            section = nil
        }

        let lines = RequestKeyRules.lines(of: text)
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            let line = Self.trimmed(Substring(raw))
            guard let first = line.unicodeScalars.first, first != "#", first != ";" else { continue }

            if first == "[" {
                try closeSection(at: number)
                guard let close = line.lastIndex(of: "]") else {
                    throw Krb5ProfileError(.badSectionHeader, line: number, "section header without ']'")
                }
                let after = line[line.index(after: close)...]
                let name = Self.trimmed(line[line.index(after: line.startIndex)..<close])
                guard !name.isEmpty, after.isEmpty || after == "*" else {
                    throw Krb5ProfileError(
                        .badSectionHeader, line: number, "malformed section header '\(Self.bounded(line))'")
                }
                section = Section(name: String(name), nodes: [])
                continue
            }
            if first == "}" {
                guard let group = stack.popLast() else {
                    throw Krb5ProfileError(.unbalancedBrace, line: number, "'}' with no group open")
                }
                // `}*` marks the group final; nothing else may follow the brace.
                let after = Self.trimmed(line.dropFirst())
                guard after.isEmpty || after == "*" else {
                    throw Krb5ProfileError(.syntax, line: number, "unexpected text after '}'")
                }
                let node = Node.group(name: group.name, children: group.nodes)
                if stack.isEmpty { section?.nodes.append(node) } else { stack[stack.count - 1].nodes.append(node) }
                continue
            }
            if section == nil, stack.isEmpty, let directive = Self.directive(line) {
                includes.append(directive)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw Krb5ProfileError(.syntax, line: number, "expected 'name = value', got '\(Self.bounded(line))'")
            }
            guard section != nil else {
                throw Krb5ProfileError(.relationOutsideSection, line: number, "relation before any [section]")
            }
            var name = Self.trimmed(line[..<equals])
            if name.hasSuffix("*") { name = Self.trimmed(name.dropLast()) }
            guard !name.isEmpty else { throw Krb5ProfileError(.syntax, line: number, "relation without a name") }
            let value = Self.trimmed(line[line.index(after: equals)...])
            if value == "{" {
                guard stack.count < Self.maximumDepth else {
                    throw Krb5ProfileError(.tooDeep, line: number, "groups nested deeper than \(Self.maximumDepth)")
                }
                stack.append((String(name), []))
                continue
            }
            let node = Node.relation(name: String(name), value: Self.unquoted(value))
            if stack.isEmpty { section?.nodes.append(node) } else { stack[stack.count - 1].nodes.append(node) }
        }
        try closeSection(at: lines.count)
    }

    private static func directive(_ line: Substring) -> Include? {
        for directive in ["includedir", "include", "module"] {
            guard line.hasPrefix(directive) else { continue }
            let rest = line.dropFirst(directive.count)
            guard let next = rest.unicodeScalars.first, RequestKeyRules.isBlank(next) else { continue }
            return Include(directive: directive, path: String(trimmed(rest)))
        }
        return nil
    }

    /// A value in double quotes with its escapes decoded; anything else as written.
    private static func unquoted(_ value: Substring) -> String {
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else { return String(value) }
        var result = ""
        var escaped = false
        for character in value.dropFirst().dropLast() {
            if escaped {
                switch character {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "b": result.append("\u{08}")
                default: result.append(character)
                }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func trimmed(_ text: Substring) -> Substring {
        let scalars = text.unicodeScalars
        guard let start = scalars.firstIndex(where: { !RequestKeyRules.isBlank($0) }),
            let end = scalars.lastIndex(where: { !RequestKeyRules.isBlank($0) })
        else { return "" }
        return Substring(scalars[start...end])
    }

    /// At most 80 characters of input in a message.
    private static func bounded(_ text: some StringProtocol) -> String {
        text.count > 80 ? String(text.prefix(80)) + "…" : String(text)
    }
}
