/// An NTSTATUS code (MS-ERREF 2.3) as an SMB2 response header carries it: a struct over the value
/// with named members, so unknown codes still round-trip and print in hex.
public struct NTStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Severity 3 (the top two bits set): the request failed.
    public var isError: Bool { rawValue >> 30 == 3 }
    /// Severity 2: a warning, the response still carries data (BUFFER_OVERFLOW).
    public var isWarning: Bool { rawValue >> 30 == 2 }

    public static let success = NTStatus(0x0000_0000)
    public static let pending = NTStatus(0x0000_0103)
    public static let bufferOverflow = NTStatus(0x8000_0005)
    public static let noMoreFiles = NTStatus(0x8000_0006)
    public static let notImplemented = NTStatus(0xC000_0002)
    public static let invalidInfoClass = NTStatus(0xC000_0003)
    public static let invalidHandle = NTStatus(0xC000_0008)
    public static let invalidParameter = NTStatus(0xC000_000D)
    public static let noSuchFile = NTStatus(0xC000_000F)
    public static let invalidDeviceRequest = NTStatus(0xC000_0010)
    public static let endOfFile = NTStatus(0xC000_0011)
    public static let moreProcessingRequired = NTStatus(0xC000_0016)
    public static let accessDenied = NTStatus(0xC000_0022)
    public static let bufferTooSmall = NTStatus(0xC000_0023)
    public static let objectNameInvalid = NTStatus(0xC000_0033)
    public static let objectNameNotFound = NTStatus(0xC000_0034)
    public static let objectNameCollision = NTStatus(0xC000_0035)
    public static let objectPathNotFound = NTStatus(0xC000_003A)
    public static let sharingViolation = NTStatus(0xC000_0043)
    public static let privilegeNotHeld = NTStatus(0xC000_0061)
    public static let noSuchUser = NTStatus(0xC000_0064)
    public static let wrongPassword = NTStatus(0xC000_006A)
    public static let logonFailure = NTStatus(0xC000_006D)
    public static let accountRestriction = NTStatus(0xC000_006E)
    public static let passwordExpired = NTStatus(0xC000_0071)
    public static let accountDisabled = NTStatus(0xC000_0072)
    public static let insufficientResources = NTStatus(0xC000_009A)
    public static let badImpersonationLevel = NTStatus(0xC000_00A5)
    public static let pipeNotAvailable = NTStatus(0xC000_00AC)
    public static let invalidPipeState = NTStatus(0xC000_00AD)
    public static let pipeBusy = NTStatus(0xC000_00AE)
    public static let pipeDisconnected = NTStatus(0xC000_00B0)
    public static let pipeClosing = NTStatus(0xC000_00B1)
    public static let ioTimeout = NTStatus(0xC000_00B5)
    public static let notSupported = NTStatus(0xC000_00BB)
    public static let invalidNetworkResponse = NTStatus(0xC000_00C3)
    public static let networkNameDeleted = NTStatus(0xC000_00C9)
    public static let networkAccessDenied = NTStatus(0xC000_00CA)
    public static let badNetworkName = NTStatus(0xC000_00CC)
    public static let requestNotAccepted = NTStatus(0xC000_00D0)
    public static let pipeEmpty = NTStatus(0xC000_00D9)
    public static let internalError = NTStatus(0xC000_00E5)
    public static let cancelled = NTStatus(0xC000_0120)
    public static let fileClosed = NTStatus(0xC000_0128)
    public static let timeDifferenceAtDC = NTStatus(0xC000_0133)
    public static let pipeBroken = NTStatus(0xC000_014B)
    public static let logonTypeNotGranted = NTStatus(0xC000_015B)
    public static let userSessionDeleted = NTStatus(0xC000_0203)
    public static let connectionDisconnected = NTStatus(0xC000_020C)
    public static let connectionReset = NTStatus(0xC000_020D)
    public static let passwordMustChange = NTStatus(0xC000_0224)
    public static let notFound = NTStatus(0xC000_0225)
    public static let accountLockedOut = NTStatus(0xC000_0234)
    public static let pathNotCovered = NTStatus(0xC000_0257)
    public static let networkSessionExpired = NTStatus(0xC000_035C)

    /// Every named status with its MS-ERREF name; a test checks that no value appears twice.
    public static let names: [(status: NTStatus, name: String)] = [
        (success, "STATUS_SUCCESS"), (pending, "STATUS_PENDING"), (bufferOverflow, "STATUS_BUFFER_OVERFLOW"),
        (noMoreFiles, "STATUS_NO_MORE_FILES"), (notImplemented, "STATUS_NOT_IMPLEMENTED"),
        (invalidInfoClass, "STATUS_INVALID_INFO_CLASS"), (invalidHandle, "STATUS_INVALID_HANDLE"),
        (invalidParameter, "STATUS_INVALID_PARAMETER"), (noSuchFile, "STATUS_NO_SUCH_FILE"),
        (invalidDeviceRequest, "STATUS_INVALID_DEVICE_REQUEST"), (endOfFile, "STATUS_END_OF_FILE"),
        (moreProcessingRequired, "STATUS_MORE_PROCESSING_REQUIRED"), (accessDenied, "STATUS_ACCESS_DENIED"),
        (bufferTooSmall, "STATUS_BUFFER_TOO_SMALL"), (objectNameInvalid, "STATUS_OBJECT_NAME_INVALID"),
        (objectNameNotFound, "STATUS_OBJECT_NAME_NOT_FOUND"), (objectNameCollision, "STATUS_OBJECT_NAME_COLLISION"),
        (objectPathNotFound, "STATUS_OBJECT_PATH_NOT_FOUND"), (sharingViolation, "STATUS_SHARING_VIOLATION"),
        (privilegeNotHeld, "STATUS_PRIVILEGE_NOT_HELD"), (noSuchUser, "STATUS_NO_SUCH_USER"),
        (wrongPassword, "STATUS_WRONG_PASSWORD"), (logonFailure, "STATUS_LOGON_FAILURE"),
        (accountRestriction, "STATUS_ACCOUNT_RESTRICTION"), (passwordExpired, "STATUS_PASSWORD_EXPIRED"),
        (accountDisabled, "STATUS_ACCOUNT_DISABLED"), (insufficientResources, "STATUS_INSUFFICIENT_RESOURCES"),
        (badImpersonationLevel, "STATUS_BAD_IMPERSONATION_LEVEL"), (pipeNotAvailable, "STATUS_PIPE_NOT_AVAILABLE"),
        (invalidPipeState, "STATUS_INVALID_PIPE_STATE"), (pipeBusy, "STATUS_PIPE_BUSY"),
        (pipeDisconnected, "STATUS_PIPE_DISCONNECTED"), (pipeClosing, "STATUS_PIPE_CLOSING"),
        (ioTimeout, "STATUS_IO_TIMEOUT"), (notSupported, "STATUS_NOT_SUPPORTED"),
        (invalidNetworkResponse, "STATUS_INVALID_NETWORK_RESPONSE"),
        (networkNameDeleted, "STATUS_NETWORK_NAME_DELETED"), (networkAccessDenied, "STATUS_NETWORK_ACCESS_DENIED"),
        (badNetworkName, "STATUS_BAD_NETWORK_NAME"), (requestNotAccepted, "STATUS_REQUEST_NOT_ACCEPTED"),
        (pipeEmpty, "STATUS_PIPE_EMPTY"), (internalError, "STATUS_INTERNAL_ERROR"), (cancelled, "STATUS_CANCELLED"),
        (fileClosed, "STATUS_FILE_CLOSED"), (timeDifferenceAtDC, "STATUS_TIME_DIFFERENCE_AT_DC"),
        (pipeBroken, "STATUS_PIPE_BROKEN"), (logonTypeNotGranted, "STATUS_LOGON_TYPE_NOT_GRANTED"),
        (userSessionDeleted, "STATUS_USER_SESSION_DELETED"), (connectionDisconnected, "STATUS_CONNECTION_DISCONNECTED"),
        (connectionReset, "STATUS_CONNECTION_RESET"), (passwordMustChange, "STATUS_PASSWORD_MUST_CHANGE"),
        (notFound, "STATUS_NOT_FOUND"), (accountLockedOut, "STATUS_ACCOUNT_LOCKED_OUT"),
        (pathNotCovered, "STATUS_PATH_NOT_COVERED"), (networkSessionExpired, "STATUS_NETWORK_SESSION_EXPIRED"),
    ]

    /// The MS-ERREF name, or nil for a code this table does not know.
    public var name: String? { Self.names.first { $0.status == self }?.name }

    /// `0xC0000022`, eight digits, upper case, as MS-ERREF writes the codes.
    public var hex: String {
        let digits = String(rawValue, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// `STATUS_ACCESS_DENIED (0xC0000022)`, or the hex alone for an unknown code.
    public var description: String { name.map { "\($0) (\(hex))" } ?? hex }
}
