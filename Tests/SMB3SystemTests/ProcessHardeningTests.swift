import Glibc
import SMB3Errors
import SMB3System
import Testing

struct ProcessHardeningTests {
    /// The raw setresuid changes one thread; with others running, become must refuse before it
    /// changes anything (the test runner has several threads).
    @Test func becomeRefusesAMultithreadedProcess() {
        let before = (getuid(), geteuid(), getgid())
        #expect(throws: SystemError.self) { try Identity.become(uid: getuid(), gid: getgid()) }
        #expect((getuid(), geteuid(), getgid()) == before)
        #expect((try? Identity.effectiveCapabilities()) != 0 || getuid() != 0)
    }

    @Test func everyKernelCapabilityIsInTheMask() throws {
        let mask = Capabilities.allKnown()
        let bytes = try KernelFile.read("/proc/sys/kernel/cap_last_cap", limit: 16)
        let last = try #require(Int(String(decoding: bytes, as: UTF8.self).filter { $0 != "\n" }))
        #expect(mask == (UInt64(1) << UInt64(last + 1)) - 1)
    }

    /// In a forked child (the test runner's own descriptors must stay): afterwards only stdio
    /// and the kept descriptor are open.
    @Test func closeAllKeepsOnlyWhatItIsTold() throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let extra = open("/proc", O_RDONLY | O_DIRECTORY)
        #expect(extra >= 0)
        defer { close(extra) }
        let child = try ForkedChild.run {
            close(ends[0])
            do { try FileDescriptors.closeAll(except: [ends[1]]) } catch { return 2 }
            let open = FileDescriptors.open()
            // One byte per descriptor number still open.
            let report = open.map { UInt8(truncatingIfNeeded: $0) }
            _ = report.withUnsafeBytes { write(ends[1], $0.baseAddress, $0.count) }
            return 0
        }
        close(ends[1])
        var status: Int32 = 0
        #expect(waitpid(child, &status, 0) == child)
        #expect(status == 0)
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
        close(ends[0])
        let open = Set(buffer.prefix(max(count, 0)).map(Int32.init))
        #expect(open.isSubset(of: [0, 1, 2, ends[1]]))
        #expect(open.contains(ends[1]))
        #expect(!open.contains(extra))
    }
}

struct WorkerReapingTests {
    /// A worker that crashes is told apart from one that failed (the server logs it).
    @Test func aCrashedWorkerEndsKilledWithItsSignal() throws {
        let crashed = try ForkedChild.run {
            signal(SIGSEGV, SIG_DFL)  // not the Swift runtime's handler, which would exit
            kill(getpid(), SIGSEGV)
            return 0
        }
        let failed = try ForkedChild.run { 3 }
        var status: Int32 = 0
        #expect(waitpid(crashed, &status, 0) == crashed)
        guard case .killed(let signal, _) = ForkedChild.Ending(waitStatus: status) else {
            Issue.record("the crashed worker did not end by a signal: \(status)")
            return
        }
        #expect(signal == SIGSEGV)
        #expect(waitpid(failed, &status, 0) == failed)
        #expect(ForkedChild.Ending(waitStatus: status) == .exited(3))
    }
}
