import Synchronization
import Testing

@testable import IoctlKit

/// A terminal with a hand-moved clock that keeps what was written.
final class FakeTerminal: ProgressTerminal {
    let now = Atomic<UInt64>(0)
    let written = Mutex<[String]>([])
    let size = Atomic<UInt64>(0)

    func monotonicNanoseconds() -> UInt64 { now.load(ordering: .relaxed) }
    func fileSize(_ path: String) -> UInt64? { size.load(ordering: .relaxed) }
    func write(_ text: String) { written.withLock { $0.append(text) } }
    var lines: [String] { written.withLock { $0 } }
}

@Suite struct TerminalProgressTests {
    static let big = TerminalProgress.threshold * 2  // 128 MiB

    @Test func determinateCopiesDrawABarThatTheEndClears() {
        let terminal = FakeTerminal()
        let progress = TerminalProgress(destinationPath: "/mnt/s/b", terminal: terminal)
        terminal.now.store(1_000_000_000, ordering: .relaxed)
        progress.begin(totalBytes: Self.big, determinate: true)
        #expect(terminal.lines.isEmpty)
        terminal.now.store(2_500_000_000, ordering: .relaxed)
        progress.advance(to: Self.big / 2)
        #expect(terminal.lines == ["\r[###############...............] 50% 64.0 of 128.0 MiB, 1.5 s\u{1B}[K"])
        progress.end()
        #expect(terminal.lines.last == "\r\u{1B}[K")
        // Nothing after the end.
        progress.advance(to: Self.big)
        #expect(terminal.lines.count == 2)
    }

    @Test func smallCopiesShowNothing() {
        let terminal = FakeTerminal()
        let progress = TerminalProgress(destinationPath: "/mnt/s/b", terminal: terminal)
        progress.begin(totalBytes: TerminalProgress.threshold - 1, determinate: true)
        progress.advance(to: 1)
        progress.end()
        progress.begin(totalBytes: TerminalProgress.threshold - 1, determinate: false)
        progress.end()
        #expect(terminal.lines.isEmpty)
    }

    @Test func aBlockingCopyIsDrawnAtOnce() {
        let terminal = FakeTerminal()
        let progress = TerminalProgress(destinationPath: "/mnt/s/b", terminal: terminal)
        progress.begin(totalBytes: Self.big, determinate: false)
        #expect(terminal.lines.first == "\rserver-side copy of 128.0 MiB running, 0.0 s\u{1B}[K")
        progress.end()
        #expect(terminal.lines.last == "\r\u{1B}[K")
    }

    @Test func theDestinationsSizeCountsOnlyWhenPlausible() {
        let terminal = FakeTerminal()
        let progress = TerminalProgress(destinationPath: "/mnt/s/b", terminal: terminal)
        progress.begin(totalBytes: Self.big, determinate: true)
        terminal.size.store(Self.big / 4, ordering: .relaxed)
        #expect(progress.currentDestinationSize() == Self.big / 4)
        terminal.size.store(Self.big + 1, ordering: .relaxed)
        #expect(progress.currentDestinationSize() == nil)
    }

    @Test func linesForEachKind() {
        #expect(
            TerminalProgress.line(copied: nil, total: 64 << 20, seconds: 0.04, serverSide: false)
                == "\rcopy of 64.0 MiB running, 0.0 s\u{1B}[K")
        #expect(
            TerminalProgress.line(copied: 64 << 20, total: 64 << 20, seconds: 12.34, serverSide: true)
                == "\r[##############################] 100% 64.0 of 64.0 MiB, 12.3 s\u{1B}[K")
    }
}
