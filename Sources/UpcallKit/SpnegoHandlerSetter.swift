import SMB3Protocol

/// What `smb3-upcall --set-handler` changed, and which handler is active afterwards.
public struct HandlerSwitchReport: Hashable, Sendable, Encodable {
    public struct Change: Hashable, Sendable, Encodable {
        public var file: String
        public var line: Int
        /// Absent for an added line.
        public var before: String?
        public var after: String
    }

    public struct ActiveLine: Hashable, Sendable, Encodable {
        public var file: String
        public var line: Int
        public var text: String
        public var handler: String
        public var program: String
    }

    /// `smb3-upcall` or `cifs.upcall`, as asked.
    public var handler: String
    /// The program our line names (switching to smb3-upcall).
    public var program: String?
    public var changes: [Change]
    /// Every active `create cifs.spnego` line afterwards.
    public var active: [ActiveLine]
    public var warning: String?

    /// One line per change (`file:line: before → after`), then what is active.
    public var text: String {
        var lines = changes.map { "\($0.file):\($0.line): \($0.before.map { "\($0) → " } ?? "added → ")\($0.after)" }
        if changes.isEmpty { lines.append("nothing to change") }
        switch active.count {
        case 0: break
        case 1:
            if let line = active.first {
                lines.append("cifs.spnego keys go to \(line.handler) \(line.program) (\(line.file):\(line.line))")
            }
        default:
            lines.append("active cifs.spnego lines: " + active.map { "\($0.file):\($0.line)" }.joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }
}

/// `smb3-upcall --set-handler`: reads every request-key file, computes the switch
/// (`SpnegoHandlerSwitch`) and writes the files that change, each atomically.
public struct SpnegoHandlerSetter<System: SetupSystem> {
    public var system: System
    public var paths: SetupPaths

    public static var noHandlerWarning: String {
        "no 'create cifs.spnego' line is active: Kerberos mounts will fail until a handler is configured "
            + "(apt-get install cifs-utils, or smb3-upcall --set-handler smb3-upcall)"
    }

    public init(system: System, paths: SetupPaths = SetupPaths()) {
        self.system = system
        self.paths = paths
    }

    /// - Throws: `SetupFileError` when a file cannot be read or written (the message says which,
    ///   and which files were already rewritten).
    public func run(_ target: SpnegoHandlerSwitch.Target) throws(SetupFileError) -> HandlerSwitchReport {
        var files: [RequestKeyFile] = []
        for path in paths.requestKeyFiles(in: system) {
            switch system.readText(path) {
            case .text(let text): files.append(RequestKeyFile(path: path, text: text))
            case .absent: files.append(RequestKeyFile(path: path, text: nil))
            case .unreadable(let why): throw SetupFileError("cannot read \(path): \(why); nothing was changed")
            }
        }
        let result = SpnegoHandlerSwitch.apply(target, to: files, ownFile: paths.ownRequestKeyFile)
        var written: [String] = []
        for file in result.changedFiles {
            guard let text = file.text else { continue }
            do throws(SetupFileError) {
                try system.replaceFile(file.path, text: text)
            } catch {
                let done =
                    written.isEmpty ? "nothing was changed" : "already rewritten: \(written.joined(separator: ", "))"
                throw SetupFileError("\(error.message); \(done)")
            }
            written.append(file.path)
        }
        let handler: String
        let program: String?
        switch target {
        case .smb3Upcall(let path): (handler, program) = (SpnegoHandlerKind.smb3Upcall.rawValue, path)
        case .cifsUpcall: (handler, program) = (SpnegoHandlerKind.cifsUpcall.rawValue, nil)
        }
        return HandlerSwitchReport(
            handler: handler, program: program,
            changes: result.edits.map { .init(file: $0.file, line: $0.line, before: $0.before, after: $0.after) },
            active: result.activeAfter.map {
                .init(
                    file: $0.file, line: $0.line, text: $0.text, handler: $0.handlerKind.rawValue,
                    program: $0.handlerProgram)
            },
            warning: result.activeAfter.isEmpty ? Self.noHandlerWarning : nil)
    }
}
