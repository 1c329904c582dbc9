import CKeyutils
import SMB3Errors
import SMB3System

#if canImport(Glibc)
    import Glibc
#endif

/// A key's serial number, as request-key passes it in `%k`.
public struct KeySerial: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}

/// The keyctl(2) calls an upcall needs, through libkeyutils.
public struct Keyring: Sendable {
    public init() {}

    /// The corresponding C function is `keyctl_describe_alloc(3)`; returns `type;uid;gid;perm;description`.
    public func describe(_ key: KeySerial) throws(SystemError) -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        _ = try valueOrThrow("keyctl_describe_alloc", "describing key \(key)") {
            Int(keyctl_describe_alloc(key.rawValue, &buffer))
        }
        guard let buffer else {
            throw SystemError(function: "keyctl_describe_alloc", errno: ENOMEM, context: "describing key \(key)")
        }
        defer { free(buffer) }
        return String(cString: buffer)
    }

    /// The corresponding C function is `keyctl_instantiate(3)`; the key gets `payload` and wakes the kernel.
    public func instantiate(_ key: KeySerial, payload: [UInt8]) throws(SystemError) {
        _ = try valueOrThrow("keyctl_instantiate", "instantiating key \(key)") {
            payload.withUnsafeBytes { Int(keyctl_instantiate(key.rawValue, $0.baseAddress, $0.count, 0)) }
        }
    }

    /// The corresponding C function is `keyctl_negate(3)`: the kernel sees ENOKEY for `timeout` seconds.
    public func negate(_ key: KeySerial, timeoutSeconds: UInt32) throws(SystemError) {
        _ = try valueOrThrow("keyctl_negate", "negating key \(key)") {
            Int(keyctl_negate(key.rawValue, timeoutSeconds, 0))
        }
    }
}
