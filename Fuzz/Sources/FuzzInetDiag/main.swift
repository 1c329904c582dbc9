import SMB3Protocol

/// libFuzzer entry point: NETLINK_SOCK_DIAG answers as smb3-witnessd reads them before it
/// aborts the kernel's connections to a moved server. Dump and ack parsing must throw, never
/// trap; every socket a dump yields can be named in a well-formed SOCK_DESTROY request.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInetDiag(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    _ = try? InetDiag.parseAck(bytes)
    guard let (sockets, _) = try? InetDiag.parseDump(bytes) else { return 0 }
    for socket in sockets {
        _ = socket.destination
        let request = InetDiag.destroyRequest(socket, sequence: 1)
        precondition(request.count == NetlinkMessage.headerSize + InetDiag.requestSize, "SOCK_DESTROY size")
    }
    // The census places every dumped socket in exactly one group.
    let census = InetDiag.ConnectionCensus(sockets, heldInodes: Set(sockets.prefix(2).map { UInt64($0.inode) }))
    precondition(census.kernel.count + census.kept == sockets.count, "census partition")
    return 0
}
