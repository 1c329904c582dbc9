import Synchronization

/// What a progress line needs from the system: a clock, the destination's size, and standard error.
public protocol ProgressTerminal: Sendable {
    func monotonicNanoseconds() -> UInt64
    /// The file's size now, or nil if it cannot be read.
    func fileSize(_ path: String) -> UInt64?
    /// Writes to standard error without a newline (the line rewrites itself with `\r`).
    func write(_ text: String)
}

/// A progress line on standard error, redrawn with `\r`, for copies large enough to be worth it.
///
/// Determinate copies (copy_file_range steps, client-side copies) update from the copying thread.
/// A single blocking system call (COPYCHUNK, FICLONE) cannot report progress, so a ticker task
/// redraws elapsed time and, when the server already reports it, the destination's size.
public final class TerminalProgress: CopyProgress, @unchecked Sendable {
    // @unchecked: `total`, `start` and `ticker` are written only by the copying thread before the
    // ticker starts and after it stopped; the ticker reads `total`/`start` and the atomics only.
    public static let threshold: UInt64 = 64 << 20
    /// How often the ticker redraws a blocking copy's line.
    public static let tickInterval: Duration = .milliseconds(500)

    private let destinationPath: String
    private let terminal: any ProgressTerminal
    private var total: UInt64 = 0
    private var start: UInt64 = 0
    private let stopped = Atomic<Bool>(false)
    private let drawn = Atomic<Bool>(false)
    private var ticker: Task<Void, Never>?

    public init(destinationPath: String, terminal: any ProgressTerminal) {
        self.destinationPath = destinationPath
        self.terminal = terminal
    }

    public func begin(totalBytes: UInt64, determinate: Bool) {
        total = totalBytes
        start = terminal.monotonicNanoseconds()
        guard totalBytes >= Self.threshold else { return }
        stopped.store(false, ordering: .sequentiallyConsistent)
        if !determinate {
            // Drawn at once: a blocking copy may finish before the first tick, and the user should
            // still have seen what ran (the lab's pty check relies on it too).
            draw(copied: nil, serverSide: true)
            ticker = Task.detached { [self] in
                while !stopped.load(ordering: .sequentiallyConsistent) {
                    try? await Task.sleep(for: Self.tickInterval)
                    guard !stopped.load(ordering: .sequentiallyConsistent) else { break }
                    draw(copied: currentDestinationSize(), serverSide: true)
                }
            }
        }
    }

    public func advance(to copiedBytes: UInt64) {
        guard total >= Self.threshold else { return }
        draw(copied: copiedBytes, serverSide: false)
    }

    public func end() {
        stopped.store(true, ordering: .sequentiallyConsistent)
        ticker?.cancel()
        ticker = nil
        if drawn.exchange(false, ordering: .sequentiallyConsistent) {
            terminal.write("\r\u{1B}[K")
        }
    }

    /// The destination's size, when the server already reports a plausible one.
    func currentDestinationSize() -> UInt64? {
        terminal.fileSize(destinationPath).flatMap { $0 <= total ? $0 : nil }
    }

    func draw(copied: UInt64?, serverSide: Bool) {
        guard !stopped.load(ordering: .sequentiallyConsistent) else { return }
        let seconds = Double(terminal.monotonicNanoseconds() &- start) / 1e9
        drawn.store(true, ordering: .sequentiallyConsistent)
        terminal.write(Self.line(copied: copied, total: total, seconds: seconds, serverSide: serverSide))
    }

    /// `\r[#####.....] 50% 32.0 of 64.0 MiB, 1.5 s` or `\rserver-side copy of 64.0 MiB running, 1.5 s`.
    static func line(copied: UInt64?, total: UInt64, seconds: Double, serverSide: Bool) -> String {
        var line = "\r"
        if let copied, total > 0 {
            let fraction = Double(copied) / Double(total)
            let width = 30
            let filled = min(width, Int(fraction * Double(width)))
            line += "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            line += "\(Int(fraction * 100))% \(mebibytes(copied)) of \(mebibytes(total)) MiB"
        } else {
            line += "\(serverSide ? "server-side copy" : "copy") of \(mebibytes(total)) MiB running"
        }
        return line + ", \(tenths(seconds)) s\u{1B}[K"
    }

    private static func mebibytes(_ bytes: UInt64) -> String { tenths(Double(bytes) / 1_048_576) }

    private static func tenths(_ value: Double) -> String {
        let scaled = Int((value * 10).rounded())
        return "\(scaled / 10).\(scaled % 10)"
    }
}
