// Sparse files over SMB (MS-FSCC §2.3, fs/smb/client/smb2ops.c of 6.1 and 6.12):
//
//   FSCTL_SET_SPARSE                0x000900C4  input FILE_SET_SPARSE_BUFFER { u8 SetSparse } (§2.3.79);
//                                               access FILE_SPECIAL_ACCESS (0), so a CIFS_QUERY_INFO
//                                               passthrough opens the file for GENERIC_ALL
//   FSCTL_SET_ZERO_DATA             0x000980C8  { le64 FileOffset; le64 BeyondFinalZero } (§2.3.85)
//   FSCTL_QUERY_ALLOCATED_RANGES    0x000940CF  { le64 FileOffset; le64 Length } in and out (§2.3.51)
//   FILE_ATTRIBUTE_SPARSE_FILE      0x00000200  (§2.6)
//
// What cifs.ko sends for which system call:
//   fallocate(PUNCH_HOLE|KEEP_SIZE)  smb3_punch_hole: smb2_set_sparse (FSCTL_SET_SPARSE unless the
//                                    cached attributes already say sparse), then FSCTL_SET_ZERO_DATA;
//                                    EOPNOTSUPP when SET_SPARSE was refused, now or before on the share
//                                    (tcon->broken_sparse_sup, DebugData " nosparse": never asked again)
//   lseek(SEEK_DATA/SEEK_HOLE)       smb3_llseek: FSCTL_QUERY_ALLOCATED_RANGES for a file whose cached
//                                    attributes say sparse; otherwise the whole file is data, unasked
//   ftruncate growing by > 8 KiB     smb2_set_file_size: FSCTL_SET_SPARSE, failure ignored
// No cifs ioctl sets the attribute (FS_IOC_SETFLAGS only knows FS_COMPR_FL) and statx reports only
// COMPRESSED and ENCRYPTED, so the attribute is read with CIFS_QUERY_INFO and set through the
// CIFS_QUERY_INFO FSCTL passthrough.

/// The FSCTLs and the attribute bit behind sparse files.
public enum SparseFileControl {
    /// `FSCTL_SET_SPARSE` (`fs/smb/common/smbfsctl.h`).
    public static let setSparseCode: UInt32 = 0x0009_00C4
    /// `FSCTL_SET_ZERO_DATA`.
    public static let setZeroDataCode: UInt32 = 0x0009_80C8
    /// `FSCTL_QUERY_ALLOCATED_RANGES`.
    public static let queryAllocatedRangesCode: UInt32 = 0x0009_40CF
    /// `FILE_ATTRIBUTE_SPARSE_FILE`.
    public static let sparseFileAttribute: UInt32 = 0x0000_0200

    /// The input of FSCTL_SET_SPARSE: `FILE_SET_SPARSE_BUFFER`, one BOOLEAN.
    public static func setSparseInput(_ sparse: Bool) -> [UInt8] { [sparse ? 1 : 0] }

    /// Whether a FileAttributes word has `FILE_ATTRIBUTE_SPARSE_FILE`.
    public static func isSparse(attributes: UInt32) -> Bool { attributes & sparseFileAttribute != 0 }
}

/// One run of allocated bytes, as SEEK_DATA and SEEK_HOLE delimit it (`FILE_ALLOCATED_RANGE_BUFFER`).
public struct AllocatedRange: Hashable, Sendable {
    public var offset: UInt64
    public var length: UInt64

    public init(offset: UInt64, length: UInt64) {
        self.offset = offset
        self.length = length
    }

    /// The first byte after the range (saturating).
    public var end: UInt64 {
        let (sum, overflow) = offset.addingReportingOverflow(length)
        return overflow ? .max : sum
    }
}
