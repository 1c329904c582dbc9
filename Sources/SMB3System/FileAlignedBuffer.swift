#if canImport(Glibc)
    import SMB3Errors
    import Glibc
#endif

/// Memory from posix_memalign(3), as O_DIRECT wants it: the address, and every transfer size,
/// a multiple of the alignment. Freed once, when the last reference goes.
public final class FileAlignedBuffer {
    public let count: Int
    public let alignment: Int
    private let base: UnsafeMutableRawPointer

    /// - Throws: `SystemError` with the errno posix_memalign returned (it does not set errno).
    public init(count: Int, alignment: Int) throws(SystemError) {
        var pointer: UnsafeMutableRawPointer?
        let size = max(count, 1)
        let result = posix_memalign(&pointer, alignment, size)
        guard result == 0, let pointer else {
            throw SystemError(
                function: "posix_memalign", errno: result, context: "allocating \(count) bytes aligned to \(alignment)")
        }
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        self.base = pointer
        self.count = count
        self.alignment = alignment
    }

    deinit { free(base) }

    public func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeMutableRawBufferPointer(start: base, count: count))
    }
}
