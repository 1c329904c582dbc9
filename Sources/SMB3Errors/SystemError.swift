/// A failed system call: the C function that failed, its errno, and what we were doing. The one
/// error type of the platform layer (syscalls, ioctls, keyctl); kits receive it unchanged, so
/// errno and the failing call reach the message a user sees.
///
/// Equality compares the errno only, as swift-system's `Errno` and our model's error codes do:
/// a test matches `SystemError(.improperLink)` whatever the context says.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    /// The C function, e.g. `open` or `ioctl CIFS_IOC_COPYCHUNK_FILE`.
    public let function: String
    public let errno: Errno
    /// What the call was for, in words an admin understands ("reading /proc/fs/cifs/DebugData");
    /// empty when the caller adds its own (the ioctl CLI names the file first).
    public let context: String

    public init(function: String, errno: Errno, context: String = "") {
        self.function = function
        self.errno = errno
        self.context = context
    }

    /// `<context>: <function> failed: <strerror> (ENAME)`, without the context when there is none.
    public var description: String {
        let failure = "\(function) failed: \(errno)"
        return context.isEmpty ? failure : "\(context): \(failure)"
    }
}

extension SystemError: Hashable {
    public static func == (lhs: SystemError, rhs: SystemError) -> Bool { lhs.errno == rhs.errno }
    public func hash(into hasher: inout Hasher) { hasher.combine(errno) }
}
