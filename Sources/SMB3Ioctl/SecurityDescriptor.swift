import SMB3Wire

// Self-relative SECURITY_DESCRIPTOR (MS-DTYP §2.4.6), little-endian, as SMB2 QUERY_INFO
// (InfoType 3, AdditionalInformation OWNER|GROUP|DACL = 7) returns it:
//   Revision u8 @0 (=1), Sbz1 u8 @1, Control u16 @2, OffsetOwner u32 @4, OffsetGroup u32 @8,
//   OffsetSacl u32 @12, OffsetDacl u32 @16; offsets are from the start, 0 = absent.
// SID (§2.4.2.2): Revision u8 (=1), SubAuthorityCount u8 (<= 15), IdentifierAuthority 6 bytes
//   big-endian, SubAuthority[count] u32 LE.
// ACL (§2.4.5): AclRevision u8, Sbz1 u8, AclSize u16, AceCount u16, Sbz2 u16, then ACEs.
// ACE (§2.4.4): AceType u8, AceFlags u8, AceSize u16, then for the basic types (0 allowed,
//   1 denied, 2 audit, 3 alarm) Mask u32 and a SID; other types are kept raw.

/// A security identifier such as `S-1-5-21-…-1000`.
public struct SecurityIdentifier: Hashable, Sendable, CustomStringConvertible {
    public static let maximumSubAuthorities = 15

    public var revision: UInt8
    /// The 48-bit identifier authority.
    public var authority: UInt64
    public var subAuthorities: [UInt32]

    public init(revision: UInt8 = 1, authority: UInt64, subAuthorities: [UInt32]) {
        self.revision = revision
        self.authority = authority
        self.subAuthorities = subAuthorities
    }

    /// Reads one SID from the reader, consuming exactly its bytes.
    public init(reading reader: inout WireReader) throws(CIFSABIError) {
        revision = try reader.require(.little, "SID Revision")
        let count: UInt8 = try reader.require(.little, "SID SubAuthorityCount")
        guard count <= Self.maximumSubAuthorities else {
            throw CIFSABIError(
                .invalidValue, "SID with \(count) sub-authorities (at most \(Self.maximumSubAuthorities))")
        }
        var authority: UInt64 = 0
        for byte in try reader.requireBytes(6, "SID IdentifierAuthority") { authority = authority << 8 | UInt64(byte) }
        self.authority = authority
        var subs: [UInt32] = []
        for index in 0..<Int(count) { subs.append(try reader.require(.little, "SID SubAuthority \(index)")) }
        subAuthorities = subs
    }

    /// 8 + 4 × sub-authorities.
    public var encodedSize: Int { 8 + 4 * subAuthorities.count }

    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: encodedSize)
        writer.writeInteger(revision, .little)
        writer.writeInteger(UInt8(truncatingIfNeeded: subAuthorities.count), .little)
        for shift in stride(from: 40, through: 0, by: -8) {
            writer.writeInteger(UInt8(truncatingIfNeeded: authority >> UInt64(shift)), .little)
        }
        for sub in subAuthorities { writer.writeInteger(sub, .little) }
        return writer.bytes
    }

    /// MS-DTYP §2.4.2.1 string form; the authority is hex when it does not fit 32 bits.
    public var description: String {
        let auth = authority >= 1 << 32 ? "0x" + String(authority, radix: 16) : String(authority)
        return (["S-\(revision)-\(auth)"] + subAuthorities.map { String($0) }).joined(separator: "-")
    }
}

/// One access control entry.
public struct AccessControlEntry: Hashable, Sendable {
    /// `ACE_TYPE` values (MS-DTYP §2.4.4.1).
    public struct Kind: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let accessAllowed = Kind(rawValue: 0)
        public static let accessDenied = Kind(rawValue: 1)
        public static let systemAudit = Kind(rawValue: 2)
        public static let systemAlarm = Kind(rawValue: 3)

        static let names: [String] = [
            "ALLOWED", "DENIED", "AUDIT", "ALARM", "ALLOWED_COMPOUND", "ALLOWED_OBJECT", "DENIED_OBJECT",
            "AUDIT_OBJECT", "ALARM_OBJECT", "ALLOWED_CALLBACK", "DENIED_CALLBACK", "ALLOWED_CALLBACK_OBJECT",
            "DENIED_CALLBACK_OBJECT", "AUDIT_CALLBACK", "ALARM_CALLBACK", "AUDIT_CALLBACK_OBJECT",
            "ALARM_CALLBACK_OBJECT", "MANDATORY_LABEL", "RESOURCE_ATTRIBUTE", "SCOPED_POLICY_ID",
        ]

        /// The smbinfo name (`ALLOWED`, `DENIED`, …) or `Unknown`.
        public var description: String { Int(rawValue) < Self.names.count ? Self.names[Int(rawValue)] : "Unknown" }

        /// Whether the body is a mask and a SID (the types smbinfo decodes).
        public var hasMaskAndSID: Bool { rawValue <= 3 }
    }

    /// `AceFlags` bit names (MS-DTYP §2.4.4.1), smbinfo's order.
    public static let flagNames = CIFSFlagTable([
        (0x80, "FAILED_ACCESS"), (0x40, "SUCCESSFUL_ACCESS"), (0x10, "INHERITED"), (0x08, "INHERIT_ONLY"),
        (0x04, "NO_PROPAGATE_INHERIT"), (0x02, "CONTAINER_INHERIT"), (0x01, "OBJECT_INHERIT"),
    ])

    public var kind: Kind
    public var flags: UInt8
    /// The access mask for the basic types, else nil.
    public var mask: UInt32?
    /// The trustee for the basic types, else nil.
    public var sid: SecurityIdentifier?
    /// The body after the 4-byte header for the other types (object ACEs, callbacks, labels).
    public var rawBody: [UInt8]

    public init(kind: Kind, flags: UInt8, mask: UInt32, sid: SecurityIdentifier) {
        self.kind = kind
        self.flags = flags
        self.mask = mask
        self.sid = sid
        self.rawBody = []
    }

    public init(kind: Kind, flags: UInt8, rawBody: [UInt8]) {
        self.kind = kind
        self.flags = flags
        self.mask = nil
        self.sid = nil
        self.rawBody = rawBody
    }

    /// Reads one ACE; `AceSize` must cover its body and stay inside the ACL.
    init(reading reader: inout WireReader) throws(CIFSABIError) {
        kind = Kind(rawValue: try reader.require(.little, "AceType"))
        flags = try reader.require(.little, "AceFlags")
        let size: UInt16 = try reader.require(.little, "AceSize")
        guard size >= 4 else {
            throw CIFSABIError(.invalidLength, "ACE with AceSize \(size)")
        }
        var body = WireReader(try reader.requireBytes(Int(size) - 4, "ACE body"))
        if kind.hasMaskAndSID {
            mask = try body.require(.little, "ACE Mask")
            sid = try SecurityIdentifier(reading: &body)
            rawBody = []
            // Padding after the SID inside AceSize is allowed and ignored.
        } else {
            mask = nil
            sid = nil
            rawBody = Array(body.bytes)
        }
    }

    public func encoded() -> [UInt8] {
        var body: [UInt8]
        if let mask, let sid {
            var writer = WireWriter()
            writer.writeInteger(mask, .little)
            writer.writeBytes(sid.encoded())
            body = writer.bytes
        } else {
            body = rawBody
        }
        var writer = WireWriter(capacity: 4 + body.count)
        writer.writeInteger(kind.rawValue, .little)
        writer.writeInteger(flags, .little)
        writer.writeInteger(UInt16(truncatingIfNeeded: 4 + body.count), .little)
        writer.writeBytes(body)
        return writer.bytes
    }
}

/// An access control list.
public struct AccessControlList: Hashable, Sendable {
    public static let headerSize = 8
    /// AclSize is 16 bits and an ACE at least 8 bytes, so 8192 ACEs is an upper bound.
    public static let maximumEntries = 8192

    public var revision: UInt8
    public var entries: [AccessControlEntry]

    public init(revision: UInt8 = 2, entries: [AccessControlEntry]) {
        self.revision = revision
        self.entries = entries
    }

    init(reading reader: inout WireReader) throws(CIFSABIError) {
        revision = try reader.require(.little, "AclRevision")
        _ = try reader.requireBytes(1, "Sbz1")
        let size: UInt16 = try reader.require(.little, "AclSize")
        let count: UInt16 = try reader.require(.little, "AceCount")
        _ = try reader.requireBytes(2, "Sbz2")
        guard Int(size) >= Self.headerSize, Int(size) - Self.headerSize <= reader.readableBytes else {
            throw CIFSABIError(
                .invalidLength, "ACL with AclSize \(size), \(reader.readableBytes + Self.headerSize) bytes available")
        }
        guard Int(count) <= Self.maximumEntries else {
            throw CIFSABIError(.tooLarge, "ACL with \(count) entries")
        }
        var body = WireReader(try reader.requireBytes(Int(size) - Self.headerSize, "ACL entries"))
        var entries: [AccessControlEntry] = []
        for _ in 0..<Int(count) { entries.append(try AccessControlEntry(reading: &body)) }
        self.entries = entries
    }

    public func encoded() -> [UInt8] {
        let body = entries.flatMap { $0.encoded() }
        var writer = WireWriter(capacity: Self.headerSize + body.count)
        writer.writeInteger(revision, .little)
        writer.writeInteger(UInt8(0), .little)
        writer.writeInteger(UInt16(truncatingIfNeeded: Self.headerSize + body.count), .little)
        writer.writeInteger(UInt16(truncatingIfNeeded: entries.count), .little)
        writer.writeInteger(UInt16(0), .little)
        writer.writeBytes(body)
        return writer.bytes
    }
}

/// A self-relative security descriptor: owner, group, DACL (and SACL when present).
public struct SecurityDescriptor: Hashable, Sendable {
    public static let headerSize = 20
    /// `SECURITY_INFORMATION` bits: OWNER | GROUP | DACL, what smbinfo asks for.
    public static let ownerGroupDACL: UInt32 = 0x7

    /// `Control` bit names (MS-DTYP §2.4.6), smbinfo's abbreviations and order.
    public static let controlNames = CIFSFlagTable([
        (0x8000, "SR"), (0x4000, "RM"), (0x2000, "PS"), (0x1000, "PD"), (0x0800, "SI"), (0x0400, "DI"),
        (0x0200, "SC"), (0x0100, "DC"), (0x0080, "DT"), (0x0040, "SS"), (0x0020, "SD"), (0x0010, "SP"),
        (0x0008, "DD"), (0x0004, "DP"), (0x0002, "GD"), (0x0001, "OD"),
    ])

    public var revision: UInt8
    public var control: UInt16
    public var owner: SecurityIdentifier?
    public var group: SecurityIdentifier?
    public var sacl: AccessControlList?
    public var dacl: AccessControlList?

    public init(
        revision: UInt8 = 1, control: UInt16, owner: SecurityIdentifier?, group: SecurityIdentifier?,
        sacl: AccessControlList? = nil, dacl: AccessControlList?
    ) {
        self.revision = revision
        self.control = control
        self.owner = owner
        self.group = group
        self.sacl = sacl
        self.dacl = dacl
    }

    public init(parsing bytes: ArraySlice<UInt8>) throws(CIFSABIError) {
        var reader = WireReader(bytes)
        revision = try reader.require(.little, "Revision")
        guard revision == 1 else {
            throw CIFSABIError(.invalidValue, "security descriptor revision \(revision), expected 1")
        }
        _ = try reader.requireBytes(1, "Sbz1")
        control = try reader.require(.little, "Control")
        let ownerOffset: UInt32 = try reader.require(.little, "OffsetOwner")
        let groupOffset: UInt32 = try reader.require(.little, "OffsetGroup")
        let saclOffset: UInt32 = try reader.require(.little, "OffsetSacl")
        let daclOffset: UInt32 = try reader.require(.little, "OffsetDacl")
        let buffer = CIFSOffsetBuffer(bytes)
        func part(_ offset: UInt32, _ name: String) throws(CIFSABIError) -> WireReader? {
            guard offset != 0 else { return nil }
            guard let at = Int(exactly: offset), at >= Self.headerSize else {
                throw CIFSABIError(.invalidLength, "\(name) \(offset) points into the header")
            }
            return try buffer.reader(at: at, name)
        }
        if var r = try part(ownerOffset, "OffsetOwner") {
            owner = try SecurityIdentifier(reading: &r)
        } else {
            owner = nil
        }
        if var r = try part(groupOffset, "OffsetGroup") {
            group = try SecurityIdentifier(reading: &r)
        } else {
            group = nil
        }
        if var r = try part(saclOffset, "OffsetSacl") { sacl = try AccessControlList(reading: &r) } else { sacl = nil }
        if var r = try part(daclOffset, "OffsetDacl") { dacl = try AccessControlList(reading: &r) } else { dacl = nil }
    }

    /// Encodes in the order header, owner, group, SACL, DACL (for fakes and round trips).
    public func encoded() -> [UInt8] {
        var body: [UInt8] = []
        var offsets: [UInt32] = []
        for part in [owner?.encoded(), group?.encoded(), sacl?.encoded(), dacl?.encoded()] {
            if let part {
                offsets.append(UInt32(Self.headerSize + body.count))
                body += part
            } else {
                offsets.append(0)
            }
        }
        var writer = WireWriter(capacity: Self.headerSize + body.count)
        writer.writeInteger(revision, .little)
        writer.writeInteger(UInt8(0), .little)
        writer.writeInteger(control, .little)
        for offset in offsets { writer.writeInteger(offset, .little) }
        writer.writeBytes(body)
        return writer.bytes
    }
}
