import IoctlKit
import SMB3System
import Synchronization

/// A progress line on standard error, redrawn with `\r`, for copies large enough to be worth it.
///
/// Determinate copies (copy_file_range steps, client-side copies) update from the copying thread.
/// A single blocking system call (COPYCHUNK, FICLONE) cannot report progress, so a ticker task
/// redraws elapsed time and, when the server already reports it, the destination's size.
final class TerminalProgress: CopyProgress, @unchecked Sendable {
    // @unchecked: `total`, `start` and `ticker` are written only by the copying thread before the
    // ticker starts and after it stopped; the ticker reads `total`/`start` and the atomics only.
    static let threshold: UInt64 = 64 << 20

    private let destinationPath: String
    private var total: UInt64 = 0
    private var start: UInt64 = 0
    private let stopped = Atomic<Bool>(false)
    private let drawn = Atomic<Bool>(false)
    private var ticker: Task<Void, Never>?

    init(destinationPath: String) { self.destinationPath = destinationPath }

    /// A progress display when stderr is a terminal; nil otherwise (and the kit then copies in one call).
    static func ifTerminal(destinationPath: String) -> TerminalProgress? {
        IoctlCalls.standardErrorIsTerminal ? TerminalProgress(destinationPath: destinationPath) : nil
    }

    func begin(totalBytes: UInt64, determinate: Bool) {
        total = totalBytes
        start = IoctlCalls.monotonicNanoseconds()
        guard totalBytes >= Self.threshold else { return }
        stopped.store(false, ordering: .sequentiallyConsistent)
        if !determinate {
            // Drawn at once: a blocking copy may finish before the first tick, and the user should
            // still have seen what ran (the lab's pty check relies on it too).
            draw(copied: nil, serverSide: true)
            ticker = Task.detached { [self] in
                while !stopped.load(ordering: .sequentiallyConsistent) {
                    try? await Task.sleep(for: .milliseconds(500))
                    guard !stopped.load(ordering: .sequentiallyConsistent) else { break }
                    let size = (try? IoctlCalls.status(path: destinationPath).size).flatMap { $0 <= total ? $0 : nil }
                    draw(copied: size, serverSide: true)
                }
            }
        }
    }

    func advance(to copiedBytes: UInt64) {
        guard total >= Self.threshold else { return }
        draw(copied: copiedBytes, serverSide: false)
    }

    func end() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        ticker?.cancel()
        ticker = nil
        if drawn.exchange(false, ordering: .sequentiallyConsistent) {
            IoctlCalls.writeStandardError("\r\u{1B}[K")
        }
    }

    private func draw(copied: UInt64?, serverSide: Bool) {
        guard !stopped.load(ordering: .sequentiallyConsistent) else { return }
        let seconds = Double(IoctlCalls.monotonicNanoseconds() &- start) / 1e9
        var line = "\r"
        if let copied, total > 0 {
            let fraction = Double(copied) / Double(total)
            let width = 30
            let filled = min(width, Int(fraction * Double(width)))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += "\(Int(fraction * 100))% \(Self.mebibytes(copied)) of \(Self.mebibytes(total)) MiB"
        } else {
            line += "\(serverSide ? "server-side copy" : "copy") of \(Self.mebibytes(total)) MiB running"
        }
        line += ", \(Self.tenths(seconds)) s\u{1B}[K"
        drawn.store(true, ordering: .sequentiallyConsistent)
        IoctlCalls.writeStandardError(line)
    }

    private static func mebibytes(_ bytes: UInt64) -> String { tenths(Double(bytes) / 1_048_576) }

    private static func tenths(_ value: Double) -> String {
        let scaled = Int((value * 10).rounded())
        return "\(scaled / 10).\(scaled % 10)"
    }
}
