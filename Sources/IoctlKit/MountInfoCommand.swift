import SMB3Protocol

/// `smb3-ioctl info PATH`: CIFS_IOC_GET_MNT_INFO and CIFS_IOC_GET_TCON_INFO, decoded.
public struct MountInfoCommand: CIFSFileCommand {
    let files: CIFSFiles

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    public func run(path: String) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openForCIFSFileIoctl(path)
        defer { system.close(handle) }
        let info = try files.mountInfo(handle, path)
        let tcon = try files.treeConnectInfo(handle, path)
        return Self.report(info, tcon, mountOptions: system.mountOptions(of: path))
    }

    static func report(_ info: CIFSMountInfo, _ tcon: CIFSTreeConnectInfo, mountOptions: [String]?) -> IoctlReport {
        func named(_ value: UInt32, _ table: CIFSFlagTable) -> String {
            let names = table.names(of: UInt64(value))
            return names.isEmpty ? cifsHex32(value) : "\(cifsHex32(value)) (\(names.joined(separator: ",")))"
        }
        let deviceType = CIFSNames.deviceTypes.name(ofValue: UInt64(info.deviceType)).map { " (\($0))" } ?? ""
        let cache = mountOptions?.first { $0.hasPrefix("cache=") }
        var lines = [
            "Protocol: \(info.dialectName) (0x\(String(info.protocolID, radix: 16)))",
            "Tree id: 0x\(String(tcon.treeID, radix: 16))",
            "Session id: 0x\(hex(tcon.sessionID))",
            "Share capabilities: \(named(info.shareCapabilities, CIFSNames.shareCapabilities))",
            "Share flags: \(named(info.shareFlags, CIFSNames.shareFlags)), caching \(info.cachingPolicy)",
            "Tree connect flags: 0x\(String(info.treeConnectFlags, radix: 16))",
            "Maximal access: \(named(info.maximalAccess, CIFSNames.fileAccess))",
            "Filesystem attributes: \(named(info.fileSystemAttributes, CIFSNames.fileSystemAttributes))",
            "Reflink (duplicate extents): \(info.supportsBlockRefcounting ? "supported" : "not supported (no SUPPORTS_BLOCK_REFCOUNTING)")",
            "Max path component: \(info.maximumPathComponentLength)",
            "Sector flags: \(named(info.sectorFlags, CIFSNames.sectorFlags))",
            "Optimal sector size: \(info.optimalSectorSize)",
            "Copy chunk size: \(info.maximumBytesPerChunk) bytes",
            "Volume serial number: \(cifsHex32(info.volumeSerialNumber))",
            "Device type: \(cifsHex32(info.deviceType))\(deviceType)",
            "Device characteristics: \(named(info.deviceCharacteristics, CIFSNames.deviceCharacteristics))",
            "POSIX capabilities: 0x\(hex(info.posixCapabilities))",
        ]
        if let cache { lines.append("Cache mode: \(cache.dropFirst(6))") }
        let json: JSONValue = .object([
            ("protocol", .object([("id", .uint(UInt64(info.protocolID))), ("name", .string(info.dialectName))])),
            ("treeId", .uint(UInt64(tcon.treeID))),
            ("sessionId", .uint(tcon.sessionID)),
            ("shareCapabilities", .flags(info.shareCapabilities, CIFSNames.shareCapabilities)),
            ("shareFlags", .flags(info.shareFlags, CIFSNames.shareFlags)),
            ("caching", .string(info.cachingPolicy)),
            ("treeConnectFlags", .uint(UInt64(info.treeConnectFlags))),
            ("maximalAccess", .flags(info.maximalAccess, CIFSNames.fileAccess)),
            ("fileSystemAttributes", .flags(info.fileSystemAttributes, CIFSNames.fileSystemAttributes)),
            ("reflinkSupported", .bool(info.supportsBlockRefcounting)),
            ("maxPathComponent", .uint(UInt64(info.maximumPathComponentLength))),
            ("sectorFlags", .flags(info.sectorFlags, CIFSNames.sectorFlags)),
            ("optimalSectorSize", .uint(UInt64(info.optimalSectorSize))),
            ("maxBytesChunk", .uint(UInt64(info.maximumBytesPerChunk))),
            ("volumeSerialNumber", .uint(UInt64(info.volumeSerialNumber))),
            ("deviceType", .uint(UInt64(info.deviceType))),
            ("deviceCharacteristics", .flags(info.deviceCharacteristics, CIFSNames.deviceCharacteristics)),
            ("posixCapabilities", .uint(info.posixCapabilities)),
            ("cacheMode", cache.map { .string(String($0.dropFirst(6))) } ?? .null),
        ])
        return IoctlReport(lines: lines, json: json)
    }
}
