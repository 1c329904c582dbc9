/// The name a service ticket is asked for: `cifs/<host>` (KRB5_NT_UNKNOWN, no DNS
/// canonicalisation) or `CIFS/<host>` as a host-based name (KRB5_NT_SRV_HST, which Entra ID wants).
public struct ServicePrincipalName: Hashable, Sendable, CustomStringConvertible {
    public var service: String
    public var host: String
    public var hostBased: Bool

    public init(service: String, host: String, hostBased: Bool) {
        self.service = service
        self.host = host
        self.hostBased = hostBased
    }

    public var description: String { "\(service)/\(host)" + (hostBased ? " (host-based)" : "") }
}
