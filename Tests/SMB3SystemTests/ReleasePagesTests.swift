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

    /// Free chunks inside the heap (the long-lived allocation after them keeps the heap's top
    /// from shrinking) are given back: 8 MiB freed, at least 1 MiB of it seen going (tests
    /// running beside this one share the malloc arena and may take some of it).
    @Test func trimsTheFreePagesInsideTheHeap() throws {
        let blocks = (0..<2048).map { _ -> UnsafeMutableRawPointer in
            let block = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
            block.initializeMemory(as: UInt8.self, repeating: 1, count: 4096)
            return block
        }
        let keeper = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer { keeper.deallocate() }
        for block in blocks { block.deallocate() }
        let trimmed = try ProcessMemory.trimMallocHeap()
        #expect(trimmed >= 1024, "\(trimmed) KiB given back")
        _ = try ProcessMemory.trimMallocHeap()
    }
}
