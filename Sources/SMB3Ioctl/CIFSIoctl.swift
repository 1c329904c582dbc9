// include/uapi/asm-generic/ioctl.h (x86_64 and arm64 use the generic encoding):
//   bits  0..7  nr      bits 8..15 type      bits 16..29 size      bits 30..31 dir
//   dir: _IOC_NONE 0, _IOC_WRITE 1, _IOC_READ 2 (userspace's point of view)
// The cifs numbers come from fs/smb/client/cifs_ioctl.h (identical in 6.1, 6.12 and mainline,
// kernel-interfaces.md §3.1); that header is not uapi, so they are recomputed here.

/// An ioctl request number, computed the way the kernel's `_IOC` macro computes it.
///
/// The named requests are static members, so a number this file does not know still fits.
public struct CIFSIoctl: RawRepresentable, Hashable, Sendable {
    /// The value passed as ioctl(2)'s second argument.
    public let rawValue: UInt

    public init(rawValue: UInt) { self.rawValue = rawValue }

    /// The transfer direction bits, from the caller's point of view.
    public struct Direction: OptionSet, Hashable, Sendable {
        public let rawValue: UInt
        public init(rawValue: UInt) { self.rawValue = rawValue }

        /// `_IOC_WRITE`: the kernel reads the argument.
        public static let write = Direction(rawValue: 1)
        /// `_IOC_READ`: the kernel writes the argument.
        public static let read = Direction(rawValue: 2)
    }

    /// The largest argument size the 14-bit size field can carry.
    public static let maximumArgumentSize = (1 << 14) - 1

    /// `_IOC(dir, type, nr, size)`.
    ///
    /// Returns `nil` when `size` does not fit the 14-bit field (the kernel's `_IOC_TYPECHECK`
    /// would reject such a struct at compile time).
    public static func encode(_ direction: Direction, type: UInt8, number: UInt8, size: Int) -> CIFSIoctl? {
        guard size >= 0, size <= maximumArgumentSize else { return nil }
        let value = direction.rawValue << 30 | UInt(size) << 16 | UInt(type) << 8 | UInt(number)
        return CIFSIoctl(rawValue: value)
    }

    /// The direction bits of this number.
    public var direction: Direction { Direction(rawValue: rawValue >> 30 & 0x3) }
    /// The "magic" byte (`0xCF` for cifs).
    public var type: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    /// The command number within its type.
    public var number: UInt8 { UInt8(truncatingIfNeeded: rawValue) }
    /// The argument size the number encodes.
    public var argumentSize: Int { Int(rawValue >> 16 & 0x3FFF) }

    /// `CIFS_IOCTL_MAGIC`.
    public static let cifsMagic: UInt8 = 0xCF

    // A struct size is fixed and below 2^14, so these encodings cannot fail; the fallback of 0
    // would only show up as a failed pinning test.
    private static func make(_ direction: Direction, _ type: UInt8, _ number: UInt8, _ size: Int) -> CIFSIoctl {
        encode(direction, type: type, number: number, size: size) ?? CIFSIoctl(rawValue: 0)
    }

    /// `CIFS_IOC_COPYCHUNK_FILE`, `_IOW(0xCF, 3, int)`: the argument is the source fd by value.
    public static let copyChunkFile = make(.write, cifsMagic, 3, 4)
    /// `CIFS_IOC_SET_INTEGRITY`, `_IO(0xCF, 4)`.
    public static let setIntegrity = make([], cifsMagic, 4, 0)
    /// `CIFS_IOC_GET_MNT_INFO`, `_IOR(0xCF, 5, struct smb_mnt_fs_info)`.
    public static let getMountInfo = make(.read, cifsMagic, 5, CIFSMountInfo.size)
    /// `CIFS_ENUMERATE_SNAPSHOTS`, `_IOR(0xCF, 6, struct smb_snapshot_array)`.
    public static let enumerateSnapshots = make(.read, cifsMagic, 6, SnapshotArray.headerSize)
    /// `CIFS_QUERY_INFO`, `_IOWR(0xCF, 7, struct smb_query_info)`.
    public static let queryInfo = make([.read, .write], cifsMagic, 7, CIFSQueryInfo.headerSize)
    /// `CIFS_DUMP_KEY`, `_IOWR(0xCF, 8, struct smb3_key_debug_info)`.
    public static let dumpKey = make([.read, .write], cifsMagic, 8, CIFSKeyDebugInfo.size)
    /// `CIFS_IOC_NOTIFY`, `_IOW(0xCF, 9, struct smb3_notify)`.
    public static let notify = make(.write, cifsMagic, 9, CIFSNotifyRequest.size)
    /// `CIFS_DUMP_FULL_KEY`, `_IOWR(0xCF, 10, struct smb3_full_key_debug_info)`.
    public static let dumpFullKey = make([.read, .write], cifsMagic, 10, CIFSFullKeyDebugInfo.headerSize)
    /// `CIFS_IOC_NOTIFY_INFO`, `_IOWR(0xCF, 11, struct smb3_notify_info)`.
    public static let notifyInfo = make([.read, .write], cifsMagic, 11, CIFSNotifyInfoRequest.headerSize)
    /// `CIFS_IOC_GET_TCON_INFO`, `_IOR(0xCF, 12, struct smb_mnt_tcon_info)`.
    public static let getTreeConnectInfo = make(.read, cifsMagic, 12, CIFSTreeConnectInfo.size)
    /// `CIFS_IOC_SHUTDOWN`, `_IOR('X', 125, __u32)`: the same number as XFS `GOINGDOWN`.
    public static let shutdown = make(.read, UInt8(ascii: "X"), 125, 4)

    /// `FS_IOC_GETFLAGS`, `_IOR('f', 1, long)`; cifs reads and writes only an int.
    public static let getFlags = make(.read, UInt8(ascii: "f"), 1, 8)
    /// `FS_IOC_SETFLAGS`, `_IOW('f', 2, long)`.
    public static let setFlags = make(.write, UInt8(ascii: "f"), 2, 8)
    /// `FICLONE`, `_IOW(0x94, 9, int)`: the argument is the source fd by value.
    public static let clone = make(.write, 0x94, 9, 4)
    /// `FICLONERANGE`, `_IOW(0x94, 13, struct file_clone_range)`.
    public static let cloneRange = make(.write, 0x94, 13, CIFSCloneRange.size)
    /// `FIDEDUPERANGE`, `_IOWR(0x94, 54, struct file_dedupe_range)` (24-byte header).
    public static let dedupeRange = make([.read, .write], 0x94, 54, 24)
}

extension CIFSIoctl: CustomStringConvertible {
    public var description: String {
        let hex = String(rawValue, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}

/// `CIFS_IOC_SHUTDOWN` argument values (`CIFS_GOING_FLAGS_*`, the XFS values).
public struct CIFSShutdownFlags: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `CIFS_GOING_FLAGS_DEFAULT`: the kernel answers `EINVAL`.
    public static let `default` = CIFSShutdownFlags(rawValue: 0)
    /// `CIFS_GOING_FLAGS_LOGFLUSH`: flush, then shut down.
    public static let logFlush = CIFSShutdownFlags(rawValue: 1)
    /// `CIFS_GOING_FLAGS_NOLOGFLUSH`: shut down without flushing.
    public static let noLogFlush = CIFSShutdownFlags(rawValue: 2)
}

/// `FS_IOC_GETFLAGS`/`SETFLAGS` bits cifs understands.
public struct CIFSInodeFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    /// `FS_COMPR_FL`: the only flag cifs can set (FSCTL_SET_COMPRESSION).
    public static let compressed = CIFSInodeFlags(rawValue: 0x0000_0004)
}
