import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Name lookups through the C library's resolver (NSS and DNS).
public enum HostResolver {
    /// The domain part of `host`'s canonical name (getaddrinfo with AI_CANONNAME), e.g.
    /// `test.lan` for `smb` when its canonical name is `smb.test.lan`.
    public static func canonicalDomain(ofHost host: String) -> String? {
        var hints = addrinfo()
        hints.ai_flags = AI_CANONNAME
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let result else { return nil }
        defer { freeaddrinfo(result) }
        guard let canonical = result.pointee.ai_canonname.map({ String(cString: $0) }),
            let dot = canonical.firstIndex(of: ".")
        else { return nil }
        let domain = canonical[canonical.index(after: dot)...]
        return domain.isEmpty ? nil : String(domain)
    }

    /// The name reverse DNS gives for a numeric address (getnameinfo with NI_NAMEREQD).
    public static func reverseName(ofAddress address: String) -> String? {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, nil, &hints, &result) == 0, let result else { return nil }
        defer { freeaddrinfo(result) }
        var name = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard
            getnameinfo(
                result.pointee.ai_addr, result.pointee.ai_addrlen, &name, socklen_t(name.count), nil, 0, NI_NAMEREQD)
                == 0
        else { return nil }
        return String(decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Why a name did not resolve.
    public enum ResolveFailure: Error, Hashable, Sendable, CustomStringConvertible {
        /// getaddrinfo's error, as gai_strerror(3) says it.
        case lookup(String)
        case timedOut(seconds: Int)

        public var description: String {
            switch self {
            case .lookup(let message): message
            case .timedOut(let seconds): "no answer within \(seconds) s"
            }
        }
    }

    /// The numeric addresses of `host` (getaddrinfo(3)), waiting at most `timeoutSeconds`:
    /// getaddrinfo has no timeout of its own, and a diagnostic must not hang on a dead DNS server
    /// for the resolver's 5 s × attempts × servers. The lookup runs on a detached thread; after a
    /// timeout it finishes (or not) on its own and its answer is dropped.
    public static func addresses(ofHost host: String, timeoutSeconds: Int = 3) -> Result<[String], ResolveFailure> {
        let lookup = PendingLookup()
        BackgroundThread.detach { lookup.finish(lookupAddresses(host)) }
        return lookup.wait(seconds: timeoutSeconds) ?? .failure(.timedOut(seconds: timeoutSeconds))
    }

    private static func lookupAddresses(_ host: String) -> Result<[String], ResolveFailure> {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, nil, &hints, &result)
        guard status == 0, let result else {
            let message =
                status == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(status))
            return .failure(.lookup(message))
        }
        defer { freeaddrinfo(result) }
        var addresses: [String] = []
        var entry: UnsafeMutablePointer<addrinfo>? = result
        while let current = entry {
            var name = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(
                current.pointee.ai_addr, current.pointee.ai_addrlen, &name, socklen_t(name.count), nil, 0,
                NI_NUMERICHOST) == 0
            {
                let text = String(
                    decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if !addresses.contains(text) { addresses.append(text) }
            }
            entry = current.pointee.ai_next
        }
        return .success(addresses)
    }

    /// One lookup's answer, handed from the resolving thread to the waiting one. The thread keeps
    /// its own reference, so a late answer after a timeout writes into a live object.
    private final class PendingLookup: Sendable {
        private let state = Mutex<Result<[String], ResolveFailure>?>(nil)

        func finish(_ result: Result<[String], ResolveFailure>) { state.withLock { $0 = result } }

        /// Polls every 10 ms: a one-off diagnostic, where a condition variable would buy nothing.
        func wait(seconds: Int) -> Result<[String], ResolveFailure>? {
            for _ in 0..<(max(seconds, 1) * 100) {
                if let result = state.withLock({ $0 }) { return result }
                usleep(10_000)
            }
            return state.withLock { $0 }
        }
    }
}
