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

    static func named(_ value: UInt32, _ table: CIFSFlagTable) -> String {
        let names = table.names(of: UInt64(value))
        return names.isEmpty ? cifsHex32(value) : "\(cifsHex32(value)) (\(names.joined(separator: ",")))"
    }

    static func valueNamed(_ value: UInt32, _ table: CIFSFlagTable) -> String {
        "\(cifsHex32(value)) (\(table.name(ofValue: UInt64(value)) ?? "Unknown"))"
    }

    /// Decodes a reply; every class has its own labels, kept identical to smbinfo's.
    static func decode(
        _ infoClass: FileInfoClass, _ reply: ArraySlice<UInt8>, isDirectory: Bool
    ) throws(CIFSABIError) -> IoctlReport {
        switch infoClass {
        case .fileBasic: return basic(try FileBasicInformation(parsing: reply))
        case .fileStandard: return standard(try FileStandardInformation(parsing: reply))
        case .fileInternal: return internalInfo(try FileInfoScalar.indexNumber(reply))
        case .fileEA: return ea(try FileInfoScalar.eaSize(reply))
        case .fileAccess: return access(try FileInfoScalar.accessFlags(reply), isDirectory: isDirectory)
        case .filePosition: return position(try FileInfoScalar.currentByteOffset(reply))
        case .fileMode: return mode(try FileInfoScalar.mode(reply))
        case .fileAlignment: return alignment(try FileInfoScalar.alignmentRequirement(reply))
        case .fsFullSize: return fullSize(try FileFsFullSizeInformation(parsing: reply))
        case .fileCompression: return compression(try FileCompressionInformation(parsing: reply))
        case .fileStream: return streams(try FileStreamInformation(parsing: reply))
        case .fileAll: return all(try FileAllInformation(parsing: reply), isDirectory: isDirectory)
        default: throw CIFSABIError(.invalidValue, "no decoder for \(infoClass.name)")
        }
    }

    static func basic(_ info: FileBasicInformation) -> IoctlReport {
        IoctlReport(
            lines: [
                "Creation Time: \(info.creationTime.iso8601)", "Last Access Time: \(info.lastAccessTime.iso8601)",
                "Last Write Time: \(info.lastWriteTime.iso8601)", "Last Change Time: \(info.changeTime.iso8601)",
                "File Attributes: \(named(info.attributes, CIFSNames.fileAttributes))",
            ],
            json: .object([
                ("creationTime", .time(info.creationTime)), ("lastAccessTime", .time(info.lastAccessTime)),
                ("lastWriteTime", .time(info.lastWriteTime)), ("changeTime", .time(info.changeTime)),
                ("attributes", .flags(info.attributes, CIFSNames.fileAttributes)),
            ]))
    }

    static func standard(_ info: FileStandardInformation) -> IoctlReport {
        IoctlReport(
            lines: [
                "Allocation Size: \(info.allocationSize)", "End Of File: \(info.endOfFile)",
                "Number of Links: \(info.numberOfLinks)", "Delete Pending: \(info.deletePending)",
                "Delete Directory: \(info.directory)",
            ],
            json: .object([
                ("allocationSize", .uint(info.allocationSize)), ("endOfFile", .uint(info.endOfFile)),
                ("numberOfLinks", .uint(UInt64(info.numberOfLinks))), ("deletePending", .bool(info.deletePending != 0)),
                ("directory", .bool(info.directory != 0)),
            ]))
    }

    static func internalInfo(_ index: UInt64) -> IoctlReport {
        IoctlReport(lines: ["Index Number: \(index)"], json: .object([("indexNumber", .uint(index))]))
    }

    static func ea(_ size: UInt32) -> IoctlReport {
        IoctlReport(lines: ["EA Size: \(size)"], json: .object([("eaSize", .uint(UInt64(size)))]))
    }

    static func access(_ flags: UInt32, isDirectory: Bool) -> IoctlReport {
        let table = isDirectory ? CIFSNames.directoryAccess : CIFSNames.fileAccess
        let label = isDirectory ? "Directory access flags" : "File/Printer access flags"
        return IoctlReport(
            lines: ["\(label): \(named(flags, table))"],
            json: .object([("accessFlags", .flags(flags, table)), ("directory", .bool(isDirectory))]))
    }

    static func position(_ offset: UInt64) -> IoctlReport {
        IoctlReport(lines: ["Current Byte Offset: \(offset)"], json: .object([("currentByteOffset", .uint(offset))]))
    }

    static func mode(_ mode: UInt32) -> IoctlReport {
        IoctlReport(
            lines: ["Mode: \(named(mode, CIFSNames.fileMode))"],
            json: .object([("mode", .flags(mode, CIFSNames.fileMode))]))
    }

    static func alignment(_ value: UInt32) -> IoctlReport {
        IoctlReport(
            lines: ["File alignment: \(valueNamed(value, CIFSNames.alignment))"],
            json: .object([
                ("alignmentRequirement", .uint(UInt64(value))),
                ("name", CIFSNames.alignment.name(ofValue: UInt64(value)).map { .string($0) } ?? .null),
            ]))
    }

    static func fullSize(_ info: FileFsFullSizeInformation) -> IoctlReport {
        IoctlReport(
            lines: [
                "Total Allocation Units: \(info.totalAllocationUnits)",
                "Caller Available Allocation Units: \(info.callerAvailableAllocationUnits)",
                "Actual Available Allocation Units: \(info.actualAvailableAllocationUnits)",
                "Sectors Per Allocation Unit: \(info.sectorsPerAllocationUnit)",
                "Bytes Per Sector: \(info.bytesPerSector)",
            ],
            json: .object([
                ("totalAllocationUnits", .uint(info.totalAllocationUnits)),
                ("callerAvailableAllocationUnits", .uint(info.callerAvailableAllocationUnits)),
                ("actualAvailableAllocationUnits", .uint(info.actualAvailableAllocationUnits)),
                ("sectorsPerAllocationUnit", .uint(UInt64(info.sectorsPerAllocationUnit))),
                ("bytesPerSector", .uint(UInt64(info.bytesPerSector))),
            ]))
    }

    static func compression(_ info: FileCompressionInformation) -> IoctlReport {
        let format = CIFSNames.compressionFormats.name(ofValue: UInt64(info.compressionFormat)) ?? "UNKNOWN"
        return IoctlReport(
            lines: [
                "Compressed File Size: \(info.compressedFileSize)",
                "Compression Format: \(info.compressionFormat) (\(format))",
                "Compression Unit Shift: \(info.compressionUnitShift)", "Chunk Shift: \(info.chunkShift)",
                "Cluster Shift: \(info.clusterShift)",
            ],
            json: .object([
                ("compressedFileSize", .uint(info.compressedFileSize)),
                (
                    "compressionFormat",
                    .object([("value", .uint(UInt64(info.compressionFormat))), ("name", .string(format))])
                ),
                ("compressionUnitShift", .uint(UInt64(info.compressionUnitShift))),
                ("chunkShift", .uint(UInt64(info.chunkShift))), ("clusterShift", .uint(UInt64(info.clusterShift))),
            ]))
    }

    static func streams(_ info: FileStreamInformation) -> IoctlReport {
        var lines: [String] = []
        for (index, stream) in info.streams.enumerated() {
            if index > 0 { lines.append("") }
            lines += [
                "Name: \(stream.displayName)", "Size: \(stream.size) bytes",
                "Allocation size: \(stream.allocationSize) bytes",
            ]
        }
        let json: JSONValue = .object([
            (
                "streams",
                .array(
                    info.streams.map {
                        .object([
                            ("name", .string($0.name)), ("displayName", .string($0.displayName)),
                            ("size", .uint($0.size)),
                            ("allocationSize", .uint($0.allocationSize)),
                        ])
                    })
            )
        ])
        return IoctlReport(lines: lines, json: json)
    }

    static func all(_ info: FileAllInformation, isDirectory: Bool) -> IoctlReport {
        let parts = [
            basic(info.basic), standard(info.standard), internalInfo(info.indexNumber), ea(info.eaSize),
            access(info.accessFlags, isDirectory: isDirectory), position(info.currentByteOffset), mode(info.mode),
            alignment(info.alignmentRequirement),
        ]
        let keys = ["basic", "standard", "internal", "ea", "access", "position", "mode", "alignment"]
        var members: [(String, JSONValue)] = Array(zip(keys, parts.map(\.json)))
        members.append(("name", .string(info.name)))
        return IoctlReport(lines: parts.flatMap(\.lines) + ["Name: \(info.name)"], json: .object(members))
    }
}
