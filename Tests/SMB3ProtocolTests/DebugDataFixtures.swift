import Foundation
import SMB3Protocol
import Testing

/// Loads DebugData fixtures from the test bundle (`resources: [.copy("Fixtures")]`).
enum DebugDataFixtures {
    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "fixture not found: \(path)" }
    }

    static func directory(_ subdirectory: String) throws -> URL {
        guard let resources = Bundle.module.resourceURL else { throw Missing(path: subdirectory) }
        return resources.appendingPathComponent("Fixtures").appendingPathComponent(subdirectory)
    }

    /// The bytes of `Fixtures/<subdirectory>/<name>`.
    static func bytes(_ name: String, in subdirectory: String = "debugdata") throws -> [UInt8] {
        let url = try directory(subdirectory).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else { throw Missing(path: url.path) }
        return [UInt8](data)
    }

    static func parse(_ name: String, in subdirectory: String = "debugdata") throws -> DebugData {
        try DebugData(parsing: bytes(name, in: subdirectory))
    }

    /// The hand-made DebugData fixtures (`Fixtures/debugdata/*.txt`).
    static let handMade = [
        "debugdata-6.1.192-ntlm-multichannel.txt",
        "debugdata-6.12.117-ntlm-multichannel.txt",
        "debugdata-6.12-rendered-interfaces.txt",
        "debugdata-6.12-synthetic-witness-ipv6.txt",
        "debugdata-6.1-synthetic-two-servers.txt",
        "debugdata-6.12-no-servers.txt",
        "debugdata-bad-values.txt",
    ]

    /// The names of the real lab captures (`Fixtures/lab/debugdata-*.txt`), sorted; empty when none were captured.
    static var labCaptures: [String] {
        guard let directory = try? directory("lab"),
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return names.filter { $0.hasPrefix("debugdata-") && $0.hasSuffix(".txt") }.sorted()
    }

    /// `Fuzz/FailCases/FuzzDebugData`, found from this source file's location.
    static var failCasesDirectory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // SMB3ProtocolTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .appendingPathComponent("Fuzz/FailCases/FuzzDebugData")
    }
}
