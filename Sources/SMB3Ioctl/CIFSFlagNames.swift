/// Names for the bits of a flag word (or the values of an enumerated field), in a stable order.
///
/// The tables are the specifications' names; turning a flag word into text (`names(of:)`, in
/// SMB3Reports) lists the set bits it knows and the rest as one hex remainder.
public struct CIFSFlagTable: Sendable {
    public let entries: [(value: UInt64, name: String)]

    public init(_ entries: [(UInt64, String)]) { self.entries = entries.map { (value: $0.0, name: $0.1) } }

    /// The name of a value of an enumerated field, or nil.
    public func name(ofValue value: UInt64) -> String? {
        entries.first { $0.value == value }?.name
    }
}

/// The flag and value tables of MS-SMB2 / MS-FSCC / MS-DTYP that the ioctl replies carry.
public enum CIFSNames {
    /// SMB2 TREE_CONNECT response `Capabilities` (MS-SMB2 §2.2.10).
    public static let shareCapabilities = CIFSFlagTable([
        (0x0000_0008, "DFS"), (0x0000_0010, "CONTINUOUS_AVAILABILITY"), (0x0000_0020, "SCALEOUT"),
        (0x0000_0040, "CLUSTER"), (0x0000_0080, "ASYMMETRIC"), (0x0000_0100, "REDIRECT_TO_OWNER"),
    ])

    /// SMB2 TREE_CONNECT response `ShareFlags` (MS-SMB2 §2.2.10); bits 4-5 are the caching policy.
    public static let shareFlags = CIFSFlagTable([
        (0x0000_0001, "DFS"), (0x0000_0002, "DFS_ROOT"), (0x0000_0100, "RESTRICT_EXCLUSIVE_OPENS"),
        (0x0000_0200, "FORCE_SHARED_DELETE"), (0x0000_0400, "ALLOW_NAMESPACE_CACHING"),
        (0x0000_0800, "ACCESS_BASED_DIRECTORY_ENUM"), (0x0000_1000, "FORCE_LEVELII_OPLOCK"),
        (0x0000_2000, "ENABLE_HASH_V1"), (0x0000_4000, "ENABLE_HASH_V2"), (0x0000_8000, "ENCRYPT_DATA"),
        (0x0004_0000, "IDENTITY_REMOTING"), (0x0010_0000, "COMPRESS_DATA"), (0x0020_0000, "ISOLATED_TRANSPORT"),
    ])

    /// The caching policy in `ShareFlags & 0x30`.
    public static let shareCaching = CIFSFlagTable([
        (0x00, "MANUAL_CACHING"), (0x10, "AUTO_CACHING"), (0x20, "VDO_CACHING"), (0x30, "NO_CACHING"),
    ])

    /// `FILE_FS_SECTOR_SIZE_INFORMATION.Flags` (`SSINFO_FLAGS_*`, MS-FSCC §2.5.8).
    public static let sectorFlags = CIFSFlagTable([
        (0x1, "ALIGNED_DEVICE"), (0x2, "PARTITION_ALIGNED_ON_DEVICE"), (0x4, "NO_SEEK_PENALTY"),
        (0x8, "TRIM_ENABLED"),
    ])

    /// `FILE_FS_ATTRIBUTE_INFORMATION.FileSystemAttributes` (MS-FSCC §2.5.1).
    public static let fileSystemAttributes = CIFSFlagTable([
        (0x0000_0001, "CASE_SENSITIVE_SEARCH"), (0x0000_0002, "CASE_PRESERVED_NAMES"),
        (0x0000_0004, "UNICODE_ON_DISK"), (0x0000_0008, "PERSISTENT_ACLS"), (0x0000_0010, "FILE_COMPRESSION"),
        (0x0000_0020, "VOLUME_QUOTAS"), (0x0000_0040, "SUPPORTS_SPARSE_FILES"),
        (0x0000_0080, "SUPPORTS_REPARSE_POINTS"), (0x0000_0100, "SUPPORTS_REMOTE_STORAGE"),
        (0x0000_0200, "RETURNS_CLEANUP_RESULT_INFO"), (0x0000_0400, "SUPPORTS_POSIX_UNLINK_RENAME"),
        (0x0000_0800, "SUPPORTS_BYPASS_IO"), (0x0000_8000, "VOLUME_IS_COMPRESSED"),
        (0x0001_0000, "SUPPORTS_OBJECT_IDS"), (0x0002_0000, "SUPPORTS_ENCRYPTION"), (0x0004_0000, "NAMED_STREAMS"),
        (0x0008_0000, "READ_ONLY_VOLUME"), (0x0010_0000, "SEQUENTIAL_WRITE_ONCE"),
        (0x0020_0000, "SUPPORTS_TRANSACTIONS"), (0x0040_0000, "SUPPORTS_HARD_LINKS"),
        (0x0080_0000, "SUPPORTS_EXTENDED_ATTRIBUTES"), (0x0100_0000, "SUPPORTS_OPEN_BY_FILE_ID"),
        (0x0200_0000, "SUPPORTS_USN_JOURNAL"), (0x0400_0000, "SUPPORTS_INTEGRITY_STREAMS"),
        (0x0800_0000, "SUPPORTS_BLOCK_REFCOUNTING"), (0x1000_0000, "SUPPORTS_SPARSE_VDL"),
        (0x2000_0000, "DAX_VOLUME"), (0x4000_0000, "SUPPORTS_GHOSTING"),
    ])

    /// `FILE_SUPPORTS_BLOCK_REFCOUNTING`: without it cifs refuses FICLONE (duplicate extents).
    public static let supportsBlockRefcounting: UInt32 = 0x0800_0000

    /// `FILE_FS_DEVICE_INFORMATION.DeviceType` values (MS-FSCC §2.5.10).
    public static let deviceTypes = CIFSFlagTable([
        (0x02, "CD_ROM"), (0x07, "DISK"), (0x14, "NETWORK_FILE_SYSTEM"), (0x08, "DISK_FILE_SYSTEM"),
        (0x03, "CD_ROM_FILE_SYSTEM"), (0x24, "VIRTUAL_DISK"),
    ])

    /// `FILE_FS_DEVICE_INFORMATION.Characteristics` (MS-FSCC §2.5.10).
    public static let deviceCharacteristics = CIFSFlagTable([
        (0x0000_0001, "REMOVABLE_MEDIA"), (0x0000_0002, "READ_ONLY_DEVICE"), (0x0000_0004, "FLOPPY_DISKETTE"),
        (0x0000_0008, "WRITE_ONCE_MEDIA"), (0x0000_0010, "REMOTE_DEVICE"), (0x0000_0020, "DEVICE_IS_MOUNTED"),
        (0x0000_0040, "VIRTUAL_VOLUME"), (0x0000_0100, "DEVICE_SECURE_OPEN"),
        (0x0000_1000, "CHARACTERISTIC_TS_DEVICE"), (0x0000_2000, "CHARACTERISTIC_WEBDAV_DEVICE"),
        (0x0002_0000, "DEVICE_ALLOW_APPCONTAINER_TRAVERSAL"), (0x0004_0000, "PORTABLE_DEVICE"),
    ])

    /// ACCESS_MASK bits for files (MS-DTYP §2.4.3, MS-SMB2 §2.2.13.1.1); smbinfo's `FILE_ACCESS_FLAGS`.
    public static let fileAccess = CIFSFlagTable([
        (0x0000_0001, "READ_DATA"), (0x0000_0002, "WRITE_DATA"), (0x0000_0004, "APPEND_DATA"),
        (0x0000_0008, "READ_EA"), (0x0000_0010, "WRITE_EA"), (0x0000_0020, "EXECUTE"),
        (0x0000_0040, "DELETE_CHILD"), (0x0000_0080, "READ_ATTRIBUTES"), (0x0000_0100, "WRITE_ATTRIBUTES"),
        (0x0001_0000, "DELETE"), (0x0002_0000, "READ_CONTROL"), (0x0004_0000, "WRITE_DAC"),
        (0x0008_0000, "WRITE_OWNER"), (0x0010_0000, "SYNCHRONIZE"), (0x0100_0000, "ACCESS_SYSTEM_SECURITY"),
        (0x0200_0000, "MAXIMUM_ALLOWED"), (0x1000_0000, "GENERIC_ALL"), (0x2000_0000, "GENERIC_EXECUTE"),
        (0x4000_0000, "GENERIC_WRITE"), (0x8000_0000, "GENERIC_READ"),
    ])

    /// ACCESS_MASK bits for directories (MS-SMB2 §2.2.13.1.2); smbinfo's `DIR_ACCESS_FLAGS`.
    public static let directoryAccess = CIFSFlagTable([
        (0x0000_0001, "LIST_DIRECTORY"), (0x0000_0002, "ADD_FILE"), (0x0000_0004, "ADD_SUBDIRECTORY"),
        (0x0000_0008, "READ_EA"), (0x0000_0010, "WRITE_EA"), (0x0000_0020, "TRAVERSE"),
        (0x0000_0040, "DELETE_CHILD"), (0x0000_0080, "READ_ATTRIBUTES"), (0x0000_0100, "WRITE_ATTRIBUTES"),
        (0x0001_0000, "DELETE"), (0x0002_0000, "READ_CONTROL"), (0x0004_0000, "WRITE_DAC"),
        (0x0008_0000, "WRITE_OWNER"), (0x0010_0000, "SYNCHRONIZE"), (0x0100_0000, "ACCESS_SYSTEM_SECURITY"),
        (0x0200_0000, "MAXIMUM_ALLOWED"), (0x1000_0000, "GENERIC_ALL"), (0x2000_0000, "GENERIC_EXECUTE"),
        (0x4000_0000, "GENERIC_WRITE"), (0x8000_0000, "GENERIC_READ"),
    ])

    /// File attributes (MS-FSCC §2.6); smbinfo's `FILE_ATTR_FLAGS`.
    public static let fileAttributes = CIFSFlagTable([
        (0x0000_0001, "READ_ONLY"), (0x0000_0002, "HIDDEN"), (0x0000_0004, "SYSTEM"), (0x0000_0010, "DIRECTORY"),
        (0x0000_0020, "ARCHIVE"), (0x0000_0080, "NORMAL"), (0x0000_0100, "TEMPORARY"),
        (0x0000_0200, "SPARSE_FILE"), (0x0000_0400, "REPARSE_POINT"), (0x0000_0800, "COMPRESSED"),
        (0x0000_1000, "OFFLINE"), (0x0000_2000, "NOT_CONTENT_INDEXED"), (0x0000_4000, "ENCRYPTED"),
        (0x0000_8000, "INTEGRITY_STREAM"), (0x0002_0000, "NO_SCRUB_DATA"),
    ])

    /// `FILE_MODE_INFORMATION.Mode` (MS-FSCC §2.4.26); smbinfo's `FILE_MODE_FLAGS`.
    public static let fileMode = CIFSFlagTable([
        (0x0000_0002, "WRITE_THROUGH"), (0x0000_0004, "SEQUENTIAL_ONLY"), (0x0000_0008, "NO_INTERMEDIATE_BUFFERING"),
        (0x0000_0010, "SYNCHRONOUS_IO_ALERT"), (0x0000_0020, "SYNCHRONOUS_IO_NONALERT"),
        (0x0000_1000, "DELETE_ON_CLOSE"),
    ])

    /// `FILE_ALIGNMENT_INFORMATION.AlignmentRequirement` values (MS-FSCC §2.4.3).
    public static let alignment = CIFSFlagTable([
        (0, "BYTE_ALIGNMENT"), (1, "WORD_ALIGNMENT"), (3, "LONG_ALIGNMENT"), (7, "QUAD_ALIGNMENT"),
        (15, "OCTA_ALIGNMENT"), (31, "32_BYTE_ALIGNMENT"), (63, "64_BYTE_ALIGNMENT"),
        (127, "128_BYTE_ALIGNMENT"), (255, "256_BYTE_ALIGNMENT"), (511, "512_BYTE_ALIGNMENT"),
    ])

    /// Compression formats (MS-FSCC §2.4.9, §2.3.67).
    public static let compressionFormats = CIFSFlagTable([
        (0x0000, "NONE"), (0x0001, "DEFAULT"), (0x0002, "LZNT1"),
    ])

    /// SMB2 dialects as `protocol_id` carries them.
    public static let dialects = CIFSFlagTable([
        (0x0000, "SMB1 (CIFS)"), (0x0202, "SMB 2.0.2"), (0x0210, "SMB 2.1"), (0x0300, "SMB 3.0"),
        (0x0302, "SMB 3.0.2"), (0x0311, "SMB 3.1.1"),
    ])

    /// `cipher_type` of the key dumps (MS-SMB2 §2.2.3.1.2); 0 means no encryption.
    public static let ciphers = CIFSFlagTable([
        (0x0000, "NONE"), (0x0001, "AES-128-CCM"), (0x0002, "AES-128-GCM"), (0x0003, "AES-256-CCM"),
        (0x0004, "AES-256-GCM"),
    ])
}
