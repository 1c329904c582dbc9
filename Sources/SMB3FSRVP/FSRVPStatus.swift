/// The value an FSRVP call returns (MS-FSRVP 2.2.4, 3.1.4): zero, an FSRVP_E_* code, or an HRESULT
/// the server maps its failure to. A struct over the value, so that unknown codes still print.
public struct FSRVPStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    public static let success = FSRVPStatus(0)
    /// FSRVP_E_BAD_STATE: the call does not fit the shadow copy set's state.
    public static let badState = FSRVPStatus(0x8004_2301)
    /// FSRVP_E_BAD_ID: not in MS-FSRVP; Samba's IDL lists it as seen on the wire.
    public static let badID = FSRVPStatus(0x8004_2302)
    /// FSRVP_E_OBJECT_NOT_FOUND.
    public static let objectNotFound = FSRVPStatus(0x8004_2308)
    /// FSRVP_E_NOT_SUPPORTED: the share's file store cannot be shadow-copied.
    public static let notSupported = FSRVPStatus(0x8004_230C)
    /// FSRVP_E_OBJECT_ALREADY_EXISTS.
    public static let objectAlreadyExists = FSRVPStatus(0x8004_230D)
    /// GetShareMapping before the set is exposed: Windows Server 2012 answers this
    /// (MS-FSRVP 3.1.4.11, note <9>), and so does Samba.
    public static let notExposed = FSRVPStatus(0x8004_2311)
    /// FSRVP_E_SHADOW_COPY_SET_IN_PROGRESS.
    public static let shadowCopySetInProgress = FSRVPStatus(0x8004_2316)
    /// FSRVP_E_UNSUPPORTED_CONTEXT.
    public static let unsupportedContext = FSRVPStatus(0x8004_231B)
    /// FSRVP_E_WAIT_TIMEOUT (WAIT_TIMEOUT's value).
    public static let waitTimeout = FSRVPStatus(0x0000_0102)
    /// FSRVP_E_WAIT_FAILED.
    public static let waitFailed = FSRVPStatus(0xFFFF_FFFF)
    /// E_ACCESSDENIED: the caller is not an administrator or backup operator.
    public static let accessDenied = FSRVPStatus(0x8007_0005)
    /// E_INVALIDARG: among others, an unknown share or shadow copy (set) id.
    public static let invalidArgument = FSRVPStatus(0x8007_0057)
    /// E_OUTOFMEMORY.
    public static let outOfMemory = FSRVPStatus(0x8000_0002)
    /// E_FAIL: Samba's answer when the snapshot back end fails.
    public static let fail = FSRVPStatus(0x8000_4005)

    public var isSuccess: Bool { rawValue == 0 }

    static let names: [(status: FSRVPStatus, name: String?, meaning: String)] = [
        (.success, "S_OK", "success"),
        (.badState, "FSRVP_E_BAD_STATE", "the call is not valid in the shadow copy set's current state"),
        (.badID, "FSRVP_E_BAD_ID", "the id is not known to the server"),
        (.objectNotFound, "FSRVP_E_OBJECT_NOT_FOUND", "the object does not exist"),
        (
            .notSupported, "FSRVP_E_NOT_SUPPORTED",
            "the file store that holds the share cannot be shadow-copied by the server"
        ),
        (.objectAlreadyExists, "FSRVP_E_OBJECT_ALREADY_EXISTS", "the object already exists"),
        // No constant in MS-FSRVP or Samba names this value.
        (.notExposed, nil, "the shadow copy set is not exposed yet"),
        (
            .shadowCopySetInProgress, "FSRVP_E_SHADOW_COPY_SET_IN_PROGRESS",
            "another shadow copy set is being created on the server"
        ),
        (.unsupportedContext, "FSRVP_E_UNSUPPORTED_CONTEXT", "the server does not support that context"),
        (.waitTimeout, "FSRVP_E_WAIT_TIMEOUT", "the server timed out waiting for the commit or expose"),
        (.waitFailed, "FSRVP_E_WAIT_FAILED", "the server's wait for the commit or expose failed"),
        (
            .accessDenied, "E_ACCESSDENIED",
            "the server requires an administrator, a backup operator or SeBackupPrivilege"
        ),
        (.invalidArgument, "E_INVALIDARG", "the server does not know the share or shadow copy named"),
        (.outOfMemory, "E_OUTOFMEMORY", "the server ran out of memory"),
        (.fail, "E_FAIL", "the server's snapshot back end failed"),
    ]

    /// The constant's name (`FSRVP_E_NOT_SUPPORTED`), nil for a value outside the table.
    public var name: String? { Self.names.first { $0.status == self }?.name ?? nil }
    /// What the value means, in words a user can act on; nil for a value outside the table.
    public var meaning: String? { Self.names.first { $0.status == self }?.meaning }
    /// `0x8004230C`.
    public var hex: String {
        let digits = String(rawValue, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
    public var description: String { name.map { "\($0) (\(hex))" } ?? hex }
}
