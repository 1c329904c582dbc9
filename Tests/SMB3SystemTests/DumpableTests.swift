import Glibc
import SMB3System
import Testing

@Suite("PR_SET_DUMPABLE")
struct DumpableTests {
    /// In a child, so the test process stays as it was: off, then back on.
    @Test func turnsDumpableOffAndOn() throws {
        let child = fork()
        try #require(child >= 0)
        if child == 0 {
            guard ProcessMemory.isDumpable else { _exit(2) }
            guard (try? ProcessMemory.setDumpable(false)) != nil, !ProcessMemory.isDumpable else { _exit(3) }
            guard (try? ProcessMemory.setDumpable(true)) != nil, ProcessMemory.isDumpable else { _exit(4) }
            _exit(0)
        }
        var status: Int32 = 0
        #expect(waitpid(child, &status, 0) == child)
        #expect(status == 0, "child exit status \(status >> 8)")
    }
}
