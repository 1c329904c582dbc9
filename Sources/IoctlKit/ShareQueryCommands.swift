import SMB3Errors
import SMB3Protocol

/// `smb3-ioctl snapshots PATH`: CIFS_ENUMERATE_SNAPSHOTS, probing the size first like smbinfo.
public struct SnapshotsCommand: CIFSFileCommand {
    let files: CIFSFiles

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    public func run(path: String) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openForCIFSFileIoctl(path)
        defer { system.close(handle) }
        // A zero count makes the kernel ask for the 16-byte minimum: the counts and the size needed.
        let probe = try enumerate(handle, path, count: 0, size: 0)
        guard probe.numberOfSnapshots > 0 else { return IoctlReport(SnapshotsReport(probe)) }
        let full = try enumerate(handle, path, count: probe.numberOfSnapshots, size: probe.arraySize)
        return IoctlReport(SnapshotsReport(full))
    }

    private func enumerate(
        _ handle: IoctlHandle, _ path: String, count: UInt32, size: UInt32
    ) throws(IoctlCommandError) -> SnapshotArray {
        var buffer = SnapshotArray.request(numberOfSnapshots: count, arraySize: size)
        do { try system.ioctl(handle, .enumerateSnapshots, buffer: &buffer) } catch {
            let hint =
                error.errno == .notSupported
                ? "; the server does not support snapshot enumeration on this share (it refused "
                    + "FSCTL_SRV_ENUMERATE_SNAPSHOTS): ksmbd does not implement it, Samba only on shares with vfs_shadow_copy2"
                : CIFSFiles.hint(for: error)
            throw IoctlCommandError.failed("\(path): CIFS_ENUMERATE_SNAPSHOTS: \(error)\(hint)", error)
        }
        do { return try SnapshotArray(parsing: buffer[...]) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_ENUMERATE_SNAPSHOTS reply: \(error)")
        }
    }
}

/// The snapshots with their `@GMT` tokens and the NT times `snapshot=` mounts take.
struct SnapshotsReport: IoctlReportBody {
    struct Snapshot: Encodable {
        let gmt: String
        let utc: String
        let snapshotMountOption: UInt64
    }

    let numberOfSnapshots: UInt32
    let numberOfSnapshotsReturned: UInt32
    let snapshots: [Snapshot]

    init(_ array: SnapshotArray) {
        numberOfSnapshots = array.numberOfSnapshots
        numberOfSnapshotsReturned = array.numberOfSnapshotsReturned
        snapshots = array.snapshots.map {
            Snapshot(gmt: $0.gmtToken, utc: $0.iso8601, snapshotMountOption: $0.rawValue)
        }
    }

    var lines: [String] {
        var lines = [
            "Number of snapshots: \(numberOfSnapshots) Number of snapshots returned: \(numberOfSnapshotsReturned)"
        ]
        if !snapshots.isEmpty {
            lines.append(
                "Snapshot list in GMT (Coordinated UTC Time) and SMB format (100 nanosecond units needed for snapshot mounts):"
            )
        }
        for (index, snapshot) in snapshots.enumerated() {
            lines += ["\(index + 1)) GMT:\(snapshot.gmt)", "   SMB3:\(snapshot.snapshotMountOption)"]
        }
        return lines
    }
}

/// `smb3-ioctl quota PATH`: the share's quota entries (QUERY_INFO, InfoType 4), like smbinfo quota.
public struct QuotaCommand: CIFSFileCommand {
    let files: CIFSFiles

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    public func run(path: String) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openOnCIFS(path, .read)
        defer { system.close(handle) }
        let request: CIFSQueryInfo
        do {
            request = try CIFSQueryInfo(
                infoType: CIFSQueryInfo.InfoType.quota.rawValue, replyCapacity: CIFSQueryInfo.defaultReplyCapacity,
                input: QuotaEntry.queryInput)
        } catch { throw IoctlCommandError.failed("quota request: \(error)") }
        let reply = try files.queryInfo(handle, request, path, what: "quota")
        do { return IoctlReport(QuotaReport(try QuotaEntry.parse(reply))) } catch {
            throw IoctlCommandError.failed("\(path): quota reply: \(error)")
        }
    }
}

/// Quota entries, as smbinfo prints them; an unlimited threshold or limit is `null`.
struct QuotaReport: IoctlReportBody {
    struct Entry: Encodable {
        let sid: Described<SecurityIdentifier>
        let changeTime: ReportTime
        let used: UInt64
        let threshold: UInt64?
        let limit: UInt64?
    }

    let entries: [Entry]

    init(_ entries: [QuotaEntry]) {
        self.entries = entries.map {
            Entry(
                sid: Described($0.sid), changeTime: ReportTime($0.changeTime), used: $0.used,
                threshold: $0.threshold == QuotaEntry.unlimited ? nil : $0.threshold,
                limit: $0.limit == QuotaEntry.unlimited ? nil : $0.limit)
        }
    }

    var lines: [String] {
        entries.flatMap { entry in
            [
                "SID Length: \(entry.sid.value.encodedSize)", "Change Time: \(entry.changeTime.utc)",
                "Quota Used: \(entry.used)", "Quota Threshold: \(entry.threshold.map(String.init) ?? "NO THRESHOLD")",
                "Quota Limit: \(entry.limit.map(String.init) ?? "NO LIMIT")", "SID: \(entry.sid)",
            ]
        }
    }
}

/// `smb3-ioctl secdesc PATH`: owner, group and DACL (QUERY_INFO, InfoType 3), like smbinfo secdesc.
public struct SecurityDescriptorCommand: CIFSFileCommand {
    let files: CIFSFiles

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    public func run(path: String) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openOnCIFS(path, .read)
        defer { system.close(handle) }
        let isDirectory = try files.status(handle, path).isDirectory
        let request: CIFSQueryInfo
        do {
            request = try CIFSQueryInfo(
                infoType: CIFSQueryInfo.InfoType.security.rawValue,
                additionalInformation: SecurityDescriptor.ownerGroupDACL,
                replyCapacity: CIFSQueryInfo.defaultReplyCapacity)
        } catch { throw IoctlCommandError.failed("security descriptor request: \(error)") }
        let reply = try files.queryInfo(handle, request, path, what: "security descriptor")
        do {
            return IoctlReport(
                SecurityDescriptorReport(try SecurityDescriptor(parsing: reply), isDirectory: isDirectory))
        } catch {
            throw IoctlCommandError.failed("\(path): security descriptor: \(error)")
        }
    }
}

/// Owner, group and DACL; masks are named with the directory rights for directories.
struct SecurityDescriptorReport: IoctlReportBody {
    /// One ACE: a mask and SID for the types that carry them, the raw body in hex otherwise.
    struct Entry: Encodable {
        let type: NamedCode
        let flags: FlagWord
        let mask: FlagWord?
        let sid: Described<SecurityIdentifier>?
        let body: HexBytes?

        init(_ ace: AccessControlEntry, maskTable: CIFSFlagTable) {
            type = NamedCode(value: UInt64(ace.kind.rawValue), name: ace.kind.description)
            flags = FlagWord(UInt32(ace.flags), AccessControlEntry.flagNames)
            if let mask = ace.mask, let sid = ace.sid {
                self.mask = FlagWord(mask, maskTable)
                self.sid = Described(sid)
                body = nil
            } else {
                mask = nil
                sid = nil
                body = HexBytes(bytes: ace.rawBody)
            }
        }

        var line: String {
            var parts = ["Type: \(cifsHex32(UInt32(type.value))) (\(type.name))", "Flags: \(flags.text)"]
            if let mask, let sid { parts += ["Mask: \(mask.text)", "SID: \(sid)"] }
            if let body { parts.append("<\(body.spaced)>") }
            return parts.joined(separator: ", ")
        }

        private enum CodingKeys: String, CodingKey {
            case type
            case flags
            case mask
            case sid
            case body
        }

        /// Keys that do not apply are left out, not written as `null`.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(type, forKey: .type)
            try container.encode(flags, forKey: .flags)
            if let mask, let sid {
                try container.encode(mask, forKey: .mask)
                try container.encode(sid, forKey: .sid)
            }
            if let body { try container.encode(body, forKey: .body) }
        }
    }

    let revision: UInt8
    let control: FlagWord
    let owner: Described<SecurityIdentifier>?
    let group: Described<SecurityIdentifier>?
    let dacl: [Entry]?

    init(_ descriptor: SecurityDescriptor, isDirectory: Bool) {
        revision = descriptor.revision
        control = FlagWord(UInt32(descriptor.control), SecurityDescriptor.controlNames)
        owner = descriptor.owner.map(Described.init)
        group = descriptor.group.map(Described.init)
        let maskTable = isDirectory ? CIFSNames.directoryAccess : CIFSNames.fileAccess
        dacl = descriptor.dacl.map { $0.entries.map { Entry($0, maskTable: maskTable) } }
    }

    var lines: [String] {
        var lines = ["Revision: \(revision)", "Control: \(control.text)"]
        if let owner { lines.append("Owner: \(owner)") }
        if let group { lines.append("Group: \(group)") }
        if let dacl { lines += ["DACL:"] + dacl.map(\.line) }
        return lines
    }
}
