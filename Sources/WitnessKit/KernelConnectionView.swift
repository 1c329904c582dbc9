import SMB3Protocol

/// Where cifs.ko is connected now for one witness registration, from `/proc/fs/cifs/DebugData`:
/// the witness dump's `Ip address:` is the server's current destination (`server->dstaddr`, the
/// moved-to address once a CLIENT_MOVE's reconnect has happened), and the server block that holds
/// the registration's share gives the connection's TCP status and reconnect count.
public struct KernelConnection: Hashable, Sendable, Encodable {
    /// The address the kernel's SMB connection goes to now.
    public var address: String
    /// `TCP status` of that server: `Good` when connected, `NeedReconnect`, `InNegotiate`, ….
    public var tcpStatus: String?
    /// `Instance`: how many times the connection was made (1 + reconnects).
    public var instance: Int32?

    public init(address: String, tcpStatus: String? = nil, instance: Int32? = nil) {
        self.address = address
        self.tcpStatus = tcpStatus
        self.instance = instance
    }

    /// By registration id. A registration the dump prints without an address (`(unknown)`,
    /// `(no live tcon)`) is left out: the kernel is connected nowhere for it.
    public static func byRegistration(_ data: DebugData) -> [UInt32: KernelConnection] {
        var result: [UInt32: KernelConnection] = [:]
        for registration in data.witnessRegistrations ?? [] {
            guard let address = registration.ipAddress?.description else { continue }
            var connection = KernelConnection(address: address)
            let tree = "\\\\\(registration.networkName)\\\(registration.shareName)".lowercased()
            // The server whose session has this share with witness: its dstaddr is the dump's address.
            let server = data.servers.first { server in
                server.sessions.contains { session in
                    session.shares.contains { $0.usesWitness && $0.treeName?.lowercased() == tree }
                }
            }
            if let server {
                connection.tcpStatus = server.tcpStatus?.description
                connection.instance = server.connection.reconnectInstance
            }
            result[registration.id] = connection
        }
        return result
    }
}
