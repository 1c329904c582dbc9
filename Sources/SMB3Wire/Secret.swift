import Synchronization

/// Bytes that must never reach a log: session keys, tickets, passwords.
/// Printing one shows only its length. Copies of a Secret share one storage, so `wipe()`
/// through any of them zeroes the bytes for all (the witness daemon wipes a mount's NT hash
/// on UNREGISTER); a wiped Secret reads as an empty one.
public struct Secret: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private final class Storage: Sendable {
        let bytes: Mutex<[UInt8]>
        init(_ bytes: [UInt8]) { self.bytes = Mutex(bytes) }
    }

    private let storage: Storage

    public init(_ bytes: [UInt8]) { storage = Storage(bytes) }

    public var bytes: [UInt8] { storage.bytes.withLock { $0 } }
    public var count: Int { storage.bytes.withLock { $0.count } }

    /// Overwrites the bytes with zeros in place, then forgets them. A copy obtained from
    /// `bytes` earlier and still alive keeps its own buffer: callers hold those briefly.
    public func wipe() {
        storage.bytes.withLock { bytes in
            bytes.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
            bytes.removeAll()
        }
    }

    /// Overwrites `bytes` with zeros in place: a plaintext copy (a datagram that carried a
    /// password) the caller is done with. Only that array's own buffer is zeroed: the caller
    /// must hold the only reference to it, or copy-on-write zeroes a fresh copy instead.
    public static func zero(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }

    public static func == (lhs: Secret, rhs: Secret) -> Bool { lhs.bytes == rhs.bytes }
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    public var description: String { "<redacted \(count) bytes>" }
    public var debugDescription: String { description }
}
