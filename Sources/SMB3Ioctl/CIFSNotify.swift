import SMB3Wire

// struct smb3_notify {            -- cifs_ioctl.h, __packed, host byte order
//     __u32 completion_filter;   @0
//     bool  watch_tree;          @4
// };                             = 5 bytes
// struct smb3_notify_info {
//     __u32 completion_filter;   @0
//     bool  watch_tree;          @4
//     __u32 data_len;            @5  in: room after the header; out: bytes returned (unaligned)
//     __u8  notify_data[];       @9  FILE_NOTIFY_INFORMATION records
// };

/// `FILE_NOTIFY_CHANGE_*` bits for the SMB2 CHANGE_NOTIFY `CompletionFilter` (MS-SMB2 §2.2.35).
public struct CIFSNotifyFilter: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let fileName = CIFSNotifyFilter(rawValue: 0x001)
    public static let directoryName = CIFSNotifyFilter(rawValue: 0x002)
    public static let attributes = CIFSNotifyFilter(rawValue: 0x004)
    public static let size = CIFSNotifyFilter(rawValue: 0x008)
    public static let lastWrite = CIFSNotifyFilter(rawValue: 0x010)
    public static let lastAccess = CIFSNotifyFilter(rawValue: 0x020)
    public static let creation = CIFSNotifyFilter(rawValue: 0x040)
    public static let extendedAttributes = CIFSNotifyFilter(rawValue: 0x080)
    public static let security = CIFSNotifyFilter(rawValue: 0x100)
    public static let streamName = CIFSNotifyFilter(rawValue: 0x200)
    public static let streamSize = CIFSNotifyFilter(rawValue: 0x400)
    public static let streamWrite = CIFSNotifyFilter(rawValue: 0x800)
    /// What smbinfo watches: every bit (0xFFF).
    public static let all = CIFSNotifyFilter(rawValue: 0xFFF)

    /// Command-line names of the bits.
    public static let names: [(String, CIFSNotifyFilter)] = [
        ("file-name", .fileName), ("dir-name", .directoryName), ("attributes", .attributes), ("size", .size),
        ("last-write", .lastWrite), ("last-access", .lastAccess), ("creation", .creation), ("ea", .extendedAttributes),
        ("security", .security), ("stream-name", .streamName), ("stream-size", .streamSize),
        ("stream-write", .streamWrite), ("all", .all),
    ]
}

/// The plain `CIFS_IOC_NOTIFY` argument (no data comes back).
public struct CIFSNotifyRequest: Hashable, Sendable {
    public static let size = 5
    public var filter: CIFSNotifyFilter
    public var watchTree: Bool

    public init(filter: CIFSNotifyFilter, watchTree: Bool) {
        self.filter = filter
        self.watchTree = watchTree
    }

    public func encoded(byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeInteger(filter.rawValue, byteOrder)
        writer.writeInteger(UInt8(watchTree ? 1 : 0), byteOrder)
        return writer.bytes
    }
}

/// The `CIFS_IOC_NOTIFY_INFO` argument and the records it returns.
public struct CIFSNotifyInfoRequest: Hashable, Sendable {
    public static let headerSize = 9
    /// The kernel asks the server for at most 65332 bytes; smbinfo offers 1000.
    public static let defaultDataLength = 65332

    public var filter: CIFSNotifyFilter
    public var watchTree: Bool
    public var dataLength: Int

    public init(filter: CIFSNotifyFilter, watchTree: Bool, dataLength: Int = defaultDataLength) {
        self.filter = filter
        self.watchTree = watchTree
        self.dataLength = max(0, min(dataLength, 1 << 20))
    }

    public func encoded(byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter(capacity: Self.headerSize + dataLength)
        writer.writeInteger(filter.rawValue, byteOrder)
        writer.writeInteger(UInt8(watchTree ? 1 : 0), byteOrder)
        writer.writeInteger(UInt32(dataLength), byteOrder)
        writer.writeBytes(repeatElement(0, count: dataLength))
        return writer.bytes
    }

    /// The record bytes after the call: `data_len` as the kernel wrote it, bounded by the buffer.
    public func replyData(from buffer: [UInt8], byteOrder: ByteOrder = .host) throws(CIFSABIError) -> ArraySlice<UInt8>
    {
        var reader = WireReader(buffer)
        _ = try reader.requireBytes(5, "smb3_notify_info header")
        let length: UInt32 = try reader.require(byteOrder, "data_len")
        guard let count = Int(exactly: length), count <= dataLength else {
            throw CIFSABIError(.invalidLength, "smb3_notify_info: data_len \(length) exceeds the room of \(dataLength)")
        }
        return try reader.requireBytes(count, "notify_data")
    }
}

// FILE_NOTIFY_INFORMATION (MS-FSCC §2.7.1), chained, 4-byte aligned:
//   NextEntryOffset u32 @0 (0 = last), Action u32 @4, FileNameLength u32 @8, FileName UTF-16LE @12

/// One change the server reported.
public struct CIFSNotifyRecord: Hashable, Sendable {
    /// `FILE_ACTION_*`.
    public struct Action: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let added = Action(rawValue: 1)
        public static let removed = Action(rawValue: 2)
        public static let modified = Action(rawValue: 3)
        public static let renamedOldName = Action(rawValue: 4)
        public static let renamedNewName = Action(rawValue: 5)
        public static let addedStream = Action(rawValue: 6)
        public static let removedStream = Action(rawValue: 7)
        public static let modifiedStream = Action(rawValue: 8)

        public var description: String {
            let names: [UInt32: String] = [
                1: "added", 2: "removed", 3: "modified", 4: "renamed-from", 5: "renamed-to", 6: "added-stream",
                7: "removed-stream", 8: "modified-stream",
            ]
            return names[rawValue] ?? "action-0x" + String(rawValue, radix: 16)
        }
    }

    public static let headerSize = 12
    /// 64 KiB of records holds at most 64 KiB / 12 entries.
    public static let maximumRecords = 8192

    public var action: Action
    public var fileName: String

    public init(action: Action, fileName: String) {
        self.action = action
        self.fileName = fileName
    }

    /// Decodes a chain of records; an empty buffer means the server reported an overflow (no details).
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(CIFSABIError) -> [CIFSNotifyRecord] {
        let buffer = CIFSOffsetBuffer(bytes)
        var offset = 0
        var records: [CIFSNotifyRecord] = []
        while offset < bytes.count {
            guard records.count < maximumRecords else {
                throw CIFSABIError(.tooLarge, "FILE_NOTIFY_INFORMATION: more than \(maximumRecords) records")
            }
            var reader = try buffer.reader(at: offset, "notify record \(records.count)")
            let next: UInt32 = try reader.require(.little, "NextEntryOffset")
            let action: UInt32 = try reader.require(.little, "Action")
            let nameLength: UInt32 = try reader.require(.little, "FileNameLength")
            guard let nameCount = Int(exactly: nameLength), nameCount <= reader.readableBytes else {
                throw CIFSABIError(
                    .invalidLength, "FILE_NOTIFY_INFORMATION: FileNameLength \(nameLength) exceeds the record")
            }
            let name = try decodeUTF16LE(try reader.requireBytes(nameCount, "FileName"), "FileName")
            records.append(CIFSNotifyRecord(action: Action(rawValue: action), fileName: name))
            if next == 0 { break }
            guard let step = Int(exactly: next), step >= headerSize + nameCount else {
                throw CIFSABIError(
                    .invalidLength, "FILE_NOTIFY_INFORMATION: NextEntryOffset \(next) overlaps its record")
            }
            offset += step
            guard offset < bytes.count else {
                throw CIFSABIError(
                    .invalidLength, "FILE_NOTIFY_INFORMATION: NextEntryOffset \(next) points past the data")
            }
        }
        return records
    }

    /// Encodes a chain (for fakes and round trips).
    public static func encode(_ records: [CIFSNotifyRecord]) -> [UInt8] {
        var writer = WireWriter()
        for (index, record) in records.enumerated() {
            let name = encodeUTF16LE(record.fileName)
            let length = headerSize + name.count
            let padded = (length + 3) & ~3
            let isLast = index == records.count - 1
            writer.writeInteger(UInt32(isLast ? 0 : padded), .little)
            writer.writeInteger(record.action.rawValue, .little)
            writer.writeInteger(UInt32(name.count), .little)
            writer.writeBytes(name)
            if !isLast { writer.writeBytes(repeatElement(0, count: padded - length)) }
        }
        return writer.bytes
    }
}
