// Over 400 lines on purpose: every MS-FSCC §2.4 class that `query` decodes, one short struct each, side by side.
import SMB3Wire

// The information classes `smb3-ioctl query` asks for through CIFS_QUERY_INFO, decoded from the
// little-endian SMB2 QUERY_INFO output buffer (MS-FSCC §2.4 file classes, §2.5 fs classes).

/// One class that `query` can ask for: what to send in `smb_query_info` and how much to accept back.
public struct FileInfoClass: Hashable, Sendable {
    /// The command-line name, e.g. `file-basic`.
    public let name: String
    public let infoType: CIFSQueryInfo.InfoType
    /// The MS-FSCC information class number.
    public let classNumber: UInt32
    /// The reply capacity smbinfo uses for the class.
    public let replyCapacity: Int

    public static let fileBasic = FileInfoClass(name: "file-basic", infoType: .file, classNumber: 4, replyCapacity: 40)
    public static let fileStandard = FileInfoClass(
        name: "file-standard", infoType: .file, classNumber: 5, replyCapacity: 24)
    public static let fileInternal = FileInfoClass(
        name: "file-internal", infoType: .file, classNumber: 6, replyCapacity: 8)
    public static let fileEA = FileInfoClass(name: "file-ea", infoType: .file, classNumber: 7, replyCapacity: 4)
    public static let fileAccess = FileInfoClass(name: "file-access", infoType: .file, classNumber: 8, replyCapacity: 4)
    public static let filePosition = FileInfoClass(
        name: "file-position", infoType: .file, classNumber: 14, replyCapacity: 8)
    public static let fileMode = FileInfoClass(name: "file-mode", infoType: .file, classNumber: 16, replyCapacity: 4)
    public static let fileAlignment = FileInfoClass(
        name: "file-align", infoType: .file, classNumber: 17, replyCapacity: 4)
    public static let fileAll = FileInfoClass(
        name: "file-all", infoType: .file, classNumber: 18, replyCapacity: CIFSQueryInfo.defaultReplyCapacity)
    public static let fileStream = FileInfoClass(
        name: "file-stream", infoType: .file, classNumber: 22, replyCapacity: CIFSQueryInfo.defaultReplyCapacity)
    public static let fileCompression = FileInfoClass(
        name: "file-compression", infoType: .file, classNumber: 28, replyCapacity: 16)
    public static let fsFullSize = FileInfoClass(
        name: "fs-full-size", infoType: .fileSystem, classNumber: 7, replyCapacity: 32)

    /// Every class, in the order of the issue and smbinfo's help.
    public static let all: [FileInfoClass] = [
        .fileAccess, .fileAlignment, .fileAll, .fileBasic, .fileEA, .fsFullSize, .fileInternal, .fileMode,
        .filePosition, .fileStandard, .fileStream, .fileCompression,
    ]

    /// The `CIFS_QUERY_INFO` request for this class (the capacities above are inside the caps).
    public func request() throws(CIFSABIError) -> CIFSQueryInfo {
        try CIFSQueryInfo(infoType: infoType.rawValue, fileInfoClass: classNumber, replyCapacity: replyCapacity)
    }

    /// The class with this command-line name.
    public static func named(_ name: String) -> FileInfoClass? { all.first { $0.name == name } }
}

/// Checks a fixed-size reply's length: at least `minimum` bytes (trailing Reserved fields may be
/// omitted by a server), at most the full `size`.
private func readerForFixed(
    _ bytes: ArraySlice<UInt8>, minimum: Int, size: Int, _ name: String
) throws(CIFSABIError) -> WireReader {
    guard bytes.count >= minimum else {
        throw CIFSABIError(.truncated, "\(name): \(bytes.count) bytes, needs at least \(minimum)")
    }
    guard bytes.count <= size else {
        throw CIFSABIError(.trailingBytes, "\(name): \(bytes.count) bytes, at most \(size) expected")
    }
    return WireReader(bytes)
}

// FILE_BASIC_INFORMATION (MS-FSCC §2.4.7), 40 bytes:
//   CreationTime @0, LastAccessTime @8, LastWriteTime @16, ChangeTime @24 (FILETIME),
//   FileAttributes u32 @32, Reserved u32 @36

/// `FileBasicInformation` (class 4): the four times and the attributes.
public struct FileBasicInformation: Hashable, Sendable {
    public static let size = 40
    public var creationTime: NTTime
    public var lastAccessTime: NTTime
    public var lastWriteTime: NTTime
    public var changeTime: NTTime
    public var attributes: UInt32

    public init(
        creationTime: NTTime, lastAccessTime: NTTime, lastWriteTime: NTTime, changeTime: NTTime, attributes: UInt32
    ) {
        self.creationTime = creationTime
        self.lastAccessTime = lastAccessTime
        self.lastWriteTime = lastWriteTime
        self.changeTime = changeTime
        self.attributes = attributes
    }

    public init(parsing bytes: ArraySlice<UInt8>) throws(CIFSABIError) {
        var reader = try readerForFixed(bytes, minimum: 36, size: Self.size, "FileBasicInformation")
        try self.init(reading: &reader)
    }

    init(reading reader: inout WireReader) throws(CIFSABIError) {
        creationTime = NTTime(rawValue: try reader.require(.little, "CreationTime"))
        lastAccessTime = NTTime(rawValue: try reader.require(.little, "LastAccessTime"))
        lastWriteTime = NTTime(rawValue: try reader.require(.little, "LastWriteTime"))
        changeTime = NTTime(rawValue: try reader.require(.little, "ChangeTime"))
        attributes = try reader.require(.little, "FileAttributes")
        _ = reader.readBytes(min(4, reader.readableBytes))  // Reserved
    }

    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        for time in [creationTime, lastAccessTime, lastWriteTime, changeTime] {
            writer.writeInteger(time.rawValue, .little)
        }
        writer.writeInteger(attributes, .little)
        writer.writeInteger(UInt32(0), .little)
        return writer.bytes
    }
}

// FILE_STANDARD_INFORMATION (MS-FSCC §2.4.47), 24 bytes:
//   AllocationSize i64 @0, EndOfFile i64 @8, NumberOfLinks u32 @16, DeletePending u8 @20,
//   Directory u8 @21, Reserved u16 @22

/// `FileStandardInformation` (class 5): sizes, link count and the two booleans.
public struct FileStandardInformation: Hashable, Sendable {
    public static let size = 24
    public var allocationSize: UInt64
    public var endOfFile: UInt64
    public var numberOfLinks: UInt32
    /// The raw byte, printed as a number like smbinfo does.
    public var deletePending: UInt8
    public var directory: UInt8

    public init(
        allocationSize: UInt64, endOfFile: UInt64, numberOfLinks: UInt32, deletePending: UInt8, directory: UInt8
    ) {
        self.allocationSize = allocationSize
        self.endOfFile = endOfFile
        self.numberOfLinks = numberOfLinks
        self.deletePending = deletePending
        self.directory = directory
    }

    public init(parsing bytes: ArraySlice<UInt8>) throws(CIFSABIError) {
        var reader = try readerForFixed(bytes, minimum: 22, size: Self.size, "FileStandardInformation")
        try self.init(reading: &reader)
    }

    init(reading reader: inout WireReader) throws(CIFSABIError) {
        allocationSize = try reader.require(.little, "AllocationSize")
        endOfFile = try reader.require(.little, "EndOfFile")
        numberOfLinks = try reader.require(.little, "NumberOfLinks")
        deletePending = try reader.require(.little, "DeletePending")
        directory = try reader.require(.little, "Directory")
        _ = reader.readBytes(min(2, reader.readableBytes))  // Reserved
    }

    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeInteger(allocationSize, .little)
        writer.writeInteger(endOfFile, .little)
        writer.writeInteger(numberOfLinks, .little)
        writer.writeInteger(deletePending, .little)
        writer.writeInteger(directory, .little)
        writer.writeInteger(UInt16(0), .little)
        return writer.bytes
    }
}

/// The single-integer classes: each reply is exactly one little-endian integer.
public struct FileInfoScalar: Hashable, Sendable {
    /// `FileInternalInformation.IndexNumber` (class 6, u64).
    public static func indexNumber(_ bytes: ArraySlice<UInt8>) throws(CIFSABIError) -> UInt64 {
        try exact(bytes, "FileInternalInformation")
    }
    /// `FileEaInformation.EaSize` (class 7, u32).
    public static func eaSize(_ bytes: ArraySlice<UInt8>) throws(CIFSABIError) -> UInt32 {
        try exact(bytes, "FileEaInformation")
    }
    /// `FileAccessInformation.AccessFlags` (class 8, u32 ACCESS_MASK).
    public static func accessFlags(_ bytes: ArraySlice<UInt8>) throws(CIFSABIError) -> UInt32 {
        try exact(bytes, "FileAccessInformation")
    }
    /// `FilePositionInformation.CurrentByteOffset` (class 14, u64; always 0 on the kernel's fresh handle).
    public static func currentByteOffset(_ bytes: ArraySlice<UInt8>) throws(CIFSABIError) -> UInt64 {
        try exact(bytes, "FilePositionInformation")
    }
    /// `FileModeInformation.Mode` (class 16, u32).
    public static func mode(_ bytes: ArraySlice<UInt8>) throws(CIFSABIError) -> UInt32 {
        try exact(bytes, "FileModeInformation")
    }
    /// `FileAlignmentInformation.AlignmentRequirement` (class 17, u32).
    public static func alignmentRequirement(_ bytes: ArraySlice<UInt8>) throws(CIFSABIError) -> UInt32 {
        try exact(bytes, "FileAlignmentInformation")
    }

    private static func exact<T: FixedWidthInteger>(
        _ bytes: ArraySlice<UInt8>, _ name: String
    ) throws(CIFSABIError) -> T {
        var reader = try readerForFixed(bytes, minimum: MemoryLayout<T>.size, size: MemoryLayout<T>.size, name)
        return try reader.require(.little, name)
    }
}

// FILE_FS_FULL_SIZE_INFORMATION (MS-FSCC §2.5.4), 32 bytes:
//   TotalAllocationUnits i64 @0, CallerAvailableAllocationUnits i64 @8,
//   ActualAvailableAllocationUnits i64 @16, SectorsPerAllocationUnit u32 @24, BytesPerSector u32 @28

/// `FileFsFullSizeInformation` (fs class 7).
public struct FileFsFullSizeInformation: Hashable, Sendable {
    public static let size = 32
    public var totalAllocationUnits: UInt64
    public var callerAvailableAllocationUnits: UInt64
    public var actualAvailableAllocationUnits: UInt64
    public var sectorsPerAllocationUnit: UInt32
    public var bytesPerSector: UInt32

    public init(
        totalAllocationUnits: UInt64, callerAvailableAllocationUnits: UInt64, actualAvailableAllocationUnits: UInt64,
        sectorsPerAllocationUnit: UInt32, bytesPerSector: UInt32
    ) {
        self.totalAllocationUnits = totalAllocationUnits
        self.callerAvailableAllocationUnits = callerAvailableAllocationUnits
        self.actualAvailableAllocationUnits = actualAvailableAllocationUnits
        self.sectorsPerAllocationUnit = sectorsPerAllocationUnit
        self.bytesPerSector = bytesPerSector
    }

    public init(parsing bytes: ArraySlice<UInt8>) throws(CIFSABIError) {
        var reader = try readerForFixed(bytes, minimum: Self.size, size: Self.size, "FileFsFullSizeInformation")
        totalAllocationUnits = try reader.require(.little, "TotalAllocationUnits")
        callerAvailableAllocationUnits = try reader.require(.little, "CallerAvailableAllocationUnits")
        actualAvailableAllocationUnits = try reader.require(.little, "ActualAvailableAllocationUnits")
        sectorsPerAllocationUnit = try reader.require(.little, "SectorsPerAllocationUnit")
        bytesPerSector = try reader.require(.little, "BytesPerSector")
    }

    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeInteger(totalAllocationUnits, .little)
        writer.writeInteger(callerAvailableAllocationUnits, .little)
        writer.writeInteger(actualAvailableAllocationUnits, .little)
        writer.writeInteger(sectorsPerAllocationUnit, .little)
        writer.writeInteger(bytesPerSector, .little)
        return writer.bytes
    }

    /// Bytes per allocation unit, nil on overflow.
    public var bytesPerAllocationUnit: UInt64? {
        let (value, overflow) = UInt64(sectorsPerAllocationUnit).multipliedReportingOverflow(by: UInt64(bytesPerSector))
        return overflow ? nil : value
    }
}

// FILE_COMPRESSION_INFORMATION (MS-FSCC §2.4.9), 16 bytes:
//   CompressedFileSize i64 @0, CompressionFormat u16 @8, CompressionUnitShift u8 @10,
//   ChunkShift u8 @11, ClusterShift u8 @12, Reserved[3] @13

/// `FileCompressionInformation` (class 28).
public struct FileCompressionInformation: Hashable, Sendable {
    public static let size = 16
    public var compressedFileSize: UInt64
    public var compressionFormat: UInt16
    public var compressionUnitShift: UInt8
    public var chunkShift: UInt8
    public var clusterShift: UInt8

    public init(
        compressedFileSize: UInt64, compressionFormat: UInt16, compressionUnitShift: UInt8, chunkShift: UInt8,
        clusterShift: UInt8
    ) {
        self.compressedFileSize = compressedFileSize
        self.compressionFormat = compressionFormat
        self.compressionUnitShift = compressionUnitShift
        self.chunkShift = chunkShift
        self.clusterShift = clusterShift
    }

    public init(parsing bytes: ArraySlice<UInt8>) throws(CIFSABIError) {
        var reader = try readerForFixed(bytes, minimum: 13, size: Self.size, "FileCompressionInformation")
        compressedFileSize = try reader.require(.little, "CompressedFileSize")
        compressionFormat = try reader.require(.little, "CompressionFormat")
        compressionUnitShift = try reader.require(.little, "CompressionUnitShift")
        chunkShift = try reader.require(.little, "ChunkShift")
        clusterShift = try reader.require(.little, "ClusterShift")
    }

    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeInteger(compressedFileSize, .little)
        writer.writeInteger(compressionFormat, .little)
        for byte in [compressionUnitShift, chunkShift, clusterShift, 0, 0, 0] { writer.writeInteger(byte, .little) }
        return writer.bytes
    }
}

// FILE_ALL_INFORMATION (MS-FSCC §2.4.2): Basic @0 (40), Standard @40 (24), Internal @64 (8),
//   EA @72 (4), Access @76 (4), Position @80 (8), Mode @88 (4), Alignment @92 (4),
//   Name @96 (u32 FileNameLength, then that many bytes of UTF-16LE)

/// `FileAllInformation` (class 18): the fixed classes in one reply, plus the name.
public struct FileAllInformation: Hashable, Sendable {
    public static let fixedSize = 100
    /// Longest name accepted: MS-FSCC limits a path to 32767 UTF-16 units.
    public static let maximumNameBytes = 32767 * 2

    public var basic: FileBasicInformation
    public var standard: FileStandardInformation
    public var indexNumber: UInt64
    public var eaSize: UInt32
    public var accessFlags: UInt32
    public var currentByteOffset: UInt64
    public var mode: UInt32
    public var alignmentRequirement: UInt32
    /// The name as the server reports it; may be cut short when the reply did not fit.
    public var name: String

    public init(
        basic: FileBasicInformation, standard: FileStandardInformation, indexNumber: UInt64, eaSize: UInt32,
        accessFlags: UInt32, currentByteOffset: UInt64, mode: UInt32, alignmentRequirement: UInt32, name: String
    ) {
        self.basic = basic
        self.standard = standard
        self.indexNumber = indexNumber
        self.eaSize = eaSize
        self.accessFlags = accessFlags
        self.currentByteOffset = currentByteOffset
        self.mode = mode
        self.alignmentRequirement = alignmentRequirement
        self.name = name
    }

    public init(parsing bytes: ArraySlice<UInt8>) throws(CIFSABIError) {
        var reader = WireReader(bytes)
        guard bytes.count >= Self.fixedSize else {
            throw CIFSABIError(.truncated, "FileAllInformation: \(bytes.count) bytes, needs at least \(Self.fixedSize)")
        }
        var basicReader = WireReader(try reader.requireBytes(FileBasicInformation.size, "BasicInformation"))
        basic = try FileBasicInformation(reading: &basicReader)
        var standardReader = WireReader(try reader.requireBytes(FileStandardInformation.size, "StandardInformation"))
        standard = try FileStandardInformation(reading: &standardReader)
        indexNumber = try reader.require(.little, "IndexNumber")
        eaSize = try reader.require(.little, "EaSize")
        accessFlags = try reader.require(.little, "AccessFlags")
        currentByteOffset = try reader.require(.little, "CurrentByteOffset")
        mode = try reader.require(.little, "Mode")
        alignmentRequirement = try reader.require(.little, "AlignmentRequirement")
        let nameLength: UInt32 = try reader.require(.little, "FileNameLength")
        guard let count = Int(exactly: nameLength), count <= Self.maximumNameBytes, count <= reader.readableBytes else {
            throw CIFSABIError(
                .invalidLength,
                "FileAllInformation: FileNameLength \(nameLength) exceeds the \(reader.readableBytes) bytes left")
        }
        name = try decodeUTF16LE(try reader.requireBytes(count, "FileName"), "FileName")
        // Servers pad the reply to 8 bytes; anything beyond that is not padding.
        guard reader.readableBytes < 8 else {
            throw CIFSABIError(.trailingBytes, "FileAllInformation: \(reader.readableBytes) bytes after the name")
        }
    }

    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.fixedSize + name.utf16.count * 2)
        writer.writeBytes(basic.encoded())
        writer.writeBytes(standard.encoded())
        writer.writeInteger(indexNumber, .little)
        writer.writeInteger(eaSize, .little)
        writer.writeInteger(accessFlags, .little)
        writer.writeInteger(currentByteOffset, .little)
        writer.writeInteger(mode, .little)
        writer.writeInteger(alignmentRequirement, .little)
        let nameBytes = encodeUTF16LE(name)
        writer.writeInteger(UInt32(nameBytes.count), .little)
        writer.writeBytes(nameBytes)
        return writer.bytes
    }
}

// FILE_STREAM_INFORMATION (MS-FSCC §2.4.49), chained entries, each 8-byte aligned:
//   NextEntryOffset u32 @0 (0 = last), StreamNameLength u32 @4, StreamSize i64 @8,
//   StreamAllocationSize i64 @16, StreamName UTF-16LE @24

/// `FileStreamInformation` (class 22): the data streams of a file.
public struct FileStreamInformation: Hashable, Sendable {
    /// One entry; `name` is the raw stream name, such as `::$DATA` or `:foo:$DATA`.
    public struct Stream: Hashable, Sendable {
        public var name: String
        public var size: UInt64
        public var allocationSize: UInt64

        public init(name: String, size: UInt64, allocationSize: UInt64) {
            self.name = name
            self.size = size
            self.allocationSize = allocationSize
        }

        /// What smbinfo prints: `::$DATA` as is, otherwise the name between the first `:` and `:$DATA`.
        public var displayName: String {
            if name == "::$DATA" { return name }
            var inner = Substring(name)
            if inner.hasPrefix(":") { inner = inner.dropFirst() }
            if inner.hasSuffix(":$DATA") { inner = inner.dropLast(6) }
            return String(inner)
        }
    }

    public static let entryHeaderSize = 24
    /// A reply buffer of at most 1 MiB holds at most 1 MiB / 24 entries; a hard cap keeps loops short.
    public static let maximumEntries = 65536

    public var streams: [Stream]

    public init(streams: [Stream]) { self.streams = streams }

    public init(parsing bytes: ArraySlice<UInt8>) throws(CIFSABIError) {
        let buffer = CIFSOffsetBuffer(bytes)
        var offset = 0
        var streams: [Stream] = []
        // An empty reply means no streams (a directory).
        while offset < bytes.count {
            guard streams.count < Self.maximumEntries else {
                throw CIFSABIError(.tooLarge, "FileStreamInformation: more than \(Self.maximumEntries) entries")
            }
            var reader = try buffer.reader(at: offset, "stream entry \(streams.count)")
            let next: UInt32 = try reader.require(.little, "NextEntryOffset")
            let nameLength: UInt32 = try reader.require(.little, "StreamNameLength")
            let size: UInt64 = try reader.require(.little, "StreamSize")
            let allocation: UInt64 = try reader.require(.little, "StreamAllocationSize")
            guard let nameCount = Int(exactly: nameLength), nameCount <= reader.readableBytes else {
                throw CIFSABIError(
                    .invalidLength, "FileStreamInformation: StreamNameLength \(nameLength) exceeds the entry")
            }
            let name = try decodeUTF16LE(try reader.requireBytes(nameCount, "StreamName"), "StreamName")
            streams.append(Stream(name: name, size: size, allocationSize: allocation))
            if next == 0 { break }
            guard let step = Int(exactly: next), step >= Self.entryHeaderSize + nameCount else {
                throw CIFSABIError(.invalidLength, "FileStreamInformation: NextEntryOffset \(next) overlaps its entry")
            }
            offset += step
            guard offset < bytes.count else {
                throw CIFSABIError(
                    .invalidLength, "FileStreamInformation: NextEntryOffset \(next) points past the reply")
            }
        }
        self.streams = streams
    }

    public func encoded() -> [UInt8] {
        var writer = WireWriter()
        for (index, stream) in streams.enumerated() {
            let name = encodeUTF16LE(stream.name)
            let length = Self.entryHeaderSize + name.count
            let padded = (length + 7) & ~7
            let isLast = index == streams.count - 1
            writer.writeInteger(UInt32(isLast ? 0 : padded), .little)
            writer.writeInteger(UInt32(name.count), .little)
            writer.writeInteger(stream.size, .little)
            writer.writeInteger(stream.allocationSize, .little)
            writer.writeBytes(name)
            if !isLast { writer.writeBytes(repeatElement(0, count: padded - length)) }
        }
        return writer.bytes
    }
}
