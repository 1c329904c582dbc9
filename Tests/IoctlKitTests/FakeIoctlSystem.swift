import SMB3Errors
import SMB3Protocol

@testable import IoctlKit

/// An in-memory system for the kit: files with contents, filesystem types and SMB sessions,
/// scripted ioctl results, and a trace of every call (swift-system's MockingDriver style).
final class FakeIoctlSystem: IoctlSystem {
    struct File {
        var contents: [UInt8] = []
        var fileSystemType: UInt64 = CIFSMagic.smb2
        var sessionID: UInt64 = 0x1111
        var treeID: UInt32 = 7
        var isDirectory = false
        var device: UInt64 = 1
        var inode: UInt64 = 0
        /// The size when it is not `contents.count` (a 1 GiB image without 1 GiB of bytes).
        var apparentSize: UInt64?
        /// Where the data is, for SEEK_DATA/SEEK_HOLE; nil: the whole file is data.
        var dataRanges: [AllocatedRange]?

        var size: UInt64 { apparentSize ?? UInt64(contents.count) }
    }

    var files: [String: File] = [:]
    var open: [Int32: (path: String, mode: IoctlOpenMode)] = [:]
    var nextDescriptor: Int32 = 3
    var trace: [String] = []
    var clock: UInt64 = 0
    /// Forced failures: "ioctl 0x4004CF03" or "copy_file_range" → errno.
    var forcedErrors: [String: Errno] = [:]
    /// Largest count copy_file_range returns per call (short copies are legal).
    var copyFileRangeLimit = Int.max
    var mountInfo = CIFSMountInfo(protocolID: 0x0311, maximumBytesPerChunk: 1 << 20, fileSystemAttributes: 0x0001_006F)
    /// Replies for CIFS_QUERY_INFO keyed by "type/class"; the bytes after the header.
    var queryReplies: [String: [UInt8]] = [:]
    /// Replies for CIFS_QUERY_INFO consumed in order before `queryReplies` (a value before and after).
    var queryReplySequences: [String: [[UInt8]]] = [:]
    /// Forced errno per CIFS_QUERY_INFO "type/class".
    var queryErrors: [String: Errno] = [:]
    /// Every CIFS_QUERY_INFO buffer as the kernel would have read it.
    var queryArguments: [[UInt8]] = []
    var snapshotReplies: [[UInt8]] = []
    /// Scripted buffers for other buffer ioctls, keyed by request; consumed in order.
    var bufferReplies: [CIFSIoctl: [[UInt8]]] = [:]
    /// Arguments the kernel would have read, per buffer ioctl.
    var bufferArguments: [CIFSIoctl: [[UInt8]]] = [:]
    var closed: [Int32] = []
    /// What FICLONE does on the "server": refuse (EOPNOTSUPP, a share that cannot duplicate extents),
    /// share extents (free space unchanged), or copy behind a success (ksmbd's fallback: free space drops).
    enum CloneBehaviour { case notSupported, shares, copies }
    var cloneBehaviour = CloneBehaviour.notSupported
    /// The share's available bytes (fstatfs); nil makes availableBytes fail.
    var freeBytes: UInt64? = 1 << 30

    private func clone(into destination: String, from source: String) throws(SystemError) {
        guard cloneBehaviour != .notSupported else { throw SystemError(function: "ioctl", errno: .notSupported) }
        let data = files[source]?.contents ?? []
        files[destination]?.contents = data
        if cloneBehaviour == .copies, let free = freeBytes { freeBytes = free - UInt64(data.count) }
    }

    func add(_ path: String, _ file: File) {
        var file = file
        file.inode = UInt64(files.count + 100)
        files[path] = file
    }

    func path(_ handle: IoctlHandle) -> String { open[handle.rawValue]?.path ?? "?" }

    private func fail(_ key: String, _ function: String) throws(SystemError) {
        if let code = forcedErrors[key] { throw SystemError(function: function, errno: code) }
    }

    func open(_ path: String, _ mode: IoctlOpenMode) throws(SystemError) -> IoctlHandle {
        trace.append("open \(path) \(mode)")
        try fail("open \(path)", "open")
        if files[path] == nil {
            switch mode {
            case .write, .directWrite: break
            default: throw SystemError(function: "open", errno: .noSuchFileOrDirectory)
            }
            let parent = files[parentDirectory(of: path)]
            add(
                path,
                File(fileSystemType: parent?.fileSystemType ?? CIFSMagic.smb2, sessionID: parent?.sessionID ?? 0x1111))
        }
        if case .write(truncate: true) = mode { files[path]?.contents = [] }
        if case .directWrite(truncate: true) = mode { files[path]?.contents = [] }
        let descriptor = nextDescriptor
        nextDescriptor += 1
        open[descriptor] = (path, mode)
        return IoctlHandle(rawValue: descriptor)
    }

    func close(_ handle: IoctlHandle) {
        trace.append("close \(path(handle))")
        closed.append(handle.rawValue)
        open[handle.rawValue] = nil
    }

    func fileSystemType(_ handle: IoctlHandle) throws(SystemError) -> UInt64 {
        files[path(handle)]?.fileSystemType ?? 0
    }

    func availableBytes(_ handle: IoctlHandle) throws(SystemError) -> UInt64 {
        trace.append("statfs \(path(handle))")
        guard let freeBytes else { throw SystemError(function: "fstatfs", errno: .notSupported) }
        return freeBytes
    }

    func synchronize(_ handle: IoctlHandle) throws(SystemError) { trace.append("fsync \(path(handle))") }

    func status(_ handle: IoctlHandle) throws(SystemError) -> IoctlFileStatus {
        let file = files[path(handle)] ?? File()
        return IoctlFileStatus(
            device: file.device, inode: file.inode, size: file.size, isDirectory: file.isDirectory,
            isRegularFile: !file.isDirectory)
    }

    func ioctl(_ handle: IoctlHandle, _ request: CIFSIoctl, buffer: inout [UInt8]) throws(SystemError) {
        trace.append("ioctl \(request) \(path(handle)) [\(buffer.count)]")
        try fail("ioctl \(request)", "ioctl")
        let file = files[path(handle)] ?? File()
        switch request {
        case .getTreeConnectInfo:
            buffer = CIFSTreeConnectInfo(treeID: file.treeID, sessionID: file.sessionID).encoded()
        case .getMountInfo:
            buffer = mountInfo.encoded()
        case .queryInfo:
            let type = buffer.withUnsafeBytes { $0.load(fromByteOffset: 0, as: UInt32.self) }
            let infoClass = buffer.withUnsafeBytes { $0.load(fromByteOffset: 4, as: UInt32.self) }
            let capacity = Int(buffer.withUnsafeBytes { $0.load(fromByteOffset: 16, as: UInt32.self) })
            let key = "\(type)/\(infoClass)"
            queryArguments.append(buffer)
            if let code = queryErrors[key] { throw SystemError(function: "ioctl", errno: code) }
            let reply: [UInt8]
            if var sequence = queryReplySequences[key], !sequence.isEmpty {
                reply = sequence.removeFirst()
                queryReplySequences[key] = sequence
            } else if let fixed = queryReplies[key] {
                reply = fixed
            } else {
                throw SystemError(function: "ioctl", errno: .notSupported)
            }
            let count = min(reply.count, capacity)
            withUnsafeBytes(of: UInt32(count)) { raw in
                for (index, byte) in raw.enumerated() { buffer[16 + index] = byte }
            }
            for index in 0..<count { buffer[24 + index] = reply[index] }
        case .enumerateSnapshots:
            guard !snapshotReplies.isEmpty else {
                throw SystemError(function: "ioctl", errno: .notSupported)
            }
            let reply = snapshotReplies.removeFirst()
            for (index, byte) in reply.enumerated() where index < buffer.count { buffer[index] = byte }
        case .cloneRange:
            throw SystemError(function: "ioctl", errno: .notSupported)
        default:
            bufferArguments[request, default: []].append(buffer)
            guard var replies = bufferReplies[request], !replies.isEmpty else {
                throw SystemError(function: "ioctl", errno: .inappropriateIOCTLForDevice)
            }
            let reply = replies.removeFirst()
            bufferReplies[request] = replies
            for (index, byte) in reply.enumerated() where index < buffer.count { buffer[index] = byte }
        }
    }

    func ioctl(_ handle: IoctlHandle, _ request: CIFSIoctl, value: Int32) throws(SystemError) {
        trace.append("ioctl \(request) \(path(handle)) value \(value)")
        try fail("ioctl \(request)", "ioctl")
        switch request {
        case .copyChunkFile:
            let source = path(IoctlHandle(rawValue: value))
            guard let sourceFile = files[source], files[path(handle)]?.sessionID == sourceFile.sessionID else {
                throw SystemError(function: "ioctl", errno: .improperLink)
            }
            files[path(handle)]?.contents = sourceFile.contents
            clock += 1_000_000_000
        case .clone:
            try clone(into: path(handle), from: path(IoctlHandle(rawValue: value)))
        case .setIntegrity:
            throw SystemError(function: "ioctl", errno: .notSupported)
        default:
            throw SystemError(function: "ioctl", errno: .inappropriateIOCTLForDevice)
        }
    }

    func copyFileRange(
        from source: IoctlHandle, at sourceOffset: UInt64, to destination: IoctlHandle, at destinationOffset: UInt64,
        length: Int
    ) throws(SystemError) -> Int {
        trace.append(
            "copy_file_range \(path(source))@\(sourceOffset) \(path(destination))@\(destinationOffset) \(length)")
        try fail("copy_file_range", "copy_file_range")
        let data = files[path(source)]?.contents ?? []
        let start = Int(sourceOffset)
        guard start < data.count else { return 0 }
        let count = min(length, data.count - start, copyFileRangeLimit)
        place(Array(data[start..<start + count]), in: path(destination), at: Int(destinationOffset))
        clock += 1_000_000
        return count
    }

    func truncate(_ handle: IoctlHandle, size: UInt64) throws(SystemError) {
        trace.append("truncate \(path(handle)) \(size)")
        let name = path(handle)
        let kept = Array((files[name]?.contents ?? []).prefix(Int(size)))
        files[name]?.contents = kept
    }

    /// SEEK_DATA/SEEK_HOLE as the kernel answers them over `dataRanges`: ENXIO at or past the end
    /// and when no data follows; the end of the file is a hole.
    func seek(_ handle: IoctlHandle, from offset: UInt64, to target: IoctlSeekTarget) throws(SystemError) -> UInt64 {
        trace.append("lseek \(path(handle)) \(offset) \(target)")
        try fail("lseek", "lseek")
        let file = files[path(handle)] ?? File()
        guard offset < file.size else { throw SystemError(function: "lseek", errno: .noSuchDeviceOrAddress) }
        let ranges = file.dataRanges ?? [AllocatedRange(offset: 0, length: file.size)]
        switch target {
        case .data:
            guard let next = ranges.first(where: { $0.end > offset }) else {
                throw SystemError(function: "lseek", errno: .noSuchDeviceOrAddress)
            }
            return max(offset, next.offset)
        case .hole:
            let inside = ranges.first { $0.offset <= offset && offset < $0.end }
            return min(inside?.end ?? offset, file.size)
        }
    }

    func punchHole(_ handle: IoctlHandle, offset: UInt64, length: UInt64) throws(SystemError) {
        trace.append("fallocate \(path(handle)) \(offset) \(length)")
        try fail("fallocate", "fallocate")
        let name = path(handle)
        let file = files[name] ?? File()
        let end = offset + length
        var kept: [AllocatedRange] = []
        for range in file.dataRanges ?? [AllocatedRange(offset: 0, length: file.size)] {
            if range.offset < offset {
                kept.append(AllocatedRange(offset: range.offset, length: min(range.end, offset) - range.offset))
            }
            if range.end > end {
                let start = max(range.offset, end)
                kept.append(AllocatedRange(offset: start, length: range.end - start))
            }
        }
        files[name]?.dataRanges = kept
    }

    func read(
        _ handle: IoctlHandle, into buffer: inout IoctlBuffer, count: Int, at offset: UInt64
    ) throws(SystemError) -> Int {
        trace.append("read \(path(handle))@\(offset) \(count)")
        let data = files[path(handle)]?.contents ?? []
        let start = Int(offset)
        guard start < data.count else { return 0 }
        let n = min(count, data.count - start)
        buffer.storage.withUnsafeMutableBytes { raw in for index in 0..<n { raw[index] = data[start + index] } }
        return n
    }

    func write(
        _ handle: IoctlHandle, from buffer: IoctlBuffer, count: Int, at offset: UInt64
    ) throws(SystemError) -> Int {
        trace.append("write \(path(handle))@\(offset) \(count)")
        let bytes = buffer.storage.withUnsafeMutableBytes { Array($0.prefix(count)) }
        place(bytes, in: path(handle), at: Int(offset))
        return count
    }

    private func place(_ bytes: [UInt8], in path: String, at offset: Int) {
        var contents = files[path]?.contents ?? []
        if contents.count < offset + bytes.count {
            contents += [UInt8](repeating: 0, count: offset + bytes.count - contents.count)
        }
        contents.replaceSubrange(offset..<offset + bytes.count, with: bytes)
        files[path]?.contents = contents
    }

    func makeBuffer(size: Int, alignment: Int) throws(SystemError) -> IoctlBuffer {
        IoctlBuffer(ArrayBufferStorage(count: size))
    }

    func monotonicNanoseconds() -> UInt64 {
        clock += 1000
        return clock
    }

    func mountOptions(of path: String) -> [String]? { ["rw", "vers=3.1.1", "cache=strict"] }
}

final class RecordingProgress: CopyProgress {
    var events: [String] = []
    func begin(totalBytes: UInt64, determinate: Bool) { events.append("begin \(totalBytes) \(determinate)") }
    func advance(to copiedBytes: UInt64) { events.append("advance \(copiedBytes)") }
    func end() { events.append("end") }
}

func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

extension FakeIoctlSystem {
    /// A share directory /mnt/s (session 0x1111), a second mount /mnt/t of another session, and
    /// a local directory /tmp.
    static func withShares() -> FakeIoctlSystem {
        let system = FakeIoctlSystem()
        system.add("/mnt/s", File(isDirectory: true))
        system.add("/mnt/t", File(sessionID: 0x2222, isDirectory: true, device: 2))
        system.add("/tmp", File(fileSystemType: 0xEF53, isDirectory: true, device: 9))
        return system
    }
}
