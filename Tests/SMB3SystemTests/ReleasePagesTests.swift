import Glibc
import Testing

@testable import SMB3System

@Suite("ProcessMemory.releaseCleanFilePages")
struct ReleasePagesTests {
    /// On this test process, kept to its own program file (other tests run beside it, and only
    /// the program is sure to stay mapped where it is): its text is released and the process runs
    /// on, its code mapping again from the page cache; what the snapshot lacks is never touched.
    @Test func releasesTheProgramTextAndRunsOn() throws {
        let program = try ProgramImage.currentPath()
        let stable = try ProcessMemory.stableFileMappings().only(path: program)
        #expect(!stable.ranges.isEmpty)
        let released = try ProcessMemory.releaseCleanFilePages(of: stable)
        #expect(released.mappings > 0 && released.kibibytes > 0)
        let again = try ProcessMemory.releaseCleanFilePages(of: stable)
        #expect(again.mappings > 0, "the code that ran since is resident again, and released again")
        let none = try ProcessMemory.releaseCleanFilePages(of: stable.only(path: "/nonexistent"))
        #expect(none == ProcessMemory.Release(mappings: 0, kibibytes: 0))
    }

    /// Free chunks inside the heap are given back: 512 freed blocks of 64 KiB, each between
    /// two that stay (so that free() cannot give them back by shrinking the heap's top); of
    /// the whole pages inside them, at least half are no longer resident afterwards (mincore).
    /// Without the trim all of them stay; tests running beside this one share the malloc arena
    /// and may reuse a few.
    @Test func trimsTheFreePagesInsideTheHeap() throws {
        let blockSize = 64 << 10
        var blocks: [UnsafeMutableRawPointer] = []
        var pins: [UnsafeMutableRawPointer] = []
        for _ in 0..<512 {
            let block = UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: blockSize)
            blocks.append(block)
            pins.append(UnsafeMutableRawPointer.allocate(byteCount: blockSize, alignment: 16))
        }
        defer { for pin in pins { pin.deallocate() } }
        let addresses = blocks.map { UInt(bitPattern: $0) }
        for block in blocks { block.deallocate() }
        _ = try ProcessMemory.trimMallocHeap()
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: blockSize / Int(page))
        var pages = 0
        var gone = 0
        for address in addresses {
            let first = (address + page - 1) & ~(page - 1)
            let end = (address + UInt(blockSize)) & ~(page - 1)
            guard end > first, let start = UnsafeMutableRawPointer(bitPattern: first) else { continue }
            let count = Int((end - first) / page)
            pages += count
            // ENOMEM: no longer mapped at all (the heap shrank), gone too.
            if mincore(start, Int(end - first), &vector) != 0 {
                gone += count
            } else {
                gone += vector.prefix(count).filter { $0 & 1 == 0 }.count
            }
        }
        #expect(pages > 0 && gone * 2 >= pages, "\(gone) of \(pages) pages given back")
    }
}
