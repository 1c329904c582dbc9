import SMB3Errors
import SMB3Protocol

/// `smb3-ioctl sparse`, `set-sparse` and `zero`: sparse files on the server, the storage side of a
/// VM image's TRIM. Which system call reaches which FSCTL is written above `SparseFileControl`.
public struct SparseCommands: CIFSFileCommand {
    let files: CIFSFiles

    /// The most data ranges `sparse` lists: each one costs a SEEK_DATA and a SEEK_HOLE, that is
    /// two FSCTL_QUERY_ALLOCATED_RANGES round trips.
    public static let maximumRanges = 4096

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    /// Whether the file is sparse (its attributes as the server reports them), the server's
    /// allocation, and the data ranges SEEK_DATA/SEEK_HOLE find.
    public func describe(path: String) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openOnCIFS(path, .read)
        defer { system.close(handle) }
        try requireRegularFile(handle, path)
        let basic = try files.basicInformation(handle, path)
        let standard = try files.standardInformation(handle, path)
        let (ranges, complete) = try allocatedRanges(handle, path)
        return IoctlReport(
            SparseFileReport(
                path: path, basic: basic, standard: standard, ranges: ranges, complete: complete))
    }

    /// Marks the file sparse with FSCTL_SET_SPARSE through the CIFS_QUERY_INFO passthrough (root),
    /// then reads the attributes back from the server.
    public func setSparse(path: String) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openOnCIFS(path, .read)
        defer { system.close(handle) }
        try requireRegularFile(handle, path)
        let before = try files.basicInformation(handle, path).attributes
        let request: CIFSQueryInfo
        do {
            request = try CIFSQueryInfo(
                infoType: SparseFileControl.setSparseCode, mode: .fsctl, replyCapacity: 0,
                input: SparseFileControl.setSparseInput(true))
        } catch {
            throw IoctlCommandError.failed("\(path): FSCTL_SET_SPARSE: \(error)")
        }
        var buffer = request.encoded()
        do { try system.ioctl(handle, .queryInfo, buffer: &buffer) } catch {
            throw IoctlCommandError.failed(
                "\(path): CIFS_QUERY_INFO (FSCTL_SET_SPARSE): \(error)\(Self.setSparseHint(for: error))", error)
        }
        let after = try files.basicInformation(handle, path).attributes
        guard SparseFileControl.isSparse(attributes: after) else {
            throw IoctlCommandError.failed(
                "\(path): the server accepted FSCTL_SET_SPARSE but the file's attributes still lack SPARSE_FILE: "
                    + FlagWord(after, CIFSNames.fileAttributes).text)
        }
        return IoctlReport(
            SetSparseReport(
                path: path, wasSparse: SparseFileControl.isSparse(attributes: before),
                attributes: FlagWord(after, CIFSNames.fileAttributes)))
    }

    /// Punches a hole (fallocate PUNCH_HOLE|KEEP_SIZE → FSCTL_SET_ZERO_DATA) and reports the
    /// server's allocation before and after.
    public func zero(path: String, offset: UInt64, length: UInt64) throws(IoctlCommandError) -> IoctlReport {
        guard length > 0 else { throw IoctlCommandError.usage("zero: LENGTH must be at least 1 byte") }
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, end <= UInt64(Int64.max) else {
            throw IoctlCommandError.usage("zero: OFFSET + LENGTH exceeds the largest file offset (2^63 - 1)")
        }
        // fallocate needs a descriptor open for writing; cifs sends both FSCTLs on its handle.
        let handle = try files.openOnCIFS(path, .readWrite)
        defer { system.close(handle) }
        try requireRegularFile(handle, path)
        let before = try files.standardInformation(handle, path)
        do { try system.punchHole(handle, offset: offset, length: length) } catch {
            throw IoctlCommandError.failed(
                "\(path): fallocate (PUNCH_HOLE, FSCTL_SET_ZERO_DATA): \(error)\(Self.zeroHint(for: error))", error)
        }
        let after = try files.standardInformation(handle, path)
        return IoctlReport(ZeroRangeReport(path: path, offset: offset, length: length, before: before, after: after))
    }

    private func requireRegularFile(_ handle: IoctlHandle, _ path: String) throws(IoctlCommandError) {
        guard try files.status(handle, path).isRegularFile else {
            throw IoctlCommandError.failed("\(path): not a regular file (only files can be sparse)")
        }
    }

    /// Data ranges from offset 0: SEEK_DATA finds the next data, SEEK_HOLE its end, until ENXIO.
    private func allocatedRanges(
        _ handle: IoctlHandle, _ path: String
    ) throws(IoctlCommandError) -> (ranges: [AllocatedRange], complete: Bool) {
        var ranges: [AllocatedRange] = []
        var offset: UInt64 = 0
        while true {
            let data: UInt64
            do { data = try system.seek(handle, from: offset, to: .data) } catch {
                if error.errno == .noSuchDeviceOrAddress { return (ranges, true) }
                throw IoctlCommandError.failed("\(path): lseek SEEK_DATA from \(offset): \(error)", error)
            }
            guard ranges.count < Self.maximumRanges else { return (ranges, false) }
            let hole: UInt64
            do { hole = try system.seek(handle, from: data, to: .hole) } catch {
                throw IoctlCommandError.failed("\(path): lseek SEEK_HOLE from \(data): \(error)", error)
            }
            // Every step must move forward, or a confused answer would loop for ever.
            guard data >= offset, hole > data else {
                throw IoctlCommandError.failed(
                    "\(path): lseek went backwards: SEEK_DATA from \(offset) gave \(data), SEEK_HOLE gave \(hole)")
            }
            ranges.append(AllocatedRange(offset: data, length: hole - data))
            offset = hole
        }
    }

    static func setSparseHint(for error: SystemError) -> String {
        switch error.errno {
        case .notSupported: return "; the server refused FSCTL_SET_SPARSE: it cannot mark files sparse on this share"
        case .notPermitted: return "; the FSCTL passthrough needs CAP_SYS_ADMIN (run as root)"
        case .permissionDenied:
            return
                "; the server denied the open for GENERIC_ALL that the kernel makes for FSCTL_SET_SPARSE (its access bits are FILE_ANY_ACCESS)"
        default: return CIFSFiles.hint(for: error)
        }
    }

    static func zeroHint(for error: SystemError) -> String {
        switch error.errno {
        case .notSupported:
            return
                "; the server refused to punch the hole: cifs.ko marks the file sparse (FSCTL_SET_SPARSE) before "
                + "FSCTL_SET_ZERO_DATA, and after one refused FSCTL_SET_SPARSE it stops asking on this share until "
                + "the share is mounted again (DebugData shows nosparse)"
        case .badFileDescriptor: return "; the file must be open for writing"
        default: return CIFSFiles.hint(for: error)
        }
    }
}

extension CIFSFiles {
    /// FileBasicInformation from the server (CIFS_QUERY_INFO opens the path anew: no cached attributes).
    func basicInformation(_ handle: IoctlHandle, _ path: String) throws(IoctlCommandError) -> FileBasicInformation {
        let reply = try query(.fileBasic, handle, path)
        do { return try FileBasicInformation(parsing: reply) } catch {
            throw IoctlCommandError.failed("\(path): file-basic reply: \(error)")
        }
    }

    /// FileStandardInformation from the server: AllocationSize and EndOfFile as it sees them now.
    func standardInformation(
        _ handle: IoctlHandle, _ path: String
    ) throws(IoctlCommandError) -> FileStandardInformation {
        let reply = try query(.fileStandard, handle, path)
        do { return try FileStandardInformation(parsing: reply) } catch {
            throw IoctlCommandError.failed("\(path): file-standard reply: \(error)")
        }
    }

    private func query(
        _ infoClass: FileInfoClass, _ handle: IoctlHandle, _ path: String
    ) throws(IoctlCommandError) -> ArraySlice<UInt8> {
        let request: CIFSQueryInfo
        do { request = try infoClass.request() } catch { throw IoctlCommandError.failed("\(infoClass.name): \(error)") }
        return try queryInfo(handle, request, path, what: infoClass.name)
    }
}

/// `{"offset": 0, "length": 4096}`.
struct ReportRange: Encodable {
    let offset: UInt64
    let length: UInt64
}

/// `sparse`: the attribute, the server's allocation and the data ranges.
struct SparseFileReport: IoctlReportBody {
    let size: UInt64
    let sparse: Bool
    let attributes: FlagWord
    let allocationSize: UInt64
    /// Whether cifs.ko asked the server (FSCTL_QUERY_ALLOCATED_RANGES): only for files it knows
    /// are sparse; otherwise it reports the whole file as data itself.
    let rangesFromServer: Bool
    let dataRanges: [ReportRange]
    let dataBytes: UInt64
    let holeBytes: UInt64
    /// False when more than `SparseCommands.maximumRanges` ranges exist (the list stops there).
    let rangesComplete: Bool
    /// Named in the text only.
    let path: String

    private enum CodingKeys: String, CodingKey {
        case size, sparse, attributes, allocationSize, rangesFromServer, dataRanges, dataBytes, holeBytes
        case rangesComplete
    }

    init(
        path: String, basic: FileBasicInformation, standard: FileStandardInformation, ranges: [AllocatedRange],
        complete: Bool
    ) {
        self.path = path
        size = standard.endOfFile
        sparse = SparseFileControl.isSparse(attributes: basic.attributes)
        attributes = FlagWord(basic.attributes, CIFSNames.fileAttributes)
        allocationSize = standard.allocationSize
        rangesFromServer = sparse
        dataRanges = ranges.map { ReportRange(offset: $0.offset, length: $0.length) }
        let data = ranges.reduce(UInt64(0)) { $0 &+ $1.length }
        dataBytes = data
        holeBytes = complete && size > data ? size - data : 0
        rangesComplete = complete
    }

    var lines: [String] {
        let count = dataRanges.count
        let source =
            rangesFromServer
            ? "SEEK_DATA/SEEK_HOLE, answered by FSCTL_QUERY_ALLOCATED_RANGES"
            : "not sparse: cifs.ko answers SEEK_DATA/SEEK_HOLE itself, the whole file is data"
        var lines = [
            "\(path): \(sparse ? "sparse" : "not sparse"), size \(ByteFormat.size(size)) (\(size) bytes)",
            "Attributes: \(attributes.text)",
            "Allocated on the server: \(ByteFormat.size(allocationSize)) (\(allocationSize) bytes)",
            "Data: \(count) range\(count == 1 ? "" : "s"), \(ByteFormat.size(dataBytes))"
                + (rangesComplete ? "; holes: \(ByteFormat.size(holeBytes))" : "") + " (\(source))",
        ]
        lines += dataRanges.map { "  offset \($0.offset), \(ByteFormat.size($0.length)) (\($0.length) bytes)" }
        if !rangesComplete {
            lines.append("  (only the first \(count) ranges are listed)")
        }
        return lines
    }
}

/// `set-sparse` done: the attribute the server now reports.
struct SetSparseReport: IoctlReportBody {
    let sparse = true
    let wasSparse: Bool
    let attributes: FlagWord
    /// Named in the text only.
    let path: String

    private enum CodingKeys: String, CodingKey {
        case sparse, wasSparse, attributes
    }

    init(path: String, wasSparse: Bool, attributes: FlagWord) {
        self.path = path
        self.wasSparse = wasSparse
        self.attributes = attributes
    }

    var lines: [String] {
        ["\(path): sparse (\(wasSparse ? "it already was" : "was not sparse")); attributes \(attributes.text)"]
    }
}

/// `zero` done: the range, and the server's allocation before and after.
struct ZeroRangeReport: IoctlReportBody {
    let offset: UInt64
    let length: UInt64
    let size: UInt64
    let allocationBefore: UInt64
    let allocationAfter: UInt64
    /// How much less the server allocates now (0 when it did not drop).
    let freedBytes: UInt64
    /// Named in the text only.
    let path: String

    private enum CodingKeys: String, CodingKey {
        case offset, length, size, allocationBefore, allocationAfter, freedBytes
    }

    init(
        path: String, offset: UInt64, length: UInt64, before: FileStandardInformation, after: FileStandardInformation
    ) {
        self.path = path
        self.offset = offset
        self.length = length
        size = after.endOfFile
        allocationBefore = before.allocationSize
        allocationAfter = after.allocationSize
        freedBytes = before.allocationSize > after.allocationSize ? before.allocationSize - after.allocationSize : 0
    }

    var lines: [String] {
        var lines = [
            "zeroed \(ByteFormat.size(length)) (\(length) bytes) at offset \(offset) of \(path) "
                + "(fallocate PUNCH_HOLE, FSCTL_SET_ZERO_DATA)",
            "Allocated on the server: \(ByteFormat.size(allocationBefore)) -> \(ByteFormat.size(allocationAfter))"
                + " (\(allocationBefore) -> \(allocationAfter) bytes, \(ByteFormat.size(freedBytes)) freed)",
        ]
        if freedBytes == 0 {
            lines.append(
                "the server's allocation did not drop: the range held no data, or the server wrote zeros "
                    + "instead of freeing the blocks")
        }
        return lines
    }
}
