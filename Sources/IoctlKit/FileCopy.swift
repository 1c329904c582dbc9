import SMB3Errors
import SMB3Protocol

/// What `smb3-ioctl copy` was asked to do.
public struct CopyRequest: Hashable, Sendable {
    public var source: String
    public var destination: String
    /// A range copy when any of these is set; the whole file otherwise.
    public var sourceOffset: UInt64?
    public var length: UInt64?
    public var destinationOffset: UInt64?
    /// Permit a client-side copy when the server cannot do it; the report says which path was taken.
    public var allowFallback: Bool
    /// Duplicate extents (FICLONE/FICLONERANGE) instead of copying; never falls back.
    public var reflink: Bool

    public init(
        source: String, destination: String, sourceOffset: UInt64? = nil, length: UInt64? = nil,
        destinationOffset: UInt64? = nil, allowFallback: Bool = false, reflink: Bool = false
    ) {
        self.source = source
        self.destination = destination
        self.sourceOffset = sourceOffset
        self.length = length
        self.destinationOffset = destinationOffset
        self.allowFallback = allowFallback
        self.reflink = reflink
    }

    public var isRange: Bool { sourceOffset != nil || length != nil || destinationOffset != nil }
}

/// How the bytes travelled; in JSON, the raw value.
public struct CopyMethod: RawRepresentable, Hashable, Sendable, Encodable {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `CIFS_IOC_COPYCHUNK_FILE`: the whole file, server-side, no kernel fallback.
    public static let copyChunkIoctl = CopyMethod(rawValue: "copychunk-ioctl")
    /// `copy_file_range(2)` between files of one SMB session: server-side copychunk.
    public static let copyFileRange = CopyMethod(rawValue: "copy_file_range")
    /// `FICLONE` / `FICLONERANGE`: server-side duplicate extents.
    public static let reflink = CopyMethod(rawValue: "reflink")
    /// Read and written through this machine (only with `--allow-fallback`).
    public static let clientSide = CopyMethod(rawValue: "client-side")

    public var isServerSide: Bool { self != .clientSide }

    var label: String {
        switch self {
        case .copyChunkIoctl: return "server-side copy (CIFS_IOC_COPYCHUNK_FILE)"
        case .copyFileRange: return "server-side copy (copy_file_range, same SMB session)"
        case .reflink: return "server-side clone (FICLONE/FICLONERANGE, duplicate extents)"
        default: return "client-side copy (read/write through this machine)"
        }
    }
}

/// The result of a copy.
public struct CopyOutcome: Hashable, Sendable {
    public var bytes: UInt64
    public var nanoseconds: UInt64
    public var method: CopyMethod
    /// Why the copy fell back to the client, when it did.
    public var fallbackReason: String?
    public var sourceSessionID: UInt64?
    public var destinationSessionID: UInt64?
    /// For a reflink: whether the share's free space shows the extents were shared.
    public var cloneCheck: CloneCheck?

    public init(
        bytes: UInt64, nanoseconds: UInt64, method: CopyMethod, fallbackReason: String? = nil,
        sourceSessionID: UInt64? = nil, destinationSessionID: UInt64? = nil, cloneCheck: CloneCheck? = nil
    ) {
        self.bytes = bytes
        self.nanoseconds = nanoseconds
        self.method = method
        self.fallbackReason = fallbackReason
        self.sourceSessionID = sourceSessionID
        self.destinationSessionID = destinationSessionID
        self.cloneCheck = cloneCheck
    }

    public var seconds: Double { Double(nanoseconds) / 1e9 }
    public var bytesPerSecond: Double { nanoseconds == 0 ? 0 : Double(bytes) / seconds }

    /// The final line: bytes, seconds, throughput and path.
    public var summary: String { CopyReport(self).summary }

    public var report: IoctlReport { IoctlReport(CopyReport(self)) }
}

/// What `copy` prints: the fallback's reason when there was one, then the summary.
struct CopyReport: IoctlReportBody {
    let bytes: UInt64
    let seconds: Double
    let bytesPerSecond: Double
    let method: CopyMethod
    let serverSide: Bool
    let fallbackReason: String?
    let sourceSessionId: UInt64?
    let destinationSessionId: UInt64?
    let cloneCheck: CloneCheck?

    init(_ outcome: CopyOutcome) {
        bytes = outcome.bytes
        seconds = outcome.seconds
        bytesPerSecond = outcome.bytesPerSecond.rounded()
        method = outcome.method
        serverSide = outcome.method.isServerSide
        fallbackReason = outcome.fallbackReason
        sourceSessionId = outcome.sourceSessionID
        destinationSessionId = outcome.destinationSessionID
        cloneCheck = outcome.cloneCheck
    }

    var summary: String {
        "copied \(bytes) bytes (\(ByteFormat.size(bytes))) in \(ByteFormat.fixed(seconds, 3)) s, "
            + "\(ByteFormat.size(UInt64(bytesPerSecond)))/s, via \(method.label)"
    }

    var lines: [String] {
        (fallbackReason.map { ["fell back to a client-side copy: \($0)"] } ?? [])
            + (cloneCheck.map { [$0.line(length: bytes)] } ?? []) + [summary]
    }
}

/// Receives progress of a copy. The executable shows it on a terminal for large copies.
public protocol CopyProgress: AnyObject {
    /// `determinate` is false when one system call does the whole copy (COPYCHUNK, FICLONE):
    /// then only elapsed time can be shown.
    func begin(totalBytes: UInt64, determinate: Bool)
    func advance(to copiedBytes: UInt64)
    func end()
}

/// Copies files on cifs mounts the way `smb3-ioctl copy` promises: server-side by default, and
/// never through the client without `--allow-fallback`.
public struct FileCopier: CIFSFileCommand {
    let files: CIFSFiles
    /// Bytes per copy_file_range call when progress is shown (otherwise one call for the range).
    public var progressStep: UInt64 = 32 << 20
    /// Bytes per read/write of a client-side copy.
    public var clientBufferSize = 4 << 20

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    private struct Side {
        let path: String
        let handle: IoctlHandle
        let status: IoctlFileStatus
        let fileSystemType: UInt64
        var isCIFS: Bool { CIFSMagic.isCIFS(fileSystemType) }
    }

    public func copy(
        _ request: CopyRequest, progress: (any CopyProgress)? = nil
    ) throws(IoctlCommandError) -> CopyOutcome {
        // Check where the destination would go before creating or truncating anything.
        let destinationParent = parentDirectory(of: request.destination)
        let parentType: UInt64 = try {
            () throws(IoctlCommandError) -> UInt64 in
            let handle = try files.open(destinationParent, .read)
            defer { system.close(handle) }
            return try files.fileSystemType(ofOpen: handle, destinationParent)
        }()

        let sourceHandle = try files.open(request.source, .read)
        defer { system.close(sourceHandle) }
        let source = Side(
            path: request.source, handle: sourceHandle, status: try files.status(sourceHandle, request.source),
            fileSystemType: try files.fileSystemType(ofOpen: sourceHandle, request.source))
        guard source.status.isRegularFile else {
            throw IoctlCommandError.failed("\(request.source): not a regular file")
        }
        if !request.allowFallback || request.reflink {
            guard source.isCIFS else { throw IoctlCommandError.notCIFS(request.source, type: source.fileSystemType) }
            guard CIFSMagic.isCIFS(parentType) else {
                throw IoctlCommandError.notCIFS(destinationParent, type: parentType)
            }
        }

        let destinationHandle = try files.open(request.destination, .write(truncate: false))
        defer { system.close(destinationHandle) }
        let destination = Side(
            path: request.destination, handle: destinationHandle,
            status: try files.status(destinationHandle, request.destination),
            fileSystemType: try files.fileSystemType(ofOpen: destinationHandle, request.destination))
        guard
            !(source.status.device == destination.status.device && source.status.inode == destination.status.inode)
                || request.isRange
        else {
            throw IoctlCommandError.failed("\(request.source) and \(request.destination) are the same file")
        }

        // The kernel offloads only between files of one SMB session; otherwise COPYCHUNK fails
        // with EXDEV and copy_file_range silently copies through the client (kernel-interfaces.md §3.2).
        var sourceSession: UInt64?
        var destinationSession: UInt64?
        if source.isCIFS && destination.isCIFS {
            sourceSession = try files.treeConnectInfo(source.handle, source.path).sessionID
            destinationSession = try files.treeConnectInfo(destination.handle, destination.path).sessionID
        }
        let range = try resolveRange(request, sourceSize: source.status.size)

        if request.reflink {
            return try reflink(request, source, destination, range, sourceSession, destinationSession, progress)
        }

        var fallbackReason: String?
        if !source.isCIFS || !destination.isCIFS {
            let which = source.isCIFS ? destination : source
            fallbackReason = "\(which.path) is not on a cifs mount"
        } else if let sourceSession, let destinationSession, sourceSession != destinationSession {
            let reason =
                "\(request.source) and \(request.destination) are on different SMB sessions (\(prefixedHex(sourceSession)) and \(prefixedHex(destinationSession))); the server can only copy within one session"
            guard request.allowFallback else {
                throw IoctlCommandError.failed(
                    reason
                        + " (the kernel would return EXDEV, or copy_file_range would silently copy through this machine); --allow-fallback copies through the client"
                )
            }
            fallbackReason = reason
        }

        if !request.isRange {
            do { try system.truncate(destination.handle, size: 0) } catch {
                throw IoctlCommandError.failed("\(request.destination): ftruncate: \(error)", error)
            }
        }
        if let fallbackReason {
            return try clientCopy(
                source, destination, range, fallbackReason, sourceSession, destinationSession, progress)
        }

        let start = system.monotonicNanoseconds()
        if !request.isRange {
            progress?.begin(totalBytes: range.length, determinate: false)
            do {
                try system.ioctl(destination.handle, .copyChunkFile, value: source.handle.rawValue)
                progress?.end()
            } catch {
                progress?.end()
                let reason = "CIFS_IOC_COPYCHUNK_FILE: \(error)\(Self.copyHint(error))"
                guard request.allowFallback, Self.fallbackErrors.contains(error.errno) else {
                    throw IoctlCommandError.failed("\(request.source) → \(request.destination): \(reason)", error)
                }
                return try clientCopy(source, destination, range, reason, sourceSession, destinationSession, progress)
            }
            return CopyOutcome(
                bytes: range.length, nanoseconds: system.monotonicNanoseconds() &- start, method: .copyChunkIoctl,
                sourceSessionID: sourceSession, destinationSessionID: destinationSession)
        }

        // A range: copy_file_range, in steps only when someone watches the progress.
        let step = progress == nil ? range.length : max(progressStep, 1)
        var copied: UInt64 = 0
        progress?.begin(totalBytes: range.length, determinate: true)
        defer { progress?.end() }
        while copied < range.length {
            let want = Int(clamping: min(step, range.length - copied))
            let count: Int
            do {
                count = try system.copyFileRange(
                    from: source.handle, at: range.sourceOffset + copied, to: destination.handle,
                    at: range.destinationOffset + copied, length: want)
            } catch {
                let reason = "copy_file_range at offset \(range.sourceOffset + copied): \(error)\(Self.copyHint(error))"
                guard request.allowFallback, Self.fallbackErrors.contains(error.errno) else {
                    throw IoctlCommandError.failed("\(request.source) → \(request.destination): \(reason)", error)
                }
                let rest = CopyRange(
                    sourceOffset: range.sourceOffset + copied, destinationOffset: range.destinationOffset + copied,
                    length: range.length - copied)
                let tail = try clientCopy(source, destination, rest, reason, sourceSession, destinationSession, nil)
                return CopyOutcome(
                    bytes: copied + tail.bytes, nanoseconds: system.monotonicNanoseconds() &- start,
                    method: .clientSide,
                    fallbackReason: reason, sourceSessionID: sourceSession, destinationSessionID: destinationSession)
            }
            if count == 0 { break }  // the source ended early
            copied += UInt64(count)
            progress?.advance(to: copied)
        }
        return CopyOutcome(
            bytes: copied, nanoseconds: system.monotonicNanoseconds() &- start, method: .copyFileRange,
            sourceSessionID: sourceSession, destinationSessionID: destinationSession)
    }

    /// The errno values after which a client-side copy makes sense (the kernel's own fallback set).
    static let fallbackErrors: Set<Errno> = [.improperLink, .notSupported, .invalidArgument, .badFileDescriptor]

    static func copyHint(_ error: SystemError) -> String {
        switch error.errno {
        case .improperLink: return "; the files are on different SMB sessions"
        case .notSupported: return "; the server does not support server-side copy (FSCTL_SRV_COPYCHUNK_WRITE)"
        case .badFileDescriptor: return "; the source is not a file on a cifs mount"
        default: return ""
        }
    }

    struct CopyRange: Hashable {
        var sourceOffset: UInt64
        var destinationOffset: UInt64
        var length: UInt64
    }

    private func resolveRange(_ request: CopyRequest, sourceSize: UInt64) throws(IoctlCommandError) -> CopyRange {
        let offset = request.sourceOffset ?? 0
        guard offset <= sourceSize else {
            throw IoctlCommandError.usage(
                "--offset \(offset) is past the end of \(request.source) (\(sourceSize) bytes)")
        }
        let length = request.length ?? (sourceSize - offset)
        let (_, overflow) = (request.destinationOffset ?? 0).addingReportingOverflow(length)
        guard !overflow else { throw IoctlCommandError.usage("--dst-offset plus --length overflows") }
        return CopyRange(sourceOffset: offset, destinationOffset: request.destinationOffset ?? 0, length: length)
    }

    private func clientCopy(
        _ source: Side, _ destination: Side, _ range: CopyRange, _ reason: String, _ sourceSession: UInt64?,
        _ destinationSession: UInt64?, _ progress: (any CopyProgress)?
    ) throws(IoctlCommandError) -> CopyOutcome {
        let start = system.monotonicNanoseconds()
        let buffer: IoctlBuffer
        do { buffer = try system.makeBuffer(size: clientBufferSize, alignment: 4096) } catch {
            throw IoctlCommandError.failed("allocating a copy buffer: \(error)", error)
        }
        progress?.begin(totalBytes: range.length, determinate: true)
        defer { progress?.end() }
        var copied: UInt64 = 0
        var readBuffer = buffer
        while copied < range.length {
            let want = Int(clamping: min(UInt64(clientBufferSize), range.length - copied))
            let count: Int
            do {
                count = try system.read(source.handle, into: &readBuffer, count: want, at: range.sourceOffset + copied)
            } catch {
                throw IoctlCommandError.failed("\(source.path): read: \(error)", error)
            }
            if count == 0 { break }
            var written = 0
            while written < count {
                let slice = try writeChunk(
                    destination, readBuffer, skip: written, count: count - written,
                    at: range.destinationOffset + copied + UInt64(written))
                written += slice
            }
            copied += UInt64(count)
            progress?.advance(to: copied)
        }
        return CopyOutcome(
            bytes: copied, nanoseconds: system.monotonicNanoseconds() &- start, method: .clientSide,
            fallbackReason: reason,
            sourceSessionID: sourceSession, destinationSessionID: destinationSession)
    }

    private func writeChunk(
        _ destination: Side, _ buffer: IoctlBuffer, skip: Int, count: Int, at offset: UInt64
    )
        throws(IoctlCommandError) -> Int
    {
        // The seam writes from the start of the buffer; move a partial remainder there first.
        if skip > 0 {
            buffer.storage.withUnsafeMutableBytes { raw in
                guard let base = raw.baseAddress else { return }
                base.copyMemory(from: base + skip, byteCount: count)
            }
        }
        let written: Int
        do { written = try system.write(destination.handle, from: buffer, count: count, at: offset) } catch {
            throw IoctlCommandError.failed("\(destination.path): write: \(error)", error)
        }
        guard written > 0 else { throw IoctlCommandError.failed("\(destination.path): write returned 0") }
        return written
    }

    private func reflink(
        _ request: CopyRequest, _ source: Side, _ destination: Side, _ range: CopyRange, _ sourceSession: UInt64?,
        _ destinationSession: UInt64?, _ progress: (any CopyProgress)?
    ) throws(IoctlCommandError) -> CopyOutcome {
        guard destination.isCIFS else {
            throw IoctlCommandError.notCIFS(request.destination, type: destination.fileSystemType)
        }
        // cifs writes the source's dirty pages back before the clone: flush them first, so that
        // their allocation on the server does not count as the clone's (CloneCheck).
        try? system.synchronize(source.handle)
        let freeBefore = try? system.availableBytes(destination.handle)
        let start = system.monotonicNanoseconds()
        progress?.begin(totalBytes: range.length, determinate: false)
        defer { progress?.end() }
        do {
            if request.isRange {
                let argument = CIFSCloneRange(
                    sourceDescriptor: Int64(source.handle.rawValue), sourceOffset: range.sourceOffset,
                    length: range.length,
                    destinationOffset: range.destinationOffset)
                var buffer = argument.encoded()
                try system.ioctl(destination.handle, .cloneRange, buffer: &buffer)
            } else {
                try system.ioctl(destination.handle, .clone, value: source.handle.rawValue)
            }
        } catch {
            throw IoctlCommandError.failed(
                "\(request.source) → \(request.destination): \(request.isRange ? "FICLONERANGE" : "FICLONE"): \(error)"
                    + reflinkHint(error, destination), error)
        }
        let nanoseconds = system.monotonicNanoseconds() &- start
        // A copy the server made instead may still sit in its page cache, not yet allocated (btrfs
        // counts delayed allocation in statfs only once written): fsync sends SMB2 FLUSH, which
        // makes the server write the destination back before the second measurement.
        try? system.synchronize(destination.handle)
        let check = CloneCheck(
            length: range.length, freeBytesBefore: freeBefore,
            freeBytesAfter: try? system.availableBytes(destination.handle))
        guard check.verdict != .copied else {
            throw IoctlCommandError.failed(
                check.copiedMessage(source: request.source, destination: request.destination, length: range.length))
        }
        return CopyOutcome(
            bytes: range.length, nanoseconds: nanoseconds, method: .reflink,
            sourceSessionID: sourceSession, destinationSessionID: destinationSession, cloneCheck: check)
    }

    private func reflinkHint(_ error: SystemError, _ destination: Side) -> String {
        switch error.errno {
        case .notSupported, .invalidArgument:
            let info = try? files.mountInfo(destination.handle, destination.path)
            if let info, info.supportsBlockRefcounting {
                return "; the server refused FSCTL_DUPLICATE_EXTENTS_TO_FILE although the share advertises "
                    + "FILE_SUPPORTS_BLOCK_REFCOUNTING: the file system under the share cannot clone "
                    + "(ksmbd advertises the attribute on every share; it clones on XFS with reflink=1 and on btrfs)"
                    + "; copy without --reflink for a server-side copy"
            }
            var hint =
                "; the share cannot duplicate extents: cifs needs FILE_SUPPORTS_BLOCK_REFCOUNTING (e.g. ReFS) for FSCTL_DUPLICATE_EXTENTS_TO_FILE"
            if let info {
                hint += " and the share's attributes (\(cifsHex32(info.fileSystemAttributes))) lack it"
            }
            return hint + "; copy without --reflink for a server-side copy"
        case .improperLink:
            return "; cloning works only within one mount (superblock)"
        default:
            return ""
        }
    }
}
