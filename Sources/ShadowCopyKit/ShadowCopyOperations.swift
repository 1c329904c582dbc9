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
        // E_ACCESSDENIED is about the caller, not the share: say so rather than "not supported".
        let verdict = status == FSRVPStatus.accessDenied.description ? "refused" : "shadow copies not supported"
        return "\\\\\(server)\\\(share): \(verdict): \(reason ?? "no reason given")"
            + (status.map { " [\($0)]" } ?? "")
    }
}

/// Runs snapshot commands over one SMB2 session to the server's IPC$ and `\pipe\FssagentRpc`.
public struct ShadowCopyOperations<Platform: SMB2PipePlatform> {
    public let platform: Platform
    public let target: ShadowCopyTarget
    public let authentication: SMB2PipeAuthentication

    public init(platform: Platform, target: ShadowCopyTarget, authentication: SMB2PipeAuthentication) {
        self.platform = platform
        self.target = target
        self.authentication = authentication
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
        switch authentication {
        case .ntlm(let credentials): try session.authenticate(credentials)
        case .kerberos: try session.authenticateKerberos()
        }
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

/// What `snapshot create` made.
public struct ShadowCopyCreated: Sendable, Encodable {
    public var server: String
    public var share: String
    public var shadowCopySetID: String
    public var shadowCopyID: String
    /// `\\server\share@{…}`.
    public var exposedShareUNC: String
    /// `{"nt": …, "utc": "…Z"}`-like: the FILETIME and its UTC text.
    public var creationTime: UInt64
    public var creationTimeUTC: String
    /// A mount command for the exposed share (read-only, the caller's user).
    public var mountCommand: String

    public var text: String {
        """
        shadow copy set \(shadowCopySetID)
        shadow copy     \(shadowCopyID)
        exposed as      \(exposedShareUNC)
        created         \(creationTimeUTC)
        mount it with   \(mountCommand)
        """
    }
}

/// One recorded shadow copy and what the server says of it now.
public struct ShadowCopyListed: Sendable, Encodable {
    public var shadowCopySetID: String
    public var shadowCopyID: String
    public var exposedShareUNC: String
    public var creationTimeUTC: String
    /// Whether GetShareMapping still finds it.
    public var present: Bool
    /// The server's answer when it does not.
    public var status: String?
}

public struct ShadowCopyList: Sendable, Encodable {
    public var server: String
    public var share: String
    public var shadowCopies: [ShadowCopyListed]

    public var text: String {
        guard !shadowCopies.isEmpty else {
            return "\\\\\(server)\\\(share): no shadow copies created from this host's records"
        }
        return shadowCopies.map {
            "\($0.shadowCopyID)  \($0.creationTimeUTC)  \($0.exposedShareUNC)"
                + ($0.present ? "" : "  (gone: \($0.status ?? "not found"))")
        }.joined(separator: "\n")
    }
}

extension ShadowCopyOperations {
    /// MS-FSRVP's sequence (3.1.4, 3.1.1.2's state machine, rpcclient's timeouts): IsPathSupported,
    /// GetSupportedVersion, SetContext, StartShadowCopySet, AddToShadowCopySet,
    /// PrepareShadowCopySet, CommitShadowCopySet, ExposeShadowCopySet, GetShareMapping. A failure
    /// after the set is started aborts it (AbortShadowCopySet) before the error is reported.
    public func create(context: FSRVPContext = .backup, records: some ShadowCopyRecordStore) throws -> ShadowCopyCreated
    {
        let mapping = try withFSRVP { client, _ in
            let support = try client.isPathSupported(shareName: target.uncName)
            try FSRVPClient<Platform>.require(support.status, .isPathSupported)
            guard support.supported else {
                throw SMB2PipeFailure("the server's provider does not support \(target.uncName)")
            }
            let versions = try client.getSupportedVersion()
            guard versions.minimum <= FSRVPRPC.version1, FSRVPRPC.version1 <= versions.maximum else {
                throw SMB2PipeFailure("the server supports FSRVP \(versions.minimum)-\(versions.maximum), not 1")
            }
            try client.setContext(context)
            let setID = try client.startShadowCopySet(clientSetID: FSRVPGUID(random: platform.randomBytes(16)))
            do {
                let copyID = try client.addToShadowCopySet(
                    clientCopyID: FSRVPGUID(random: platform.randomBytes(16)), setID: setID, shareName: target.uncName)
                try client.prepareShadowCopySet(setID: setID, timeoutMilliseconds: 240_000)
                try client.commitShadowCopySet(setID: setID, timeoutMilliseconds: 180_000)
                try client.exposeShadowCopySet(setID: setID, timeoutMilliseconds: 120_000)
                return try client.getShareMapping(copyID: copyID, setID: setID, shareName: target.uncName)
            } catch {
                try? client.abortShadowCopySet(setID: setID)
                throw error
            }
        }
        var saved = (try? records.load()) ?? []
        saved.append(ShadowCopyRecord(server: target.server, share: target.share, mapping: mapping))
        try records.save(saved)
        let exposed = Self.exposedUNC(server: target.server, name: mapping.shadowCopyShareName)
        let time = NTTime(rawValue: mapping.creationTime)
        return ShadowCopyCreated(
            server: target.server, share: target.share, shadowCopySetID: mapping.setID.description,
            shadowCopyID: mapping.copyID.description, exposedShareUNC: exposed, creationTime: mapping.creationTime,
            creationTimeUTC: time.iso8601,
            mountCommand:
                "mount -t cifs '\(exposed.replacingBackslashes())' /mnt/snapshot -o ro,\(authentication.mountOptions)")
    }

    /// GetShareMapping for every recorded shadow copy of the share.
    public func list(records: some ShadowCopyRecordStore) throws -> ShadowCopyList {
        let mine = try records.load().filter { $0.server == target.server && $0.share == target.share }
        guard !mine.isEmpty else { return ShadowCopyList(server: target.server, share: target.share, shadowCopies: []) }
        let listed = try withFSRVP { client, _ in
            try mine.map { record in
                var entry = ShadowCopyListed(
                    shadowCopySetID: record.setID, shadowCopyID: record.copyID,
                    exposedShareUNC: Self.exposedUNC(server: target.server, name: record.exposedShare),
                    creationTimeUTC: NTTime(rawValue: record.creationTime).iso8601, present: true)
                guard let setID = FSRVPGUID(record.setID), let copyID = FSRVPGUID(record.copyID) else { return entry }
                do {
                    _ = try client.getShareMapping(copyID: copyID, setID: setID, shareName: target.uncName)
                } catch let failure as FSRVPCallFailure {
                    entry.present = false
                    entry.status = failure.status.description
                }
                return entry
            }
        }
        return ShadowCopyList(server: target.server, share: target.share, shadowCopies: listed)
    }

    /// DeleteShareMapping for a shadow copy of the share; the set id comes from the records unless
    /// given. The record goes once the server has deleted it (or no longer knows it).
    public func delete(copyID: FSRVPGUID, setID given: FSRVPGUID?, records: some ShadowCopyRecordStore) throws {
        var saved = (try? records.load()) ?? []
        let recorded = saved.first {
            $0.server == target.server && $0.share == target.share && FSRVPGUID($0.copyID) == copyID
        }
        guard let setID = given ?? recorded.flatMap({ FSRVPGUID($0.setID) }) else {
            throw SMB2PipeFailure(
                "no record of shadow copy \(copyID) on \(target.uncName); FSRVP needs its set id: give --set-id ID")
        }
        try withFSRVP { client, _ in
            try client.deleteShareMapping(setID: setID, copyID: copyID, shareName: target.uncName)
        }
        saved.removeAll { FSRVPGUID($0.copyID) == copyID && $0.server == target.server && $0.share == target.share }
        try records.save(saved)
    }

    /// The exposed share as a UNC name: the server's answer may be a bare share name or a UNC.
    static func exposedUNC(server: String, name: String) -> String {
        name.hasPrefix("\\\\") ? name : "\\\\\(server)\\\(name)"
    }
}

extension String {
    /// `\\server\share` → `//server/share`, the form mount.cifs takes.
    func replacingBackslashes() -> String { String(map { $0 == "\\" ? "/" : $0 }) }
}
