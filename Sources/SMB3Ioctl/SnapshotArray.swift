import SMB3Wire

// struct smb_snapshot_array {              -- cifs_ioctl.h, __packed, host byte order
//     __u32 number_of_snapshots;          @0  in: size hint (0 → the kernel asks for 16 bytes)
//     __u32 number_of_snapshots_returned; @4
//     __u32 snapshot_array_size;          @8  in: room for tokens; out: bytes the server has
//     /* snapshots[] */                   @12 SRV_SNAPSHOT_ARRAY tokens, UTF-16LE, NUL-terminated
// };
// Each token is "@GMT-YYYY.MM.DD-HH.MM.SS" (24 UTF-16 units + NUL = 50 bytes); the array ends
// with an extra NUL (MS-SMB2 §2.2.32.2). The kernel copies back only the header when
// snapshot_array_size < 50, else min(reply, snapshot_array_size + 12) bytes (kernel-interfaces.md §3.2).

/// `CIFS_ENUMERATE_SNAPSHOTS`: request header and decoded reply.
public struct SnapshotArray: Hashable, Sendable {
    public static let headerSize = 12
    /// `GMT_TOKEN_SIZE`: one token with its NUL.
    public static let tokenSize = 50
    /// SMB2 IOCTL replies are bounded by the negotiated max transact size (at most 8 MiB); tokens
    /// beyond 1 MiB would be over 20000 snapshots, far beyond any real share.
    public static let maximumArraySize = 1 << 20

    public var numberOfSnapshots: UInt32
    public var numberOfSnapshotsReturned: UInt32
    public var arraySize: UInt32
    /// The snapshots, in the server's order.
    public var snapshots: [NTTime]

    public init(numberOfSnapshots: UInt32, numberOfSnapshotsReturned: UInt32, arraySize: UInt32, snapshots: [NTTime]) {
        self.numberOfSnapshots = numberOfSnapshots
        self.numberOfSnapshotsReturned = numberOfSnapshotsReturned
        self.arraySize = arraySize
        self.snapshots = snapshots
    }

    /// The ioctl buffer for a call: the header, then `room` zero bytes for tokens.
    ///
    /// The first call uses `numberOfSnapshots: 0, room: 0`; the second the count and size the first returned.
    public static func request(numberOfSnapshots: UInt32, arraySize: UInt32, byteOrder: ByteOrder = .host) -> [UInt8] {
        let room = min(Int(arraySize), maximumArraySize)
        var writer = WireWriter(capacity: headerSize + room + 2)
        writer.writeInteger(numberOfSnapshots, byteOrder)
        writer.writeInteger(UInt32(0), byteOrder)
        writer.writeInteger(UInt32(room), byteOrder)
        // Two spare bytes: the kernel may copy the final NUL of the array.
        writer.writeBytes(repeatElement(0, count: room + 2))
        return writer.bytes
    }

    /// Decodes the buffer after the ioctl. Tokens are read only up to the bytes the header
    /// announces and the buffer holds; a token that is not a valid `@GMT-` string is an error.
    public init(parsing bytes: ArraySlice<UInt8>, byteOrder: ByteOrder = .host) throws(CIFSABIError) {
        var reader = WireReader(bytes)
        numberOfSnapshots = try reader.require(byteOrder, "number_of_snapshots")
        numberOfSnapshotsReturned = try reader.require(byteOrder, "number_of_snapshots_returned")
        arraySize = try reader.require(byteOrder, "snapshot_array_size")
        guard let size = Int(exactly: arraySize), size <= Self.maximumArraySize else {
            throw CIFSABIError(.tooLarge, "snapshot_array_size \(arraySize) exceeds \(Self.maximumArraySize)")
        }
        // Only the header came back (the size probe), or fewer bytes than announced: read what is there.
        let available = min(size, reader.readableBytes)
        let tokens = try reader.requireBytes(available, "snapshot tokens")
        var snapshots: [NTTime] = []
        var tokenReader = WireReader(tokens)
        while snapshots.count < Int(numberOfSnapshotsReturned), tokenReader.readableBytes >= Self.tokenSize {
            let token = try tokenReader.requireBytes(Self.tokenSize, "snapshot token")
            guard token.suffix(2).allSatisfy({ $0 == 0 }) else {
                throw CIFSABIError(.invalidValue, "snapshot token \(snapshots.count) is not NUL-terminated")
            }
            let text = try decodeUTF16LE(token.dropLast(2), "snapshot token")
            guard let time = NTTime(gmtToken: text) else {
                throw CIFSABIError(.invalidValue, "snapshot token \(snapshots.count) is not an @GMT token")
            }
            snapshots.append(time)
        }
        self.snapshots = snapshots
    }

    /// The bytes the kernel would copy back (for fakes and round trips).
    public func encoded(byteOrder: ByteOrder = .host) -> [UInt8] {
        var writer = WireWriter()
        writer.writeInteger(numberOfSnapshots, byteOrder)
        writer.writeInteger(numberOfSnapshotsReturned, byteOrder)
        writer.writeInteger(arraySize, byteOrder)
        var tokens: [UInt8] = []
        for snapshot in snapshots { tokens += encodeUTF16LE(snapshot.gmtToken) + [0, 0] }
        tokens += [0, 0]
        writer.writeBytes(tokens.prefix(Int(arraySize)))
        return writer.bytes
    }
}
