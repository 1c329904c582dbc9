import SMB3Errors
import SMB3Protocol
import Testing

@testable import IoctlKit

/// Every report smb3-ioctl prints, text and `--json`, on sample values that reach each branch
/// (flags with and without names, nil optionals, unknown codes). The goldens were captured before
/// the reports became Encodable types, so the conversion is proven byte for byte.
@Suite("report goldens")
struct IoctlReportGoldenTests {
    static let time = NTTime(rawValue: 134_400_921_678_627_164)
    static let basic = FileBasicInformation(
        creationTime: time, lastAccessTime: NTTime(rawValue: NTTime.unixEpoch), lastWriteTime: time,
        changeTime: time, attributes: 0x20)
    static let standard = FileStandardInformation(
        allocationSize: 4096, endOfFile: 6, numberOfLinks: 2, deletePending: 2, directory: 0)
    static let user = SecurityIdentifier(authority: 5, subAuthorities: [21, 1, 2, 3, 1000])

    static func query(_ infoClass: FileInfoClass, _ bytes: [UInt8], isDirectory: Bool = false) throws -> IoctlReport {
        try QueryCommand.decode(infoClass, bytes[...], isDirectory: isDirectory)
    }

    static func u32(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }
    static func u64(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.littleEndian, Array.init) }

    /// The reports, by a name that says which command and branch.
    static func reports() throws -> [(String, IoctlReport)] {
        var reports: [(String, IoctlReport)] = []
        reports.append(("query file-basic", try query(.fileBasic, basic.encoded())))
        reports.append(("query file-standard", try query(.fileStandard, standard.encoded())))
        reports.append(("query file-internal", try query(.fileInternal, u64(10))))
        reports.append(("query file-ea", try query(.fileEA, u32(0))))
        reports.append(("query file-access file", try query(.fileAccess, u32(0x0012_0089))))
        reports.append(("query file-access directory", try query(.fileAccess, u32(0x0012_00A9), isDirectory: true)))
        reports.append(("query file-access unnamed", try query(.fileAccess, u32(0))))
        reports.append(("query file-position", try query(.filePosition, u64(1 << 40))))
        reports.append(("query file-mode", try query(.fileMode, u32(0x2))))
        reports.append(("query file-alignment known", try query(.fileAlignment, u32(1))))
        reports.append(("query file-alignment unknown", try query(.fileAlignment, u32(0x77))))
        reports.append(
            (
                "query fs-full-size",
                try query(
                    .fsFullSize,
                    FileFsFullSizeInformation(
                        totalAllocationUnits: 1_010_584, callerAvailableAllocationUnits: 715_668,
                        actualAvailableAllocationUnits: 715_669, sectorsPerAllocationUnit: 2, bytesPerSector: 512
                    ).encoded())
            ))
        reports.append(
            (
                "query file-compression known",
                try query(
                    .fileCompression,
                    FileCompressionInformation(
                        compressedFileSize: 300, compressionFormat: 2, compressionUnitShift: 16, chunkShift: 12,
                        clusterShift: 9
                    ).encoded())
            ))
        reports.append(
            (
                "query file-compression unknown",
                try query(
                    .fileCompression,
                    FileCompressionInformation(
                        compressedFileSize: 0, compressionFormat: 0x99, compressionUnitShift: 0, chunkShift: 0,
                        clusterShift: 0
                    ).encoded())
            ))
        reports.append(
            (
                "query file-stream",
                try query(
                    .fileStream,
                    FileStreamInformation(streams: [
                        .init(name: "::$DATA", size: 6, allocationSize: 4096),
                        .init(name: ":zone \"id\":$DATA", size: 26, allocationSize: 0),
                    ]).encoded())
            ))
        reports.append(("query file-stream empty", try query(.fileStream, [])))
        reports.append(
            (
                "query file-all",
                try query(
                    .fileAll,
                    FileAllInformation(
                        basic: basic, standard: standard, indexNumber: 77, eaSize: 8, accessFlags: 0x001F_01FF,
                        currentByteOffset: 5, mode: 0x10, alignmentRequirement: 0x3ff, name: "\\dir\\ü.txt"
                    ).encoded(), isDirectory: true)
            ))

        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        system.files["/mnt/s"]?.treeID = 0x95F2_4738
        system.files["/mnt/s"]?.sessionID = 0x47F7_2376
        var mountInfo = CIFSMountInfo(
            protocolID: 0x0302, maximumBytesPerChunk: 1 << 20, fileSystemAttributes: 0x0801_006F)
        mountInfo.treeConnectFlags = 0x4
        mountInfo.volumeSerialNumber = 0xDEAD_BEEF
        mountInfo.shareCapabilities = 0x8
        mountInfo.shareFlags = 0x830
        mountInfo.sectorFlags = 0x3
        mountInfo.optimalSectorSize = 4096
        mountInfo.maximumPathComponentLength = 255
        mountInfo.deviceType = 0x7
        mountInfo.deviceCharacteristics = 0x20
        mountInfo.maximalAccess = 0x001F_01FF
        mountInfo.posixCapabilities = 0x1F
        system.mountInfo = mountInfo
        reports.append(("info", try MountInfoCommand(system: system).run(path: "/mnt/s")))

        let times = [
            try #require(NTTime(gmtToken: "@GMT-2024.01.01-10.00.00")),
            try #require(NTTime(gmtToken: "@GMT-2024.02.01-11.30.00")),
        ]
        let full = SnapshotArray(numberOfSnapshots: 3, numberOfSnapshotsReturned: 2, arraySize: 102, snapshots: times)
        system.snapshotReplies = [Array(full.encoded().prefix(12)), full.encoded()]
        reports.append(("snapshots", try SnapshotsCommand(system: system).run(path: "/mnt/s")))
        system.snapshotReplies = [
            SnapshotArray(
                numberOfSnapshots: 0, numberOfSnapshotsReturned: 0, arraySize: 0, snapshots: []
            ).encoded()
        ]
        reports.append(("snapshots none", try SnapshotsCommand(system: system).run(path: "/mnt/s")))

        system.queryReplies["4/0"] = QuotaEntry.encode([
            QuotaEntry(
                changeTime: NTTime(rawValue: NTTime.unixEpoch), used: 4096, threshold: .max, limit: 1 << 30,
                sid: SecurityIdentifier(authority: 5, subAuthorities: [32, 544])),
            QuotaEntry(changeTime: time, used: 0, threshold: 512, limit: .max, sid: user),
        ])
        reports.append(("quota", try QuotaCommand(system: system).run(path: "/mnt/s/f")))

        system.queryReplies["3/0"] = SecurityDescriptor(
            control: 0x9004, owner: user, group: SecurityIdentifier(authority: 22, subAuthorities: [2, 0]),
            dacl: AccessControlList(entries: [
                AccessControlEntry(kind: .accessAllowed, flags: 0x13, mask: 0x0012_0089, sid: user),
                AccessControlEntry(kind: .accessDenied, flags: 0, mask: 0, sid: user),
                AccessControlEntry(
                    kind: AccessControlEntry.Kind(rawValue: 0x11), flags: 0x40, rawBody: [1, 0xAB, 0, 7]),
            ])
        ).encoded()
        reports.append(("secdesc file", try SecurityDescriptorCommand(system: system).run(path: "/mnt/s/f")))
        system.queryReplies["3/0"] = SecurityDescriptor(control: 0x8000, owner: nil, group: nil, dacl: nil).encoded()
        reports.append(("secdesc no owner or DACL", try SecurityDescriptorCommand(system: system).run(path: "/mnt/s")))
        system.queryReplies["3/0"] = SecurityDescriptor(
            control: 0x8004, owner: user, group: nil,
            dacl: AccessControlList(entries: [
                AccessControlEntry(kind: .accessAllowed, flags: 0x3, mask: 0x0012_00A9, sid: user)
            ])
        ).encoded()
        reports.append(("secdesc directory", try SecurityDescriptorCommand(system: system).run(path: "/mnt/s")))
        system.queryReplies["3/0"] = SecurityDescriptor(
            control: 0x8004, owner: nil, group: user, dacl: AccessControlList(entries: [])
        ).encoded()
        reports.append(("secdesc empty DACL", try SecurityDescriptorCommand(system: system).run(path: "/mnt/s")))

        system.bufferReplies[.dumpFullKey] = [
            CIFSFullKeyDebugInfo(
                sessionID: 0x0123_4567_89AB_CDEF, cipher: 4, sessionKey: Secret([UInt8](0..<16)),
                serverInKey: Secret([UInt8](16..<48)), serverOutKey: Secret([UInt8](48..<80))
            ).encoded(),
            CIFSFullKeyDebugInfo(
                sessionID: 5, cipher: 9, sessionKey: Secret([UInt8](repeating: 0xAA, count: 16)),
                serverInKey: Secret([UInt8](repeating: 0x11, count: 16)),
                serverOutKey: Secret([UInt8](repeating: 0x22, count: 16))
            ).encoded(),
        ]
        reports.append(("keys full", try KeysCommand(system: system).run(path: "/mnt/s/f", sessionID: nil)))
        reports.append(
            ("keys full unknown cipher", try KeysCommand(system: system).run(path: "/mnt/s/f", sessionID: 5)))
        system.bufferReplies[.dumpKey] = [
            CIFSKeyDebugInfo(
                sessionID: 0xFE, cipher: 1, sessionKey: Secret([UInt8](repeating: 1, count: 16)),
                encryptionKey: Secret([UInt8](repeating: 2, count: 16)),
                decryptionKey: Secret([UInt8](repeating: 0xF3, count: 16))
            ).encoded()
        ]
        reports.append(("keys legacy", try KeysCommand(system: system).run(path: "/mnt/s/f", sessionID: nil)))

        let records = CIFSNotifyRecord.encode([
            .init(action: .added, fileName: "new \"1\".txt"), .init(action: .removed, fileName: "old.txt"),
            .init(action: .init(rawValue: 42), fileName: "odd"),
        ])
        var reply = [UInt8](repeating: 0, count: 9) + records
        withUnsafeBytes(of: UInt32(records.count)) { raw in for (i, b) in raw.enumerated() { reply[5 + i] = b } }
        system.bufferReplies[.notifyInfo] = [reply, [UInt8](repeating: 0, count: 9)]
        var notified: [IoctlReport] = []
        try NotifyCommand(system: system).run(path: "/mnt/s", filter: .all, watchTree: false, limit: 2) {
            notified.append($0)
        }
        for (index, report) in notified.enumerated() { reports.append(("notify \(index)", report)) }

        let control = FileControlCommands(system: system)
        system.bufferReplies[.shutdown] = [[1, 0, 0, 0], [2, 0, 0, 0]]
        reports.append(("shutdown flush", try control.shutdown(path: "/mnt/s", flush: true)))
        reports.append(("shutdown noflush", try control.shutdown(path: "/mnt/s", flush: false)))
        system.bufferReplies[.getFlags] = [[4, 0, 0, 0, 0, 0, 0, 0], [0x10, 0, 0, 0, 0, 0, 0, 0]]
        reports.append(("compression get compressed", try control.compression(path: "/mnt/s/f")))
        reports.append(("compression get plain", try control.compression(path: "/mnt/s/f")))
        system.bufferReplies[.setFlags] = [[4, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]
        reports.append(("compression set on", try control.setCompression(path: "/mnt/s/f", enabled: true)))
        reports.append(("compression set off", try control.setCompression(path: "/mnt/s/f", enabled: false)))
        system.queryReplies["\(0x9003c)/0"] = [UInt8](0..<40) + Array("Hi~\u{7f}".utf8)
        reports.append(
            ("fsctl", try control.fsctl(path: "/mnt/s/f", code: 0x9003C, input: [], outputSize: 64)))
        system.queryReplies["\(0x90000)/0"] = []
        reports.append(("fsctl empty", try control.fsctl(path: "/mnt/s/f", code: 0x90000, input: [], outputSize: 0)))

        let io = UnbufferedIO(system: system)
        reports.append(("write", try io.write(path: "/mnt/s/d", size: 10_000, blockSize: 4096)))
        reports.append(("read", try io.read(path: "/mnt/s/d", blockSize: 8192)))
        reports.append(("cp-unbuffered", try io.copy(source: "/mnt/s/d", destination: "/mnt/s/e", blockSize: 4096)))

        reports.append(
            (
                "copy server-side",
                CopyOutcome(
                    bytes: 5000, nanoseconds: 2_000_000_000, method: .copyChunkIoctl, sourceSessionID: 0x1111,
                    destinationSessionID: 0x1111
                ).report
            ))
        reports.append(
            (
                "copy fallback",
                CopyOutcome(
                    bytes: 3 << 30, nanoseconds: 0, method: .clientSide, fallbackReason: "/tmp/x is not on a cifs mount"
                ).report
            ))
        return reports
    }

    /// name: (JSON, text lines), as printed at 0744821.
    static let goldens: [String: (json: String, lines: [String])] = [
        "query file-basic": (
            ##"{"creationTime":{"nt":134400921678627164,"utc":"2026-11-25T14:56:07.8627164Z"},"lastAccessTime":{"nt":116444736000000000,"utc":"1970-01-01T00:00:00Z"},"lastWriteTime":{"nt":134400921678627164,"utc":"2026-11-25T14:56:07.8627164Z"},"changeTime":{"nt":134400921678627164,"utc":"2026-11-25T14:56:07.8627164Z"},"attributes":{"value":32,"names":["ARCHIVE"]}}"##,
            [
                ##"Creation Time: 2026-11-25T14:56:07.8627164Z"##,
                ##"Last Access Time: 1970-01-01T00:00:00Z"##,
                ##"Last Write Time: 2026-11-25T14:56:07.8627164Z"##,
                ##"Last Change Time: 2026-11-25T14:56:07.8627164Z"##,
                ##"File Attributes: 0x00000020 (ARCHIVE)"##,
            ]
        ),
        "query file-standard": (
            ##"{"allocationSize":4096,"endOfFile":6,"numberOfLinks":2,"deletePending":true,"directory":false}"##,
            [
                ##"Allocation Size: 4096"##,
                ##"End Of File: 6"##,
                ##"Number of Links: 2"##,
                ##"Delete Pending: 2"##,
                ##"Delete Directory: 0"##,
            ]
        ),
        "query file-internal": (
            ##"{"indexNumber":10}"##,
            [
                ##"Index Number: 10"##
            ]
        ),
        "query file-ea": (
            ##"{"eaSize":0}"##,
            [
                ##"EA Size: 0"##
            ]
        ),
        "query file-access file": (
            ##"{"accessFlags":{"value":1179785,"names":["READ_DATA","READ_EA","READ_ATTRIBUTES","READ_CONTROL","SYNCHRONIZE"]},"directory":false}"##,
            [
                ##"File/Printer access flags: 0x00120089 (READ_DATA,READ_EA,READ_ATTRIBUTES,READ_CONTROL,SYNCHRONIZE)"##
            ]
        ),
        "query file-access directory": (
            ##"{"accessFlags":{"value":1179817,"names":["LIST_DIRECTORY","READ_EA","TRAVERSE","READ_ATTRIBUTES","READ_CONTROL","SYNCHRONIZE"]},"directory":true}"##,
            [
                ##"Directory access flags: 0x001200a9 (LIST_DIRECTORY,READ_EA,TRAVERSE,READ_ATTRIBUTES,READ_CONTROL,SYNCHRONIZE)"##
            ]
        ),
        "query file-access unnamed": (
            ##"{"accessFlags":{"value":0,"names":[]},"directory":false}"##,
            [
                ##"File/Printer access flags: 0x00000000"##
            ]
        ),
        "query file-position": (
            ##"{"currentByteOffset":1099511627776}"##,
            [
                ##"Current Byte Offset: 1099511627776"##
            ]
        ),
        "query file-mode": (
            ##"{"mode":{"value":2,"names":["WRITE_THROUGH"]}}"##,
            [
                ##"Mode: 0x00000002 (WRITE_THROUGH)"##
            ]
        ),
        "query file-alignment known": (
            ##"{"alignmentRequirement":1,"name":"WORD_ALIGNMENT"}"##,
            [
                ##"File alignment: 0x00000001 (WORD_ALIGNMENT)"##
            ]
        ),
        "query file-alignment unknown": (
            ##"{"alignmentRequirement":119,"name":null}"##,
            [
                ##"File alignment: 0x00000077 (Unknown)"##
            ]
        ),
        "query fs-full-size": (
            ##"{"totalAllocationUnits":1010584,"callerAvailableAllocationUnits":715668,"actualAvailableAllocationUnits":715669,"sectorsPerAllocationUnit":2,"bytesPerSector":512}"##,
            [
                ##"Total Allocation Units: 1010584"##,
                ##"Caller Available Allocation Units: 715668"##,
                ##"Actual Available Allocation Units: 715669"##,
                ##"Sectors Per Allocation Unit: 2"##,
                ##"Bytes Per Sector: 512"##,
            ]
        ),
        "query file-compression known": (
            ##"{"compressedFileSize":300,"compressionFormat":{"value":2,"name":"LZNT1"},"compressionUnitShift":16,"chunkShift":12,"clusterShift":9}"##,
            [
                ##"Compressed File Size: 300"##,
                ##"Compression Format: 2 (LZNT1)"##,
                ##"Compression Unit Shift: 16"##,
                ##"Chunk Shift: 12"##,
                ##"Cluster Shift: 9"##,
            ]
        ),
        "query file-compression unknown": (
            ##"{"compressedFileSize":0,"compressionFormat":{"value":153,"name":"UNKNOWN"},"compressionUnitShift":0,"chunkShift":0,"clusterShift":0}"##,
            [
                ##"Compressed File Size: 0"##,
                ##"Compression Format: 153 (UNKNOWN)"##,
                ##"Compression Unit Shift: 0"##,
                ##"Chunk Shift: 0"##,
                ##"Cluster Shift: 0"##,
            ]
        ),
        "query file-stream": (
            ##"{"streams":[{"name":"::$DATA","displayName":"::$DATA","size":6,"allocationSize":4096},{"name":":zone \"id\":$DATA","displayName":"zone \"id\"","size":26,"allocationSize":0}]}"##,
            [
                ##"Name: ::$DATA"##,
                ##"Size: 6 bytes"##,
                ##"Allocation size: 4096 bytes"##,
                ##""##,
                ##"Name: zone "id""##,
                ##"Size: 26 bytes"##,
                ##"Allocation size: 0 bytes"##,
            ]
        ),
        "query file-stream empty": (
            ##"{"streams":[]}"##,
            []
        ),
        "query file-all": (
            ##"{"basic":{"creationTime":{"nt":134400921678627164,"utc":"2026-11-25T14:56:07.8627164Z"},"lastAccessTime":{"nt":116444736000000000,"utc":"1970-01-01T00:00:00Z"},"lastWriteTime":{"nt":134400921678627164,"utc":"2026-11-25T14:56:07.8627164Z"},"changeTime":{"nt":134400921678627164,"utc":"2026-11-25T14:56:07.8627164Z"},"attributes":{"value":32,"names":["ARCHIVE"]}},"standard":{"allocationSize":4096,"endOfFile":6,"numberOfLinks":2,"deletePending":true,"directory":false},"internal":{"indexNumber":77},"ea":{"eaSize":8},"access":{"accessFlags":{"value":2032127,"names":["LIST_DIRECTORY","ADD_FILE","ADD_SUBDIRECTORY","READ_EA","WRITE_EA","TRAVERSE","DELETE_CHILD","READ_ATTRIBUTES","WRITE_ATTRIBUTES","DELETE","READ_CONTROL","WRITE_DAC","WRITE_OWNER","SYNCHRONIZE"]},"directory":true},"position":{"currentByteOffset":5},"mode":{"mode":{"value":16,"names":["SYNCHRONOUS_IO_ALERT"]}},"alignment":{"alignmentRequirement":1023,"name":null},"name":"\\dir\\ü.txt"}"##,
            [
                ##"Creation Time: 2026-11-25T14:56:07.8627164Z"##,
                ##"Last Access Time: 1970-01-01T00:00:00Z"##,
                ##"Last Write Time: 2026-11-25T14:56:07.8627164Z"##,
                ##"Last Change Time: 2026-11-25T14:56:07.8627164Z"##,
                ##"File Attributes: 0x00000020 (ARCHIVE)"##,
                ##"Allocation Size: 4096"##,
                ##"End Of File: 6"##,
                ##"Number of Links: 2"##,
                ##"Delete Pending: 2"##,
                ##"Delete Directory: 0"##,
                ##"Index Number: 77"##,
                ##"EA Size: 8"##,
                ##"Directory access flags: 0x001f01ff (LIST_DIRECTORY,ADD_FILE,ADD_SUBDIRECTORY,READ_EA,WRITE_EA,TRAVERSE,DELETE_CHILD,READ_ATTRIBUTES,WRITE_ATTRIBUTES,DELETE,READ_CONTROL,WRITE_DAC,WRITE_OWNER,SYNCHRONIZE)"##,
                ##"Current Byte Offset: 5"##,
                ##"Mode: 0x00000010 (SYNCHRONOUS_IO_ALERT)"##,
                ##"File alignment: 0x000003ff (Unknown)"##,
                ##"Name: \dir\ü.txt"##,
            ]
        ),
        "info": (
            ##"{"protocol":{"id":770,"name":"SMB 3.0.2"},"treeId":2515683128,"sessionId":1207378806,"shareCapabilities":{"value":8,"names":["DFS"]},"shareFlags":{"value":2096,"names":["ACCESS_BASED_DIRECTORY_ENUM","0x30"]},"caching":"NO_CACHING","treeConnectFlags":4,"maximalAccess":{"value":2032127,"names":["READ_DATA","WRITE_DATA","APPEND_DATA","READ_EA","WRITE_EA","EXECUTE","DELETE_CHILD","READ_ATTRIBUTES","WRITE_ATTRIBUTES","DELETE","READ_CONTROL","WRITE_DAC","WRITE_OWNER","SYNCHRONIZE"]},"fileSystemAttributes":{"value":134283375,"names":["CASE_SENSITIVE_SEARCH","CASE_PRESERVED_NAMES","UNICODE_ON_DISK","PERSISTENT_ACLS","VOLUME_QUOTAS","SUPPORTS_SPARSE_FILES","SUPPORTS_OBJECT_IDS","SUPPORTS_BLOCK_REFCOUNTING"]},"reflinkSupported":true,"maxPathComponent":255,"sectorFlags":{"value":3,"names":["ALIGNED_DEVICE","PARTITION_ALIGNED_ON_DEVICE"]},"optimalSectorSize":4096,"maxBytesChunk":1048576,"volumeSerialNumber":3735928559,"deviceType":7,"deviceCharacteristics":{"value":32,"names":["DEVICE_IS_MOUNTED"]},"posixCapabilities":31,"cacheMode":"strict"}"##,
            [
                ##"Protocol: SMB 3.0.2 (0x302)"##,
                ##"Tree id: 0x95f24738"##,
                ##"Session id: 0x47f72376"##,
                ##"Share capabilities: 0x00000008 (DFS)"##,
                ##"Share flags: 0x00000830 (ACCESS_BASED_DIRECTORY_ENUM,0x30), caching NO_CACHING"##,
                ##"Tree connect flags: 0x4"##,
                ##"Maximal access: 0x001f01ff (READ_DATA,WRITE_DATA,APPEND_DATA,READ_EA,WRITE_EA,EXECUTE,DELETE_CHILD,READ_ATTRIBUTES,WRITE_ATTRIBUTES,DELETE,READ_CONTROL,WRITE_DAC,WRITE_OWNER,SYNCHRONIZE)"##,
                ##"Filesystem attributes: 0x0801006f (CASE_SENSITIVE_SEARCH,CASE_PRESERVED_NAMES,UNICODE_ON_DISK,PERSISTENT_ACLS,VOLUME_QUOTAS,SUPPORTS_SPARSE_FILES,SUPPORTS_OBJECT_IDS,SUPPORTS_BLOCK_REFCOUNTING)"##,
                ##"Reflink (duplicate extents): advertised (SUPPORTS_BLOCK_REFCOUNTING; ksmbd advertises it on every share, copy --reflink checks that extents are shared)"##,
                ##"Max path component: 255"##,
                ##"Sector flags: 0x00000003 (ALIGNED_DEVICE,PARTITION_ALIGNED_ON_DEVICE)"##,
                ##"Optimal sector size: 4096"##,
                ##"Copy chunk size: 1048576 bytes"##,
                ##"Volume serial number: 0xdeadbeef"##,
                ##"Device type: 0x00000007 (DISK)"##,
                ##"Device characteristics: 0x00000020 (DEVICE_IS_MOUNTED)"##,
                ##"POSIX capabilities: 0x1f"##,
                ##"Cache mode: strict"##,
            ]
        ),
        "snapshots": (
            ##"{"numberOfSnapshots":3,"numberOfSnapshotsReturned":2,"snapshots":[{"gmt":"@GMT-2024.01.01-10.00.00","utc":"2024-01-01T10:00:00Z","snapshotMountOption":133485768000000000},{"gmt":"@GMT-2024.02.01-11.30.00","utc":"2024-02-01T11:30:00Z","snapshotMountOption":133512606000000000}]}"##,
            [
                ##"Number of snapshots: 3 Number of snapshots returned: 2"##,
                ##"Snapshot list in GMT (Coordinated UTC Time) and SMB format (100 nanosecond units needed for snapshot mounts):"##,
                ##"1) GMT:@GMT-2024.01.01-10.00.00"##,
                ##"   SMB3:133485768000000000"##,
                ##"2) GMT:@GMT-2024.02.01-11.30.00"##,
                ##"   SMB3:133512606000000000"##,
            ]
        ),
        "snapshots none": (
            ##"{"numberOfSnapshots":0,"numberOfSnapshotsReturned":0,"snapshots":[]}"##,
            [
                ##"Number of snapshots: 0 Number of snapshots returned: 0"##
            ]
        ),
        "quota": (
            ##"{"entries":[{"sid":"S-1-5-32-544","changeTime":{"nt":116444736000000000,"utc":"1970-01-01T00:00:00Z"},"used":4096,"threshold":null,"limit":1073741824},{"sid":"S-1-5-21-1-2-3-1000","changeTime":{"nt":134400921678627164,"utc":"2026-11-25T14:56:07.8627164Z"},"used":0,"threshold":512,"limit":null}]}"##,
            [
                ##"SID Length: 16"##,
                ##"Change Time: 1970-01-01T00:00:00Z"##,
                ##"Quota Used: 4096"##,
                ##"Quota Threshold: NO THRESHOLD"##,
                ##"Quota Limit: 1073741824"##,
                ##"SID: S-1-5-32-544"##,
                ##"SID Length: 28"##,
                ##"Change Time: 2026-11-25T14:56:07.8627164Z"##,
                ##"Quota Used: 0"##,
                ##"Quota Threshold: 512"##,
                ##"Quota Limit: NO LIMIT"##,
                ##"SID: S-1-5-21-1-2-3-1000"##,
            ]
        ),
        "secdesc file": (
            ##"{"revision":1,"control":{"value":36868,"names":["SR","PD","DP"]},"owner":"S-1-5-21-1-2-3-1000","group":"S-1-22-2-0","dacl":[{"type":{"value":0,"name":"ALLOWED"},"flags":{"value":19,"names":["INHERITED","CONTAINER_INHERIT","OBJECT_INHERIT"]},"mask":{"value":1179785,"names":["READ_DATA","READ_EA","READ_ATTRIBUTES","READ_CONTROL","SYNCHRONIZE"]},"sid":"S-1-5-21-1-2-3-1000"},{"type":{"value":1,"name":"DENIED"},"flags":{"value":0,"names":[]},"mask":{"value":0,"names":[]},"sid":"S-1-5-21-1-2-3-1000"},{"type":{"value":17,"name":"MANDATORY_LABEL"},"flags":{"value":64,"names":["SUCCESSFUL_ACCESS"]},"body":"01ab0007"}]}"##,
            [
                ##"Revision: 1"##,
                ##"Control: 0x00009004 (SR,PD,DP)"##,
                ##"Owner: S-1-5-21-1-2-3-1000"##,
                ##"Group: S-1-22-2-0"##,
                ##"DACL:"##,
                ##"Type: 0x00000000 (ALLOWED), Flags: 0x00000013 (INHERITED,CONTAINER_INHERIT,OBJECT_INHERIT), Mask: 0x00120089 (READ_DATA,READ_EA,READ_ATTRIBUTES,READ_CONTROL,SYNCHRONIZE), SID: S-1-5-21-1-2-3-1000"##,
                ##"Type: 0x00000001 (DENIED), Flags: 0x00000000, Mask: 0x00000000, SID: S-1-5-21-1-2-3-1000"##,
                ##"Type: 0x00000011 (MANDATORY_LABEL), Flags: 0x00000040 (SUCCESSFUL_ACCESS), <01 ab 00 07>"##,
            ]
        ),
        "secdesc no owner or DACL": (
            ##"{"revision":1,"control":{"value":32768,"names":["SR"]},"owner":null,"group":null,"dacl":null}"##,
            [
                ##"Revision: 1"##,
                ##"Control: 0x00008000 (SR)"##,
            ]
        ),
        "secdesc directory": (
            ##"{"revision":1,"control":{"value":32772,"names":["SR","DP"]},"owner":"S-1-5-21-1-2-3-1000","group":null,"dacl":[{"type":{"value":0,"name":"ALLOWED"},"flags":{"value":3,"names":["CONTAINER_INHERIT","OBJECT_INHERIT"]},"mask":{"value":1179817,"names":["LIST_DIRECTORY","READ_EA","TRAVERSE","READ_ATTRIBUTES","READ_CONTROL","SYNCHRONIZE"]},"sid":"S-1-5-21-1-2-3-1000"}]}"##,
            [
                ##"Revision: 1"##,
                ##"Control: 0x00008004 (SR,DP)"##,
                ##"Owner: S-1-5-21-1-2-3-1000"##,
                ##"DACL:"##,
                ##"Type: 0x00000000 (ALLOWED), Flags: 0x00000003 (CONTAINER_INHERIT,OBJECT_INHERIT), Mask: 0x001200a9 (LIST_DIRECTORY,READ_EA,TRAVERSE,READ_ATTRIBUTES,READ_CONTROL,SYNCHRONIZE), SID: S-1-5-21-1-2-3-1000"##,
            ]
        ),
        "secdesc empty DACL": (
            ##"{"revision":1,"control":{"value":32772,"names":["SR","DP"]},"owner":null,"group":"S-1-5-21-1-2-3-1000","dacl":[]}"##,
            [
                ##"Revision: 1"##,
                ##"Control: 0x00008004 (SR,DP)"##,
                ##"Group: S-1-5-21-1-2-3-1000"##,
                ##"DACL:"##,
            ]
        ),
        "keys full": (
            ##"{"sessionId":81985529216486895,"cipher":4,"cipherName":"AES-256-GCM","sessionKey":"000102030405060708090a0b0c0d0e0f","serverInKey":"101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f","serverOutKey":"303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f","wireshark":"\"efcdab8967452301\",\"000102030405060708090a0b0c0d0e0f\",\"303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f\",\"101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\"","full":true}"##,
            [
                ##"Session Id: ef cd ab 89 67 45 23 01 (0x123456789abcdef)"##,
                ##"Cipher: AES-256-GCM (0x4)"##,
                ##"Session Key: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"##,
                ##"ServerIn  Key: 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f"##,
                ##"ServerOut key: 30 31 32 33 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f 40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f"##,
                ##"Wireshark smb2.seskeys: "efcdab8967452301","000102030405060708090a0b0c0d0e0f","303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f","101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f""##,
            ]
        ),
        "keys full unknown cipher": (
            ##"{"sessionId":5,"cipher":9,"cipherName":"UNKNOWN","sessionKey":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","serverInKey":"11111111111111111111111111111111","serverOutKey":"22222222222222222222222222222222","wireshark":"\"0500000000000000\",\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"22222222222222222222222222222222\",\"11111111111111111111111111111111\"","full":true}"##,
            [
                ##"Session Id: 05 00 00 00 00 00 00 00 (0x5)"##,
                ##"Cipher: UNKNOWN (0x9)"##,
                ##"Session Key: aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa aa"##,
                ##"ServerIn  Key: 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11 11"##,
                ##"ServerOut key: 22 22 22 22 22 22 22 22 22 22 22 22 22 22 22 22"##,
                ##"Wireshark smb2.seskeys: "0500000000000000","aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","22222222222222222222222222222222","11111111111111111111111111111111""##,
            ]
        ),
        "keys legacy": (
            ##"{"sessionId":254,"cipher":1,"cipherName":"AES-128-CCM","sessionKey":"01010101010101010101010101010101","serverInKey":"02020202020202020202020202020202","serverOutKey":"f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3","wireshark":"\"fe00000000000000\",\"01010101010101010101010101010101\",\"f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3\",\"02020202020202020202020202020202\"","full":false}"##,
            [
                ##"Session Id: fe 00 00 00 00 00 00 00 (0xfe)"##,
                ##"Cipher: AES-128-CCM (0x1)"##,
                ##"Session Key: 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01"##,
                ##"Encryption key: 02 02 02 02 02 02 02 02 02 02 02 02 02 02 02 02"##,
                ##"Decryption key: f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3 f3"##,
                ##"Wireshark smb2.seskeys: "fe00000000000000","01010101010101010101010101010101","f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3f3","02020202020202020202020202020202""##,
                ##"(legacy CIFS_DUMP_KEY: keys are cut to 16 bytes, so AES-256 captures cannot be decrypted with them)"##,
            ]
        ),
        "notify 0": (
            ##"{"action":"added","actionCode":1,"name":"new \"1\".txt"}"##,
            [
                ##"added: new "1".txt"##
            ]
        ),
        "notify 1": (
            ##"{"action":"removed","actionCode":2,"name":"old.txt"}"##,
            [
                ##"removed: old.txt"##
            ]
        ),
        "notify 2": (
            ##"{"action":"action-0x2a","actionCode":42,"name":"odd"}"##,
            [
                ##"action-0x2a: odd"##
            ]
        ),
        "notify 3": (
            ##"{"action":"overflow","name":null}"##,
            [
                ##"overflow: the server dropped the details, rescan /mnt/s"##
            ]
        ),
        "shutdown flush": (
            ##"{"shutdown":true,"flush":true}"##,
            [
                ##"shut down the mount holding /mnt/s (after flushing); unmount it next"##
            ]
        ),
        "shutdown noflush": (
            ##"{"shutdown":true,"flush":false}"##,
            [
                ##"shut down the mount holding /mnt/s (without flushing); unmount it next"##
            ]
        ),
        "compression get compressed": (
            ##"{"compressed":true,"flags":4}"##,
            [
                ##"Compressed: yes (inode flags 0x4)"##
            ]
        ),
        "compression get plain": (
            ##"{"compressed":false,"flags":16}"##,
            [
                ##"Compressed: no (inode flags 0x10)"##
            ]
        ),
        "compression set on": (
            ##"{"compressed":true}"##,
            [
                ##"compression enabled on /mnt/s/f"##
            ]
        ),
        "compression set off": (
            ##"{"compressed":false}"##,
            [
                ##"compression disabled on /mnt/s/f"##
            ]
        ),
        "fsctl": (
            ##"{"code":589884,"length":44,"output":"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262748697e7f"}"##,
            [
                ##"FSCTL 0x9003c: 44 bytes"##,
                ##"00000000  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f   ................"##,
                ##"00000010  10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f   ................"##,
                ##"00000020  20 21 22 23 24 25 26 27 48 69 7e 7f                !"#$%&'Hi~."##,
            ]
        ),
        "fsctl empty": (
            ##"{"code":589824,"length":0,"output":""}"##,
            [
                ##"FSCTL 0x90000: 0 bytes"##
            ]
        ),
        "write": (
            ##"{"bytes":10000,"seconds":1e-06,"bytesPerSecond":10000000000.0,"blockSize":4096,"direct":true,"notes":[]}"##,
            [
                ##"wrote 10000 bytes (9.8 KiB) in 0.000 s, 9.3 GiB/s, O_DIRECT, 4.0 KiB blocks"##
            ]
        ),
        "read": (
            ##"{"bytes":10000,"seconds":1e-06,"bytesPerSecond":10000000000.0,"blockSize":8192,"direct":true,"notes":[]}"##,
            [
                ##"read 10000 bytes (9.8 KiB) in 0.000 s, 9.3 GiB/s, O_DIRECT, 8.0 KiB blocks"##
            ]
        ),
        "cp-unbuffered": (
            ##"{"bytes":10000,"seconds":1e-06,"bytesPerSecond":10000000000.0,"blockSize":4096,"direct":true,"notes":[]}"##,
            [
                ##"copied 10000 bytes (9.8 KiB) in 0.000 s, 9.3 GiB/s, O_DIRECT, 4.0 KiB blocks"##
            ]
        ),
        "copy server-side": (
            ##"{"bytes":5000,"seconds":2.0,"bytesPerSecond":2500.0,"method":"copychunk-ioctl","serverSide":true,"fallbackReason":null,"sourceSessionId":4369,"destinationSessionId":4369,"cloneCheck":null}"##,
            [
                ##"copied 5000 bytes (4.9 KiB) in 2.000 s, 2.4 KiB/s, via server-side copy (CIFS_IOC_COPYCHUNK_FILE)"##
            ]
        ),
        "copy fallback": (
            ##"{"bytes":3221225472,"seconds":0.0,"bytesPerSecond":0.0,"method":"client-side","serverSide":false,"fallbackReason":"/tmp/x is not on a cifs mount","sourceSessionId":null,"destinationSessionId":null,"cloneCheck":null}"##,
            [
                ##"fell back to a client-side copy: /tmp/x is not on a cifs mount"##,
                ##"copied 3221225472 bytes (3.0 GiB) in 0.000 s, 0 B/s, via client-side copy (read/write through this machine)"##,
            ]
        ),
    ]

    @Test func everyReportPrintsItsGoldenJSONAndText() throws {
        let reports = try Self.reports()
        #expect(Set(reports.map(\.0)) == Set(Self.goldens.keys))
        for (name, report) in reports {
            let golden = try #require(Self.goldens[name], "\(name)")
            #expect(report.json.rendered() == golden.json, "\(name)")
            #expect(report.lines == golden.lines, "\(name)")
        }
    }

    /// Rendered text does not tell `.int` from `.uint`; before the conversion every integer in these
    /// reports was `.uint`, and a reader of the `JSONValue` may rely on it.
    @Test func everyIntegerStaysUnsigned() throws {
        func signed(_ value: JSONValue, _ path: String) -> [String] {
            switch value {
            case .int: return [path]
            case .array(let elements): return elements.enumerated().flatMap { signed($1, "\(path)[\($0)]") }
            case .object(let members): return members.flatMap { signed($1, "\(path).\($0)") }
            default: return []
            }
        }
        for (name, report) in try Self.reports() {
            #expect(signed(report.json, "").isEmpty, "\(name)")
        }
    }
}

@Suite struct IoctlReportOutputTests {
    @Test func outputIsJSONOrTheLinesOrNothing() {
        let report = IoctlReport(lines: ["a: 1", "b: 2"], json: .object([("a", .int(1))]))
        #expect(report.output(json: true) == #"{"a":1}"#)
        #expect(report.output(json: false) == "a: 1\nb: 2")
        #expect(IoctlReport(lines: [], json: .object([])).output(json: false) == nil)
        #expect(IoctlReport(lines: [], json: .object([])).output(json: true) == "{}")
    }

    @Test func notifyFilterNames() throws {
        #expect(try CIFSNotifyFilter(commandLineNames: []) == .all)
        let first = try #require(CIFSNotifyFilter.names.first)
        #expect(try CIFSNotifyFilter(commandLineNames: [first.0]) == first.1)
        #expect(throws: CIFSNotifyFilter.UnknownName(name: "bogus")) {
            try CIFSNotifyFilter(commandLineNames: [first.0, "bogus"])
        }
    }
}
