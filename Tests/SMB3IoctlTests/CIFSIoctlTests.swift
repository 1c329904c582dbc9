import SMB3Protocol
import Testing

@testable import SMB3Ioctl

/// Request numbers computed from the struct sizes, pinned to kernel-interfaces.md §3.1 (gcc on x86_64).
@Suite("CIFSIoctl numbers")
struct CIFSIoctlTests {
    static let pinned: [(CIFSIoctl, UInt)] = [
        (CIFSIoctl.copyChunkFile, 0x4004_CF03),
        (CIFSIoctl.setIntegrity, 0x0000_CF04),
        (CIFSIoctl.getMountInfo, 0x8040_CF05),
        (CIFSIoctl.enumerateSnapshots, 0x800C_CF06),
        (CIFSIoctl.queryInfo, 0xC018_CF07),
        (CIFSIoctl.dumpKey, 0xC03A_CF08),
        (CIFSIoctl.notify, 0x4005_CF09),
        (CIFSIoctl.dumpFullKey, 0xC011_CF0A),
        (CIFSIoctl.notifyInfo, 0xC009_CF0B),
        (CIFSIoctl.getTreeConnectInfo, 0x800C_CF0C),
        (CIFSIoctl.shutdown, 0x8004_587D),
        (CIFSIoctl.getFlags, 0x8008_6601),
        (CIFSIoctl.setFlags, 0x4008_6602),
        (CIFSIoctl.clone, 0x4004_9409),
        (CIFSIoctl.cloneRange, 0x4020_940D),
        (CIFSIoctl.dedupeRange, 0xC018_9436),
    ]

    @Test(arguments: pinned)
    func matchesTheKernel(request: CIFSIoctl, expected: UInt) {
        #expect(request.rawValue == expected, "\(request) != \(CIFSIoctl(rawValue: expected))")
    }

    @Test func decomposesItsFields() {
        let request = CIFSIoctl.queryInfo
        #expect(request.direction == [.read, .write])
        #expect(request.type == 0xCF)
        #expect(request.number == 7)
        #expect(request.argumentSize == 24)
        #expect(CIFSIoctl.setIntegrity.direction == [])
        #expect(CIFSIoctl.copyChunkFile.direction == .write)
        #expect(CIFSIoctl.getMountInfo.direction == .read)
    }

    @Test func rejectsSizesBeyondFourteenBits() {
        #expect(CIFSIoctl.encode(.read, type: 0xCF, number: 1, size: 1 << 14) == nil)
        #expect(CIFSIoctl.encode(.read, type: 0xCF, number: 1, size: -1) == nil)
        #expect(CIFSIoctl.encode(.read, type: 0xCF, number: 1, size: (1 << 14) - 1) != nil)
    }

    @Test func printsAsEightHexDigits() {
        #expect(CIFSIoctl.setIntegrity.description == "0x0000CF04")
        #expect(CIFSIoctl.queryInfo.description == "0xC018CF07")
    }

    /// Every argument struct's size as the kernel's `__packed` definition gives it.
    @Test func structSizes() {
        #expect(CIFSMountInfo.size == 64)
        #expect(CIFSTreeConnectInfo.size == 12)
        #expect(SnapshotArray.headerSize == 12)
        #expect(CIFSQueryInfo.headerSize == 24)
        #expect(CIFSKeyDebugInfo.size == 58)
        #expect(CIFSFullKeyDebugInfo.headerSize == 17)
        #expect(CIFSNotifyRequest.size == 5)
        #expect(CIFSNotifyInfoRequest.headerSize == 9)
        #expect(CIFSCloneRange.size == 32)
    }
}
