import SMB3Protocol

/// A connected byte stream (TCP in the daemon, an in-memory pipe in tests).
public protocol RPCByteStream: AnyObject, Sendable {
    func write(_ bytes: [UInt8]) throws
    func read(exactly count: Int) throws -> [UInt8]
    /// Wakes a blocked reader; later I/O fails.
    func shutdown()
}

/// Everything the witness logic needs from the operating system, injected so the kit makes
/// no syscalls itself.
public protocol WitnessPlatform: Sendable {
    func connect(address: String, port: UInt16, timeoutSeconds: Int32) throws -> any RPCByteStream
    /// Sends NOTIFY and returns the kernel's errno (0 = accepted).
    func notifyKernel(_ notify: SWNNotify) throws -> Int32
    /// Aborts the kernel's own established TCP connections to `address` (SOCK_DESTROY) and
    /// leaves the ones processes hold alone; returns how many of each.
    func abortKernelConnections(to address: SWNSocketAddress) throws -> InetDiag.AbortReport
    /// A krb5 DCE-style initiator context for `target` (GSS-API lives in the platform layer).
    func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext
    func randomBytes(_ count: Int) -> [UInt8]
    /// Seconds since an arbitrary start, monotonic.
    func monotonicSeconds() -> Double
    /// Wall-clock time as a Windows FILETIME (NTLMv2 timestamps) and as Unix seconds (events).
    func fileTime() -> UInt64
    func unixTime() -> Double
    /// Runs `body` on its own thread (each registration blocks in a long poll).
    func spawn(name: String, _ body: @escaping @Sendable () -> Void)
}
