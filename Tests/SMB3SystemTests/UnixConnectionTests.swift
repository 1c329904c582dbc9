import Glibc
import SMB3Errors
import Testing

@testable import SMB3System

struct UnixConnectionTests {
    @Test func forEachLineSplitsBlocksAndPassesTheUnterminatedTail() throws {
        let path = UnixPacketSocketTests.path()
        let listener = try UnixListener(path: path, mode: 0o600)
        defer { unlink(path) }
        let client = try UnixConnection(connectingTo: path)
        var server: UnixConnection? = try listener.accept()
        // More than one 64 KiB block, with a line across the block boundary and one over the limit.
        let long = String(repeating: "x", count: 70_000)
        #expect(server?.write("a\n\n" + long + "\nbcdefg\ntail") == true)
        var lines: [String] = []
        server = nil  // closes: the reader sees the end after the tail
        try client.forEachLine(limit: 50_000) { lines.append($0) }
        #expect(lines.count == 6)
        #expect(lines[0] == "a" && lines[1] == "")
        #expect(lines[2].count == 50_000 && lines[3].count == 20_000)
        #expect(lines[4] == "bcdefg" && lines[5] == "tail")
    }
}
