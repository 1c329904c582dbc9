import Glibc
import SMB3Errors
import SMB3System
import Testing

/// Files root writes: the events file, the ifaces textfile, private directories (issue 13).
@Suite("files written as root: no symlink followed, what exists is checked")
struct PrivateFilesTests {
    static func mode(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode : nil
    }

    static func contents(_ path: String) -> String? {
        (try? KernelFile.read(path)).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func privateDirectoryIsCreated0700WhateverTheUmask() throws {
        let directory = TemporaryDirectory()
        let previous = umask(0o277)
        defer { umask(previous) }
        try PrivateDirectory.prepare(directory.path + "/cache")
        #expect(Self.mode(directory.path + "/cache") == S_IFDIR | 0o700)
        try PrivateDirectory.prepare(directory.path + "/cache")  // as it is now: accepted
    }

    @Test func aPrivateDirectoryThatIsNotQuiteIsRefused() {
        let directory = TemporaryDirectory()
        #expect(directory.shell("mkdir wide narrow sticky other target && chmod 0750 wide && chmod 0500 narrow"))
        #expect(directory.shell("chmod 01700 sticky && chmod 0700 other && chown 65534 other && ln -s target link"))
        #expect(directory.shell("chmod 0700 target && touch file"))
        for name in ["wide", "narrow", "sticky", "other", "link", "file"] {
            #expect(throws: SystemError.self, "\(name)") { try PrivateDirectory.prepare(directory.path + "/" + name) }
        }
        // Refused, never changed.
        #expect(Self.mode(directory.path + "/wide") == S_IFDIR | 0o750)
        #expect(Self.mode(directory.path + "/link").map { $0 & S_IFMT } == S_IFLNK)
    }

    @Test func theEventsFileIsNeverWrittenThroughALink() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/events.jsonl"
        #expect(directory.shell("echo victim > victim && ln -s victim events.jsonl"))
        #expect(throws: SystemError.self) { try AppendOnlyFile(path: path) }
        #expect(directory.shell("rm events.jsonl && ln victim events.jsonl"))  // a hard link
        #expect(throws: SystemError.self) { try AppendOnlyFile(path: path) }
        #expect(directory.shell("rm events.jsonl && mkfifo events.jsonl"))
        #expect(throws: SystemError.self) { try AppendOnlyFile(path: path) }
        #expect(directory.shell("rm events.jsonl && touch events.jsonl && chmod 0666 events.jsonl"))
        #expect(throws: SystemError.self) { try AppendOnlyFile(path: path) }
        #expect(directory.shell("chmod 0640 events.jsonl && chown 65534 events.jsonl"))
        #expect(throws: SystemError.self) { try AppendOnlyFile(path: path) }
        #expect(Self.contents(directory.path + "/victim") == "victim\n")

        #expect(directory.shell("rm events.jsonl"))
        let file = try AppendOnlyFile(path: path)
        try file.appendLine("{}")
        #expect(Self.mode(path) == S_IFREG | 0o640)
        #expect(Self.contents(path) == "{}\n")
        _ = try AppendOnlyFile(path: path)  // its own file again: accepted
    }

    /// Old code opened `path.tmp` with O_TRUNC and followed a symlink there: the link's target
    /// was emptied and overwritten.
    @Test func theTextfileNeverFollowsAPlantedTemporaryName() throws {
        let directory = TemporaryDirectory()
        let path = directory.path + "/smb3.prom"
        #expect(directory.shell("echo victim > victim && ln -s victim smb3.prom.tmp"))
        try AtomicTextFile.write("metric 1\n", to: path)
        #expect(Self.contents(directory.path + "/victim") == "victim\n")
        #expect(Self.contents(path) == "metric 1\n")
        #expect(Self.mode(path) == S_IFREG | 0o644)
        // A symlink at the path itself is replaced, not followed.
        #expect(directory.shell("rm smb3.prom && ln -s victim smb3.prom"))
        try AtomicTextFile.write("metric 2\n", to: path)
        #expect(Self.contents(directory.path + "/victim") == "victim\n")
        #expect(Self.mode(path) == S_IFREG | 0o644 && Self.contents(path) == "metric 2\n")
        // No temporary file is left behind.
        #expect(directory.shell("[ $(ls -A | wc -l) -eq 3 ]"))  // victim, smb3.prom.tmp, smb3.prom
    }

    /// The watch logs a failure once until its text changes: the text names the destination, never
    /// the random temporary name, so the same failure reads the same every time.
    @Test func aFailureNamesTheDestinationNotTheTemporaryName() {
        let path = "/nonexistent-\(getpid())/smb3.prom"
        var texts: Set<String> = []
        for _ in 0..<3 {
            do {
                try AtomicTextFile.write("metric 1\n", to: path)
            } catch {
                texts.insert("\(error)")
                #expect(error.errno == .noSuchFileOrDirectory)
            }
        }
        #expect(texts.count == 1)
        #expect(texts.first?.contains("beside \(path)") == true)
    }
}
