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
        guard probe.numberOfSnapshots > 0 else { return Self.report(probe) }
        let full = try enumerate(handle, path, count: probe.numberOfSnapshots, size: probe.arraySize)
        return Self.report(full)
    }

    private func enumerate(
        _ handle: IoctlHandle, _ path: String, count: UInt32, size: UInt32
    ) throws(IoctlCommandError) -> SnapshotArray {
        var buffer = SnapshotArray.request(numberOfSnapshots: count, arraySize: size)
        do { try system.ioctl(handle, .enumerateSnapshots, buffer: &buffer) } catch {
            let hint =
                error.errno == .notSupported
                ? "; the share has no snapshots support (e.g. Samba without vfs_shadow_copy2)"
                : CIFSFiles.hint(for: error)
            throw IoctlCommandError.failed("\(path): CIFS_ENUMERATE_SNAPSHOTS: \(error)\(hint)", error)
        }
        do { return try SnapshotArray(parsing: buffer[...]) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_ENUMERATE_SNAPSHOTS reply: \(error)")
        }
    }

    static func report(_ array: SnapshotArray) -> IoctlReport {
        var lines = [
            "Number of snapshots: \(array.numberOfSnapshots) Number of snapshots returned: \(array.numberOfSnapshotsReturned)"
        ]
        if !array.snapshots.isEmpty {
            lines.append(
                "Snapshot list in GMT (Coordinated UTC Time) and SMB format (100 nanosecond units needed for snapshot mounts):"
            )
        }
        for (index, snapshot) in array.snapshots.enumerated() {
            lines.append("\(index + 1)) GMT:\(snapshot.gmtToken)")
            lines.append("   SMB3:\(snapshot.rawValue)")
        }
        let json: JSONValue = .object([
            ("numberOfSnapshots", .uint(UInt64(array.numberOfSnapshots))),
            ("numberOfSnapshotsReturned", .uint(UInt64(array.numberOfSnapshotsReturned))),
            (
                "snapshots",
                .array(
                    array.snapshots.map {
                        .object([
                            ("gmt", .string($0.gmtToken)), ("utc", .string($0.iso8601)),
                            ("snapshotMountOption", .uint($0.rawValue)),
                        ])
                    })
            ),
        ])
        return IoctlReport(lines: lines, json: json)
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
        do { return Self.report(try QuotaEntry.parse(reply)) } catch {
            throw IoctlCommandError.failed("\(path): quota reply: \(error)")
        }
    }

    static func report(_ entries: [QuotaEntry]) -> IoctlReport {
        var lines: [String] = []
        for entry in entries {
            lines += [
                "SID Length: \(entry.sid.encodedSize)", "Change Time: \(entry.changeTime.iso8601)",
                "Quota Used: \(entry.used)",
                "Quota Threshold: \(entry.threshold == QuotaEntry.unlimited ? "NO THRESHOLD" : String(entry.threshold))",
                "Quota Limit: \(entry.limit == QuotaEntry.unlimited ? "NO LIMIT" : String(entry.limit))",
                "SID: \(entry.sid)",
            ]
        }
        let json: JSONValue = .object([
            (
                "entries",
                .array(
                    entries.map {
                        .object([
                            ("sid", .string($0.sid.description)), ("changeTime", .time($0.changeTime)),
                            ("used", .uint($0.used)),
                            ("threshold", $0.threshold == QuotaEntry.unlimited ? .null : .uint($0.threshold)),
                            ("limit", $0.limit == QuotaEntry.unlimited ? .null : .uint($0.limit)),
                        ])
                    })
            )
        ])
        return IoctlReport(lines: lines, json: json)
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
        do { return Self.report(try SecurityDescriptor(parsing: reply), isDirectory: isDirectory) } catch {
            throw IoctlCommandError.failed("\(path): security descriptor: \(error)")
        }
    }

    static func report(_ descriptor: SecurityDescriptor, isDirectory: Bool) -> IoctlReport {
        let maskTable = isDirectory ? CIFSNames.directoryAccess : CIFSNames.fileAccess
        func named(_ value: UInt32, _ table: CIFSFlagTable) -> String { QueryCommand.named(value, table) }
        var lines = [
            "Revision: \(descriptor.revision)",
            "Control: \(named(UInt32(descriptor.control), SecurityDescriptor.controlNames))",
        ]
        if let owner = descriptor.owner { lines.append("Owner: \(owner)") }
        if let group = descriptor.group { lines.append("Group: \(group)") }
        var aces: [JSONValue] = []
        if let dacl = descriptor.dacl {
            lines.append("DACL:")
            for ace in dacl.entries {
                var parts = [
                    "Type: \(cifsHex32(UInt32(ace.kind.rawValue))) (\(ace.kind))",
                    "Flags: \(named(UInt32(ace.flags), AccessControlEntry.flagNames))",
                ]
                var members: [(String, JSONValue)] = [
                    (
                        "type",
                        .object([("value", .uint(UInt64(ace.kind.rawValue))), ("name", .string(ace.kind.description))])
                    ),
                    ("flags", .flags(UInt32(ace.flags), AccessControlEntry.flagNames)),
                ]
                if let mask = ace.mask, let sid = ace.sid {
                    parts += ["Mask: \(named(mask, maskTable))", "SID: \(sid)"]
                    members += [("mask", .flags(mask, maskTable)), ("sid", .string(sid.description))]
                } else {
                    parts.append("<\(ace.rawBody.map { byteHex($0) }.joined(separator: " "))>")
                    members.append(("body", .string(ace.rawBody.map { byteHex($0) }.joined())))
                }
                lines.append(parts.joined(separator: ", "))
                aces.append(.object(members))
            }
        }
        let json: JSONValue = .object([
            ("revision", .uint(UInt64(descriptor.revision))),
            ("control", .flags(UInt32(descriptor.control), SecurityDescriptor.controlNames)),
            ("owner", descriptor.owner.map { .string($0.description) } ?? .null),
            ("group", descriptor.group.map { .string($0.description) } ?? .null),
            ("dacl", descriptor.dacl == nil ? .null : .array(aces)),
        ])
        return IoctlReport(lines: lines, json: json)
    }
}

func byteHex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return digits.count == 1 ? "0" + digits : digits
}
