import SMB3Protocol

/// libFuzzer entry point: `/proc/fs/cifs/DebugData` bytes. Parsing may throw but must never trap,
/// and whatever parsed must hold the model's invariants and render as JSON.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDebugData(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard let data = try? DebugData(parsing: bytes) else { return 0 }
    precondition(data.diagnostics.count <= DebugData.maximumDiagnostics)
    for server in data.servers {
        for session in server.sessions {
            precondition(session.channels.first?.isPrimary == true && session.channels.first?.number == 1)
            precondition(session.channels.dropFirst().allSatisfy { !$0.isPrimary })
        }
    }
    _ = data.jsonReport()
    return 0
}
