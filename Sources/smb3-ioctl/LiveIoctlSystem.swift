import IoctlKit
import Logging
import SMB3Errors
import SMB3Protocol
import SMB3System

extension FileAlignedBuffer: IoctlBufferStorage {}

/// The real system calls, for the kit. Remembers the DIR streams behind listed directory fds.
final class LiveIoctlSystem: IoctlSystem {
    private let logger: Logger
    private var directories: [Int32: OpaquePointer] = [:]

    init(logger: Logger) { self.logger = logger }

    /// Logs the failure with its context, then hands the kit the call and errno only: the kit
    /// words the message itself, naming the file first.
    private func mapped<T>(_ body: () throws(SystemError) -> T) throws(SystemError) -> T {
        do { return try body() } catch {
            logger.debug(
                "System call failed",
                metadata: [
                    "call.function": "\(error.function)", "call.errno": "\(error.errno.name)",
                    "call.context": "\(error.context)",
                ])
            throw SystemError(function: error.function, errno: error.errno)
        }
    }

    func open(_ path: String, _ mode: IoctlOpenMode) throws(SystemError) -> IoctlHandle {
        let flags: Int32
        switch mode {
        case .read: flags = IoctlCalls.openFlags(writing: false)
        case .readWrite: flags = IoctlCalls.openFlags(readWrite: true)
        case .listedDirectory:
            let opened = try mapped { () throws(SystemError) in try IoctlCalls.openListedDirectory(path) }
            directories[opened.descriptor] = opened.directory
            return IoctlHandle(rawValue: opened.descriptor)
        case .write(let truncate): flags = IoctlCalls.openFlags(writing: true, truncate: truncate)
        case .directRead: flags = IoctlCalls.openFlags(writing: false, direct: true)
        case .directWrite(let truncate): flags = IoctlCalls.openFlags(writing: true, truncate: truncate, direct: true)
        }
        let descriptor = try mapped { () throws(SystemError) in try IoctlCalls.open(path, flags: flags) }
        logger.debug("Opened", metadata: ["file.path": "\(path)", "file.fd": "\(descriptor)", "file.mode": "\(mode)"])
        return IoctlHandle(rawValue: descriptor)
    }

    func close(_ handle: IoctlHandle) {
        if let directory = directories.removeValue(forKey: handle.rawValue) {
            IoctlCalls.closeDirectory(directory)
        } else {
            IoctlCalls.close(handle.rawValue)
        }
    }

    func fileSystemType(_ handle: IoctlHandle) throws(SystemError) -> UInt64 {
        try mapped { () throws(SystemError) in try IoctlCalls.fileSystemType(handle.rawValue) }
    }

    func availableBytes(_ handle: IoctlHandle) throws(SystemError) -> UInt64 {
        try mapped { () throws(SystemError) in try IoctlCalls.availableBytes(handle.rawValue) }
    }

    func synchronize(_ handle: IoctlHandle) throws(SystemError) {
        try mapped { () throws(SystemError) in try IoctlCalls.synchronize(handle.rawValue) }
    }

    func status(_ handle: IoctlHandle) throws(SystemError) -> IoctlFileStatus {
        let status = try mapped { () throws(SystemError) in try IoctlCalls.status(handle.rawValue) }
        return IoctlFileStatus(
            device: status.device, inode: status.inode, size: status.size, isDirectory: status.isDirectory,
            isRegularFile: status.isRegularFile, allocatedBytes: status.allocatedBytes)
    }

    func ioctl(_ handle: IoctlHandle, _ request: CIFSIoctl, buffer: inout [UInt8]) throws(SystemError) {
        logger.debug(
            "ioctl",
            metadata: [
                "ioctl.request": "\(request)", "ioctl.fd": "\(handle.rawValue)", "ioctl.size": "\(buffer.count)",
            ])
        try mapped { () throws(SystemError) in try IoctlCalls.ioctl(handle.rawValue, request, buffer: &buffer) }
    }

    func ioctl(_ handle: IoctlHandle, _ request: CIFSIoctl, value: Int32) throws(SystemError) {
        logger.debug(
            "ioctl",
            metadata: ["ioctl.request": "\(request)", "ioctl.fd": "\(handle.rawValue)", "ioctl.value": "\(value)"])
        try mapped { () throws(SystemError) in try IoctlCalls.ioctl(handle.rawValue, request, value: value) }
    }

    func copyFileRange(
        from source: IoctlHandle, at sourceOffset: UInt64, to destination: IoctlHandle, at destinationOffset: UInt64,
        length: Int
    ) throws(SystemError) -> Int {
        try mapped { () throws(SystemError) in
            try IoctlCalls.copyFileRange(
                from: source.rawValue, at: sourceOffset, to: destination.rawValue, at: destinationOffset, length: length
            )
        }
    }

    func truncate(_ handle: IoctlHandle, size: UInt64) throws(SystemError) {
        try mapped { () throws(SystemError) in try IoctlCalls.truncate(handle.rawValue, size: size) }
    }

    func seek(_ handle: IoctlHandle, from offset: UInt64, to target: IoctlSeekTarget) throws(SystemError) -> UInt64 {
        let whence: IoctlCalls.SeekTarget = target == .data ? .data : .hole
        return try mapped { () throws(SystemError) in try IoctlCalls.seek(handle.rawValue, from: offset, to: whence) }
    }

    func punchHole(_ handle: IoctlHandle, offset: UInt64, length: UInt64) throws(SystemError) {
        logger.debug(
            "fallocate",
            metadata: ["file.fd": "\(handle.rawValue)", "range.offset": "\(offset)", "range.length": "\(length)"])
        try mapped { () throws(SystemError) in try IoctlCalls.punchHole(handle.rawValue, offset: offset, length: length)
        }
    }

    func read(
        _ handle: IoctlHandle, into buffer: inout IoctlBuffer, count: Int, at offset: UInt64
    ) throws(SystemError) -> Int {
        let result = buffer.storage.withUnsafeMutableBytes { raw -> Result<Int, SystemError> in
            guard let base = raw.baseAddress, count <= raw.count else {
                return .failure(
                    SystemError(
                        function: "pread", errno: .invalidArgument, context: "buffer of \(raw.count) bytes for \(count)"
                    ))
            }
            return Result { () throws(SystemError) in
                try IoctlCalls.pread(handle.rawValue, base, count: count, at: offset)
            }
        }
        return try mapped { () throws(SystemError) in try result.get() }
    }

    func write(
        _ handle: IoctlHandle, from buffer: IoctlBuffer, count: Int, at offset: UInt64
    ) throws(SystemError) -> Int {
        let result = buffer.storage.withUnsafeMutableBytes { raw -> Result<Int, SystemError> in
            guard let base = raw.baseAddress, count <= raw.count else {
                return .failure(
                    SystemError(
                        function: "pwrite", errno: .invalidArgument,
                        context: "buffer of \(raw.count) bytes for \(count)"))
            }
            return Result { () throws(SystemError) in
                try IoctlCalls.pwrite(handle.rawValue, base, count: count, at: offset)
            }
        }
        return try mapped { () throws(SystemError) in try result.get() }
    }

    func makeBuffer(size: Int, alignment: Int) throws(SystemError) -> IoctlBuffer {
        let storage = try mapped { () throws(SystemError) in try FileAlignedBuffer(count: size, alignment: alignment) }
        return IoctlBuffer(storage)
    }

    func monotonicNanoseconds() -> UInt64 { IoctlCalls.monotonicNanoseconds() }

    func mountOptions(of path: String) -> [String]? {
        guard let canonical = IoctlCalls.canonicalPath(path),
            let table = try? KernelFile.read("/proc/self/mountinfo"),
            let entry = MountTable.mount(containing: canonical, in: String(decoding: table, as: UTF8.self))
        else { return nil }
        return entry.options
    }
}
