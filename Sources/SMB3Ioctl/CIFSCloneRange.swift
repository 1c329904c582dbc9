import SMB3Wire

// struct file_clone_range {    -- include/uapi/linux/fs.h
//     __s64 src_fd;           @0
//     __u64 src_offset;       @8
//     __u64 src_length;       @16  0 = to the source's EOF
//     __u64 dest_offset;      @24
// };                          = 32 bytes

/// The `FICLONERANGE` argument: reflink a range of `sourceDescriptor` into the fd the ioctl is called on.
public struct CIFSCloneRange: Hashable, Sendable {
    public static let size = 32

    public var sourceDescriptor: Int64
    public var sourceOffset: UInt64
    /// 0 means "to the end of the source".
    public var length: UInt64
    public var destinationOffset: UInt64

    public init(sourceDescriptor: Int64, sourceOffset: UInt64, length: UInt64, destinationOffset: UInt64) {
        self.sourceDescriptor = sourceDescriptor
        self.sourceOffset = sourceOffset
        self.length = length
        self.destinationOffset = destinationOffset
    }

    public func encoded(byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter(capacity: Self.size)
        writer.writeInteger(sourceDescriptor, byteOrder)
        writer.writeInteger(sourceOffset, byteOrder)
        writer.writeInteger(length, byteOrder)
        writer.writeInteger(destinationOffset, byteOrder)
        return writer.bytes
    }

    public init(parsing bytes: ArraySlice<UInt8>, byteOrder: ByteOrder = .host) throws(CIFSABIError) {
        var reader = WireReader(bytes)
        sourceDescriptor = try reader.require(byteOrder, "src_fd")
        sourceOffset = try reader.require(byteOrder, "src_offset")
        length = try reader.require(byteOrder, "src_length")
        destinationOffset = try reader.require(byteOrder, "dest_offset")
        try reader.requireEnd("file_clone_range")
    }
}
