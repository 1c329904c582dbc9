/// An errno value, as swift-system's `Errno` models it: a raw number that still fits when it is
/// one we never named. The numbers are Linux's asm-generic ones (x86_64 and arm64 alike).
///
/// Pure on purpose: the platform layer reads errno right after a failed call and wraps it in
/// `SystemError`; kits and their tests compare and word it without importing the C library.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The symbolic name (`EXDEV`), or `errno N` for a number Linux does not define.
    public var name: String { Self.table[rawValue]?.name ?? "errno \(rawValue)" }
    /// strerror(3)'s text (`Invalid cross-device link`).
    public var message: String { Self.table[rawValue]?.message ?? "Unknown error \(rawValue)" }
    /// `Invalid cross-device link (EXDEV)`.
    public var description: String { "\(message) (\(name))" }
}

// The names follow swift-system's `Errno` where it has one; the key errors are Linux's own.
extension Errno {
    public static let notPermitted = Errno(rawValue: 1)  // EPERM
    public static let noSuchFileOrDirectory = Errno(rawValue: 2)  // ENOENT
    public static let noSuchProcess = Errno(rawValue: 3)  // ESRCH
    public static let interrupted = Errno(rawValue: 4)  // EINTR
    public static let ioError = Errno(rawValue: 5)  // EIO
    public static let noSuchDeviceOrAddress = Errno(rawValue: 6)  // ENXIO
    public static let execFormatError = Errno(rawValue: 8)  // ENOEXEC
    public static let badFileDescriptor = Errno(rawValue: 9)  // EBADF
    public static let resourceTemporarilyUnavailable = Errno(rawValue: 11)  // EAGAIN
    public static let noMemory = Errno(rawValue: 12)  // ENOMEM
    public static let permissionDenied = Errno(rawValue: 13)  // EACCES
    public static let resourceBusy = Errno(rawValue: 16)  // EBUSY
    public static let fileExists = Errno(rawValue: 17)  // EEXIST
    public static let improperLink = Errno(rawValue: 18)  // EXDEV
    public static let noSuchDevice = Errno(rawValue: 19)  // ENODEV
    public static let notDirectory = Errno(rawValue: 20)  // ENOTDIR
    public static let isDirectory = Errno(rawValue: 21)  // EISDIR
    public static let invalidArgument = Errno(rawValue: 22)  // EINVAL
    public static let inappropriateIOCTLForDevice = Errno(rawValue: 25)  // ENOTTY
    public static let fileTooLarge = Errno(rawValue: 27)  // EFBIG
    public static let noSpace = Errno(rawValue: 28)  // ENOSPC
    public static let readOnlyFileSystem = Errno(rawValue: 30)  // EROFS
    public static let fileNameTooLong = Errno(rawValue: 36)  // ENAMETOOLONG
    public static let noFunction = Errno(rawValue: 38)  // ENOSYS
    public static let messageTooLong = Errno(rawValue: 90)  // EMSGSIZE
    public static let notSupported = Errno(rawValue: 95)  // EOPNOTSUPP (= ENOTSUP on Linux)
    public static let noBufferSpace = Errno(rawValue: 105)  // ENOBUFS
    public static let connectionReset = Errno(rawValue: 104)  // ECONNRESET
    public static let socketNotConnected = Errno(rawValue: 107)  // ENOTCONN
    public static let timedOut = Errno(rawValue: 110)  // ETIMEDOUT
    public static let connectionRefused = Errno(rawValue: 111)  // ECONNREFUSED
    public static let hostIsDown = Errno(rawValue: 112)  // EHOSTDOWN
    public static let noRouteToHost = Errno(rawValue: 113)  // EHOSTUNREACH
    public static let nowInProgress = Errno(rawValue: 115)  // EINPROGRESS
    public static let staleNFSFileHandle = Errno(rawValue: 116)  // ESTALE
    public static let remoteIOError = Errno(rawValue: 121)  // EREMOTEIO
    public static let diskQuotaExceeded = Errno(rawValue: 122)  // EDQUOT
    public static let keyNotAvailable = Errno(rawValue: 126)  // ENOKEY
    public static let keyExpired = Errno(rawValue: 127)  // EKEYEXPIRED
    public static let keyRevoked = Errno(rawValue: 128)  // EKEYREVOKED
    public static let keyRejected = Errno(rawValue: 129)  // EKEYREJECTED
}
