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
        return IoctlReport(MountInfoReport(info, tcon, mountOptions: system.mountOptions(of: path)))
    }
}

/// The mount's share and session facts; `cacheMode` comes from the mount options.
struct MountInfoReport: IoctlReportBody {
    struct ProtocolVersion: Encodable {
        let id: UInt16
        let name: String
    }

    let `protocol`: ProtocolVersion
    let treeId: UInt32
    let sessionId: UInt64
    let shareCapabilities: FlagWord
    let shareFlags: FlagWord
    let caching: String
    let treeConnectFlags: UInt16
    let maximalAccess: FlagWord
    let fileSystemAttributes: FlagWord
    let reflinkSupported: Bool
    let maxPathComponent: UInt32
    let sectorFlags: FlagWord
    let optimalSectorSize: UInt32
    let maxBytesChunk: UInt32
    let volumeSerialNumber: UInt32
    let deviceType: UInt32
    let deviceCharacteristics: FlagWord
    let posixCapabilities: UInt64
    let cacheMode: String?

    /// The attribute is the server's word only: ksmbd sets it on every share, also where its file
    /// system cannot clone; `copy --reflink` checks what really happened.
    static let reflinkAdvertised =
        "advertised (SUPPORTS_BLOCK_REFCOUNTING; ksmbd advertises it on every share, copy --reflink checks that extents are shared)"

    init(_ info: CIFSMountInfo, _ tcon: CIFSTreeConnectInfo, mountOptions: [String]?) {
        `protocol` = ProtocolVersion(id: info.protocolID, name: info.dialectName)
        treeId = tcon.treeID
        sessionId = tcon.sessionID
        shareCapabilities = FlagWord(info.shareCapabilities, CIFSNames.shareCapabilities)
        shareFlags = FlagWord(info.shareFlags, CIFSNames.shareFlags)
        caching = info.cachingPolicy
        treeConnectFlags = info.treeConnectFlags
        maximalAccess = FlagWord(info.maximalAccess, CIFSNames.fileAccess)
        fileSystemAttributes = FlagWord(info.fileSystemAttributes, CIFSNames.fileSystemAttributes)
        reflinkSupported = info.supportsBlockRefcounting
        maxPathComponent = info.maximumPathComponentLength
        sectorFlags = FlagWord(info.sectorFlags, CIFSNames.sectorFlags)
        optimalSectorSize = info.optimalSectorSize
        maxBytesChunk = info.maximumBytesPerChunk
        volumeSerialNumber = info.volumeSerialNumber
        deviceType = info.deviceType
        deviceCharacteristics = FlagWord(info.deviceCharacteristics, CIFSNames.deviceCharacteristics)
        posixCapabilities = info.posixCapabilities
        cacheMode = mountOptions?.first { $0.hasPrefix("cache=") }.map { String($0.dropFirst(6)) }
    }

    var lines: [String] {
        let deviceTypeName = CIFSNames.deviceTypes.name(ofValue: UInt64(deviceType)).map { " (\($0))" } ?? ""
        var lines = [
            "Protocol: \(`protocol`.name) (\(prefixedHex(`protocol`.id)))",
            "Tree id: \(prefixedHex(treeId))",
            "Session id: \(prefixedHex(sessionId))",
            "Share capabilities: \(shareCapabilities.text)",
            "Share flags: \(shareFlags.text), caching \(caching)",
            "Tree connect flags: \(prefixedHex(treeConnectFlags))",
            "Maximal access: \(maximalAccess.text)",
            "Filesystem attributes: \(fileSystemAttributes.text)",
            "Reflink (duplicate extents): \(reflinkSupported ? Self.reflinkAdvertised : "not supported (no SUPPORTS_BLOCK_REFCOUNTING)")",
            "Max path component: \(maxPathComponent)",
            "Sector flags: \(sectorFlags.text)",
            "Optimal sector size: \(optimalSectorSize)",
            "Copy chunk size: \(maxBytesChunk) bytes",
            "Volume serial number: \(cifsHex32(volumeSerialNumber))",
            "Device type: \(cifsHex32(deviceType))\(deviceTypeName)",
            "Device characteristics: \(deviceCharacteristics.text)",
            "POSIX capabilities: \(prefixedHex(posixCapabilities))",
        ]
        if let cacheMode { lines.append("Cache mode: \(cacheMode)") }
        return lines
    }
}
