import SMB3DCERPC
import SMB3Wire

// Decoders of the FSRVP response stubs. Every one ends with the call's DWORD return value and
// rejects trailing bytes. Out-parameters are reported whatever the status: a failed call's
// out-values are what the server left (zeros in Samba), and callers look at the status first.

/// FSSAGENT_SHARE_MAPPING_1 (MS-FSRVP 2.2.3.1): where a shadow copy of a share is exposed.
public struct FSRVPShareMapping: Hashable, Sendable {
    public var setID: FSRVPGUID
    public var copyID: FSRVPGUID
    /// The original share, `\\server\share`.
    public var shareNameUNC: String
    /// The share the shadow copy is exposed as (Samba: `share@{<shadow copy id>}`); a name on the
    /// same server or a UNC name, as the server chose.
    public var shadowCopyShareName: String
    /// CreationTimestamp: a FILETIME (100 ns units since 1601-01-01 UTC).
    public var creationTime: UInt64

    public init(
        setID: FSRVPGUID, copyID: FSRVPGUID, shareNameUNC: String, shadowCopyShareName: String, creationTime: UInt64
    ) {
        self.setID = setID
        self.copyID = copyID
        self.shareNameUNC = shareNameUNC
        self.shadowCopyShareName = shadowCopyShareName
        self.creationTime = creationTime
    }

    /// The creation time in seconds since 1970-01-01 UTC; nil before 1970.
    public var creationUnixSeconds: Int64? {
        let epochDifference: UInt64 = 116_444_736_000_000_000
        guard creationTime >= epochDifference else { return nil }
        return Int64((creationTime - epochDifference) / 10_000_000)
    }
}

public enum FSRVPResponse {
    /// The longest string a response may carry, in UTF-16 units: share names are at most 80
    /// characters and server names 255 (MS-FSRVP names UNC paths); 1024 leaves room and still
    /// keeps a hostile count cheap.
    public static let maximumStringUnits = 1024

    /// GetSupportedVersion: MinVersion, MaxVersion.
    public static func supportedVersion(
        _ stub: [UInt8]
    ) throws(DCERPCError) -> (minimum: UInt32, maximum: UInt32, status: FSRVPStatus) {
        var reader = NDRReader(stub)
        let minimum = try reader.u32("MinVersion")
        let maximum = try reader.u32("MaxVersion")
        let status = try reader.status("GetSupportedVersion")
        return (minimum, maximum, status)
    }

    /// SetContext, CommitShadowCopySet, ExposeShadowCopySet, RecoveryCompleteShadowCopySet,
    /// AbortShadowCopySet, DeleteShareMapping, PrepareShadowCopySet: the status alone.
    public static func status(_ stub: [UInt8]) throws(DCERPCError) -> FSRVPStatus {
        var reader = NDRReader(stub)
        return try reader.status("response")
    }

    /// StartShadowCopySet (the set id) and AddToShadowCopySet (the shadow copy id).
    public static func guid(_ stub: [UInt8]) throws(DCERPCError) -> (id: FSRVPGUID, status: FSRVPStatus) {
        var reader = NDRReader(stub)
        let id = try reader.guid("id")
        let status = try reader.status("response")
        return (id, status)
    }

    /// IsPathSupported: SupportedByThisProvider and OwnerMachineName (nil for a NULL pointer).
    public static func pathSupported(
        _ stub: [UInt8]
    ) throws(DCERPCError) -> (supported: Bool, ownerMachineName: String?, status: FSRVPStatus) {
        var reader = NDRReader(stub)
        let supported = try reader.boolean32("SupportedByThisProvider")
        var owner: String?
        if try reader.u32("OwnerMachineName pointer") != 0 {
            owner = try reader.utf16String("OwnerMachineName")
        }
        let status = try reader.status("IsPathSupported")
        return (supported, owner, status)
    }

    /// IsPathShadowCopied: ShadowCopyPresent and ShadowCopyCompatibility.
    public static func pathShadowCopied(
        _ stub: [UInt8]
    ) throws(DCERPCError) -> (present: Bool, compatibility: Int32, status: FSRVPStatus) {
        var reader = NDRReader(stub)
        let present = try reader.boolean32("ShadowCopyPresent")
        let compatibility = Int32(bitPattern: try reader.u32("ShadowCopyCompatibility"))
        let status = try reader.status("IsPathShadowCopied")
        return (present, compatibility, status)
    }

    /// GetShareMapping: the level-1 mapping, nil when the server sent a NULL arm (a failed call).
    public static func shareMapping(
        _ stub: [UInt8]
    ) throws(DCERPCError) -> (mapping: FSRVPShareMapping?, status: FSRVPStatus) {
        var reader = NDRReader(stub)
        let level = try reader.u32("ShareMapping level")
        var mapping: FSRVPShareMapping?
        switch level {
        case 1:
            if try reader.u32("ShareMapping1 pointer") != 0 {
                mapping = try reader.shareMapping1()
            }
        default:
            // The union's default arm is empty: nothing follows but the status.
            break
        }
        let status = try reader.status("GetShareMapping")
        if level != 1, status.isSuccess { throw .ndr("GetShareMapping succeeded at level \(level)") }
        return (mapping, status)
    }
}

extension NDRReader {
    mutating func status(_ what: String) throws(DCERPCError) -> FSRVPStatus {
        let value = try u32("\(what) return value")
        try expectEnd(what)
        return FSRVPStatus(value)
    }

    mutating func guid(_ what: String) throws(DCERPCError) -> FSRVPGUID {
        try align(4)
        return FSRVPGUID(uncheckedWire: try take(16, what))
    }

    /// boolean32: a uint32 that NDR allows to be any value; only 0 is false.
    mutating func boolean32(_ what: String) throws(DCERPCError) -> Bool { try u32(what) != 0 }

    mutating func u64(_ what: String) throws(DCERPCError) -> UInt64 {
        try align(8)
        let low = UInt64(try u32(what))
        let high = UInt64(try u32(what))
        return high << 32 | low
    }

    /// A conformant varying UTF-16 string (`[string,charset(UTF16)]`): max_count, offset 0,
    /// actual_count ≤ max_count, then the units, the last of them a NUL. Decoded strictly: a lone
    /// surrogate is an error, not a replacement character.
    mutating func utf16String(_ what: String) throws(DCERPCError) -> String {
        let maximum = try u32("\(what) max_count")
        let offset = try u32("\(what) offset")
        guard offset == 0 else { throw .ndr("\(what) offset \(offset), not 0") }
        let actual = try count("\(what) actual_count", elementSize: 2)
        guard actual <= Int(maximum) else { throw .ndr("\(what) actual_count \(actual) > max_count \(maximum)") }
        guard actual >= 1, actual <= FSRVPResponse.maximumStringUnits else {
            throw .ndr("\(what) of \(actual) UTF-16 units")
        }
        let raw = try take(actual * 2, what)
        var units: [UInt16] = []
        units.reserveCapacity(actual)
        for index in stride(from: 0, to: raw.count, by: 2) {
            units.append(UInt16(raw[index]) | UInt16(raw[index + 1]) << 8)
        }
        guard units.last == 0 else { throw .ndr("\(what) without its NUL") }
        units.removeLast()
        guard !units.contains(0) else { throw .ndr("\(what) with a NUL inside") }
        guard let text = String(validating: units, as: UTF16.self) else { throw .ndr("\(what) is not valid UTF-16") }
        return text
    }

    /// FSSAGENT_SHARE_MAPPING_1 behind its non-NULL pointer: the structure (aligned to 8 for its
    /// NTTIME), then the two deferred strings in member order.
    mutating func shareMapping1() throws(DCERPCError) -> FSRVPShareMapping {
        try align(8)
        let setID = try guid("ShadowCopySetId")
        let copyID = try guid("ShadowCopyId")
        let sharePointer = try u32("ShareNameUNC pointer")
        let copySharePointer = try u32("ShadowCopyShareName pointer")
        let time = try u64("CreationTimestamp")
        guard sharePointer != 0, copySharePointer != 0 else { throw .ndr("share mapping without its share names") }
        let share = try utf16String("ShareNameUNC")
        let copyShare = try utf16String("ShadowCopyShareName")
        return FSRVPShareMapping(
            setID: setID, copyID: copyID, shareNameUNC: share, shadowCopyShareName: copyShare, creationTime: time)
    }
}
