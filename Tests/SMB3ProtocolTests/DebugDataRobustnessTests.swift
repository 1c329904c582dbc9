import Foundation
import SMB3Protocol
import Testing

/// A small deterministic generator (SplitMix64) so that failures reproduce.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Parses and checks that the only failure is a ``DebugDataError`` and that the model is sane.
@discardableResult
private func parseWithoutTrapping(_ bytes: [UInt8]) -> DebugData? {
    do {
        let data = try DebugData(parsing: bytes)
        #expect(data.diagnostics.count <= DebugData.maximumDiagnostics)
        for server in data.servers {
            for session in server.sessions {
                #expect(session.channels.first?.isPrimary == true)
                #expect(session.channels.first?.number == 1)
            }
        }
        _ = data.jsonReport()
        return data
    } catch let error as DebugDataError {
        #expect(error.code == .unrecognizedInput || error.code == .inputTooLarge)
        return nil
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

@Suite("DebugData: hostile and damaged input")
struct DebugDataRobustnessTests {
    /// Every prefix of every fixture parses without trapping and never yields more than the whole file.
    @Test(arguments: DebugDataFixtures.handMade)
    func truncationAtEveryOffset(name: String) throws {
        let bytes = try DebugDataFixtures.bytes(name)
        let whole = try DebugData(parsing: bytes)
        let wholeInterfaces = whole.servers.flatMap(\.sessions).flatMap(\.serverInterfaces).count
        let wholeChannels = whole.servers.flatMap(\.sessions).flatMap(\.channels).count
        for length in 0...bytes.count {
            let prefix = Array(bytes[0..<length])
            guard let data = parseWithoutTrapping(prefix) else { continue }
            #expect(data.servers.count <= whole.servers.count, "prefix \(length)")
            #expect(data.servers.flatMap(\.sessions).flatMap(\.serverInterfaces).count <= wholeInterfaces)
            #expect(data.servers.flatMap(\.sessions).flatMap(\.channels).count <= wholeChannels)
        }
        // The full length round-trips to the same model.
        #expect(parseWithoutTrapping(bytes) == whole)
    }

    /// Only an input with no recognisable line at all is rejected.
    @Test func emptyAndForeignInputThrow() {
        #expect(throws: DebugDataError.unrecognizedInput()) { try DebugData(parsing: "") }
        #expect(throws: DebugDataError.unrecognizedInput()) {
            try DebugData(parsing: "root:x:0:0:root:/root:/bin/bash\n")
        }
        #expect(throws: DebugDataError.unrecognizedInput()) {
            try DebugData(parsing: [UInt8](repeating: 0, count: 4096))
        }
    }

    /// Inputs above the 16 MiB cap are refused before any parsing.
    @Test func oversizedInputIsRejected() throws {
        let bytes = [UInt8](repeating: UInt8(ascii: "\n"), count: DebugData.maximumInputSize + 1)
        #expect(throws: DebugDataError.inputTooLarge(size: bytes.count)) { try DebugData(parsing: bytes) }
        let error = try #require(throws: DebugDataError.self) { try DebugData(parsing: bytes) }
        #expect(error.code == .inputTooLarge)
    }

    /// Random bytes, random lines made of the format's keywords, and byte-flipped fixtures.
    @Test func garbageDoesNotTrap() throws {
        var random = SplitMix64(state: 0x5EED_DEB6_DA7A)
        for length in [1, 2, 7, 64, 1000, 20000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            parseWithoutTrapping(bytes)
        }
        let fragments = [
            "1) ", "\t", " ", "\n", "ConnectionId: 0x", "Hostname: ", "Number of credits: ", ",", "Dialect 0x",
            "TCP status: ", "Local Users To Server: ", "In Send: ", "Net namespace: ", "Address: ", "Name: ",
            "Domain: ", "Uses: ", "Capability: 0x", "Session Status: ", "Security type: ", "SessionId: 0x",
            "User: ", "Cred User: ", "Extra Channels: ", "Channel: ", "DISABLED", "DISCONNECTED", "[RECONNECTING]",
            "Shares: ", "IPC: ", "none", " Mounts: ", "PathComponentMax: ", " Status: ", "Share Capabilities:",
            "Share Flags: 0x", "tid: 0x", "Server interfaces: ", "Speed: ", "bps", "10Gbps", "Capabilities: ",
            "rss ", "rdma ", "IPv4: ", "IPv6: ", "::", ":", ".", "[for-cleanup]", "Weight (cur,total): (", ")",
            "Allocated channels: ", "[CONNECTED]", "MIDs: ", "--", "Witness registrations:", "Id: ", "Refs: ",
            "Network name: '", "'(y)", " Share name: '", "'(n)", " Ip address: ", "(y)", "%", "0", "1", "255",
            "4294967296", "18446744073709551616", "-", "ffff", "\u{FFFD}", "\r",
        ]
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...60, using: &random) {
                text += fragments[Int.random(in: 0..<fragments.count, using: &random)]
            }
            parseWithoutTrapping(Array(text.utf8))
        }
        let seed = try DebugDataFixtures.bytes("debugdata-6.12-synthetic-witness-ipv6.txt")
        for _ in 0..<1500 {
            var mutated = seed
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                let position = Int.random(in: 0..<mutated.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: mutated[position] = UInt8.random(in: 0...255, using: &random)
                case 1: mutated.remove(at: position)
                default: mutated.insert(mutated[Int.random(in: 0..<mutated.count, using: &random)], at: position)
                }
            }
            parseWithoutTrapping(mutated)
        }
    }

    /// A line over the 64 KiB cap is reported and skipped; the rest of the file still parses.
    @Test func overlongLineIsSkipped() throws {
        var bytes = [UInt8](repeating: UInt8(ascii: "A"), count: DebugData.maximumLineLength + 1)
        bytes.append(UInt8(ascii: "\n"))
        bytes += try DebugDataFixtures.bytes("debugdata-6.1.192-ntlm-multichannel.txt")
        let data = try DebugData(parsing: bytes)
        #expect(data.diagnostics.map(\.code) == [.lineTooLong])
        #expect(data.diagnostics.first?.line == 1)
        #expect(data.servers.onlyElement?.sessions.onlyElement?.serverInterfaces.count == 2)
    }

    /// Diagnostics stop at the cap; the rest are counted.
    @Test func diagnosticsAreCapped() throws {
        let text = "1) ConnectionId: 0x1 \n" + String(repeating: "TCP status: x Instance: 1\n", count: 1000)
        let data = try DebugData(parsing: text)
        #expect(data.diagnostics.count == DebugData.maximumDiagnostics)
        #expect(data.omittedDiagnosticCount == 1000 - DebugData.maximumDiagnostics)
    }

    /// Invalid UTF-8 in a text field is replaced, not fatal.
    @Test func invalidUTF8IsReplaced() throws {
        var bytes = Array("1) ConnectionId: 0x1 Hostname: fs".utf8)
        bytes += [0xFF, 0xC3]
        bytes += Array(" \nTCP status: 1 Instance: 1\n".utf8)
        let data = try DebugData(parsing: bytes)
        #expect(data.servers.onlyElement?.hostname == "fs\u{FFFD}\u{FFFD}")
        #expect(data.servers.onlyElement?.tcpStatus == .good)
    }

    /// CRLF line ends and tabs expanded to spaces (mail, terminals) give the same model.
    @Test(arguments: ["debugdata-6.1.192-ntlm-multichannel.txt", "debugdata-6.12-synthetic-witness-ipv6.txt"])
    func whitespaceVariantsParseAlike(name: String) throws {
        let text = String(decoding: try DebugDataFixtures.bytes(name), as: UTF8.self)
        let original = try DebugData(parsing: text)
        let crlf = try DebugData(parsing: text.replacingOccurrences(of: "\n", with: "\r\n"))
        let spaces = try DebugData(parsing: text.replacingOccurrences(of: "\t", with: "    "))
        #expect(crlf == original)
        #expect(spaces.servers == original.servers)
        #expect(spaces.witnessRegistrations == original.witnessRegistrations)
    }

    /// Crash inputs found by `Fuzz/run.sh` are replayed here; they must only not trap.
    @Test func fuzzFailCasesReplay() throws {
        let directory = DebugDataFixtures.failCasesDirectory
        var isDirectory: ObjCBool = false
        #expect(
            FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) && isDirectory.boolValue)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }
        for name in names.sorted() where name != "README.md" {
            let data = try #require(FileManager.default.contents(atPath: directory.appendingPathComponent(name).path))
            parseWithoutTrapping([UInt8](data))
        }
    }
}
