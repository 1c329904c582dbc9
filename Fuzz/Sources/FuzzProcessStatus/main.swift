import SMB3Protocol

/// libFuzzer entry point: `/proc/<pid>/status` and `/proc/<pid>/environ` of a process that may
/// belong to someone else. Parsing may throw but must never trap, and it must round-trip: the
/// fields that parse, printed again as fs/proc/array.c prints them, parse to the same value.
/// No uid or gid is `(uid_t)-1`, which the kernel never prints (from_kuid_munged gives the
/// overflow id) and which setresuid takes as "unchanged".
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProcessStatus(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let status = try? ProcessStatus(parsing: bytes) {
        let again = try? ProcessStatus(parsing: Array(kernelText(status).utf8))
        precondition(again == status, "the kernel's text of the parsed fields parses to another value")
        for ids in [status.uids, status.gids].compactMap({ $0 }) {
            precondition(
                ![ids.real, ids.effective, ids.savedSet, ids.filesystem].contains(UInt32.max), "(uid_t)-1 accepted")
        }
    }
    if let value = ProcessEnvironment.value(of: "KRB5CCNAME", in: bytes) {
        precondition(!value.utf8.contains(0), "an environment value runs past its NUL")
        // Invalid UTF-8 is replaced (U+FFFD, 3 bytes per bad byte), never read past.
        precondition(value.utf8.count <= 3 * bytes.count)
    }
    return 0
}

/// The lines fs/proc/array.c prints for the fields that are set, in its order.
private func kernelText(_ status: ProcessStatus) -> String {
    func ids(_ ids: ProcessStatus.IDs) -> String { "\(ids.real)\t\(ids.effective)\t\(ids.savedSet)\t\(ids.filesystem)" }
    func mask(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
    var lines = ["Name:\tfuzz"]
    if let value = status.threadGroupID { lines.append("Tgid:\t\(value)") }
    if let value = status.taskID { lines.append("Pid:\t\(value)") }
    if let value = status.uids { lines.append("Uid:\t\(ids(value))") }
    if let value = status.gids { lines.append("Gid:\t\(ids(value))") }
    if let value = status.threads { lines.append("Threads:\t\(value)") }
    if let value = status.effectiveCapabilities { lines.append("CapEff:\t\(mask(value))") }
    if let value = status.boundingCapabilities { lines.append("CapBnd:\t\(mask(value))") }
    return lines.joined(separator: "\n") + "\n"
}
