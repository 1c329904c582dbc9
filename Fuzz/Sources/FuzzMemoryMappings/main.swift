import SMB3Protocol

/// libFuzzer entry point: `/proc/self/smaps`, which smb3-witnessd reads to decide what memory
/// MADV_DONTNEED may drop. Parsing may throw but must never trap; what it accepts must be what
/// the kernel could print (start below end, the permissions' letters), and a mapping it calls
/// releasable must be a private, read-only file mapping with no private copy, never locked.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMemoryMappings(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard let mappings = try? MemoryMappings.parse(bytes) else { return 0 }
    for mapping in mappings {
        precondition(mapping.start < mapping.end, "an empty or reversed range accepted")
        if mapping.isCleanFileMapping {
            precondition(!mapping.writable && !mapping.shared, "a writable or shared mapping is releasable")
            precondition(mapping.anonymousKiB == 0 && mapping.residentKiB > 0, "private copies are releasable")
            precondition(mapping.path?.first == "/" && !mapping.flags.contains("lo"), "not a file, or locked")
        }
    }
    return 0
}
