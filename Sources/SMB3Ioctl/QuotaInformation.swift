import SMB3Wire

// FILE_QUOTA_INFORMATION (MS-FSCC §2.4.41), chained, 8-byte aligned, little-endian:
//   NextEntryOffset u32 @0, SidLength u32 @4, ChangeTime FILETIME @8, QuotaUsed i64 @16,
//   QuotaThreshold i64 @24, QuotaLimit i64 @32, Sid @40
// The request input is SMB2_QUERY_QUOTA_INFO (MS-SMB2 §2.2.37.1): ReturnSingle u8, RestartScan u8,
// Reserved u16, SidListLength u32, StartSidLength u32, StartSidOffset u32 = 16 bytes.

/// One user's quota entry.
public struct QuotaEntry: Hashable, Sendable {
    /// All ones: no threshold / no limit.
    public static let unlimited = UInt64.max
    public static let headerSize = 40
    /// A reply of at most 1 MiB holds fewer than 1 MiB / 48 entries.
    public static let maximumEntries = 32768

    public var changeTime: NTTime
    public var used: UInt64
    public var threshold: UInt64
    public var limit: UInt64
    public var sid: SecurityIdentifier

    public init(changeTime: NTTime, used: UInt64, threshold: UInt64, limit: UInt64, sid: SecurityIdentifier) {
        self.changeTime = changeTime
        self.used = used
        self.threshold = threshold
        self.limit = limit
        self.sid = sid
    }

    /// The 16-byte input smbinfo and smb2-quota send: return all, restart the scan, no SID list.
    public static let queryInput: [UInt8] = [0, 1] + [UInt8](repeating: 0, count: 14)

    /// Decodes a chain of entries; `SidLength` must match the SID it describes.
    public static func parse(_ bytes: ArraySlice<UInt8>) throws(CIFSABIError) -> [QuotaEntry] {
        let buffer = CIFSOffsetBuffer(bytes)
        var offset = 0
        var entries: [QuotaEntry] = []
        while offset < bytes.count {
            guard entries.count < maximumEntries else {
                throw CIFSABIError(.tooLarge, "FILE_QUOTA_INFORMATION: more than \(maximumEntries) entries")
            }
            var reader = try buffer.reader(at: offset, "quota entry \(entries.count)")
            let next: UInt32 = try reader.require(.little, "NextEntryOffset")
            let sidLength: UInt32 = try reader.require(.little, "SidLength")
            let change: UInt64 = try reader.require(.little, "ChangeTime")
            let used: UInt64 = try reader.require(.little, "QuotaUsed")
            let threshold: UInt64 = try reader.require(.little, "QuotaThreshold")
            let limit: UInt64 = try reader.require(.little, "QuotaLimit")
            guard let sidCount = Int(exactly: sidLength), sidCount <= reader.readableBytes else {
                throw CIFSABIError(.invalidLength, "FILE_QUOTA_INFORMATION: SidLength \(sidLength) exceeds the entry")
            }
            var sidReader = WireReader(try reader.requireBytes(sidCount, "Sid"))
            let sid = try SecurityIdentifier(reading: &sidReader)
            try sidReader.requireEnd("Sid (SidLength \(sidLength))")
            entries.append(
                QuotaEntry(
                    changeTime: NTTime(rawValue: change), used: used, threshold: threshold, limit: limit, sid: sid))
            if next == 0 { break }
            guard let step = Int(exactly: next), step >= headerSize + sidCount else {
                throw CIFSABIError(.invalidLength, "FILE_QUOTA_INFORMATION: NextEntryOffset \(next) overlaps its entry")
            }
            offset += step
            guard offset < bytes.count else {
                throw CIFSABIError(
                    .invalidLength, "FILE_QUOTA_INFORMATION: NextEntryOffset \(next) points past the reply")
            }
        }
        return entries
    }

    public static func encode(_ entries: [QuotaEntry]) -> [UInt8] {
        var writer = WireWriter()
        for (index, entry) in entries.enumerated() {
            let sid = entry.sid.encoded()
            let length = headerSize + sid.count
            let padded = (length + 7) & ~7
            let isLast = index == entries.count - 1
            writer.writeInteger(UInt32(isLast ? 0 : padded), .little)
            writer.writeInteger(UInt32(sid.count), .little)
            writer.writeInteger(entry.changeTime.rawValue, .little)
            writer.writeInteger(entry.used, .little)
            writer.writeInteger(entry.threshold, .little)
            writer.writeInteger(entry.limit, .little)
            writer.writeBytes(sid)
            if !isLast { writer.writeBytes(repeatElement(0, count: padded - length)) }
        }
        return writer.bytes
    }
}
