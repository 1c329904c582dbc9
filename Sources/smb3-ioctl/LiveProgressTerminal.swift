import IoctlKit
import SMB3System

/// The progress line's clock, stat and standard error on this host.
struct LiveProgressTerminal: ProgressTerminal {
    func monotonicNanoseconds() -> UInt64 { IoctlCalls.monotonicNanoseconds() }
    func fileSize(_ path: String) -> UInt64? { try? IoctlCalls.status(path: path).size }
    func write(_ text: String) { IoctlCalls.writeStandardError(text) }

    /// A progress display when standard error is a terminal; nil otherwise (the kit then copies
    /// in one call).
    static func progress(destinationPath: String) -> TerminalProgress? {
        IoctlCalls.standardErrorIsTerminal ? TerminalProgress(destinationPath: destinationPath, terminal: Self()) : nil
    }
}
