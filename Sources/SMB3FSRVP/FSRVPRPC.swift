import SMB3DCERPC
import SMB3Wire

// MS-FSRVP (File Server Remote VSS Protocol) over DCE/RPC on the named pipe \pipe\FssagentRpc:
// the interface, its opnums, and the NDR20 stubs of every call. Layouts follow MS-FSRVP 3.1.4 and
// Samba's librpc/idl/fsrvp.idl; the byte-exact vectors are in the tests.
//
// NDR notes that decide the bytes:
// - A top-level [in] `[string] uint16 *ShareName` is a reference pointer: no referent id, only
//   max_count, offset, actual_count and the UTF-16 units with their NUL.
// - GetSupportedVersion and IsPathSupported carry 52 bytes after their documented parameters
//   (Samba's IDL: `uint8 magic[52]`, "wire"); Samba's server needs them to unmarshal the call, and
//   its rpcclient sends zeros, as this client does.
// - GetShareMapping's [out] union is non-encapsulated: its uint32 discriminant (the Level) comes
//   first, then the arm, a unique pointer to FSSAGENT_SHARE_MAPPING_1, whose NTTIME aligns the
//   structure to 8.

/// The FileServerVssAgent interface: a8e0653c-2744-4389-a61d-7373df8b2292 v1.0.
public enum FSRVPRPC {
    public static let interface = DCERPCSyntax(
        wireUUID: [0x3c, 0x65, 0xe0, 0xa8, 0x44, 0x27, 0x89, 0x43, 0xa6, 0x1d, 0x73, 0x73, 0xdf, 0x8b, 0x22, 0x92],
        major: 1, minor: 0)

    /// The pipe to open on `IPC$` (CREATE name, relative to the share).
    public static let pipeName = "FssagentRpc"

    /// FSRVP_RPC_VERSION_1, the only version there is.
    public static let version1: UInt32 = 1

    /// Length of the undocumented trailing array of GetSupportedVersion and IsPathSupported.
    public static let magicLength = 52

    public enum Opnum: UInt16, Sendable, CaseIterable {
        case getSupportedVersion = 0
        case setContext = 1
        case startShadowCopySet = 2
        case addToShadowCopySet = 3
        case commitShadowCopySet = 4
        case exposeShadowCopySet = 5
        case recoveryCompleteShadowCopySet = 6
        case abortShadowCopySet = 7
        case isPathSupported = 8
        case isPathShadowCopied = 9
        case getShareMapping = 10
        case deleteShareMapping = 11
        case prepareShadowCopySet = 12
    }
}

/// The context SetContext chooses (MS-FSRVP 3.1.4.2): which kind of shadow copy the set makes.
public struct FSRVPContext: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// FSRVP_CTX_BACKUP: auto-release, non-persistent, with writers.
    public static let backup = FSRVPContext(rawValue: 0x0000_0000)
    /// FSRVP_CTX_FILE_SHARE_BACKUP: auto-release, non-persistent, without writers.
    public static let fileShareBackup = FSRVPContext(rawValue: 0x0000_0010)
    /// FSRVP_CTX_NAS_ROLLBACK: persistent, not auto-released, without writers.
    public static let nasRollback = FSRVPContext(rawValue: 0x0000_0019)
    /// FSRVP_CTX_APP_ROLLBACK: persistent, not auto-released.
    public static let appRollback = FSRVPContext(rawValue: 0x0000_0009)
    /// ATTR_AUTO_RECOVERY, or-ed in for a writable shadow copy.
    public static let autoRecoveryAttribute: UInt32 = 0x0040_0000

    /// This context with ATTR_AUTO_RECOVERY: the shadow copy is exposed writable.
    public var writable: FSRVPContext { FSRVPContext(rawValue: rawValue | Self.autoRecoveryAttribute) }
}

/// One call: its opnum and NDR20 request stub.
public struct FSRVPCall: Hashable, Sendable {
    public let opnum: FSRVPRPC.Opnum
    public let stub: [UInt8]

    init(_ opnum: FSRVPRPC.Opnum, _ build: (inout NDRWriter) -> Void) {
        var writer = NDRWriter()
        build(&writer)
        self.opnum = opnum
        self.stub = writer.bytes
    }

    /// GetSupportedVersion (opnum 0).
    public static func getSupportedVersion() -> FSRVPCall {
        FSRVPCall(.getSupportedVersion) { $0.raw(repeatElement(0, count: FSRVPRPC.magicLength)) }
    }

    /// SetContext (opnum 1).
    public static func setContext(_ context: FSRVPContext) -> FSRVPCall {
        FSRVPCall(.setContext) { $0.u32(context.rawValue) }
    }

    /// StartShadowCopySet (opnum 2): the client's proposed set id.
    public static func startShadowCopySet(clientSetID: FSRVPGUID) -> FSRVPCall {
        FSRVPCall(.startShadowCopySet) { $0.guid(clientSetID) }
    }

    /// AddToShadowCopySet (opnum 3): the share by UNC name (`\\server\share`).
    public static func addToShadowCopySet(clientCopyID: FSRVPGUID, setID: FSRVPGUID, shareName: String) -> FSRVPCall {
        FSRVPCall(.addToShadowCopySet) {
            $0.guid(clientCopyID)
            $0.guid(setID)
            $0.referenceUTF16String(shareName)
        }
    }

    /// CommitShadowCopySet (opnum 4).
    public static func commitShadowCopySet(setID: FSRVPGUID, timeoutMilliseconds: UInt32) -> FSRVPCall {
        FSRVPCall(.commitShadowCopySet) {
            $0.guid(setID)
            $0.u32(timeoutMilliseconds)
        }
    }

    /// ExposeShadowCopySet (opnum 5).
    public static func exposeShadowCopySet(setID: FSRVPGUID, timeoutMilliseconds: UInt32) -> FSRVPCall {
        FSRVPCall(.exposeShadowCopySet) {
            $0.guid(setID)
            $0.u32(timeoutMilliseconds)
        }
    }

    /// RecoveryCompleteShadowCopySet (opnum 6).
    public static func recoveryCompleteShadowCopySet(setID: FSRVPGUID) -> FSRVPCall {
        FSRVPCall(.recoveryCompleteShadowCopySet) { $0.guid(setID) }
    }

    /// AbortShadowCopySet (opnum 7).
    public static func abortShadowCopySet(setID: FSRVPGUID) -> FSRVPCall {
        FSRVPCall(.abortShadowCopySet) { $0.guid(setID) }
    }

    /// IsPathSupported (opnum 8).
    public static func isPathSupported(shareName: String) -> FSRVPCall {
        FSRVPCall(.isPathSupported) {
            $0.referenceUTF16String(shareName)
            $0.raw(repeatElement(0, count: FSRVPRPC.magicLength))
        }
    }

    /// IsPathShadowCopied (opnum 9).
    public static func isPathShadowCopied(shareName: String) -> FSRVPCall {
        FSRVPCall(.isPathShadowCopied) { $0.referenceUTF16String(shareName) }
    }

    /// GetShareMapping (opnum 10): note the order, shadow copy id before set id.
    public static func getShareMapping(
        copyID: FSRVPGUID, setID: FSRVPGUID, shareName: String, level: UInt32 = 1
    ) -> FSRVPCall {
        FSRVPCall(.getShareMapping) {
            $0.guid(copyID)
            $0.guid(setID)
            $0.referenceUTF16String(shareName)
            $0.u32(level)
        }
    }

    /// DeleteShareMapping (opnum 11): set id before shadow copy id.
    public static func deleteShareMapping(setID: FSRVPGUID, copyID: FSRVPGUID, shareName: String) -> FSRVPCall {
        FSRVPCall(.deleteShareMapping) {
            $0.guid(setID)
            $0.guid(copyID)
            $0.referenceUTF16String(shareName)
        }
    }

    /// PrepareShadowCopySet (opnum 12).
    public static func prepareShadowCopySet(setID: FSRVPGUID, timeoutMilliseconds: UInt32) -> FSRVPCall {
        FSRVPCall(.prepareShadowCopySet) {
            $0.guid(setID)
            $0.u32(timeoutMilliseconds)
        }
    }
}

extension NDRWriter {
    /// A GUID: a structure aligned to 4 (its first member is a uint32).
    mutating func guid(_ value: FSRVPGUID) {
        align(4)
        raw(value.bytes)
    }

    /// `[in,ref,string,charset(UTF16)] uint16 *`: no referent id; max_count, offset,
    /// actual_count, the units and their NUL.
    mutating func referenceUTF16String(_ text: String) {
        let characters = encodeUTF16LE(text) + [0, 0]
        let count = UInt32(characters.count / 2)
        u32(count)
        u32(0)
        u32(count)
        raw(characters)
    }
}
