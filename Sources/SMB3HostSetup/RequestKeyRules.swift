// request-key.conf(5): what /sbin/request-key (keyutils) reads, from /etc/request-key.d/*.conf
// and then /etc/request-key.conf, to pick the program that instantiates a key:
//
//   <op> <type> <description> <callout-info> <prog> [<arg>...]
//
// - Fields are separated by blanks. A blank line, or one whose first non-blank character is `#`,
//   is a comment.
// - op is `create` (the only operation the kernel asks for). type, description and callout-info
//   may each hold one `*` wildcard anywhere.
// - <prog> is a full path; a leading `|` is the pipe form (payload read from its stdout).
// - request-key takes the best match over all files: the shortest wildcard skips, column by
//   column from the left; between equals, the first line read.

/// One active (uncommented) line of a request-key configuration file.
public struct RequestKeyRule: Hashable, Sendable {
    /// The file and 1-based line it comes from.
    public var file: String
    public var line: Int
    /// The line as written (without its newline).
    public var text: String
    public var operation: String
    public var keyType: String
    public var keyDescription: String
    public var calloutInfo: String
    /// `<prog>`, as written (a leading `|` included).
    public var program: String
    public var arguments: [String]

    public init(
        file: String, line: Int, text: String, operation: String, keyType: String, keyDescription: String,
        calloutInfo: String, program: String, arguments: [String]
    ) {
        self.file = file
        self.line = line
        self.text = text
        self.operation = operation
        self.keyType = keyType
        self.keyDescription = keyDescription
        self.calloutInfo = calloutInfo
        self.program = program
        self.arguments = arguments
    }

    /// `file:line`, as messages show it.
    public var location: String { "\(file):\(line)" }
}

public enum RequestKeyRules {
    public static let spnegoKeyType = "cifs.spnego"

    /// The active rules of one file's text, in order. Lines with fewer than five fields are
    /// left out: request-key rejects them as syntax errors and goes on.
    public static func parse(_ text: String, file: String) -> [RequestKeyRule] {
        lines(of: text).enumerated().compactMap { index, line in rule(line, file: file, line: index + 1) }
    }

    /// The rule a line holds, or `nil` for a comment, a blank or a malformed line.
    public static func rule(_ text: String, file: String, line: Int) -> RequestKeyRule? {
        let fields = self.fields(of: text)
        guard fields.count >= 5, let first = fields.first, !first.hasPrefix("#") else { return nil }
        return RequestKeyRule(
            file: file, line: line, text: text, operation: fields[0], keyType: fields[1], keyDescription: fields[2],
            calloutInfo: fields[3], program: fields[4], arguments: Array(fields.dropFirst(5)))
    }

    /// The rules that would create a cifs.spnego key: op `create`, a type pattern that matches `cifs.spnego`.
    public static func spnegoRules(_ rules: [RequestKeyRule]) -> [RequestKeyRule] {
        rules.filter { $0.operation == "create" && wildcardSkip(pattern: $0.keyType, value: spnegoKeyType) != nil }
    }

    /// Of several rules for cifs.spnego, the one request-key uses: a literal type beats a wildcard,
    /// then the longest literal part of description and callout-info (the actual description differs
    /// per key, so this ranks by what the pattern fixes); between equals, the first read.
    public static func bestSpnegoRule(_ rules: [RequestKeyRule]) -> RequestKeyRule? {
        func rank(_ rule: RequestKeyRule) -> [Int] {
            [
                wildcardSkip(pattern: rule.keyType, value: spnegoKeyType) ?? Int.max,
                -literalLength(rule.keyDescription), -literalLength(rule.calloutInfo),
            ]
        }
        var best: (rule: RequestKeyRule, rank: [Int])?
        for rule in rules {
            let candidate = rank(rule)
            if let current = best, !candidate.lexicographicallyPrecedes(current.rank) { continue }
            best = (rule, candidate)
        }
        return best?.rule
    }

    /// How many characters the `*` of `pattern` skips to match `value` (0 with no wildcard), or
    /// `nil` if it does not match. Only the first `*` is a wildcard, as request-key.conf(5) allows one.
    public static func wildcardSkip(pattern: String, value: String) -> Int? {
        let patternScalars = Array(pattern.unicodeScalars)
        let valueScalars = Array(value.unicodeScalars)
        guard let star = patternScalars.firstIndex(of: "*") else { return patternScalars == valueScalars ? 0 : nil }
        let prefix = patternScalars[..<star]
        let suffix = patternScalars[(star + 1)...]
        guard valueScalars.count >= prefix.count + suffix.count,
            valueScalars.starts(with: prefix), valueScalars.reversed().starts(with: suffix.reversed())
        else { return nil }
        return valueScalars.count - prefix.count - suffix.count
    }

    private static func literalLength(_ pattern: String) -> Int { pattern.unicodeScalars.filter { $0 != "*" }.count }

    /// The lines of a text, split at `\n` only (a CRLF line keeps its `\r`), so that joining them
    /// with `\n` gives the text back exactly; a final newline leaves an empty last element.
    public static func lines(of text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map {
            String(String.UnicodeScalarView($0))
        }
    }

    /// Blank-separated fields (space, tab, CR, VT, FF, as isspace(3) in the C locale).
    static func fields(of line: String) -> [String] {
        line.unicodeScalars.split(whereSeparator: isBlank).map { String(String.UnicodeScalarView($0)) }
    }

    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\u{0B}" || scalar == "\u{0C}"
    }
}

/// Which program handles cifs.spnego keys.
public struct SpnegoHandlerKind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let smb3Upcall = SpnegoHandlerKind(rawValue: "smb3-upcall")
    public static let cifsUpcall = SpnegoHandlerKind(rawValue: "cifs.upcall")
    public static let other = SpnegoHandlerKind(rawValue: "other")

    public var description: String { rawValue }

    /// By the program's file name.
    public init(program: String) {
        let name = program.split(separator: "/").last.map(String.init) ?? program
        switch name {
        case "smb3-upcall": self = .smb3Upcall
        case "cifs.upcall": self = .cifsUpcall
        default: self = .other
        }
    }
}

extension RequestKeyRule {
    /// The program that handles the key: `<prog>` without the pipe `|`, or, for
    /// `/usr/bin/env VAR=value ... PROGRAM` (how gssproxy hosts set GSS_USE_PROXY), PROGRAM.
    public var handlerProgram: String {
        let program = self.program.hasPrefix("|") ? String(self.program.dropFirst()) : self.program
        guard program.split(separator: "/").last == "env" else { return program }
        // env's own options (-i, -u NAME) are rare in a rule; skip words with `=` or a leading `-`.
        return arguments.first { !$0.contains("=") && !$0.hasPrefix("-") } ?? program
    }

    public var handlerKind: SpnegoHandlerKind { SpnegoHandlerKind(program: handlerProgram) }
}
