import SMB3Protocol

/// libFuzzer entry point: the CIFS_ENUMERATE_SNAPSHOTS buffer (header plus the server's
/// SRV_SNAPSHOT_ARRAY tokens). Must never trap; a decoded token must format back to itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSnapshotArray(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let array = try? SnapshotArray(parsing: bytes[...], byteOrder: .little) {
        precondition(array.snapshots.count <= Int(array.numberOfSnapshotsReturned))
        for snapshot in array.snapshots {
            precondition(NTTime(gmtToken: snapshot.gmtToken) == snapshot)
            _ = snapshot.iso8601
        }
    }
    _ = NTTime(gmtToken: String(decoding: bytes, as: UTF8.self))
    return 0
}
