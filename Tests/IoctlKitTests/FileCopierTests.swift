import SMB3Errors
import SMB3Protocol
import Testing

@testable import IoctlKit

@Suite("smb3-ioctl copy")
struct FileCopierTests {
    @Test func wholeFileUsesCopychunkOnTheDestinationWithTheSourceFd() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(5000)))
        system.add("/mnt/s/copy", .init(contents: pattern(9000)))  // longer: must be truncated first
        let outcome = try FileCopier(system: system).copy(CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/copy"))
        #expect(outcome.method == .copyChunkIoctl && outcome.bytes == 5000 && outcome.fallbackReason == nil)
        #expect(system.files["/mnt/s/copy"]?.contents == pattern(5000))
        let chunk = try #require(system.trace.first { $0.hasPrefix("ioctl 0x4004CF03") })
        #expect(chunk == "ioctl 0x4004CF03 /mnt/s/copy value 4")  // fd 4 is the source (3 was the parent dir)
        #expect(system.trace.contains("truncate /mnt/s/copy 0"))
        #expect(!system.trace.contains { $0.hasPrefix("copy_file_range") || $0.hasPrefix("read") })
        #expect(system.open.isEmpty, "every handle is closed")
        #expect(outcome.summary.hasPrefix("copied 5000 bytes (4.9 KiB) in "))
        #expect(outcome.summary.hasSuffix("via server-side copy (CIFS_IOC_COPYCHUNK_FILE)"))
        #expect(outcome.report.json.rendered().contains("\"method\":\"copychunk-ioctl\",\"serverSide\":true"))
    }

    @Test func otherSessionIsRefusedBeforeAnythingIsWritten() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(100)))
        system.add("/mnt/t/copy", .init(contents: [1, 2, 3], sessionID: 0x2222, device: 2))
        let error = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(CopyRequest(source: "/mnt/s/big", destination: "/mnt/t/copy"))
        }
        #expect(error?.status == .failed)
        #expect(error?.message.contains("different SMB sessions (0x1111 and 0x2222)") == true)
        #expect(error?.message.contains("--allow-fallback") == true)
        #expect(system.files["/mnt/t/copy"]?.contents == [1, 2, 3], "destination untouched")
        #expect(!system.trace.contains { $0.contains("0x4004CF03") || $0.hasPrefix("truncate") })
    }

    @Test func otherSessionWithFallbackCopiesThroughTheClientAndSaysSo() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(10_000)))
        var copier = FileCopier(system: system)
        copier.clientBufferSize = 4096
        let outcome = try copier.copy(
            CopyRequest(source: "/mnt/s/big", destination: "/mnt/t/copy", allowFallback: true))
        #expect(outcome.method == .clientSide && outcome.bytes == 10_000)
        #expect(outcome.fallbackReason?.contains("different SMB sessions") == true)
        #expect(system.files["/mnt/t/copy"]?.contents == pattern(10_000))
        #expect(system.trace.filter { $0.hasPrefix("read") }.count == 3)
        #expect(outcome.report.lines.first?.hasPrefix("fell back to a client-side copy: ") == true)
        #expect(outcome.report.json.rendered().contains("\"serverSide\":false"))
    }

    @Test(arguments: [Errno.notSupported, .improperLink])
    func copychunkFailureIsReportedWithItsErrnoUnlessFallbackIsAllowed(code: Errno) throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(64)))
        system.forcedErrors["ioctl 0x4004CF03"] = code
        let error = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/copy"))
        }
        #expect(error?.status == .failed && error?.platformError?.errno == code)
        #expect(
            error?.message.contains("CIFS_IOC_COPYCHUNK_FILE: ioctl failed: \(code.message) (\(code.name))") == true)
        let outcome = try FileCopier(system: system).copy(
            CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/copy", allowFallback: true))
        #expect(outcome.method == .clientSide && system.files["/mnt/s/copy"]?.contents == pattern(64))
        #expect(outcome.fallbackReason?.contains(code.name) == true)
    }

    @Test func copychunkPermissionErrorsNeverFallBack() {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(64)))
        system.forcedErrors["ioctl 0x4004CF03"] = .permissionDenied
        let error = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(
                CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/copy", allowFallback: true))
        }
        #expect(error?.platformError?.errno == .permissionDenied)
    }

    @Test func rangeUsesCopyFileRangeWithExplicitOffsetsAndLoopsOverShortCopies() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(1000)))
        system.add("/mnt/s/range", .init(contents: pattern(50)))  // a range copy must not truncate
        system.copyFileRangeLimit = 120
        let outcome = try FileCopier(system: system).copy(
            CopyRequest(
                source: "/mnt/s/big", destination: "/mnt/s/range", sourceOffset: 100, length: 300, destinationOffset: 10
            ))
        #expect(outcome.method == .copyFileRange && outcome.bytes == 300)
        let calls = system.trace.filter { $0.hasPrefix("copy_file_range") }
        #expect(
            calls == [
                "copy_file_range /mnt/s/big@100 /mnt/s/range@10 300",
                "copy_file_range /mnt/s/big@220 /mnt/s/range@130 180",
                "copy_file_range /mnt/s/big@340 /mnt/s/range@250 60",
            ])
        let result = try #require(system.files["/mnt/s/range"]?.contents)
        #expect(Array(result[0..<10]) == Array(pattern(50)[0..<10]))
        #expect(Array(result[10..<310]) == Array(pattern(1000)[100..<400]))
        #expect(!system.trace.contains { $0.hasPrefix("truncate") })
    }

    @Test func rangeStopsAtTheSourceEndAndDefaultsToIt() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(1000)))
        let toEnd = try FileCopier(system: system).copy(
            CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/a", sourceOffset: 900))
        #expect(toEnd.bytes == 100)
        let pastEnd = try FileCopier(system: system).copy(
            CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/b", sourceOffset: 900, length: 500))
        #expect(pastEnd.bytes == 100)
        let error = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(
                CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/c", sourceOffset: 1001))
        }
        #expect(error?.status == .usage)
    }

    @Test func rangeProgressStepsAndReports() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(1000)))
        var copier = FileCopier(system: system)
        copier.progressStep = 400
        let progress = RecordingProgress()
        _ = try copier.copy(
            CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/r", length: 1000), progress: progress)
        #expect(progress.events == ["begin 1000 true", "advance 400", "advance 800", "advance 1000", "end"])
        let whole = RecordingProgress()
        _ = try copier.copy(CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/w"), progress: whole)
        #expect(whole.events == ["begin 1000 false", "end"])
    }

    @Test func copyFileRangeErrorsFallBackForTheRestOnlyWhenAllowed() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(500)))
        system.forcedErrors["copy_file_range"] = .notSupported
        let error = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/r", length: 500))
        }
        #expect(error?.message.contains("EOPNOTSUPP") == true)
        let outcome = try FileCopier(system: system).copy(
            CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/r", length: 500, allowFallback: true))
        #expect(
            outcome.method == .clientSide && outcome.bytes == 500 && system.files["/mnt/s/r"]?.contents == pattern(500))
    }

    @Test func offCIFSIsExitStatusThreeUnlessFallbackIsAllowed() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/tmp/local", .init(contents: pattern(10), fileSystemType: 0xEF53, device: 9))
        system.add("/mnt/s/big", .init(contents: pattern(10)))
        let fromLocal = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(CopyRequest(source: "/tmp/local", destination: "/mnt/s/x"))
        }
        #expect(
            fromLocal?.status == .notCIFS
                && fromLocal?.message.contains("/tmp/local: not on a cifs mount (filesystem type 0xef53") == true)
        let toLocal = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(CopyRequest(source: "/mnt/s/big", destination: "/tmp/x"))
        }
        #expect(toLocal?.status == .notCIFS && toLocal?.message.hasPrefix("/tmp: not on a cifs mount") == true)
        #expect(system.files["/tmp/x"] == nil, "nothing created off cifs")
        let outcome = try FileCopier(system: system).copy(
            CopyRequest(source: "/mnt/s/big", destination: "/tmp/x", allowFallback: true))
        #expect(outcome.method == .clientSide && outcome.fallbackReason == "/tmp/x is not on a cifs mount")
    }

    @Test func theSameFileIsRefused() {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(10)))
        let error = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/big"))
        }
        #expect(error?.message.contains("are the same file") == true)
        #expect(system.files["/mnt/s/big"]?.contents == pattern(10))
    }

    @Test func reflinkExplainsMissingDuplicateExtentsAndNeverFallsBack() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(10)))
        let error = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(
                CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/c", allowFallback: true, reflink: true))
        }
        #expect(error?.status == .failed && error?.platformError?.errno == .notSupported)
        #expect(error?.message.contains("FICLONE: ioctl failed") == true)
        #expect(error?.message.contains("cannot duplicate extents") == true)
        #expect(error?.message.contains("attributes (0x0001006f) lack it") == true)
        #expect(!system.trace.contains { $0.hasPrefix("read") || $0.contains("0x4004CF03") })
    }

    @Test func reflinkRangePassesFileCloneRange() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(10)))
        system.mountInfo.fileSystemAttributes |= CIFSNames.supportsBlockRefcounting
        let error = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(
                CopyRequest(
                    source: "/mnt/s/big", destination: "/mnt/s/c", sourceOffset: 2, length: 4, destinationOffset: 1,
                    reflink: true))
        }
        #expect(system.trace.contains("ioctl 0x4020940D /mnt/s/c [32]"))
        #expect(error?.message.contains("although the share advertises FILE_SUPPORTS_BLOCK_REFCOUNTING") == true)
        #expect(error?.message.contains("the file system under the share cannot clone") == true)
        #expect(error?.message.contains("ksmbd advertises the attribute on every share") == true)
    }

    @Test func reflinkThatSharesExtentsIsVerifiedByTheShareFreeSpace() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(2 << 20)))
        system.cloneBehaviour = .shares
        let outcome = try FileCopier(system: system).copy(
            CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/c", reflink: true))
        #expect(outcome.method == .reflink && outcome.cloneCheck?.verdict == .noCopySeen)
        #expect(outcome.cloneCheck?.freeBytesDrop == 0)
        #expect(system.files["/mnt/s/c"]?.contents == pattern(2 << 20))
        // The source is flushed before the first measurement (cifs writes it back before cloning).
        let fsync = try #require(system.trace.firstIndex(of: "fsync /mnt/s/big"))
        let statfs = try #require(system.trace.firstIndex(of: "statfs /mnt/s/c"))
        let clone = try #require(system.trace.firstIndex { $0.hasPrefix("ioctl 0x40049409 /mnt/s/c") })
        #expect(fsync < statfs && statfs < clone && system.trace.lastIndex(of: "statfs /mnt/s/c")! > clone)
        // The destination is flushed (SMB2 FLUSH) between the clone and the second measurement.
        let flush = try #require(system.trace.firstIndex(of: "fsync /mnt/s/c"))
        #expect(clone < flush && flush < system.trace.lastIndex(of: "statfs /mnt/s/c")!)
        #expect(
            outcome.report.lines == [
                "no copy seen: the share's free space dropped by 0 B for 2.0 MiB duplicated (a copy would take about "
                    + "2.0 MiB; a file system that counts space at its next commit, btrfs for one, can hide a copy: "
                    + "check the server's extents to be sure)", outcome.summary,
            ])
        #expect(
            outcome.report.json.rendered().contains(
                #""cloneCheck":{"verdict":"noCopySeen","freeBytesBefore":1073741824,"freeBytesAfter":1073741824,"freeBytesDrop":0}"#
            ))
    }

    @Test func reflinkThatTheServerCopiedIsReportedAsAFailure() {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/big", .init(contents: pattern(8 << 20)))
        system.cloneBehaviour = .copies
        let error = #expect(throws: IoctlCommandError.self) {
            try FileCopier(system: system).copy(
                CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/c", reflink: true))
        }
        #expect(error?.status == .failed)
        #expect(
            error?.message
                == "/mnt/s/big → /mnt/s/c: FSCTL_DUPLICATE_EXTENTS_TO_FILE succeeded, but the server copied the data "
                + "instead of sharing extents: the share's free space dropped by 8.0 MiB for 8.0 MiB duplicated "
                + "(ksmbd falls back to copy_file_range when its file system cannot clone the range, e.g. offsets "
                + "or a length not aligned to its block size); the destination holds a full copy")
    }

    @Test func reflinkTooShortOrWithoutFreeSpaceIsUnverified() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/small", .init(contents: pattern(4096)))
        system.cloneBehaviour = .copies  // 4 KiB copied: below the judged minimum, so not called a copy
        let small = try FileCopier(system: system).copy(
            CopyRequest(source: "/mnt/s/small", destination: "/mnt/s/c", reflink: true))
        #expect(small.cloneCheck?.verdict == .unverified && small.cloneCheck?.freeBytesDrop == 4096)
        #expect(
            small.report.lines.first
                == "clone not verified: 4.0 KiB is too short to tell a copy from a clone by the share's free space (dropped by 4.0 KiB)"
        )
        system.freeBytes = nil
        system.add("/mnt/s/big", .init(contents: pattern(2 << 20)))
        let unknown = try FileCopier(system: system).copy(
            CopyRequest(source: "/mnt/s/big", destination: "/mnt/s/d", reflink: true))
        #expect(unknown.cloneCheck?.verdict == .unverified && unknown.cloneCheck?.freeBytesDrop == nil)
        #expect(unknown.report.lines.first == "clone not verified: the share's free space could not be read")
    }

    @Test func cloneCheckJudgesTheDrop() {
        let mib: UInt64 = 1 << 20
        #expect(CloneCheck(length: 8 * mib, freeBytesBefore: 100 * mib, freeBytesAfter: 96 * mib).verdict == .copied)
        #expect(
            CloneCheck(length: 8 * mib, freeBytesBefore: 100 * mib, freeBytesAfter: 97 * mib).verdict == .noCopySeen)
        // A replaced destination frees its blocks: the free space grows, which is no copy.
        let grew = CloneCheck(length: 8 * mib, freeBytesBefore: 90 * mib, freeBytesAfter: 98 * mib)
        #expect(grew.verdict == .noCopySeen && grew.freeBytesDrop == -8 * 1 << 20)
        #expect(
            grew.line(length: 8 * mib)
                == "no copy seen: the share's free space dropped by -8.0 MiB for 8.0 MiB duplicated (a copy would "
                + "take about 8.0 MiB; a file system that counts space at its next commit, btrfs for one, can "
                + "hide a copy: check the server's extents to be sure)")
        #expect(CloneCheck(length: mib - 1, freeBytesBefore: 10 * mib, freeBytesAfter: 0).verdict == .unverified)
        #expect(CloneCheck(length: 8 * mib, freeBytesBefore: nil, freeBytesAfter: 0).verdict == .unverified)
    }
}
