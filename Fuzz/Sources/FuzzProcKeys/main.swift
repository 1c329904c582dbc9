import SMB3Protocol

/// libFuzzer entry point: `/proc/keys`, which lists descriptions of other users' keys (any
/// text a user gave add_key) beside the key the upcall service asks about. Looking a serial up
/// must never trap, and what it finds must be the line with that serial.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProcKeys(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\n").prefix(64) {
        guard let entry = ProcKeyEntry(line: line) else { continue }
        precondition(entry.flags.count == 7, "flags are seven characters")
        let found = ProcKeyEntry.find(serial: entry.serial, in: bytes)
        precondition(found?.serial == entry.serial, "the line with a serial is not found by it")
        _ = entry.isUnderConstruction
    }
    return 0
}
