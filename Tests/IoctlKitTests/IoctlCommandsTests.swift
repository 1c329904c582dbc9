import SMB3Errors
import SMB3Protocol
import Testing

@testable import IoctlKit

@Suite("info, query, snapshots, quota, secdesc")
struct IoctlCommandsTests {
    @Test func infoDecodesAndOpensDirectoriesListed() throws {
        let system = FakeIoctlSystem.withShares()
        system.files["/mnt/s"]?.treeID = 0x95F2_4738
        system.files["/mnt/s"]?.sessionID = 0x47F7_2376
        let report = try MountInfoCommand(system: system).run(path: "/mnt/s")
        #expect(system.trace.contains("open /mnt/s listedDirectory"))
        #expect(report.lines.contains("Protocol: SMB 3.1.1 (0x311)"))
        #expect(report.lines.contains("Session id: 0x47f72376"))
        #expect(report.lines.contains("Tree id: 0x95f24738"))
        #expect(report.lines.contains("Copy chunk size: 1048576 bytes"))
        #expect(report.lines.contains("Cache mode: strict"))
        #expect(report.lines.contains { $0.hasPrefix("Filesystem attributes: 0x0001006f (CASE_SENSITIVE_SEARCH,") })
        let json = report.json.rendered()
        #expect(
            json.hasPrefix(
                "{\"protocol\":{\"id\":785,\"name\":\"SMB 3.1.1\"},\"treeId\":2515683128,\"sessionId\":1207378806,"))
        #expect(json.contains("\"reflinkSupported\":false"))
        #expect(system.open.isEmpty)
    }

    @Test func infoOffCIFSIsStatusThree() {
        let system = FakeIoctlSystem.withShares()
        let error = #expect(throws: IoctlCommandError.self) { try MountInfoCommand(system: system).run(path: "/tmp") }
        #expect(error?.status == .notCIFS)
        #expect(system.open.isEmpty)
    }

    @Test func infoNamesTheErrnoAndExplainsENOTTY() {
        let system = FakeIoctlSystem.withShares()
        system.forcedErrors["ioctl 0x8040CF05"] = .inappropriateIOCTLForDevice
        let error = #expect(throws: IoctlCommandError.self) { try MountInfoCommand(system: system).run(path: "/mnt/s") }
        #expect(error?.status == .failed)
        #expect(
            error?.message == "/mnt/s: CIFS_IOC_GET_MNT_INFO: ioctl failed: Inappropriate ioctl for device (ENOTTY)")
    }

    @Test func queryFileBasicSendsClassFourAndPrintsUTC() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        let time = NTTime(rawValue: 134_400_921_678_627_164)
        system.queryReplies["1/4"] = FileBasicInformation(
            creationTime: time, lastAccessTime: time, lastWriteTime: time, changeTime: time, attributes: 0x80
        ).encoded()
        let report = try QueryCommand(system: system).run(infoClass: .fileBasic, path: "/mnt/s/f")
        #expect(system.trace.contains("ioctl 0xC018CF07 /mnt/s/f [64]"))
        #expect(system.trace.contains("open /mnt/s/f read"))
        #expect(
            report.lines == [
                "Creation Time: 2026-11-25T14:56:07.8627164Z", "Last Access Time: 2026-11-25T14:56:07.8627164Z",
                "Last Write Time: 2026-11-25T14:56:07.8627164Z", "Last Change Time: 2026-11-25T14:56:07.8627164Z",
                "File Attributes: 0x00000080 (NORMAL)",
            ])
        #expect(
            report.json.rendered().contains(
                "\"creationTime\":{\"nt\":134400921678627164,\"utc\":\"2026-11-25T14:56:07.8627164Z\"}"))
    }

    @Test func queryAccessUsesTheDirectoryNamesForDirectories() throws {
        let system = FakeIoctlSystem.withShares()
        system.queryReplies["1/8"] = [0xA9, 0x00, 0x12, 0x00]
        let report = try QueryCommand(system: system).run(infoClass: .fileAccess, path: "/mnt/s")
        #expect(
            report.lines == [
                "Directory access flags: 0x001200a9 (LIST_DIRECTORY,READ_EA,TRAVERSE,READ_ATTRIBUTES,READ_CONTROL,SYNCHRONIZE)"
            ])
        // A directory for CIFS_QUERY_INFO is a plain O_RDONLY fd (no readdir first).
        #expect(system.trace.contains("open /mnt/s read") && !system.trace.contains("open /mnt/s listedDirectory"))
    }

    @Test func queryOfEveryClassDecodesSmbinfoLabels() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        system.queryReplies["1/5"] = FileStandardInformation(
            allocationSize: 4096, endOfFile: 6, numberOfLinks: 1, deletePending: 0, directory: 0
        ).encoded()
        system.queryReplies["1/6"] = [10, 0, 0, 0, 0, 0, 0, 0]
        system.queryReplies["2/7"] = FileFsFullSizeInformation(
            totalAllocationUnits: 1_010_584, callerAvailableAllocationUnits: 715_668,
            actualAvailableAllocationUnits: 715_668,
            sectorsPerAllocationUnit: 2, bytesPerSector: 512
        ).encoded()
        system.queryReplies["1/22"] = FileStreamInformation(streams: [
            .init(name: "::$DATA", size: 6, allocationSize: 4096)
        ]).encoded()
        system.queryReplies["1/17"] = [0, 0, 0, 0]
        let query = QueryCommand(system: system)
        #expect(
            try query.run(infoClass: .fileStandard, path: "/mnt/s/f").lines == [
                "Allocation Size: 4096", "End Of File: 6", "Number of Links: 1", "Delete Pending: 0",
                "Delete Directory: 0",
            ])
        #expect(try query.run(infoClass: .fileInternal, path: "/mnt/s/f").lines == ["Index Number: 10"])
        #expect(
            try query.run(infoClass: .fsFullSize, path: "/mnt/s/f").lines == [
                "Total Allocation Units: 1010584", "Caller Available Allocation Units: 715668",
                "Actual Available Allocation Units: 715668", "Sectors Per Allocation Unit: 2", "Bytes Per Sector: 512",
            ])
        #expect(
            try query.run(infoClass: .fileStream, path: "/mnt/s/f").lines == [
                "Name: ::$DATA", "Size: 6 bytes", "Allocation size: 4096 bytes",
            ])
        #expect(
            try query.run(infoClass: .fileAlignment, path: "/mnt/s/f").lines == [
                "File alignment: 0x00000000 (BYTE_ALIGNMENT)"
            ])
    }

    @Test func queryFailureNamesTheErrnoAndAGarbledReplyIsAFailure() {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        let missing = #expect(throws: IoctlCommandError.self) {
            try QueryCommand(system: system).run(infoClass: .fileEA, path: "/mnt/s/f")
        }
        #expect(
            missing?.message
                == "/mnt/s/f: CIFS_QUERY_INFO (file-ea): ioctl failed: Operation not supported (EOPNOTSUPP); the server or share does not support this request"
        )
        system.queryReplies["1/6"] = [1, 2, 3]
        let garbled = #expect(throws: IoctlCommandError.self) {
            try QueryCommand(system: system).run(infoClass: .fileInternal, path: "/mnt/s/f")
        }
        #expect(garbled?.status == .failed && garbled?.message.contains("file-internal reply") == true)
    }

    @Test func snapshotsProbeThenFetch() throws {
        let system = FakeIoctlSystem.withShares()
        let times = [
            try #require(NTTime(gmtToken: "@GMT-2024.01.01-10.00.00")),
            try #require(NTTime(gmtToken: "@GMT-2024.02.01-11.30.00")),
        ]
        let full = SnapshotArray(numberOfSnapshots: 2, numberOfSnapshotsReturned: 2, arraySize: 102, snapshots: times)
        system.snapshotReplies = [Array(full.encoded().prefix(12)), full.encoded()]
        let report = try SnapshotsCommand(system: system).run(path: "/mnt/s")
        let calls = system.trace.filter { $0.hasPrefix("ioctl 0x800CCF06") }
        #expect(calls == ["ioctl 0x800CCF06 /mnt/s [14]", "ioctl 0x800CCF06 /mnt/s [116]"])
        #expect(
            report.lines == [
                "Number of snapshots: 2 Number of snapshots returned: 2",
                "Snapshot list in GMT (Coordinated UTC Time) and SMB format (100 nanosecond units needed for snapshot mounts):",
                "1) GMT:@GMT-2024.01.01-10.00.00", "   SMB3:\(times[0].rawValue)", "2) GMT:@GMT-2024.02.01-11.30.00",
                "   SMB3:\(times[1].rawValue)",
            ])
        #expect(times[0].rawValue == 133_485_768_000_000_000)
    }

    @Test func snapshotsUnsupportedExplains() {
        let system = FakeIoctlSystem.withShares()
        let error = #expect(throws: IoctlCommandError.self) { try SnapshotsCommand(system: system).run(path: "/mnt/s") }
        #expect(
            error?.message
                == "/mnt/s: CIFS_ENUMERATE_SNAPSHOTS: ioctl failed: Operation not supported (EOPNOTSUPP); the server does "
                + "not support snapshot enumeration on this share (it refused FSCTL_SRV_ENUMERATE_SNAPSHOTS): ksmbd does "
                + "not implement it, Samba only on shares with vfs_shadow_copy2")
    }

    @Test func secdescPrintsSmbinfoStyleACEs() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        let owner = SecurityIdentifier(authority: 5, subAuthorities: [21, 1, 2, 3, 1000])
        system.queryReplies["3/0"] = SecurityDescriptor(
            control: 0x9004, owner: owner, group: SecurityIdentifier(authority: 22, subAuthorities: [2, 0]),
            dacl: AccessControlList(entries: [
                AccessControlEntry(kind: .accessAllowed, flags: 0x13, mask: 0x0012_0089, sid: owner)
            ])
        ).encoded()
        let report = try SecurityDescriptorCommand(system: system).run(path: "/mnt/s/f")
        #expect(
            report.lines == [
                "Revision: 1", "Control: 0x00009004 (SR,PD,DP)", "Owner: S-1-5-21-1-2-3-1000", "Group: S-1-22-2-0",
                "DACL:",
                "Type: 0x00000000 (ALLOWED), Flags: 0x00000013 (INHERITED,CONTAINER_INHERIT,OBJECT_INHERIT), Mask: 0x00120089 (READ_DATA,READ_EA,READ_ATTRIBUTES,READ_CONTROL,SYNCHRONIZE), SID: S-1-5-21-1-2-3-1000",
            ])
    }

    @Test func quotaSendsTheSmbinfoInputAndPrintsEntries() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        system.queryReplies["4/0"] = QuotaEntry.encode([
            QuotaEntry(
                changeTime: NTTime(rawValue: NTTime.unixEpoch), used: 4096, threshold: .max, limit: 1 << 30,
                sid: SecurityIdentifier(authority: 5, subAuthorities: [32, 544]))
        ])
        let report = try QuotaCommand(system: system).run(path: "/mnt/s/f")
        #expect(system.trace.contains("ioctl 0xC018CF07 /mnt/s/f [16408]"))
        #expect(
            report.lines == [
                "SID Length: 16", "Change Time: 1970-01-01T00:00:00Z", "Quota Used: 4096",
                "Quota Threshold: NO THRESHOLD",
                "Quota Limit: 1073741824", "SID: S-1-5-32-544",
            ])
        #expect(report.json.rendered().contains("\"threshold\":null,\"limit\":1073741824"))
    }
}

@Suite("JSON and helpers")
struct IoctlHelperTests {
    @Test func jsonEscapesAndOrdersKeys() {
        let value: JSONValue = .object([
            ("b", .string("quote \" backslash \\ newline \n tab \t bell \u{07} ü")),
            ("a", .array([.int(-1), .uint(2), .bool(true), .null])),
            ("d", .double(.infinity)), ("c", .double(1.5)),
        ])
        #expect(
            value.rendered()
                == #"{"b":"quote \" backslash \\ newline \n tab \t bell \u0007 ü","a":[-1,2,true,null],"d":null,"c":1.5}"#
        )
    }

    @Test func parentDirectories() {
        #expect(parentDirectory(of: "/mnt/s/file") == "/mnt/s")
        #expect(parentDirectory(of: "/file") == "/")
        #expect(parentDirectory(of: "file") == ".")
        #expect(parentDirectory(of: "dir/sub/") == "dir")
    }

    @Test func sizesAndFixedDecimals() {
        #expect(ByteFormat.size(5000) == "4.9 KiB")
        #expect(ByteFormat.size(268_435_456) == "256.0 MiB")
        #expect(ByteFormat.size(12) == "12 B")
        #expect(ByteFormat.fixed(2.0421, 3) == "2.042")
        #expect(ByteFormat.fixed(2, 1) == "2.0")
    }
}
