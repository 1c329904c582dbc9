import SMB3Protocol

/// `smb3-ioctl query CLASS PATH`: one information class through CIFS_QUERY_INFO, decoded with
/// smbinfo's labels (flag words also by name, times in UTC ISO 8601).
public struct QueryCommand: CIFSFileCommand {
    let files: CIFSFiles

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    public func run(infoClass: FileInfoClass, path: String) throws(IoctlCommandError) -> IoctlReport {
        // A fresh O_RDONLY fd: CIFS_QUERY_INFO opens the path by name, as a directory only when the
        // fd has no cifs handle yet (kernel-interfaces.md §3.2).
        let handle = try files.openOnCIFS(path, .read)
        defer { system.close(handle) }
        let status = try files.status(handle, path)
        let request: CIFSQueryInfo
        do { request = try infoClass.request() } catch { throw IoctlCommandError.failed("\(infoClass.name): \(error)") }
        let reply = try files.queryInfo(handle, request, path, what: infoClass.name)
        do {
            return try Self.decode(infoClass, reply, isDirectory: status.isDirectory)
        } catch {
            throw IoctlCommandError.failed("\(path): \(infoClass.name) reply: \(error)")
        }
    }

    /// Decodes a reply; every class has its own labels, kept identical to smbinfo's.
    static func decode(
        _ infoClass: FileInfoClass, _ reply: ArraySlice<UInt8>, isDirectory: Bool
    ) throws(CIFSABIError) -> IoctlReport {
        IoctlReport(try report(infoClass, reply, isDirectory: isDirectory))
    }

    static func report(
        _ infoClass: FileInfoClass, _ reply: ArraySlice<UInt8>, isDirectory: Bool
    ) throws(CIFSABIError) -> any IoctlReportBody {
        switch infoClass {
        case .fileBasic: return BasicInformationReport(try FileBasicInformation(parsing: reply))
        case .fileStandard: return StandardInformationReport(try FileStandardInformation(parsing: reply))
        case .fileInternal: return IndexNumberReport(indexNumber: try FileInfoScalar.indexNumber(reply))
        case .fileEA: return EASizeReport(eaSize: try FileInfoScalar.eaSize(reply))
        case .fileAccess: return AccessReport(try FileInfoScalar.accessFlags(reply), isDirectory: isDirectory)
        case .filePosition: return PositionReport(currentByteOffset: try FileInfoScalar.currentByteOffset(reply))
        case .fileMode: return ModeReport(mode: FlagWord(try FileInfoScalar.mode(reply), CIFSNames.fileMode))
        case .fileAlignment: return AlignmentReport(try FileInfoScalar.alignmentRequirement(reply))
        case .fsFullSize: return FullSizeReport(try FileFsFullSizeInformation(parsing: reply))
        case .fileCompression: return CompressionInformationReport(try FileCompressionInformation(parsing: reply))
        case .fileStream: return StreamsReport(try FileStreamInformation(parsing: reply))
        case .fileAll: return AllInformationReport(try FileAllInformation(parsing: reply), isDirectory: isDirectory)
        default: throw CIFSABIError(.invalidValue, "no decoder for \(infoClass.name)")
        }
    }
}

/// FileBasicInformation: the four times and the attributes.
struct BasicInformationReport: IoctlReportBody {
    let creationTime: ReportTime
    let lastAccessTime: ReportTime
    let lastWriteTime: ReportTime
    let changeTime: ReportTime
    let attributes: FlagWord

    init(_ info: FileBasicInformation) {
        creationTime = ReportTime(info.creationTime)
        lastAccessTime = ReportTime(info.lastAccessTime)
        lastWriteTime = ReportTime(info.lastWriteTime)
        changeTime = ReportTime(info.changeTime)
        attributes = FlagWord(info.attributes, CIFSNames.fileAttributes)
    }

    var lines: [String] {
        [
            "Creation Time: \(creationTime.utc)", "Last Access Time: \(lastAccessTime.utc)",
            "Last Write Time: \(lastWriteTime.utc)", "Last Change Time: \(changeTime.utc)",
            "File Attributes: \(attributes.text)",
        ]
    }
}

/// FileStandardInformation: sizes, links and the two BOOLEANs.
struct StandardInformationReport: IoctlReportBody {
    let allocationSize: UInt64
    let endOfFile: UInt64
    let numberOfLinks: UInt32
    let deletePending: WireBoolean
    let directory: WireBoolean

    init(_ info: FileStandardInformation) {
        allocationSize = info.allocationSize
        endOfFile = info.endOfFile
        numberOfLinks = info.numberOfLinks
        deletePending = WireBoolean(byte: info.deletePending)
        directory = WireBoolean(byte: info.directory)
    }

    var lines: [String] {
        [
            "Allocation Size: \(allocationSize)", "End Of File: \(endOfFile)", "Number of Links: \(numberOfLinks)",
            "Delete Pending: \(deletePending.byte)", "Delete Directory: \(directory.byte)",
        ]
    }
}

/// FileInternalInformation.
struct IndexNumberReport: IoctlReportBody {
    let indexNumber: UInt64
    var lines: [String] { ["Index Number: \(indexNumber)"] }
}

/// FileEaInformation.
struct EASizeReport: IoctlReportBody {
    let eaSize: UInt32
    var lines: [String] { ["EA Size: \(eaSize)"] }
}

/// FileAccessInformation, named with the directory rights for directories.
struct AccessReport: IoctlReportBody {
    let accessFlags: FlagWord
    let directory: Bool

    init(_ flags: UInt32, isDirectory: Bool) {
        accessFlags = FlagWord(flags, isDirectory ? CIFSNames.directoryAccess : CIFSNames.fileAccess)
        directory = isDirectory
    }

    var lines: [String] {
        ["\(directory ? "Directory access flags" : "File/Printer access flags"): \(accessFlags.text)"]
    }
}

/// FilePositionInformation.
struct PositionReport: IoctlReportBody {
    let currentByteOffset: UInt64
    var lines: [String] { ["Current Byte Offset: \(currentByteOffset)"] }
}

/// FileModeInformation.
struct ModeReport: IoctlReportBody {
    let mode: FlagWord
    var lines: [String] { ["Mode: \(mode.text)"] }
}

/// FileAlignmentInformation: a value with one name, or none for values outside the table.
struct AlignmentReport: IoctlReportBody {
    let alignmentRequirement: UInt32
    let name: String?

    init(_ value: UInt32) {
        alignmentRequirement = value
        name = CIFSNames.alignment.name(ofValue: UInt64(value))
    }

    var lines: [String] { ["File alignment: \(cifsHex32(alignmentRequirement)) (\(name ?? "Unknown"))"] }
}

/// FileFsFullSizeInformation.
struct FullSizeReport: IoctlReportBody {
    let totalAllocationUnits: UInt64
    let callerAvailableAllocationUnits: UInt64
    let actualAvailableAllocationUnits: UInt64
    let sectorsPerAllocationUnit: UInt32
    let bytesPerSector: UInt32

    init(_ info: FileFsFullSizeInformation) {
        totalAllocationUnits = info.totalAllocationUnits
        callerAvailableAllocationUnits = info.callerAvailableAllocationUnits
        actualAvailableAllocationUnits = info.actualAvailableAllocationUnits
        sectorsPerAllocationUnit = info.sectorsPerAllocationUnit
        bytesPerSector = info.bytesPerSector
    }

    var lines: [String] {
        [
            "Total Allocation Units: \(totalAllocationUnits)",
            "Caller Available Allocation Units: \(callerAvailableAllocationUnits)",
            "Actual Available Allocation Units: \(actualAvailableAllocationUnits)",
            "Sectors Per Allocation Unit: \(sectorsPerAllocationUnit)", "Bytes Per Sector: \(bytesPerSector)",
        ]
    }
}

/// FileCompressionInformation.
struct CompressionInformationReport: IoctlReportBody {
    let compressedFileSize: UInt64
    let compressionFormat: NamedCode
    let compressionUnitShift: UInt8
    let chunkShift: UInt8
    let clusterShift: UInt8

    init(_ info: FileCompressionInformation) {
        compressedFileSize = info.compressedFileSize
        compressionFormat = NamedCode(
            value: UInt64(info.compressionFormat),
            name: CIFSNames.compressionFormats.name(ofValue: UInt64(info.compressionFormat)) ?? "UNKNOWN")
        compressionUnitShift = info.compressionUnitShift
        chunkShift = info.chunkShift
        clusterShift = info.clusterShift
    }

    var lines: [String] {
        [
            "Compressed File Size: \(compressedFileSize)",
            "Compression Format: \(compressionFormat.value) (\(compressionFormat.name))",
            "Compression Unit Shift: \(compressionUnitShift)", "Chunk Shift: \(chunkShift)",
            "Cluster Shift: \(clusterShift)",
        ]
    }
}

/// FileStreamInformation: one block of lines per stream, a blank line between blocks.
struct StreamsReport: IoctlReportBody {
    struct Stream: Encodable {
        let name: String
        let displayName: String
        let size: UInt64
        let allocationSize: UInt64
    }

    let streams: [Stream]

    init(_ info: FileStreamInformation) {
        streams = info.streams.map {
            Stream(name: $0.name, displayName: $0.displayName, size: $0.size, allocationSize: $0.allocationSize)
        }
    }

    var lines: [String] {
        streams.enumerated().flatMap { index, stream in
            (index > 0 ? [""] : []) + [
                "Name: \(stream.displayName)", "Size: \(stream.size) bytes",
                "Allocation size: \(stream.allocationSize) bytes",
            ]
        }
    }
}

/// FileAllInformation: the single-class reports in one object, then the name.
struct AllInformationReport: IoctlReportBody {
    let basic: BasicInformationReport
    let standard: StandardInformationReport
    let `internal`: IndexNumberReport
    let ea: EASizeReport
    let access: AccessReport
    let position: PositionReport
    let mode: ModeReport
    let alignment: AlignmentReport
    let name: String

    init(_ info: FileAllInformation, isDirectory: Bool) {
        basic = BasicInformationReport(info.basic)
        standard = StandardInformationReport(info.standard)
        `internal` = IndexNumberReport(indexNumber: info.indexNumber)
        ea = EASizeReport(eaSize: info.eaSize)
        access = AccessReport(info.accessFlags, isDirectory: isDirectory)
        position = PositionReport(currentByteOffset: info.currentByteOffset)
        mode = ModeReport(mode: FlagWord(info.mode, CIFSNames.fileMode))
        alignment = AlignmentReport(info.alignmentRequirement)
        name = info.name
    }

    var lines: [String] {
        let parts: [any IoctlReportBody] = [basic, standard, `internal`, ea, access, position, mode, alignment]
        return parts.flatMap(\.lines) + ["Name: \(name)"]
    }
}
