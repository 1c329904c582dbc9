import SMB3Errors
import SMB3Protocol

/// `smb3-ioctl keys PATH [--session ID]`: the session's keys for decrypting captures.
///
/// Tries `CIFS_DUMP_FULL_KEY` (full-length keys, any session) and falls back to the legacy
/// `CIFS_DUMP_KEY` (16-byte keys, this mount's session only), as smbinfo does.
public struct KeysCommand: CIFSFileCommand {
    let files: CIFSFiles

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    public func run(path: String, sessionID: UInt64?) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openForCIFSFileIoctl(path)
        defer { system.close(handle) }
        var buffer = CIFSFullKeyDebugInfo.request(sessionID: sessionID ?? 0)
        let fullError: SystemError
        do {
            try system.ioctl(handle, .dumpFullKey, buffer: &buffer)
            do { return IoctlReport(SessionKeysReport(try CIFSFullKeyDebugInfo(parsing: buffer[...]))) } catch {
                throw IoctlCommandError.failed("\(path): CIFS_DUMP_FULL_KEY reply: \(error)")
            }
        } catch let error as SystemError {
            fullError = error
        } catch let error as IoctlCommandError {
            throw error
        } catch {
            throw IoctlCommandError.failed("\(path): CIFS_DUMP_FULL_KEY: \(error)")
        }
        // The legacy ioctl cannot pick a session, and permission errors would only repeat.
        guard (sessionID ?? 0) == 0, fullError.errno != .permissionDenied, fullError.errno != .notPermitted else {
            throw Self.failure(path, "CIFS_DUMP_FULL_KEY", fullError, sessionID: sessionID)
        }
        var legacy = [UInt8](repeating: 0, count: CIFSKeyDebugInfo.size)
        do { try system.ioctl(handle, .dumpKey, buffer: &legacy) } catch {
            throw Self.failure(
                path, "CIFS_DUMP_FULL_KEY (\(fullError.errno.name)) and CIFS_DUMP_KEY", error, sessionID: sessionID)
        }
        do { return IoctlReport(SessionKeysReport(try CIFSKeyDebugInfo(parsing: legacy[...]))) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_DUMP_KEY reply: \(error)")
        }
    }

    static func failure(_ path: String, _ what: String, _ error: SystemError, sessionID: UInt64?) -> IoctlCommandError {
        var hint = ""
        switch error.errno {
        case .permissionDenied, .notPermitted: hint = "; dumping keys needs CAP_SYS_ADMIN (run as root)"
        case .notSupported: hint = "; the share is not encrypted, so there are no keys to dump"
        case .noSuchFileOrDirectory where sessionID != nil:
            hint = "; no SMB session with id \(prefixedHex(sessionID ?? 0))"
        default: hint = ""
        }
        return .failed("\(path): \(what): \(error)\(hint)", error)
    }
}

/// A session's keys: the full dump's or, cut to 16 bytes, the legacy one's.
struct SessionKeysReport: IoctlReportBody {
    let sessionId: UInt64
    let cipher: UInt16
    let cipherName: String
    let sessionKey: HexBytes
    /// Client-to-server: the full dump's ServerIn key, the legacy dump's encryption key.
    let serverInKey: HexBytes
    /// Server-to-client: the full dump's ServerOut key, the legacy dump's decryption key.
    let serverOutKey: HexBytes
    /// Wireshark's "Secret session keys for decryption" (smb2.seskeys): session id, session key,
    /// server-to-client key, client-to-server key.
    let wireshark: String
    /// From CIFS_DUMP_FULL_KEY, not the legacy CIFS_DUMP_KEY.
    let full: Bool

    init(sessionID: UInt64, cipher: UInt16, sessionKey: Secret, serverInKey: Secret, serverOutKey: Secret, full: Bool) {
        sessionId = sessionID
        self.cipher = cipher
        cipherName = CIFSNames.ciphers.name(ofValue: UInt64(cipher)) ?? "UNKNOWN"
        self.sessionKey = HexBytes(bytes: sessionKey.bytes)
        self.serverInKey = HexBytes(bytes: serverInKey.bytes)
        self.serverOutKey = HexBytes(bytes: serverOutKey.bytes)
        wireshark = [Self.sessionBytes(sessionID), sessionKey.bytes, serverOutKey.bytes, serverInKey.bytes]
            .map { "\"\(hexString($0))\"" }.joined(separator: ",")
        self.full = full
    }

    init(_ keys: CIFSFullKeyDebugInfo) {
        self.init(
            sessionID: keys.sessionID, cipher: keys.cipher, sessionKey: keys.sessionKey, serverInKey: keys.serverInKey,
            serverOutKey: keys.serverOutKey, full: true)
    }

    init(_ keys: CIFSKeyDebugInfo) {
        self.init(
            sessionID: keys.sessionID, cipher: keys.cipher, sessionKey: keys.sessionKey,
            serverInKey: keys.encryptionKey, serverOutKey: keys.decryptionKey, full: false)
    }

    /// The session id as the 8 little-endian bytes of the SMB2 header (Wireshark's form).
    static func sessionBytes(_ id: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: id >> (8 * UInt64($0))) }
    }

    var lines: [String] {
        var lines = [
            "Session Id: \(hexString(Self.sessionBytes(sessionId), separator: " ")) (\(prefixedHex(sessionId)))",
            "Cipher: \(cipherName) (\(prefixedHex(cipher)))", "Session Key: \(sessionKey.spaced)",
        ]
        if full {
            lines += ["ServerIn  Key: \(serverInKey.spaced)", "ServerOut key: \(serverOutKey.spaced)"]
        } else {
            lines += ["Encryption key: \(serverInKey.spaced)", "Decryption key: \(serverOutKey.spaced)"]
        }
        lines.append("Wireshark smb2.seskeys: \(wireshark)")
        if !full {
            lines.append(
                "(legacy CIFS_DUMP_KEY: keys are cut to 16 bytes, so AES-256 captures cannot be decrypted with them)")
        }
        return lines
    }
}

/// `smb3-ioctl notify DIR`: waits for changes with CIFS_IOC_NOTIFY_INFO and reports each batch.
public struct NotifyCommand: CIFSFileCommand {
    let files: CIFSFiles

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    /// Blocks in the kernel until the server reports a change (only a fatal signal interrupts the
    /// wait); calls `emit` per record. Stops after `limit` batches when given.
    public func run(
        path: String, filter: CIFSNotifyFilter, watchTree: Bool, limit: Int?, emit: (IoctlReport) -> Void
    ) throws(IoctlCommandError) {
        let handle = try files.openOnCIFS(path, .read)
        defer { system.close(handle) }
        guard try files.status(handle, path).isDirectory else {
            throw IoctlCommandError.failed("\(path): not a directory (change notification watches directories)")
        }
        var batches = 0
        while limit.map({ batches < $0 }) ?? true {
            let request = CIFSNotifyInfoRequest(filter: filter, watchTree: watchTree)
            var buffer = request.encoded()
            do { try system.ioctl(handle, .notifyInfo, buffer: &buffer) } catch {
                // cifs maps STATUS_NOT_IMPLEMENTED (ksmbd's answer to every CHANGE_NOTIFY) and
                // STATUS_NOT_SUPPORTED to EOPNOTSUPP.
                let hint =
                    error.errno == .notSupported
                    ? "; the server does not support change notification (it refused SMB2 CHANGE_NOTIFY; ksmbd does not implement it)"
                    : CIFSFiles.hint(for: error)
                throw IoctlCommandError.failed("\(path): CIFS_IOC_NOTIFY_INFO: \(error)\(hint)", error)
            }
            let records: [CIFSNotifyRecord]
            do { records = try CIFSNotifyRecord.parse(try request.replyData(from: buffer)) } catch {
                throw IoctlCommandError.failed("\(path): CIFS_IOC_NOTIFY_INFO reply: \(error)")
            }
            batches += 1
            if records.isEmpty {
                emit(IoctlReport(NotifyOverflowReport(directory: path)))
            }
            for record in records { emit(IoctlReport(NotifyChangeReport(record))) }
        }
    }
}

/// One change the server reported.
struct NotifyChangeReport: IoctlReportBody {
    let action: Described<CIFSNotifyRecord.Action>
    let actionCode: UInt32
    let name: String

    init(_ record: CIFSNotifyRecord) {
        action = Described(record.action)
        actionCode = record.action.rawValue
        name = record.fileName
    }

    var lines: [String] { ["\(action): \(name)"] }
}

/// A batch whose details the server dropped: the directory has to be scanned again.
struct NotifyOverflowReport: IoctlReportBody {
    let action = "overflow"
    let name: String? = nil
    /// Named in the text only.
    let directory: String

    private enum CodingKeys: String, CodingKey {
        case action
        case name
    }

    var lines: [String] { ["overflow: the server dropped the details, rescan \(directory)"] }
}

/// `shutdown`, `set-integrity` and `compression`: single ioctls with a one-line result.
public struct FileControlCommands: CIFSFileCommand {
    let files: CIFSFiles

    public init(system: any IoctlSystem) { files = CIFSFiles(system: system) }

    /// CIFS_IOC_SHUTDOWN: later operations on the mount fail (EIO) until it is unmounted.
    public func shutdown(path: String, flush: Bool) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openOnCIFS(path, .read)
        defer { system.close(handle) }
        let flags = flush ? CIFSShutdownFlags.logFlush : .noLogFlush
        var buffer = WireWriterBytes.u32(flags.rawValue)
        do { try system.ioctl(handle, .shutdown, buffer: &buffer) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_IOC_SHUTDOWN: \(error)\(CIFSFiles.hint(for: error))", error)
        }
        return IoctlReport(ShutdownReport(flush: flush, path: path))
    }

    /// CIFS_IOC_SET_INTEGRITY: FSCTL_SET_INTEGRITY_INFORMATION with the checksum algorithm unchanged.
    public func setIntegrity(path: String) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openForCIFSFileIoctl(path)
        defer { system.close(handle) }
        do { try system.ioctl(handle, .setIntegrity, value: 0) } catch {
            let hint =
                error.errno == .notSupported
                ? "; the server does not support integrity streams (ReFS does)" : CIFSFiles.hint(for: error)
            throw IoctlCommandError.failed("\(path): CIFS_IOC_SET_INTEGRITY: \(error)\(hint)", error)
        }
        return IoctlReport(IntegrityReport(path: path))
    }

    /// FS_IOC_GETFLAGS: cifs reports FS_COMPR_FL from the cached FILE_ATTRIBUTE_COMPRESSED.
    public func compression(path: String) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openForCIFSFileIoctl(path)
        defer { system.close(handle) }
        let flags = try getFlags(handle, path)
        let compressed = flags.contains(.compressed)
        return IoctlReport(CompressionStateReport(compressed: compressed, flags: flags.rawValue))
    }

    /// FS_IOC_SETFLAGS with FS_COMPR_FL (FSCTL_SET_COMPRESSION, COMPRESSION_FORMAT_DEFAULT).
    public func setCompression(path: String, enabled: Bool) throws(IoctlCommandError) -> IoctlReport {
        // cifs sends FSCTL_SET_COMPRESSION on the fd's own handle, which must allow writing.
        let handle = try files.openOnCIFS(path, .readWrite)
        defer { system.close(handle) }
        let flags: CIFSInodeFlags = enabled ? .compressed : []
        var buffer = WireWriterBytes.u32(flags.rawValue) + [0, 0, 0, 0]
        do { try system.ioctl(handle, .setFlags, buffer: &buffer) } catch {
            let hint: String
            switch error.errno {
            case .notSupported:
                hint =
                    enabled
                    ? "; the server or its filesystem cannot compress this file"
                    : "; cifs can only set the compressed flag, not clear it"
            case .permissionDenied: hint = "; the server refused to change the file's compression"
            default: hint = CIFSFiles.hint(for: error)
            }
            throw IoctlCommandError.failed("\(path): FS_IOC_SETFLAGS: \(error)\(hint)", error)
        }
        return IoctlReport(CompressionChangeReport(compressed: enabled, path: path))
    }

    private func getFlags(_ handle: IoctlHandle, _ path: String) throws(IoctlCommandError) -> CIFSInodeFlags {
        var buffer = [UInt8](repeating: 0, count: 8)  // the number says long; cifs writes an int
        do { try system.ioctl(handle, .getFlags, buffer: &buffer) } catch {
            throw IoctlCommandError.failed("\(path): FS_IOC_GETFLAGS: \(error)\(CIFSFiles.hint(for: error))", error)
        }
        var reader = WireReader(buffer)
        return CIFSInodeFlags(rawValue: reader.readInteger(.host, as: UInt32.self) ?? 0)
    }

    /// CIFS_QUERY_INFO in FSCTL mode: any FSCTL code, raw input, raw output (root only).
    public func fsctl(
        path: String, code: UInt32, input: [UInt8], outputSize: Int
    ) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openOnCIFS(path, .read)
        defer { system.close(handle) }
        let request: CIFSQueryInfo
        do { request = try CIFSQueryInfo(infoType: code, mode: .fsctl, replyCapacity: outputSize, input: input) } catch
        {
            throw IoctlCommandError.usage("fsctl: \(error)")
        }
        let reply = try files.queryInfo(handle, request, path, what: "FSCTL \(prefixedHex(code))")
        return IoctlReport(FsctlReport(code: code, output: Array(reply)))
    }
}

/// CIFS_IOC_SHUTDOWN done.
struct ShutdownReport: IoctlReportBody {
    let shutdown = true
    let flush: Bool
    /// Named in the text only.
    let path: String

    private enum CodingKeys: String, CodingKey {
        case shutdown
        case flush
    }

    var lines: [String] {
        ["shut down the mount holding \(path) (\(flush ? "after flushing" : "without flushing")); unmount it next"]
    }
}

/// CIFS_IOC_SET_INTEGRITY done.
struct IntegrityReport: IoctlReportBody {
    let integrity = true
    /// Named in the text only.
    let path: String

    private enum CodingKeys: String, CodingKey {
        case integrity
    }

    var lines: [String] { ["integrity enabled on \(path)"] }
}

/// FS_IOC_GETFLAGS: whether FS_COMPR_FL is set, and the whole flag word.
struct CompressionStateReport: IoctlReportBody {
    let compressed: Bool
    let flags: UInt32

    var lines: [String] { ["Compressed: \(compressed ? "yes" : "no") (inode flags \(prefixedHex(flags)))"] }
}

/// FS_IOC_SETFLAGS done.
struct CompressionChangeReport: IoctlReportBody {
    let compressed: Bool
    /// Named in the text only.
    let path: String

    private enum CodingKeys: String, CodingKey {
        case compressed
    }

    var lines: [String] { ["compression \(compressed ? "enabled" : "disabled") on \(path)"] }
}

/// An FSCTL's reply: packed hex in JSON, a hex dump (16 bytes a row, then the printable ASCII) as text.
struct FsctlReport: IoctlReportBody {
    let code: UInt32
    let length: UInt64
    let output: HexBytes

    init(code: UInt32, output: [UInt8]) {
        self.code = code
        length = UInt64(output.count)
        self.output = HexBytes(bytes: output)
    }

    var lines: [String] {
        let bytes = output.bytes
        let rows = stride(from: 0, to: bytes.count, by: 16).map { offset in
            let row = bytes[offset..<min(offset + 16, bytes.count)]
            let hexPart = hexString(row, separator: " ")
            let text = String(row.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "." })
            return zeroPaddedHex(offset, digits: 8) + "  " + hexPart
                + String(repeating: " ", count: max(0, 48 - hexPart.count)) + "  " + text
        }
        return ["FSCTL \(prefixedHex(code)): \(length) bytes"] + rows
    }
}

/// Host-order u32 bytes for small ioctl arguments.
enum WireWriterBytes {
    static func u32(_ value: UInt32) -> [UInt8] {
        var writer = WireWriter(capacity: 4)
        writer.writeInteger(value, .host)
        return writer.bytes
    }
}
