import SMB3Wire

// struct smb_query_info {            -- fs/smb/client/cifs_ioctl.h, __packed, host byte order
//     __u32 info_type;              @0   QUERY_INFO: 1 file, 2 fs, 3 security, 4 quota; FSCTL: the CtlCode
//     __u32 file_info_class;        @4
//     __u32 additional_information; @8
//     __u32 flags;                  @12  PASSTHRU_QUERY_INFO 0, PASSTHRU_FSCTL 1, PASSTHRU_SET_INFO 2
//     __u32 input_buffer_length;    @16  in: capacity of the reply area; out: bytes returned
//     __u32 output_buffer_length;   @20  bytes of INPUT data that follow the header (<= 1024)
//     /* char buffer[]; */          @24
// };
// The two length fields are named from the server's point of view, hence "inverted" for the
// caller (kernel-interfaces.md §3.2, smb2ops.c:smb2_ioctl_query_info). The reply overwrites the
// bytes after the header and is silently truncated to the capacity; the area after the header
// must hold max(capacity, input) bytes.

/// A `CIFS_QUERY_INFO` request: a raw SMB2 QUERY_INFO, IOCTL or SET_INFO on a new handle to the path.
public struct CIFSQueryInfo: Hashable, Sendable {
    public static let headerSize = 24
    /// The kernel rejects more input bytes than this with `EINVAL`.
    public static let maximumInputLength = 1024
    /// The reply capacity smbinfo uses for variable-size classes.
    public static let defaultReplyCapacity = 16384
    /// A reply capacity cap: the kernel's own limit is CIFSMaxBufSize (at most 127 KiB); 1 MiB is
    /// far above that and keeps a typo from allocating gigabytes.
    public static let maximumReplyCapacity = 1 << 20

    /// `flags`: which SMB2 operation the kernel sends.
    public struct Mode: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `PASSTHRU_QUERY_INFO`: SMB2 QUERY_INFO (what smbinfo uses).
        public static let queryInfo = Mode(rawValue: 0)
        /// `PASSTHRU_FSCTL`: SMB2 IOCTL with CtlCode = `info_type`; needs CAP_SYS_ADMIN.
        public static let fsctl = Mode(rawValue: 1)
        /// `PASSTHRU_SET_INFO`: FileEndOfFileInformation only; needs CAP_SYS_ADMIN.
        public static let setInfo = Mode(rawValue: 2)
    }

    /// SMB2 QUERY_INFO `InfoType` values.
    public struct InfoType: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let file = InfoType(rawValue: 1)
        public static let fileSystem = InfoType(rawValue: 2)
        public static let security = InfoType(rawValue: 3)
        public static let quota = InfoType(rawValue: 4)
    }

    /// For ``Mode/queryInfo``: the InfoType. For ``Mode/fsctl``: the FSCTL code.
    public var infoType: UInt32
    public var fileInfoClass: UInt32
    public var additionalInformation: UInt32
    public var mode: Mode
    /// How many reply bytes the caller can take (`input_buffer_length` on the way in).
    public var replyCapacity: Int
    /// Bytes sent to the server (their count is `output_buffer_length`).
    public var input: [UInt8]

    /// - Throws: `tooLarge` when the input exceeds ``maximumInputLength`` or the capacity ``maximumReplyCapacity``.
    public init(
        infoType: UInt32, fileInfoClass: UInt32 = 0, additionalInformation: UInt32 = 0, mode: Mode = .queryInfo,
        replyCapacity: Int, input: [UInt8] = []
    ) throws(CIFSABIError) {
        guard input.count <= Self.maximumInputLength else {
            throw CIFSABIError(
                .tooLarge, "CIFS_QUERY_INFO input of \(input.count) bytes exceeds \(Self.maximumInputLength)")
        }
        guard replyCapacity >= 0, replyCapacity <= Self.maximumReplyCapacity else {
            throw CIFSABIError(
                .tooLarge, "CIFS_QUERY_INFO reply capacity \(replyCapacity) outside 0...\(Self.maximumReplyCapacity)")
        }
        self.infoType = infoType
        self.fileInfoClass = fileInfoClass
        self.additionalInformation = additionalInformation
        self.mode = mode
        self.replyCapacity = replyCapacity
        self.input = input
    }

    /// The size of the buffer passed to ioctl(2): header plus max(capacity, input).
    public var bufferSize: Int { Self.headerSize + max(replyCapacity, input.count) }

    /// The ioctl argument: the header, the input, then zeros up to ``bufferSize``.
    public func encoded(byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter(capacity: bufferSize)
        writer.writeInteger(infoType, byteOrder)
        writer.writeInteger(fileInfoClass, byteOrder)
        writer.writeInteger(additionalInformation, byteOrder)
        writer.writeInteger(mode.rawValue, byteOrder)
        writer.writeInteger(UInt32(replyCapacity), byteOrder)  // fits: capped at 1 MiB
        writer.writeInteger(UInt32(input.count), byteOrder)  // fits: capped at 1024
        writer.writeBytes(input)
        writer.writeBytes(repeatElement(0, count: bufferSize - Self.headerSize - input.count))
        return writer.bytes
    }

    /// The reply: the bytes the kernel says it returned, after the header of the buffer it filled.
    ///
    /// - Parameter buffer: the whole ioctl buffer after the call (``bufferSize`` bytes).
    /// - Throws: `truncated` when the buffer is shorter than the header, `invalidLength` when the
    ///   returned length exceeds the capacity or the buffer.
    public func reply(from buffer: [UInt8], byteOrder: ByteOrder = .host) throws(CIFSABIError) -> ArraySlice<UInt8> {
        var reader = WireReader(buffer)
        _ = try reader.requireBytes(16, "smb_query_info header")
        let returned: UInt32 = try reader.require(byteOrder, "input_buffer_length (returned length)")
        _ = try reader.requireBytes(4, "output_buffer_length")
        guard let count = Int(exactly: returned), count <= replyCapacity else {
            throw CIFSABIError(
                .invalidLength, "CIFS_QUERY_INFO returned \(returned) bytes, capacity was \(replyCapacity)")
        }
        return try reader.requireBytes(count, "CIFS_QUERY_INFO reply")
    }
}
