/// The byte order of a multi-byte integer on the wire or in a kernel struct.
public enum ByteOrder: Sendable, Hashable {
    case little
    case big

    /// The order of the machine this runs on. Kernel structs without `__le`/`__be` markers use it.
    public static var host: ByteOrder { UInt16(1).littleEndian == 1 ? .little : .big }
}

/// A bounds-checked cursor over bytes. Every read returns `nil` instead of trapping when the
/// bytes run out, so parsers turn truncation into a thrown error rather than a crash.
public struct WireReader: Sendable {
    public private(set) var bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }
    public init(_ bytes: [UInt8]) { self.bytes = bytes[...] }

    public var readableBytes: Int { bytes.count }

    public mutating func readInteger<T: FixedWidthInteger>(_ order: ByteOrder, as: T.Type = T.self) -> T? {
        let size = MemoryLayout<T>.size
        guard bytes.count >= size else { return nil }
        var value: T = 0
        for byte in bytes.prefix(size) { value = value << 8 | T(byte) }  // big-endian accumulate
        bytes = bytes.dropFirst(size)
        return order == .big ? value : value.byteSwapped
    }

    public mutating func readBytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, bytes.count >= count else { return nil }
        let slice = bytes.prefix(count)
        bytes = bytes.dropFirst(count)
        return slice
    }
}

/// Appends integers and bytes; the counterpart of `WireReader`.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    public mutating func writeInteger<T: FixedWidthInteger>(_ value: T, _ order: ByteOrder) {
        let ordered = order == .big ? value.bigEndian : value.littleEndian
        withUnsafeBytes(of: ordered) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeBytes(_ more: some Sequence<UInt8>) { bytes.append(contentsOf: more) }
}
