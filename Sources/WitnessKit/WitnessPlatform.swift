import SMB3Protocol

/// A connected byte stream (non-blocking TCP in the daemon, an in-memory pipe in tests). It
/// pushes what arrives instead of being read, so no task or thread waits on it.
public protocol RPCByteStream: AnyObject, Sendable {
    /// Starts delivery: `received` with each chunk in order, then `closed` once with the reason.
    /// Neither is ever called from inside `write` (the caller may hold a lock).
    func start(received: @escaping @Sendable ([UInt8]) -> Void, closed: @escaping @Sendable (String) -> Void)
    /// Queues `bytes` after what was written before, without blocking.
    func write(_ bytes: [UInt8]) throws
    /// Closes the stream; `closed` runs if it has not yet.
    func shutdown()
}

/// Everything the witness logic needs from the operating system, injected so the kit makes
/// no syscalls itself.
public protocol WitnessPlatform: Sendable {
    func connect(address: String, port: UInt16, timeoutSeconds: Int32) async throws -> any RPCByteStream
    /// Sends NOTIFY and returns the kernel's errno (0 = accepted).
    func notifyKernel(_ notify: SWNNotify) async throws -> Int32
    /// Aborts the kernel's own established TCP connections to `address` (SOCK_DESTROY) and
    /// leaves the ones processes hold alone; returns how many of each.
    func abortKernelConnections(to address: SWNSocketAddress) async throws -> InetDiag.AbortReport
    /// A krb5 DCE-style initiator context for `target` (GSS-API lives in the platform layer).
    /// Called only inside `runBlocking`.
    func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext
    /// Runs `body`, which may block on the network (krb5 asking a KDC inside
    /// gss_init_sec_context), where it cannot stall the cooperative pool.
    func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result
    /// Runs `action` once after `seconds` where nothing waits for it (the daemon's poll
    /// thread; it must be quick) and returns what cancels it. Calls' timeouts use it, so that a
    /// pending call costs a timer entry rather than a sleeping task.
    func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void
    func randomBytes(_ count: Int) -> [UInt8]
    /// Seconds since an arbitrary start, monotonic.
    func monotonicSeconds() -> Double
    /// Wall-clock time as a Windows FILETIME (NTLMv2 timestamps) and as Unix seconds (events).
    func fileTime() -> UInt64
    func unixTime() -> Double
    /// The bytes of /proc/fs/cifs/DebugData (where cifs.ko is connected now), nil when it cannot
    /// be read.
    func kernelDebugData() -> [UInt8]?
    /// The bytes of the daemon's own /proc/self/mountinfo (which cifs mounts it can see and their
    /// options), nil when it cannot be read.
    func mountTable() -> [UInt8]?
}

extension WitnessPlatform {
    /// Test platforms have no kernel: `status` then shows no kernel connection.
    public func kernelDebugData() -> [UInt8]? { nil }
    /// Nor a mount table: `status` then cannot tell soft mounts.
    public func mountTable() -> [UInt8]? { nil }
}
