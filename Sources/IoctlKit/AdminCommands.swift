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
            do { return Self.report(try CIFSFullKeyDebugInfo(parsing: buffer[...])) } catch {
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
        do { return Self.report(try CIFSKeyDebugInfo(parsing: legacy[...])) } catch {
            throw IoctlCommandError.failed("\(path): CIFS_DUMP_KEY reply: \(error)")
        }
    }

    static func failure(_ path: String, _ what: String, _ error: SystemError, sessionID: UInt64?) -> IoctlCommandError {
        var hint = ""
        switch error.errno {
        case .permissionDenied, .notPermitted: hint = "; dumping keys needs CAP_SYS_ADMIN (run as root)"
        case .notSupported: hint = "; the share is not encrypted, so there are no keys to dump"
        case .noSuchFileOrDirectory where sessionID != nil: hint = "; no SMB session with id 0x\(hex(sessionID ?? 0))"
        default: hint = ""
        }
        return .failed("\(path): \(what): \(error)\(hint)", error)
    }

    static func spaced(_ bytes: [UInt8]) -> String { bytes.map { byteHex($0) }.joined(separator: " ") }
    static func packed(_ bytes: [UInt8]) -> String { bytes.map { byteHex($0) }.joined() }

    /// The session id as the 8 little-endian bytes of the SMB2 header (Wireshark's form).
    static func sessionBytes(_ id: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: id >> (8 * UInt64($0))) }
    }

    static func cipherName(_ cipher: UInt16) -> String {
        "\(CIFSNames.ciphers.name(ofValue: UInt64(cipher)) ?? "UNKNOWN") (0x\(String(cipher, radix: 16)))"
    }

    static func report(_ keys: CIFSFullKeyDebugInfo) -> IoctlReport {
        let session = sessionBytes(keys.sessionID)
        // Wireshark "Secret session keys for decryption" (smb2.seskeys): session id, session key,
        // server-to-client key (the server's "out"), client-to-server key (the server's "in").
        let wireshark = [session, keys.sessionKey.bytes, keys.serverOutKey.bytes, keys.serverInKey.bytes]
            .map { "\"\(packed($0))\"" }.joined(separator: ",")
        return IoctlReport(
            lines: [
                "Session Id: \(spaced(session)) (0x\(hex(keys.sessionID)))", "Cipher: \(cipherName(keys.cipher))",
                "Session Key: \(spaced(keys.sessionKey.bytes))", "ServerIn  Key: \(spaced(keys.serverInKey.bytes))",
                "ServerOut key: \(spaced(keys.serverOutKey.bytes))", "Wireshark smb2.seskeys: \(wireshark)",
            ],
            json: .object([
                ("sessionId", .uint(keys.sessionID)), ("cipher", .uint(UInt64(keys.cipher))),
                ("cipherName", .string(CIFSNames.ciphers.name(ofValue: UInt64(keys.cipher)) ?? "UNKNOWN")),
                ("sessionKey", .string(packed(keys.sessionKey.bytes))),
                ("serverInKey", .string(packed(keys.serverInKey.bytes))),
                ("serverOutKey", .string(packed(keys.serverOutKey.bytes))), ("wireshark", .string(wireshark)),
                ("full", .bool(true)),
            ]))
    }

    static func report(_ keys: CIFSKeyDebugInfo) -> IoctlReport {
        let session = sessionBytes(keys.sessionID)
        let wireshark = [session, keys.sessionKey.bytes, keys.decryptionKey.bytes, keys.encryptionKey.bytes]
            .map { "\"\(packed($0))\"" }.joined(separator: ",")
        return IoctlReport(
            lines: [
                "Session Id: \(spaced(session)) (0x\(hex(keys.sessionID)))", "Cipher: \(cipherName(keys.cipher))",
                "Session Key: \(spaced(keys.sessionKey.bytes))", "Encryption key: \(spaced(keys.encryptionKey.bytes))",
                "Decryption key: \(spaced(keys.decryptionKey.bytes))", "Wireshark smb2.seskeys: \(wireshark)",
                "(legacy CIFS_DUMP_KEY: keys are cut to 16 bytes, so AES-256 captures cannot be decrypted with them)",
            ],
            json: .object([
                ("sessionId", .uint(keys.sessionID)), ("cipher", .uint(UInt64(keys.cipher))),
                ("cipherName", .string(CIFSNames.ciphers.name(ofValue: UInt64(keys.cipher)) ?? "UNKNOWN")),
                ("sessionKey", .string(packed(keys.sessionKey.bytes))),
                ("serverInKey", .string(packed(keys.encryptionKey.bytes))),
                ("serverOutKey", .string(packed(keys.decryptionKey.bytes))), ("wireshark", .string(wireshark)),
                ("full", .bool(false)),
            ]))
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
                throw IoctlCommandError.failed(
                    "\(path): CIFS_IOC_NOTIFY_INFO: \(error)\(CIFSFiles.hint(for: error))", error)
            }
            let records: [CIFSNotifyRecord]
            do { records = try CIFSNotifyRecord.parse(try request.replyData(from: buffer)) } catch {
                throw IoctlCommandError.failed("\(path): CIFS_IOC_NOTIFY_INFO reply: \(error)")
            }
            batches += 1
            if records.isEmpty {
                emit(
                    IoctlReport(
                        lines: ["overflow: the server dropped the details, rescan \(path)"],
                        json: .object([("action", .string("overflow")), ("name", .null)])))
            }
            for record in records {
                emit(
                    IoctlReport(
                        lines: ["\(record.action): \(record.fileName)"],
                        json: .object([
                            ("action", .string(record.action.description)),
                            ("actionCode", .uint(UInt64(record.action.rawValue))),
                            ("name", .string(record.fileName)),
                        ])))
            }
        }
    }
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
        return IoctlReport(
            lines: [
                "shut down the mount holding \(path) (\(flush ? "after flushing" : "without flushing")); unmount it next"
            ],
            json: .object([("shutdown", .bool(true)), ("flush", .bool(flush))]))
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
        return IoctlReport(lines: ["integrity enabled on \(path)"], json: .object([("integrity", .bool(true))]))
    }

    /// FS_IOC_GETFLAGS: cifs reports FS_COMPR_FL from the cached FILE_ATTRIBUTE_COMPRESSED.
    public func compression(path: String) throws(IoctlCommandError) -> IoctlReport {
        let handle = try files.openForCIFSFileIoctl(path)
        defer { system.close(handle) }
        let flags = try getFlags(handle, path)
        let compressed = flags.contains(.compressed)
        return IoctlReport(
            lines: ["Compressed: \(compressed ? "yes" : "no") (inode flags 0x\(String(flags.rawValue, radix: 16)))"],
            json: .object([("compressed", .bool(compressed)), ("flags", .uint(UInt64(flags.rawValue)))]))
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
        return IoctlReport(
            lines: ["compression \(enabled ? "enabled" : "disabled") on \(path)"],
            json: .object([("compressed", .bool(enabled))]))
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
        let reply = try files.queryInfo(handle, request, path, what: "FSCTL 0x\(String(code, radix: 16))")
        var lines = ["FSCTL 0x\(String(code, radix: 16)): \(reply.count) bytes"]
        var offset = 0
        let bytes = Array(reply)
        while offset < bytes.count {
            let row = bytes[offset..<min(offset + 16, bytes.count)]
            let hexPart = row.map { byteHex($0) }.joined(separator: " ")
            let text = String(row.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "." })
            let position = String(offset, radix: 16)
            lines.append(
                String(repeating: "0", count: max(0, 8 - position.count)) + position + "  " + hexPart
                    + String(repeating: " ", count: max(0, 48 - hexPart.count)) + "  " + text)
            offset += 16
        }
        return IoctlReport(
            lines: lines,
            json: .object([
                ("code", .uint(UInt64(code))), ("length", .uint(UInt64(bytes.count))),
                ("output", .string(bytes.map { byteHex($0) }.joined())),
            ]))
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

/// Parses `--in` hex (spaces, colons and a 0x prefix allowed).
public func parseHexBytes(_ text: String) -> [UInt8]? {
    var digits = text.filter { !" :\t".contains($0) }
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") { digits.removeFirst(2) }
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
        bytes.append(byte)
        index = next
    }
    return bytes
}
