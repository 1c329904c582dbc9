import Glibc
import SMB3System
import Testing

@Suite("ProcessSockets: the sockets processes hold (/proc/<pid>/fd)")
struct ProcessSocketsTests {
    @Test func linkTextsThatNameASocket() {
        #expect(ProcessSockets.socketInode(linkText: "socket:[854743]") == 854_743)
        #expect(ProcessSockets.socketInode(linkText: "socket:[0]") == 0)
        for text in [
            "socket:[]", "socket:[12", "socket:12]", "pipe:[12]", "/dev/null", "socket:[1 2]", "socket:[-1]",
            "socket:[٣]", "socket:[99999999999999999999999]", "anon_inode:[eventfd]", "",
        ] {
            #expect(ProcessSockets.socketInode(linkText: text) == nil, "\(text)")
        }
    }

    /// The test's own socket is found in the real /proc with its sockfs inode (what inet_diag
    /// reports as idiag_inode).
    @Test func findsASocketThisProcessHolds() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var info = stat()
        try #require(fstat(descriptor, &info) == 0)
        let scan = ProcessSockets.scan()
        #expect(scan.inodes.contains(UInt64(info.st_ino)))
    }

    /// A fake /proc: numeric directories are processes, links naming sockets are collected,
    /// other links and names are ignored, a process without fd (gone) is skipped.
    @Test func scansAProcTree() throws {
        let directory = TemporaryDirectory()
        let root = directory.path
        #expect(directory.shell("mkdir -p 12/fd 34/fd 56 self/fd"))
        #expect(symlink("socket:[1001]", "\(root)/12/fd/3") == 0)
        #expect(symlink("/dev/null", "\(root)/12/fd/0") == 0)
        #expect(symlink("socket:[1002]", "\(root)/34/fd/7") == 0)
        #expect(symlink("pipe:[1003]", "\(root)/34/fd/8") == 0)
        #expect(symlink("socket:[1004]", "\(root)/self/fd/9") == 0)
        let scan = ProcessSockets.scan(procRoot: root)
        #expect(scan.inodes == [1001, 1002])
        #expect(scan.hiddenRootProcesses.isEmpty)
    }
}
