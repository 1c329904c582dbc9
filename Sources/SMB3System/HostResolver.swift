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
        guard getnameinfo(result.pointee.ai_addr, result.pointee.ai_addrlen, &name, socklen_t(name.count), nil, 0, NI_NAMEREQD) == 0
        else { return nil }
        return String(decoding: name.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
