import Foundation
import IfacesKit
import SMB3Protocol
import Testing

/// The documented JSON keys against the keys the Encodable reports write: a key renamed, added or
/// removed on one side only fails here. Paths are leaves, arrays spelled `[]`
/// (`mounts[].channels[].number`, `local[].addresses[]`).
@Suite struct JSONSchemaDocumentationTests {
    /// Every leaf path of `value` (null and scalars are leaves; an empty array or object has none).
    static func leafPaths(_ value: JSONValue, prefix: String = "", into paths: inout Set<String>) {
        switch value {
        case .object(let members):
            for (key, member) in members {
                leafPaths(member, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &paths)
            }
        case .array(let elements):
            for element in elements { leafPaths(element, prefix: prefix + "[]", into: &paths) }
        default:
            paths.insert(prefix)
        }
    }

    static func leafPaths(_ values: [JSONValue]) -> Set<String> {
        var paths = Set<String>()
        for value in values { leafPaths(value, into: &paths) }
        return paths
    }

    // MARK: smb3-ifaces --help

    /// The key paths of the help's JSON section: a line at the section's indentation starts with an
    /// absolute path (`mounts[].channels[].number`); each `.key` after it, on that line or a deeper
    /// continuation line, is a sibling of that path's last key. Parentheses and quotes are prose.
    static func documentedPaths(help: String) throws -> Set<String> {
        let start = try #require(help.range(of: "JSON (--json"))
        let end = try #require(help.range(of: "Finding codes:", range: start.upperBound..<help.endIndex))
        var section = String(help[start.lowerBound..<end.lowerBound])
        section = section.split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
            .joined(separator: "\n")
        section = section.replacing(/"[^"\n]*"/, with: "")
        while section.contains(/\([^()]*\)/) { section = section.replacing(/\([^()]*\)/, with: "") }
        var paths = Set<String>()
        var parent = ""
        for line in section.split(separator: "\n") {
            var rest = Substring(line)
            if let absolute = line.firstMatch(of: /^  (\w+(?:\[\])?(?:\.\w+(?:\[\])?)*)/) {
                let path = String(absolute.1)
                paths.insert(path)
                parent = path.split(separator: ".").dropLast().joined(separator: ".")
                rest = line[absolute.range.upperBound...]
            }
            for sibling in rest.matches(of: /(?:^|[\s,])\.(\w+(?:\[\])?)/) {
                paths.insert(parent.isEmpty ? String(sibling.1) : parent + "." + sibling.1)
            }
        }
        return paths
    }

    @Test func ifacesHelpDocumentsEveryKeyTheReportWrites() throws {
        var reports = try JSONGoldenTests.labCaptures.map { try JSONGoldenTests.report($0) }
        let data = try IfacesFixtures.debugData("debugdata-6.12-ntlm-multichannel.txt")
        let mount = IfacesFixtures.mount(options: IfacesFixtures.multichannelOptions)
        let reply = NetworkInterfaceInfo(entries: [
            .init(interfaceIndex: 1, capabilities: .rss, linkSpeed: 10_000_000_000, address: .init(ipv4: 127, 0, 0, 1))
        ])
        reports.append(IfacesReportBuilder.build(debugData: data, mounts: [mount], local: [], fsctl: ["/mnt/s": reply]))
        let emitted = Self.leafPaths(reports.map(\.encodedJSON))
        let documented = try Self.documentedPaths(help: IfacesHelp.discussion)
        #expect(documented.count > 30)
        #expect(emitted.subtracting(documented).sorted() == [], "written but not in --help")
        #expect(documented.subtracting(emitted).sorted() == [], "in --help but not written")
    }

    @Test func ifacesHelpParserSeesARenamedKey() throws {
        let help = IfacesHelp.discussion.replacing(".rssQueues", with: ".rxQueues")
        let documented = try Self.documentedPaths(help: help)
        #expect(documented.contains("local[].rxQueues") && !documented.contains("local[].rssQueues"))
        #expect(documented.contains("mounts[].channels[].connectionId"))
        #expect(documented.contains("local[].addresses[]") && documented.contains("source"))
    }

    // MARK: DebugData, documented in the comment at the top of SMB3Reports/DebugDataJSON.swift

    /// A JSON skeleton: `{"key":value,"key",…}` where a key without `:` is a scalar, `[…]` an array of
    /// scalars, `"a"|"b"` and `…` scalars.
    struct Skeleton {
        var text: Substring
        var paths = Set<String>()

        struct Malformed: Error, CustomStringConvertible {
            let description: String
        }

        mutating func skipSpace() { text = text.drop { $0 == " " || $0 == "\n" } }

        mutating func expect(_ character: Character) throws {
            skipSpace()
            guard text.first == character else {
                throw Malformed(description: "expected \(character) at \(text.prefix(30))")
            }
            text = text.dropFirst()
        }

        mutating func string() throws -> String {
            try expect("\"")
            let body = text.prefix { $0 != "\"" }
            text = text.dropFirst(body.count)
            try expect("\"")
            return String(body)
        }

        /// Parses one value at `path`, recording its leaves.
        mutating func value(_ path: String) throws {
            skipSpace()
            switch text.first {
            case "{":
                try object(path)
            case "[":
                text = text.dropFirst()
                skipSpace()
                if text.first == "{" { try object(path + "[]") } else { try value(path + "[]") }
                try expect("]")
            case "\"":
                _ = try string()
                skipSpace()
                if text.first == "|" {
                    text = text.dropFirst()
                    try value(path)
                } else {
                    paths.insert(path)
                }
            case "…":
                text = text.dropFirst()
                paths.insert(path)
            default:
                throw Malformed(description: "unexpected \(text.prefix(30))")
            }
        }

        mutating func object(_ path: String) throws {
            try expect("{")
            while true {
                let key = try string()
                let keyPath = path.isEmpty ? key : path + "." + key
                skipSpace()
                if text.first == ":" {
                    text = text.dropFirst()
                    try value(keyPath)
                } else {
                    paths.insert(keyPath)
                }
                skipSpace()
                if text.first == "," {
                    text = text.dropFirst()
                    continue
                }
                try expect("}")
                return
            }
        }
    }

    static func debugDataSchemaComment() throws -> String {
        let url = DebugDataSummaryTests.testsDirectory.deletingLastPathComponent()
            .appendingPathComponent("Sources/SMB3Reports/DebugDataJSON.swift")
        let source = String(decoding: try DebugDataSummaryTests.contents(url), as: UTF8.self)
        let lines = source.split(separator: "\n").filter { $0.hasPrefix("//  ") || $0.hasPrefix("// {") }
        return lines.map { $0.dropFirst(3) }.joined(separator: "\n")
    }

    @Test func debugDataCommentDocumentsEveryKeyTheReportWrites() throws {
        var skeleton = Skeleton(text: Substring(try Self.debugDataSchemaComment()))
        try skeleton.value("")
        skeleton.skipSpace()
        #expect(skeleton.text.isEmpty, "left over: \(skeleton.text.prefix(40))")
        let values = try DebugDataSummaryTests.captures.map { capture in
            let url = DebugDataSummaryTests.testsDirectory.appendingPathComponent(
                "SMB3ProtocolTests/Fixtures/\(capture)")
            return try DebugData(parsing: try DebugDataSummaryTests.contents(url)).encodedJSON
        }
        let emitted = Self.leafPaths(values)
        #expect(skeleton.paths.count > 50)
        #expect(emitted.subtracting(skeleton.paths).sorted() == [], "written but not documented")
        #expect(skeleton.paths.subtracting(emitted).sorted() == [], "documented but not written")
    }

    @Test func skeletonParserSeesNestingAndScalars() throws {
        var skeleton = Skeleton(text: #"{"a":"x"|"y","b":[…],"c":[{"d","e":"0x…"}],"f":…}"#)
        try skeleton.value("")
        #expect(skeleton.paths == ["a", "b[]", "c[].d", "c[].e", "f"])
    }
}
