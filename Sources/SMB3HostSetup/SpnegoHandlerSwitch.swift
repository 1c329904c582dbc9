/// A request-key configuration file as read: its path and text (`nil`: the file does not exist).
public struct RequestKeyFile: Hashable, Sendable {
    public var path: String
    public var text: String?

    public init(path: String, text: String?) {
        self.path = path
        self.text = text
    }
}

/// One line changed by a handler switch, as shown to the admin.
public struct RequestKeyEdit: Hashable, Sendable {
    public var file: String
    /// 1-based; the same in the old and new text (a switch never inserts lines above others).
    public var line: Int
    /// `nil` for a line that was added.
    public var before: String?
    public var after: String

    public init(file: String, line: Int, before: String?, after: String) {
        self.file = file
        self.line = line
        self.before = before
        self.after = after
    }
}

/// Which program handles cifs.spnego keys, one command each way (`smb3-upcall --set-handler`):
/// the new file texts computed from the old ones. Only line prefixes are added or removed, so
/// everything else in a file (comments, blank lines, tabs, CRLF, a missing final newline) is kept.
///
/// - `smb3-upcall`: the line naming `program` in our own file (`smb3kit.spnego.conf`) becomes
///   active (kept, uncommented, or added), and every other active `create cifs.spnego` line is
///   disabled: in other files with ``disabledMarker`` in front, so that switching back restores
///   it byte for byte; in our own file with a plain `#`.
/// - `cifs.upcall`: every active cifs.spnego line of our own file gets a `#`, and every marked
///   line in any file is restored.
///
/// Both are idempotent: applied to their own result they change nothing.
public enum SpnegoHandlerSwitch {
    /// Put in front of a line this switch disabled. It starts with `#` (request-key then skips the
    /// line) and no admin writes it, so only lines disabled by the switch are ever restored.
    public static let disabledMarker = "#smb3kit-disabled# "

    public enum Target: Hashable, Sendable {
        /// smb3-upcall at this absolute path.
        case smb3Upcall(program: String)
        /// Whatever the marked lines named (cifs-utils' cifs.upcall, normally).
        case cifsUpcall
    }

    public struct Result: Hashable, Sendable {
        /// The files whose text changed, with their new text.
        public var changedFiles: [RequestKeyFile]
        public var edits: [RequestKeyEdit]
        /// The cifs.spnego rules active afterwards, over all files.
        public var activeAfter: [RequestKeyRule]
    }

    /// The line a switch to smb3-upcall writes when our file has none to uncomment.
    public static func handlerLine(program: String) -> String { "create  cifs.spnego  *  *  \(program) %k" }

    /// The text of our file when it does not exist yet.
    public static func newOwnFileHeader() -> [String] {
        ["# SMB3Kit Kerberos upcall for cifs.ko. Switch with: smb3-upcall --set-handler smb3-upcall|cifs.upcall"]
    }

    /// - Parameters:
    ///   - files: every file request-key reads (`request-key.d/*.conf`, then `request-key.conf`);
    ///     `ownFile` is added if missing.
    ///   - ownFile: our file, `/etc/request-key.d/smb3kit.spnego.conf`.
    public static func apply(_ target: Target, to files: [RequestKeyFile], ownFile: String) -> Result {
        var all = files
        if !all.contains(where: { $0.path == ownFile }) { all.append(RequestKeyFile(path: ownFile, text: nil)) }
        var lines = all.map { $0.text.map(RequestKeyRules.lines(of:)) }
        var edits: [RequestKeyEdit] = []

        func set(_ fileIndex: Int, _ lineIndex: Int, to newLine: String) {
            guard var fileLines = lines[fileIndex], fileLines.indices.contains(lineIndex) else { return }
            edits.append(
                RequestKeyEdit(
                    file: all[fileIndex].path, line: lineIndex + 1, before: fileLines[lineIndex], after: newLine))
            fileLines[lineIndex] = newLine
            lines[fileIndex] = fileLines
        }
        func isActiveSpnego(_ line: String, _ path: String) -> RequestKeyRule? {
            guard let rule = RequestKeyRules.rule(line, file: path, line: 0) else { return nil }
            return RequestKeyRules.spnegoRules([rule]).first
        }

        switch target {
        case .smb3Upcall(let program):
            var kept = false
            for (fileIndex, file) in all.enumerated() {
                for (lineIndex, line) in (lines[fileIndex] ?? []).enumerated() {
                    guard let rule = isActiveSpnego(line, file.path) else { continue }
                    if file.path == ownFile {
                        if !kept && rule.handlerProgram == program {
                            kept = true
                        } else {
                            set(fileIndex, lineIndex, to: "#" + line)
                        }
                    } else {
                        set(fileIndex, lineIndex, to: disabledMarker + line)
                    }
                }
            }
            guard !kept, let ownIndex = all.firstIndex(where: { $0.path == ownFile }) else { break }
            let ownLines = lines[ownIndex] ?? []
            if let commented = ownLines.firstIndex(where: {
                uncommented($0).flatMap { isActiveSpnego($0, ownFile) }?.handlerProgram == program
            }),
                let line = uncommented(ownLines[commented])
            {
                set(ownIndex, commented, to: line)
            } else {
                // Append, keeping the file's last line whole (a file without a final newline gets one).
                var newLines = ownLines.isEmpty ? newOwnFileHeader() + [""] : ownLines
                if newLines.last != "" { newLines.append("") }
                let added = handlerLine(program: program)
                newLines[newLines.count - 1] = added
                newLines.append("")
                edits.append(RequestKeyEdit(file: ownFile, line: newLines.count - 1, before: nil, after: added))
                lines[ownIndex] = newLines
            }
        case .cifsUpcall:
            for (fileIndex, file) in all.enumerated() {
                for (lineIndex, line) in (lines[fileIndex] ?? []).enumerated() {
                    if let restored = withoutMarker(line) {
                        set(fileIndex, lineIndex, to: restored)
                    } else if file.path == ownFile, isActiveSpnego(line, file.path) != nil {
                        set(fileIndex, lineIndex, to: "#" + line)
                    }
                }
            }
        }

        var changed: [RequestKeyFile] = []
        var active: [RequestKeyRule] = []
        for (index, file) in all.enumerated() {
            guard let fileLines = lines[index] else { continue }
            let text = fileLines.joined(separator: "\n")
            if text != file.text { changed.append(RequestKeyFile(path: file.path, text: text)) }
            active += RequestKeyRules.spnegoRules(RequestKeyRules.parse(text, file: file.path))
        }
        return Result(changedFiles: changed, edits: edits, activeAfter: active)
    }

    /// A line disabled by the switch, as it was before; compared by scalar, not Character, so that
    /// whatever follows the marker comes back byte for byte.
    static func withoutMarker(_ line: String) -> String? {
        let marker = disabledMarker.unicodeScalars
        guard line.unicodeScalars.starts(with: marker) else { return nil }
        return String(String.UnicodeScalarView(line.unicodeScalars.dropFirst(marker.count)))
    }

    /// A commented-out line without its comment: leading blanks, the `#`s and the blanks after
    /// them (`#create  cifs.spnego ...` as `make install` ships it); `nil` if it is no comment.
    static func uncommented(_ line: String) -> String? {
        let scalars = line.unicodeScalars
        let start = scalars.drop(while: RequestKeyRules.isBlank)
        guard start.first == "#" else { return nil }
        let rest = start.drop(while: { $0 == "#" }).drop(while: RequestKeyRules.isBlank)
        return String(String.UnicodeScalarView(rest))
    }
}
