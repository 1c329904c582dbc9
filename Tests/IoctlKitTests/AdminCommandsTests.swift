import SMB3Errors
import SMB3Protocol
import Testing

@testable import IoctlKit

@Suite("keys, notify, shutdown, integrity, compression, fsctl, O_DIRECT")
struct AdminCommandsTests {
    static let fullKeys = CIFSFullKeyDebugInfo(
        sessionID: 0x47F7_2376, cipher: 2, sessionKey: Secret([UInt8](repeating: 0xAA, count: 16)),
        serverInKey: Secret([UInt8](repeating: 0x11, count: 16)),
        serverOutKey: Secret([UInt8](repeating: 0x22, count: 16)))

    @Test func keysUseTheFullDumpAndPrintWiresharkOrder() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        system.bufferReplies[.dumpFullKey] = [Self.fullKeys.encoded()]
        let report = try KeysCommand(system: system).run(path: "/mnt/s/f", sessionID: 0x47F7_2376)
        let argument = try #require(system.bufferArguments[.dumpFullKey]?.first)
        #expect(argument.count == 1024)
        var reader = WireReader(argument)
        #expect(
            reader.readInteger(.host, as: UInt32.self) == 1024
                && reader.readInteger(.host, as: UInt64.self) == 0x47F7_2376)
        #expect(report.lines[0] == "Session Id: 76 23 f7 47 00 00 00 00 (0x47f72376)")
        #expect(report.lines[1] == "Cipher: AES-128-GCM (0x2)")
        let sessionKey = String(repeating: "aa", count: 16)
        let s2c = String(repeating: "22", count: 16)
        let c2s = String(repeating: "11", count: 16)
        #expect(
            report.lines.last == "Wireshark smb2.seskeys: \"7623f74700000000\",\"\(sessionKey)\",\"\(s2c)\",\"\(c2s)\"")
        #expect(system.bufferArguments[.dumpKey] == nil)
    }

    @Test func keysFallBackToTheLegacyDumpButNotOnPermissionErrors() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        let legacy = CIFSKeyDebugInfo(
            sessionID: 5, cipher: 1, sessionKey: Secret([UInt8](repeating: 1, count: 16)),
            encryptionKey: Secret([UInt8](repeating: 2, count: 16)),
            decryptionKey: Secret([UInt8](repeating: 3, count: 16)))
        system.bufferReplies[.dumpKey] = [legacy.encoded()]
        let report = try KeysCommand(system: system).run(path: "/mnt/s/f", sessionID: nil)
        #expect(report.lines.contains("Encryption key: " + Array(repeating: "02", count: 16).joined(separator: " ")))
        #expect(report.json.rendered().contains("\"full\":false"))

        system.forcedErrors["ioctl 0xC011CF0A"] = .permissionDenied
        let denied = #expect(throws: IoctlCommandError.self) {
            try KeysCommand(system: system).run(path: "/mnt/s/f", sessionID: nil)
        }
        #expect(denied?.message.hasSuffix("dumping keys needs CAP_SYS_ADMIN (run as root)") == true)
        #expect(system.bufferArguments[.dumpKey]?.count == 1, "no second legacy attempt after EACCES")
    }

    @Test func keysOnAPlainShareSayWhy() {
        let system = FakeIoctlSystem.withShares()
        system.forcedErrors["ioctl 0xC011CF0A"] = .notSupported
        system.forcedErrors["ioctl 0xC03ACF08"] = .notSupported
        let error = #expect(throws: IoctlCommandError.self) {
            try KeysCommand(system: system).run(path: "/mnt/s", sessionID: nil)
        }
        #expect(
            error?.message
                == "/mnt/s: CIFS_DUMP_FULL_KEY (EOPNOTSUPP) and CIFS_DUMP_KEY: ioctl failed: Operation not supported (EOPNOTSUPP); the share is not encrypted, so there are no keys to dump"
        )
        #expect(system.trace.contains("open /mnt/s listedDirectory"))
    }

    @Test func notifyStreamsRecordsPerBatch() throws {
        let system = FakeIoctlSystem.withShares()
        let records = CIFSNotifyRecord.encode([
            .init(action: .added, fileName: "new.txt"), .init(action: .removed, fileName: "old.txt"),
        ])
        var reply = [UInt8](repeating: 0, count: 9) + records
        withUnsafeBytes(of: UInt32(records.count)) { raw in for (i, b) in raw.enumerated() { reply[5 + i] = b } }
        system.bufferReplies[.notifyInfo] = [reply, [UInt8](repeating: 0, count: 9)]
        var lines: [String] = []
        try NotifyCommand(system: system).run(path: "/mnt/s", filter: [.fileName], watchTree: true, limit: 2) {
            lines += $0.lines
        }
        #expect(
            lines == ["added: new.txt", "removed: old.txt", "overflow: the server dropped the details, rescan /mnt/s"])
        let argument = try #require(system.bufferArguments[.notifyInfo]?.first)
        #expect(argument[0] == 1 && argument[4] == 1)  // filter, watch_tree
    }

    @Test func notifyRefusedByTheServerSaysSo() {
        let system = FakeIoctlSystem.withShares()
        system.forcedErrors["ioctl \(CIFSIoctl.notifyInfo)"] = .notSupported
        let error = #expect(throws: IoctlCommandError.self) {
            try NotifyCommand(system: system).run(path: "/mnt/s", filter: .all, watchTree: false, limit: 1) { _ in }
        }
        #expect(
            error?.message
                == "/mnt/s: CIFS_IOC_NOTIFY_INFO: ioctl failed: Operation not supported (EOPNOTSUPP); the server does not "
                + "support change notification (it refused SMB2 CHANGE_NOTIFY; ksmbd does not implement it)")
    }

    @Test func notifyNeedsADirectory() {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        let error = #expect(throws: IoctlCommandError.self) {
            try NotifyCommand(system: system).run(path: "/mnt/s/f", filter: .all, watchTree: false, limit: 1) { _ in }
        }
        #expect(error?.message.contains("not a directory") == true)
    }

    @Test func shutdownPassesTheFlagByPointer() throws {
        let system = FakeIoctlSystem.withShares()
        system.bufferReplies[.shutdown] = [[2, 0, 0, 0]]
        _ = try FileControlCommands(system: system).shutdown(path: "/mnt/s", flush: false)
        #expect(system.bufferArguments[.shutdown] == [[2, 0, 0, 0]])
        system.forcedErrors["ioctl 0x8004587D"] = .notPermitted
        let error = #expect(throws: IoctlCommandError.self) {
            try FileControlCommands(system: system).shutdown(path: "/mnt/s", flush: true)
        }
        #expect(error?.message.contains("(EPERM)") == true)
    }

    @Test func integrityAndCompression() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        let integrity = #expect(throws: IoctlCommandError.self) {
            try FileControlCommands(system: system).setIntegrity(path: "/mnt/s/f")
        }
        #expect(integrity?.message.hasSuffix("the server does not support integrity streams (ReFS does)") == true)
        system.bufferReplies[.getFlags] = [[4, 0, 0, 0, 0, 0, 0, 0]]
        #expect(
            try FileControlCommands(system: system).compression(path: "/mnt/s/f").lines == [
                "Compressed: yes (inode flags 0x4)"
            ])
        system.bufferReplies[.setFlags] = [[4, 0, 0, 0, 0, 0, 0, 0]]
        _ = try FileControlCommands(system: system).setCompression(path: "/mnt/s/f", enabled: true)
        #expect(system.bufferArguments[.setFlags]?.first == [4, 0, 0, 0, 0, 0, 0, 0])
        #expect(system.trace.contains("open /mnt/s/f readWrite"))
    }

    @Test func fsctlSendsPassthroughModeAndDumpsHex() throws {
        let system = FakeIoctlSystem.withShares()
        system.add("/mnt/s/f", .init(contents: [1]))
        system.queryReplies["\(0x9003c)/0"] = [0x00, 0x00]
        let report = try FileControlCommands(system: system).fsctl(
            path: "/mnt/s/f", code: 0x9003C, input: [0xAB], outputSize: 2)
        #expect(
            report.lines == ["FSCTL 0x9003c: 2 bytes", "00000000  00 00" + String(repeating: " ", count: 43) + "  .."])
        #expect(report.json.rendered() == "{\"code\":589884,\"length\":2,\"output\":\"0000\"}")
        #expect(parseHexBytes("0x0a:0B ff") == [0x0A, 0x0B, 0xFF])
        #expect(parseHexBytes("abc") == nil && parseHexBytes("zz") == nil)
    }

    @Test func unbufferedWriteReadAndCopy() throws {
        let system = FakeIoctlSystem.withShares()
        let io = UnbufferedIO(system: system)
        let wrote = try io.write(path: "/mnt/s/d", size: 10_000, blockSize: 4096)
        #expect(system.files["/mnt/s/d"]?.contents.count == 10_000)
        #expect(system.files["/mnt/s/d"]?.contents[4096 + 251] == 0)
        #expect(wrote.lines.last?.hasPrefix("wrote 10000 bytes") == true)
        #expect(system.trace.contains("open /mnt/s/d directWrite(truncate: true)"))
        let read = try io.read(path: "/mnt/s/d", blockSize: 8192)
        #expect(read.lines.last?.hasPrefix("read 10000 bytes") == true)
        _ = try io.copy(source: "/mnt/s/d", destination: "/mnt/s/e", blockSize: 4096)
        #expect(system.files["/mnt/s/e"]?.contents == system.files["/mnt/s/d"]?.contents)
        let bad = #expect(throws: IoctlCommandError.self) { try io.read(path: "/mnt/s/d", blockSize: 1000) }
        #expect(bad?.status == .usage)
        let offCIFS = #expect(throws: IoctlCommandError.self) { try io.write(path: "/tmp/x", size: 1) }
        #expect(offCIFS?.status == .notCIFS && system.files["/tmp/x"] == nil)
    }
}
