#if canImport(Glibc)
    import Glibc
#endif

/// Ending the process from code that has nothing left to clean up.
public enum ProcessExit {
    /// Runs atexit handlers and flushes stdio, then ends with `status`. The corresponding C
    /// function is `exit`.
    public static func now(_ status: Int32) -> Never {
        exit(status)
    }
}
