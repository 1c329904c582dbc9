import CLinuxShims

#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: the C function that failed, its errno, and what we were doing.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The C function, e.g. `open` or `keyctl_describe`.
    public let function: String
    public let errno: Int32
    /// What the call was for, in words an admin understands ("reading /proc/fs/cifs/DebugData").
    public let context: String

    public init(function: String, errno: Int32, context: String) {
        self.function = function
        self.errno = errno
        self.context = context
    }

    /// The errno's symbolic name where known (`EACCES`), else its number.
    public var errnoName: String {
        guard let name = smb3_errno_name(errno) else { return "errno \(errno)" }
        return String(cString: name)
    }

    public var message: String { String(cString: strerror(errno)) }

    public var description: String { "\(context): \(function) failed: \(message) (\(errnoName))" }
}

/// Runs a call that returns -1 and sets errno on failure, retrying on EINTR. errno is read
/// right after the call, before anything else can overwrite it.
public func valueOrThrow<T: FixedWidthInteger>(
    _ function: String, _ context: @autoclosure () -> String, _ call: () -> T
) throws(SystemError) -> T {
    while true {
        let result = call()
        if result != -1 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw SystemError(function: function, errno: code, context: context())
    }
}
