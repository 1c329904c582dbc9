import SMB3Errors
import SMB3Protocol
import Testing

@testable import IoctlKit

@Suite("sparse, set-sparse, zero")
struct SparseCommandsTests {
    static let mib: UInt64 = 1 << 20
    static let gib: UInt64 = 1 << 30

    static func basic(_ attributes: UInt32) -> [UInt8] {
        let time = NTTime(rawValue: NTTime.unixEpoch)
        return FileBasicInformation(
            creationTime: time, lastAccessTime: time, lastWriteTime: time, changeTime: time, attributes: attributes
        ).encoded()
    }

    static func standard(allocation: UInt64, size: UInt64) -> [UInt8] {
        FileStandardInformation(
            allocationSize: allocation, endOfFile: size, numberOfLinks: 1, deletePending: 0, directory: 0
        ).encoded()
    }

    /// A 1 GiB image with 32 MiB of data at 0 and at 512 MiB.
    static func image() -> FakeIoctlSystem {
        let system = FakeIoctlSystem.withShares()
        system.add(
            "/mnt/s/vm.img",
            .init(
                apparentSize: gib,
                dataRanges: [
                    AllocatedRange(offset: 0, length: 32 * mib), AllocatedRange(offset: 512 * mib, length: 32 * mib),
                ]))
        return system
    }

    @Test func sparseReportsTheAttributeAllocationAndRanges() throws {
        let system = Self.image()
        system.queryReplies["1/4"] = Self.basic(0x220)
        system.queryReplies["1/5"] = Self.standard(allocation: 64 * Self.mib, size: Self.gib)
        let report = try SparseCommands(system: system).describe(path: "/mnt/s/vm.img")
        #expect(
            report.lines == [
                "/mnt/s/vm.img: sparse, size 1.0 GiB (1073741824 bytes)",
                "Attributes: 0x00000220 (ARCHIVE,SPARSE_FILE)",
                "Allocated on the server: 64.0 MiB (67108864 bytes)",
                "Data: 2 ranges, 64.0 MiB; holes: 960.0 MiB (SEEK_DATA/SEEK_HOLE, answered by FSCTL_QUERY_ALLOCATED_RANGES)",
                "  offset 0, 32.0 MiB (33554432 bytes)",
                "  offset 536870912, 32.0 MiB (33554432 bytes)",
            ])
        #expect(
            report.json.rendered()
                == #"{"size":1073741824,"sparse":true,"attributes":{"value":544,"names":["ARCHIVE","SPARSE_FILE"]},"#
                + #""allocationSize":67108864,"rangesFromServer":true,"dataRanges":[{"offset":0,"length":33554432},"#
                + #"{"offset":536870912,"length":33554432}],"dataBytes":67108864,"holeBytes":1006632960,"#
                + #""rangesComplete":true}"#)
        // Each range: SEEK_DATA from where the last ended, SEEK_HOLE from the data; ENXIO ends it.
        #expect(
            system.trace.filter { $0.hasPrefix("lseek") } == [
                "lseek /mnt/s/vm.img 0 data", "lseek /mnt/s/vm.img 0 hole",
                "lseek /mnt/s/vm.img 33554432 data", "lseek /mnt/s/vm.img 536870912 hole",
                "lseek /mnt/s/vm.img 570425344 data",
            ])
        #expect(system.trace.first == "open /mnt/s/vm.img read")
        #expect(system.open.isEmpty)
    }

    @Test func aFileThatIsNotSparseIsOneRangeCifsAnswersItself() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/plain", .init(contents: [UInt8](repeating: 1, count: 5000)))
        system.queryReplies["1/4"] = Self.basic(0x20)
        system.queryReplies["1/5"] = Self.standard(allocation: 8192, size: 5000)
        let report = try SparseCommands(system: system).describe(path: "/mnt/s/plain")
        #expect(report.lines.first == "/mnt/s/plain: not sparse, size 4.9 KiB (5000 bytes)")
        #expect(
            report.lines.contains(
                "Data: 1 range, 4.9 KiB; holes: 0 B (not sparse: cifs.ko answers SEEK_DATA/SEEK_HOLE itself, the whole file is data)"
            ))
        #expect(report.json.rendered().contains(#""sparse":false"#))
        #expect(report.json.rendered().contains(#""rangesFromServer":false"#))
    }

    @Test func anEmptyFileHasNoRanges() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/empty", .init())
        system.queryReplies["1/4"] = Self.basic(0x220)
        system.queryReplies["1/5"] = Self.standard(allocation: 0, size: 0)
        let report = try SparseCommands(system: system).describe(path: "/mnt/s/empty")
        #expect(report.lines.contains { $0.hasPrefix("Data: 0 ranges, 0 B; holes: 0 B") })
        #expect(report.lines.count == 4)
    }

    @Test func rangesStopAtTheCapAndSaySo() throws {
        let system = FakeIoctlSystem.withShares()
        let count = SparseCommands.maximumRanges + 1
        system.add(
            "/mnt/s/many",
            .init(
                apparentSize: UInt64(count) * 8192,
                dataRanges: (0..<count).map { AllocatedRange(offset: UInt64($0) * 8192, length: 4096) }))
        system.queryReplies["1/4"] = Self.basic(0x200)
        system.queryReplies["1/5"] = Self.standard(allocation: 4096, size: UInt64(count) * 8192)
        let report = try SparseCommands(system: system).describe(path: "/mnt/s/many")
        #expect(report.lines.last == "  (only the first \(SparseCommands.maximumRanges) ranges are listed)")
        #expect(report.json.rendered().contains(#""holeBytes":0,"rangesComplete":false}"#))
    }

    @Test func anLseekThatDoesNotMoveForwardIsAnErrorNotALoop() {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/odd", .init(apparentSize: 100, dataRanges: [AllocatedRange(offset: 10, length: 0)]))
        system.queryReplies["1/4"] = Self.basic(0x200)
        system.queryReplies["1/5"] = Self.standard(allocation: 0, size: 100)
        let error = #expect(throws: IoctlCommandError.self) {
            try SparseCommands(system: system).describe(path: "/mnt/s/odd")
        }
        #expect(error?.message == "/mnt/s/odd: lseek went backwards: SEEK_DATA from 0 gave 10, SEEK_HOLE gave 10")
        #expect(system.open.isEmpty)
    }

    @Test func sparseOfADirectoryOrOffCIFSIsRefused() {
        let system = FakeIoctlSystem.withShares()
        let directory = #expect(throws: IoctlCommandError.self) {
            try SparseCommands(system: system).describe(path: "/mnt/s")
        }
        #expect(directory?.message == "/mnt/s: not a regular file (only files can be sparse)")
        system.add("/tmp/f", .init(fileSystemType: 0xEF53))
        let local = #expect(throws: IoctlCommandError.self) {
            try SparseCommands(system: system).describe(path: "/tmp/f")
        }
        #expect(local?.status == .notCIFS)
    }

    @Test func setSparseSendsTheFsctlAndReadsTheAttributeBack() throws {
        let system = Self.image()
        system.queryReplySequences["1/4"] = [Self.basic(0x20), Self.basic(0x220)]
        system.queryReplies["\(0x900C4)/0"] = []
        let report = try SparseCommands(system: system).setSparse(path: "/mnt/s/vm.img")
        #expect(report.lines == ["/mnt/s/vm.img: sparse (was not sparse); attributes 0x00000220 (ARCHIVE,SPARSE_FILE)"])
        #expect(
            report.json.rendered()
                == #"{"sparse":true,"wasSparse":false,"attributes":{"value":544,"names":["ARCHIVE","SPARSE_FILE"]}}"#)
        // The FSCTL: info_type 0x900C4, flags PASSTHRU_FSCTL (1), no reply room, one input byte: SetSparse = TRUE.
        let fsctl = try #require(system.queryArguments.first { $0.prefix(4) == [0xC4, 0x00, 0x09, 0x00] })
        #expect(
            Array(fsctl) == [0xC4, 0x00, 0x09, 0x00] + [UInt8](repeating: 0, count: 8) + [
                1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1,
            ])
    }

    @Test func setSparseOfASparseFileSaysItAlreadyWas() throws {
        let system = Self.image()
        system.queryReplies["1/4"] = Self.basic(0x200)
        system.queryReplies["\(0x900C4)/0"] = []
        let report = try SparseCommands(system: system).setSparse(path: "/mnt/s/vm.img")
        #expect(report.lines == ["/mnt/s/vm.img: sparse (it already was); attributes 0x00000200 (SPARSE_FILE)"])
    }

    @Test func setSparseRefusalsNameTheCause() {
        let causes: [(Errno, String)] = [
            (
                .notSupported,
                "/mnt/s/vm.img: CIFS_QUERY_INFO (FSCTL_SET_SPARSE): ioctl failed: Operation not supported (EOPNOTSUPP); "
                    + "the server refused FSCTL_SET_SPARSE: it cannot mark files sparse on this share"
            ),
            (
                .notPermitted,
                "/mnt/s/vm.img: CIFS_QUERY_INFO (FSCTL_SET_SPARSE): ioctl failed: Operation not permitted (EPERM); "
                    + "the FSCTL passthrough needs CAP_SYS_ADMIN (run as root)"
            ),
            (
                .permissionDenied,
                "/mnt/s/vm.img: CIFS_QUERY_INFO (FSCTL_SET_SPARSE): ioctl failed: Permission denied (EACCES); "
                    + "the server denied the open for GENERIC_ALL that the kernel makes for FSCTL_SET_SPARSE "
                    + "(its access bits are FILE_ANY_ACCESS)"
            ),
        ]
        for (errno, message) in causes {
            let system = Self.image()
            system.queryReplies["1/4"] = Self.basic(0x20)
            system.queryErrors["\(0x900C4)/0"] = errno
            let error = #expect(throws: IoctlCommandError.self) {
                try SparseCommands(system: system).setSparse(path: "/mnt/s/vm.img")
            }
            #expect(error?.status == .failed)
            #expect(error?.message == message)
            #expect(error?.platformError?.errno == errno)
            #expect(system.open.isEmpty)
        }
    }

    @Test func setSparseThatDoesNotStickIsAFailure() {
        let system = Self.image()
        system.queryReplies["1/4"] = Self.basic(0x20)
        system.queryReplies["\(0x900C4)/0"] = []
        let error = #expect(throws: IoctlCommandError.self) {
            try SparseCommands(system: system).setSparse(path: "/mnt/s/vm.img")
        }
        #expect(
            error?.message
                == "/mnt/s/vm.img: the server accepted FSCTL_SET_SPARSE but the file's attributes still lack "
                + "SPARSE_FILE: 0x00000020 (ARCHIVE)")
    }

    @Test func zeroPunchesTheHoleAndReportsTheServersAllocation() throws {
        let system = Self.image()
        system.queryReplySequences["1/5"] = [
            Self.standard(allocation: 64 * Self.mib, size: Self.gib),
            Self.standard(allocation: 48 * Self.mib, size: Self.gib),
        ]
        let report = try SparseCommands(system: system).zero(
            path: "/mnt/s/vm.img", offset: 8 * Self.mib, length: 16 * Self.mib)
        #expect(system.trace.contains("open /mnt/s/vm.img readWrite"))
        #expect(system.trace.contains("fallocate /mnt/s/vm.img 8388608 16777216"))
        #expect(
            system.files["/mnt/s/vm.img"]?.dataRanges == [
                AllocatedRange(offset: 0, length: 8 * Self.mib),
                AllocatedRange(offset: 24 * Self.mib, length: 8 * Self.mib),
                AllocatedRange(offset: 512 * Self.mib, length: 32 * Self.mib),
            ])
        #expect(
            report.lines == [
                "zeroed 16.0 MiB (16777216 bytes) at offset 8388608 of /mnt/s/vm.img (fallocate PUNCH_HOLE, FSCTL_SET_ZERO_DATA)",
                "Allocated on the server: 64.0 MiB -> 48.0 MiB (67108864 -> 50331648 bytes, 16.0 MiB freed)",
            ])
        #expect(
            report.json.rendered()
                == #"{"offset":8388608,"length":16777216,"size":1073741824,"allocationBefore":67108864,"#
                + #""allocationAfter":50331648,"freedBytes":16777216}"#)
        #expect(system.open.isEmpty)
    }

    @Test func zeroThatFreesNothingSaysWhy() throws {
        let system = Self.image()
        system.queryReplies["1/5"] = Self.standard(allocation: 64 * Self.mib, size: Self.gib)
        let report = try SparseCommands(system: system).zero(path: "/mnt/s/vm.img", offset: 0, length: 4096)
        #expect(report.json.rendered().hasSuffix(#""freedBytes":0}"#))
        #expect(
            report.lines.last
                == "the server's allocation did not drop: the range held no data, or the server wrote zeros instead of freeing the blocks"
        )
    }

    @Test func zeroRefusedByTheServerExplainsCifsSparseMemory() {
        let system = Self.image()
        system.queryReplies["1/5"] = Self.standard(allocation: 64 * Self.mib, size: Self.gib)
        system.forcedErrors["fallocate"] = .notSupported
        let error = #expect(throws: IoctlCommandError.self) {
            try SparseCommands(system: system).zero(path: "/mnt/s/vm.img", offset: 0, length: 4096)
        }
        #expect(error?.status == .failed)
        #expect(
            error?.message
                == "/mnt/s/vm.img: fallocate (PUNCH_HOLE, FSCTL_SET_ZERO_DATA): fallocate failed: Operation not supported "
                + "(EOPNOTSUPP); the server refused to punch the hole: cifs.ko marks the file sparse (FSCTL_SET_SPARSE) "
                + "before FSCTL_SET_ZERO_DATA, and after one refused FSCTL_SET_SPARSE it stops asking on this share "
                + "until the share is mounted again (DebugData shows nosparse)")
        #expect(system.open.isEmpty)
    }

    @Test func zeroRejectsAnEmptyOrOverflowingRangeBeforeOpening() {
        let system = Self.image()
        for (offset, length) in [(UInt64(0), UInt64(0)), (UInt64(Int64.max), UInt64(1)), (UInt64.max, UInt64(2))] {
            let error = #expect(throws: IoctlCommandError.self) {
                try SparseCommands(system: system).zero(path: "/mnt/s/vm.img", offset: offset, length: length)
            }
            #expect(error?.status == .usage)
        }
        #expect(system.trace.isEmpty)
    }
}
