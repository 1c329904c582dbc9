import SMB3Wire

// struct smb_mnt_fs_info {              -- fs/smb/client/cifs_ioctl.h, __packed, host byte order
//     __u32 version;                  @0   = 1
//     __u16 protocol_id;              @4   0x0202 … 0x0311; 0 for SMB1
//     __u16 tcon_flags;               @6   0 on 6.1 (not filled); tcon->Flags on 6.12
//     __u32 vol_serial_number;        @8
//     __u32 vol_create_time;          @12  low 32 bits of the NT time
//     __u32 share_caps;               @16
//     __u32 share_flags;              @20
//     __u32 sector_flags;             @24
//     __u32 optimal_sector_size;      @28
//     __u32 max_bytes_chunk;          @32  copychunk size, default 1048576
//     __u32 fs_attributes;            @36
//     __u32 max_path_component;       @40
//     __u32 device_type;              @44
//     __u32 device_characteristics;   @48
//     __u32 maximal_access;           @52
//     __u64 cifs_posix_caps;          @56
// };                                  = 64 bytes (kernel-interfaces.md §3.1)

/// What `CIFS_IOC_GET_MNT_INFO` returns: the share's cached tree-connect and volume facts.
public struct CIFSMountInfo: Hashable, Sendable {
    public static let size = 64
    /// The only layout version the kernel has ever filled in.
    public static let currentVersion: UInt32 = 1

    public var version: UInt32
    public var protocolID: UInt16
    public var treeConnectFlags: UInt16
    public var volumeSerialNumber: UInt32
    /// Only the low 32 bits of the NT time survive; not a usable date.
    public var volumeCreationTimeLow: UInt32
    public var shareCapabilities: UInt32
    public var shareFlags: UInt32
    public var sectorFlags: UInt32
    public var optimalSectorSize: UInt32
    /// The copychunk size the kernel uses per chunk for server-side copy.
    public var maximumBytesPerChunk: UInt32
    public var fileSystemAttributes: UInt32
    public var maximumPathComponentLength: UInt32
    public var deviceType: UInt32
    public var deviceCharacteristics: UInt32
    public var maximalAccess: UInt32
    public var posixCapabilities: UInt64

    public init(
        version: UInt32 = CIFSMountInfo.currentVersion, protocolID: UInt16, treeConnectFlags: UInt16 = 0,
        volumeSerialNumber: UInt32 = 0, volumeCreationTimeLow: UInt32 = 0, shareCapabilities: UInt32 = 0,
        shareFlags: UInt32 = 0, sectorFlags: UInt32 = 0, optimalSectorSize: UInt32 = 0,
        maximumBytesPerChunk: UInt32 = 0, fileSystemAttributes: UInt32 = 0, maximumPathComponentLength: UInt32 = 0,
        deviceType: UInt32 = 0, deviceCharacteristics: UInt32 = 0, maximalAccess: UInt32 = 0,
        posixCapabilities: UInt64 = 0
    ) {
        self.version = version
        self.protocolID = protocolID
        self.treeConnectFlags = treeConnectFlags
        self.volumeSerialNumber = volumeSerialNumber
        self.volumeCreationTimeLow = volumeCreationTimeLow
        self.shareCapabilities = shareCapabilities
        self.shareFlags = shareFlags
        self.sectorFlags = sectorFlags
        self.optimalSectorSize = optimalSectorSize
        self.maximumBytesPerChunk = maximumBytesPerChunk
        self.fileSystemAttributes = fileSystemAttributes
        self.maximumPathComponentLength = maximumPathComponentLength
        self.deviceType = deviceType
        self.deviceCharacteristics = deviceCharacteristics
        self.maximalAccess = maximalAccess
        self.posixCapabilities = posixCapabilities
    }

    /// Decodes exactly ``size`` bytes as the kernel filled them.
    public init(parsing bytes: ArraySlice<UInt8>, byteOrder: ByteOrder = .host) throws(CIFSABIError) {
        guard bytes.count == Self.size else {
            throw CIFSABIError(
                bytes.count < Self.size ? .truncated : .trailingBytes,
                "smb_mnt_fs_info: \(bytes.count) bytes, expected \(Self.size)")
        }
        var reader = WireReader(bytes)
        let order = byteOrder
        version = try reader.require(order, "version")
        guard version == Self.currentVersion else {
            throw CIFSABIError(.invalidValue, "smb_mnt_fs_info: version \(version), expected \(Self.currentVersion)")
        }
        protocolID = try reader.require(order, "protocol_id")
        treeConnectFlags = try reader.require(order, "tcon_flags")
        volumeSerialNumber = try reader.require(order, "vol_serial_number")
        volumeCreationTimeLow = try reader.require(order, "vol_create_time")
        shareCapabilities = try reader.require(order, "share_caps")
        shareFlags = try reader.require(order, "share_flags")
        sectorFlags = try reader.require(order, "sector_flags")
        optimalSectorSize = try reader.require(order, "optimal_sector_size")
        maximumBytesPerChunk = try reader.require(order, "max_bytes_chunk")
        fileSystemAttributes = try reader.require(order, "fs_attributes")
        maximumPathComponentLength = try reader.require(order, "max_path_component")
        deviceType = try reader.require(order, "device_type")
        deviceCharacteristics = try reader.require(order, "device_characteristics")
        maximalAccess = try reader.require(order, "maximal_access")
        posixCapabilities = try reader.require(order, "cifs_posix_caps")
        try reader.requireEnd("smb_mnt_fs_info")
    }

    /// The 64 bytes the kernel would write (for fakes and round-trip tests).
    public func encoded(byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeInteger(version, byteOrder)
        writer.writeInteger(protocolID, byteOrder)
        writer.writeInteger(treeConnectFlags, byteOrder)
        for field in [
            volumeSerialNumber, volumeCreationTimeLow, shareCapabilities, shareFlags, sectorFlags, optimalSectorSize,
            maximumBytesPerChunk, fileSystemAttributes, maximumPathComponentLength, deviceType,
            deviceCharacteristics, maximalAccess,
        ] {
            writer.writeInteger(field, byteOrder)
        }
        writer.writeInteger(posixCapabilities, byteOrder)
        return writer.bytes
    }

    /// The dialect by name, e.g. "SMB 3.1.1".
    public var dialectName: String {
        CIFSNames.dialects.name(ofValue: UInt64(protocolID)) ?? "unknown 0x" + String(protocolID, radix: 16)
    }

    /// Whether the share can duplicate extents (reflink); cifs refuses FICLONE otherwise.
    public var supportsBlockRefcounting: Bool { fileSystemAttributes & CIFSNames.supportsBlockRefcounting != 0 }

    /// The caching policy from `ShareFlags & 0x30`.
    public var cachingPolicy: String {
        CIFSNames.shareCaching.name(ofValue: UInt64(shareFlags & 0x30)) ?? "MANUAL_CACHING"
    }

    /// Field offsets, asserted against the kernel layout in tests.
    public static let offsets: [String: Int] = [
        "version": 0, "protocol_id": 4, "tcon_flags": 6, "vol_serial_number": 8, "vol_create_time": 12,
        "share_caps": 16, "share_flags": 20, "sector_flags": 24, "optimal_sector_size": 28, "max_bytes_chunk": 32,
        "fs_attributes": 36, "max_path_component": 40, "device_type": 44, "device_characteristics": 48,
        "maximal_access": 52, "cifs_posix_caps": 56,
    ]
}

// struct smb_mnt_tcon_info {   -- cifs_ioctl.h, __packed
//     __u32 tid;             @0
//     __u64 session_id;      @4  (unaligned)
// };                         = 12 bytes

/// What `CIFS_IOC_GET_TCON_INFO` returns: the ids that match a mount to DebugData and Stats.
public struct CIFSTreeConnectInfo: Hashable, Sendable {
    public static let size = 12

    public var treeID: UInt32
    public var sessionID: UInt64

    public init(treeID: UInt32, sessionID: UInt64) {
        self.treeID = treeID
        self.sessionID = sessionID
    }

    public init(parsing bytes: ArraySlice<UInt8>, byteOrder: ByteOrder = .host) throws(CIFSABIError) {
        guard bytes.count == Self.size else {
            throw CIFSABIError(
                bytes.count < Self.size ? .truncated : .trailingBytes,
                "smb_mnt_tcon_info: \(bytes.count) bytes, expected \(Self.size)")
        }
        var reader = WireReader(bytes)
        treeID = try reader.require(byteOrder, "tid")
        sessionID = try reader.require(byteOrder, "session_id")
    }

    public func encoded(byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeInteger(treeID, byteOrder)
        writer.writeInteger(sessionID, byteOrder)
        return writer.bytes
    }
}
