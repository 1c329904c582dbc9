import SMB3Protocol

/// Which share on which server a snapshot command works on.
public struct ShadowCopyTarget: Sendable, Hashable {
    /// The server as the client connects to it (a name or an address).
    public var server: String
    public var share: String

    public init(server: String, share: String) {
        self.server = server
        self.share = share
    }

    /// `\\server\share`: what FSRVP's ShareName parameters take.
    public var uncName: String { "\\\\\(server)\\\(share)" }
}

/// What `snapshot supported` found.
public struct ShadowCopySupport: Sendable, Encodable {
    public var server: String
    public var share: String
    public var supported: Bool
    /// The server's OwnerMachineName when it supports the share.
    public var ownerMachine: String?
    /// The FSRVP status name and value when the server refused (`FSRVP_E_NOT_SUPPORTED (0x8004230C)`).
    public var status: String?
    /// Why not, in words.
    public var reason: String?
    /// FSRVP version range and the SMB session it went over (dialect, signing).
    public var fsrvpVersions: String?
    public var session: String?

    public var text: String {
        if supported {
            let owner = ownerMachine.map { " (owner \($0))" } ?? ""
            return "\\\\\(server)\\\(share): shadow copies supported\(owner)"
        }
        return "\\\\\(server)\\\(share): shadow copies not supported: \(reason ?? "no reason given")"
            + (status.map { " [\($0)]" } ?? "")
    }
}

/// Runs snapshot commands over one SMB2 session to the server's IPC$ and `\pipe\FssagentRpc`.
public struct ShadowCopyOperations<Platform: SMB2PipePlatform> {
    public let platform: Platform
    public let target: ShadowCopyTarget
    public let credentials: SMB2PipeCredentials

    public init(platform: Platform, target: ShadowCopyTarget, credentials: SMB2PipeCredentials) {
        self.platform = platform
        self.target = target
        self.credentials = credentials
    }

    /// Opens the session and the pipe, binds, runs `body`, and closes everything in order (best
    /// effort on the way out: a failure there does not hide `body`'s result).
    public func withFSRVP<Result>(
        _ body: (FSRVPClient<Platform>, SMB2PipeSession<Platform>) throws -> Result
    ) throws
        -> Result
    {
        let session = SMB2PipeSession(platform: platform, server: target.server)
        try session.negotiate()
        try session.authenticate(credentials)
        defer { try? session.logoff() }
        try session.treeConnect(share: "IPC$")
        defer { try? session.treeDisconnect() }
        let pipe: SMB2FileID
        do {
            pipe = try session.openPipe(FSRVPRPC.pipeName)
        } catch let error as SMB2Error where error.status == .objectNameNotFound {
            throw SMB2PipeFailure(
                "\(target.server) has no FSRVP service (\\pipe\\\(FSRVPRPC.pipeName) not found): Samba needs rpcd_fsrvp, "
                    + "registry shares = yes and include = registry")
        }
        defer { try? session.close(pipe) }
        let client = FSRVPClient(session: session, pipe: pipe)
        try client.bind()
        return try body(client, session)
    }

    /// IsPathSupported for the share (MS-FSRVP 3.1.4.8), with GetSupportedVersion for the report.
    public func supported() throws -> ShadowCopySupport {
        try withFSRVP { client, session in
            let reply = try client.isPathSupported(shareName: target.uncName)
            var report = ShadowCopySupport(
                server: target.server, share: target.share, supported: reply.status.isSuccess && reply.supported,
                ownerMachine: reply.ownerMachineName, session: session.summary)
            if !reply.status.isSuccess {
                report.status = reply.status.description
                report.reason = reply.status.meaning ?? "the server refused IsPathSupported"
            } else if !reply.supported {
                report.reason = "the server's provider does not support this share"
            }
            if reply.status.isSuccess, let versions = try? client.getSupportedVersion() {
                report.fsrvpVersions = "\(versions.minimum)-\(versions.maximum)"
            }
            return report
        }
    }
}
