import SMB3Errors
import SMB3Protocol

/// A command over files on a cifs mount: it reaches the system through the checked opens and
/// calls of `CIFSFiles`.
protocol CIFSFileCommand {
    var files: CIFSFiles { get }
}

extension CIFSFileCommand {
    var system: any IoctlSystem { files.system }
}

/// Opening paths that must be on cifs, and the ioctls every command shares.
struct CIFSFiles {
    let system: any IoctlSystem

    /// Opens `path` and checks that it is on a cifs mount; closes it again if not.
    ///
    /// - Throws: exit status 3 (`notCIFS`) when the filesystem is something else, 1 when open fails.
    func openOnCIFS(_ path: String, _ mode: IoctlOpenMode) throws(IoctlCommandError) -> IoctlHandle {
        let handle = try open(path, mode)
        let type: UInt64
        do { type = try system.fileSystemType(handle) } catch {
            system.close(handle)
            throw IoctlCommandError.failed("\(path): fstatfs: \(error)", error)
        }
        guard CIFSMagic.isCIFS(type) else {
            system.close(handle)
            throw IoctlCommandError.notCIFS(path, type: type)
        }
        return handle
    }

    func open(_ path: String, _ mode: IoctlOpenMode) throws(IoctlCommandError) -> IoctlHandle {
        do { return try system.open(path, mode) } catch { throw IoctlCommandError.failed("\(path): \(error)", error) }
    }

    /// Whether `path` is on cifs, without failing on other filesystems (nil: cannot open it).
    func fileSystemType(ofOpen handle: IoctlHandle, _ path: String) throws(IoctlCommandError) -> UInt64 {
        do { return try system.fileSystemType(handle) } catch {
            throw IoctlCommandError.failed("\(path): fstatfs: \(error)", error)
        }
    }

    func status(_ handle: IoctlHandle, _ path: String) throws(IoctlCommandError) -> IoctlFileStatus {
        do { return try system.status(handle) } catch {
            throw IoctlCommandError.failed("\(path): fstat: \(error)", error)
        }
    }

    /// Opens a path on cifs the way the ioctls needing the open cifsFile want it: files read-only,
    /// directories listed once first.
    func openForCIFSFileIoctl(_ path: String) throws(IoctlCommandError) -> IoctlHandle {
        let handle = try openOnCIFS(path, .read)
        let isDirectory: Bool
        do { isDirectory = try status(handle, path).isDirectory } catch {
            system.close(handle)
            throw error
        }
        guard isDirectory else { return handle }
        system.close(handle)
        return try openOnCIFS(path, .listedDirectory)
    }

    func treeConnectInfo(_ handle: IoctlHandle, _ path: String) throws(IoctlCommandError) -> CIFSTreeConnectInfo {
        var buffer = [UInt8](repeating: 0, count: CIFSTreeConnectInfo.size)
        do { try system.ioctl(handle, .getTreeConnectInfo, buffer: &buffer) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_IOC_GET_TCON_INFO: \(error)", error)
        }
        do { return try CIFSTreeConnectInfo(parsing: buffer[...]) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_IOC_GET_TCON_INFO reply: \(error)")
        }
    }

    func mountInfo(_ handle: IoctlHandle, _ path: String) throws(IoctlCommandError) -> CIFSMountInfo {
        var buffer = [UInt8](repeating: 0, count: CIFSMountInfo.size)
        do { try system.ioctl(handle, .getMountInfo, buffer: &buffer) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_IOC_GET_MNT_INFO: \(error)", error)
        }
        do { return try CIFSMountInfo(parsing: buffer[...]) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_IOC_GET_MNT_INFO reply: \(error)")
        }
    }

    /// Sends a `CIFS_QUERY_INFO` and returns the reply bytes.
    func queryInfo(
        _ handle: IoctlHandle, _ request: CIFSQueryInfo, _ path: String, what: String
    ) throws(IoctlCommandError)
        -> ArraySlice<UInt8>
    {
        var buffer = request.encoded()
        do { try system.ioctl(handle, .queryInfo, buffer: &buffer) } catch {
            throw IoctlCommandError.failed(
                "\(path): CIFS_QUERY_INFO (\(what)): \(error)\(Self.hint(for: error))", error)
        }
        do { return try request.reply(from: buffer) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_QUERY_INFO (\(what)) reply: \(error)")
        }
    }

    /// A short explanation for the errno values the cifs ioctls are known to return.
    static func hint(for error: SystemError) -> String {
        switch error.errno {
        case .notSupported: return "; the server or share does not support this request"
        case .inappropriateIOCTLForDevice:
            return
                "; the kernel does not know this ioctl for this file (not a cifs file, or a directory fd without a cifs handle)"
        case .notPermitted, .permissionDenied:
            return "; this request needs more privileges (CAP_SYS_ADMIN for FSCTL passthrough, key dumps and shutdown)"
        default: return ""
        }
    }
}

/// The parent directory of a path, for checking where a file that does not exist yet would go.
func parentDirectory(of path: String) -> String {
    var trimmed = Substring(path)
    while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    guard let slash = trimmed.lastIndex(of: "/") else { return "." }
    if slash == trimmed.startIndex { return "/" }
    return String(trimmed[..<slash])
}
