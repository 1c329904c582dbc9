import Foundation
import IfacesKit
import SMB3Protocol
import Testing

/// `smb3-ifaces debugdata`'s text, against the output the program printed for each capture
/// before the renderer moved into IfacesKit (Golden/summary-<capture>.txt).
@Suite struct DebugDataSummaryTests {
    static let captures = [
        "lab/debugdata-6.1-kerberos-multichannel.txt", "lab/debugdata-6.1-kerberos.txt",
        "lab/debugdata-6.1-ntlm-multichannel.txt", "lab/debugdata-6.12-kerberos-multichannel.txt",
        "lab/debugdata-6.12-kerberos.txt", "lab/debugdata-6.12-ntlm-multichannel.txt",
        "debugdata/debugdata-6.1-synthetic-two-servers.txt", "debugdata/debugdata-6.1.192-ntlm-multichannel.txt",
        "debugdata/debugdata-6.12-no-servers.txt", "debugdata/debugdata-6.12-rendered-interfaces.txt",
        "debugdata/debugdata-6.12-synthetic-witness-ipv6.txt", "debugdata/debugdata-6.12.117-ntlm-multichannel.txt",
        "debugdata/debugdata-bad-values.txt",
    ]

    static var testsDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    }

    static func contents(_ url: URL) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw IfacesFixtures.Missing(path: url.path)
        }
        return [UInt8](data)
    }

    @Test(arguments: captures)
    func textIsWhatTheProgramPrinted(capture: String) throws {
        let input = try Self.contents(testsDirectory.appendingPathComponent("SMB3ProtocolTests/Fixtures/\(capture)"))
        let name = "summary-" + (capture.split(separator: "/").last.map(String.init) ?? capture)
        let expected = try Self.contents(testsDirectory.appendingPathComponent("IfacesKitTests/Golden/\(name)"))
        let summary = DebugDataSummary(try DebugData(parsing: input))
        // The program printed the text with print(_:terminator: ""): byte for byte the same.
        #expect(summary.text == String(decoding: expected, as: UTF8.self))
    }

    private var testsDirectory: URL { Self.testsDirectory }

    @Test func everyLineIsTrimmedAndTheTextEndsWithANewline() throws {
        for capture in Self.captures {
            let input = try Self.contents(
                testsDirectory.appendingPathComponent("SMB3ProtocolTests/Fixtures/\(capture)"))
            let text = DebugDataSummary(try DebugData(parsing: input)).text
            #expect(text.hasSuffix("\n"))
            #expect(!text.split(separator: "\n").contains { $0.hasSuffix(" ") }, "\(capture)")
        }
    }
}
