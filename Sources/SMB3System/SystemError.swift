import CLinuxShims
import SMB3Errors

#if canImport(Glibc)
    import Glibc
#endif

extension SystemError {
    /// The platform's spelling: errno as the C library hands it over.
    public init(function: String, errno: Int32, context: String) {
        self.init(function: function, errno: Errno(rawValue: errno), context: context)
    }
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
