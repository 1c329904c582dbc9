import SMB3Wire

extension DebugData {
    /// The largest input accepted, 16 MiB.
    ///
    /// DebugData is one `seq_file` buffer; each session block is about 2 KiB, so even hundreds of
    /// mounts stay far below this. The cap bounds the work a hostile or corrupt file can cause.
    public static let maximumInputSize = 16 * 1024 * 1024

    /// Lines longer than this (64 KiB) are skipped with a ``Diagnostic/Code/lineTooLong`` diagnostic.
    ///
    /// The longest legitimate lines hold a UNC tree name or a DFS path (at most a few KiB), so the cap
    /// only bites on corrupt input, and it keeps the key searches in each line cheap.
    public static let maximumLineLength = 64 * 1024

    /// At most this many diagnostics (256) are kept; the rest are only counted in ``omittedDiagnosticCount``.
    public static let maximumDiagnostics = 256

    /// Parses the text of `/proc/fs/cifs/DebugData`.
    /// - Throws: ``DebugDataError`` with code `inputTooLarge` or `unrecognizedInput`.
    public init(parsing text: String) throws {
        guard text.utf8.count <= Self.maximumInputSize else {
            throw DebugDataError.inputTooLarge(size: text.utf8.count)
        }
        try self.init(parsing: Array(text.utf8)[...])
    }

    /// Parses the bytes of `/proc/fs/cifs/DebugData`.
    /// - Throws: ``DebugDataError`` with code `inputTooLarge` or `unrecognizedInput`.
    public init(parsing bytes: [UInt8]) throws {
        try self.init(parsing: bytes[...])
    }

    /// Parses the bytes of `/proc/fs/cifs/DebugData`. Invalid UTF-8 in text fields is replaced, not rejected.
    /// - Throws: ``DebugDataError`` with code `inputTooLarge` or `unrecognizedInput`.
    public init(parsing bytes: ArraySlice<UInt8>) throws {
        guard bytes.count <= Self.maximumInputSize else {
            throw DebugDataError.inputTooLarge(size: bytes.count)
        }
        var parser = DebugDataParser()
        var lineStart = bytes.startIndex
        var lineNumber = 0
        while lineStart < bytes.endIndex {
            let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            lineNumber += 1
            parser.consume(line: bytes[lineStart..<lineEnd], number: lineNumber)
            lineStart = lineEnd + 1
        }
        self = try parser.finish()
    }
}
