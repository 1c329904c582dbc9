import SMB3Wire

/// NDR20 (C706 ch. 14) as far as MS-SWN and the endpoint mapper need it: little-endian
/// primitives aligned to their size relative to the stub start, unique pointers with
/// referent ids, conformant(-varying) arrays and UTF-16 strings.
public struct NDRWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    private var nextReferent: UInt32 = 0x0002_0000

    public init() {}

    public mutating func align(_ boundary: Int) {
        let pad = (boundary - bytes.count % boundary) % boundary
        bytes.append(contentsOf: repeatElement(0, count: pad))
    }

    public mutating func u16(_ value: UInt16) {
        align(2)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func u32(_ value: UInt32) {
        align(4)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func raw(_ more: some Sequence<UInt8>) { bytes.append(contentsOf: more) }

    /// A non-NULL unique pointer's referent id, counting up the way Samba and Windows do.
    public mutating func referent() {
        u32(nextReferent)
        nextReferent &+= 4
    }

    public mutating func null() { u32(0) }

    /// `[unique,string,charset(UTF16)] uint16 *`: referent, max_count, offset, actual_count,
    /// the characters with their NUL. `nil` is a NULL pointer.
    public mutating func uniqueUTF16String(_ text: String?) {
        guard let text else { return null() }
        referent()
        let characters = encodeUTF16LE(text) + [0, 0]
        let count = UInt32(characters.count / 2)
        u32(count)
        u32(0)
        u32(count)
        bytes.append(contentsOf: characters)
    }
}

public struct NDRReader: Sendable {
    private let bytes: [UInt8]
    public private(set) var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public var remaining: Int { bytes.count - offset }

    public mutating func align(_ boundary: Int) throws(DCERPCError) {
        let pad = (boundary - offset % boundary) % boundary
        guard remaining >= pad else { throw .ndr("alignment past the end") }
        offset += pad
    }

    public mutating func u16(_ what: String) throws(DCERPCError) -> UInt16 {
        try align(2)
        let raw = try take(2, what)
        return UInt16(raw[0]) | UInt16(raw[1]) << 8
    }

    public mutating func u32(_ what: String) throws(DCERPCError) -> UInt32 {
        try align(4)
        let raw = try take(4, what)
        return UInt32(raw[0]) | UInt32(raw[1]) << 8 | UInt32(raw[2]) << 16 | UInt32(raw[3]) << 24
    }

    public mutating func take(_ count: Int, _ what: String) throws(DCERPCError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .ndr("\(what) truncated") }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// A count that sizes what follows; bounded by the bytes left so a hostile count cannot
    /// make us allocate or loop far beyond the message.
    public mutating func count(_ what: String, elementSize: Int) throws(DCERPCError) -> Int {
        let value = Int(try u32(what))
        guard elementSize == 0 || value <= remaining / max(elementSize, 1) else {
            throw .ndr("\(what) \(value) exceeds the \(remaining) bytes left")
        }
        return value
    }

    public func expectEnd(_ what: String) throws(DCERPCError) {
        guard remaining == 0 else { throw .ndr("\(remaining) unexpected bytes after \(what)") }
    }
}
