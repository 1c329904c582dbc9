import Foundation
import IfacesKit
import SMB3Protocol
import Testing

/// `smb3-ifaces --json` and `smb3-ifaces debugdata --json`, byte for byte against what the programs
/// printed before the reports became Encodable types (Golden/json-*.json, Golden/ifaces-*.json):
/// key order, nulls and number forms are part of the contract the lab scripts read.
@Suite struct JSONGoldenTests {
    static func golden(_ name: String) throws -> String {
        let url = DebugDataSummaryTests.testsDirectory.appendingPathComponent("IfacesKitTests/Golden/\(name)")
        return String(decoding: try DebugDataSummaryTests.contents(url), as: UTF8.self)
    }

    static func fileName(_ capture: String) -> String {
        let base = capture.split(separator: "/").last.map(String.init) ?? capture
        return String(base.dropLast(".txt".count)) + ".json"
    }

    @Test(arguments: DebugDataSummaryTests.captures)
    func debugDataJSONIsWhatTheProgramPrinted(capture: String) throws {
        let url = DebugDataSummaryTests.testsDirectory.appendingPathComponent(
            "SMB3ProtocolTests/Fixtures/\(capture)")
        let data = try DebugData(parsing: try DebugDataSummaryTests.contents(url))
        #expect(data.jsonReport() + "\n" == (try Self.golden("json-" + Self.fileName(capture))))
    }

    static let labCaptures = DebugDataSummaryTests.captures.filter { $0.hasPrefix("lab/") }

    /// Every lab capture as a multichannel mount (found or not in DebugData), with a local interface.
    static func report(_ capture: String) throws -> IfacesReport {
        let data = try IfacesFixtures.debugData(String(capture.dropFirst("lab/".count)))
        let server = data.servers.first?.hostname ?? "127.0.0.1"
        let mounts = [
            IfacesFixtures.mount("//\(server)/share", options: IfacesFixtures.multichannelOptions),
            IfacesFixtures.mount("//absent/x", at: "/mnt/absent", options: IfacesFixtures.singleChannelOptions),
        ]
        let local = [
            IfacesReport.LocalInterface(name: "lo", index: 1, addresses: ["127.0.0.1", "::1"], loopback: true),
            IfacesReport.LocalInterface(
                name: "eth0", addresses: ["10.0.0.9"], speedBps: 1_000_000_000, rssQueues: 4, rdma: true, up: false),
        ]
        return IfacesReportBuilder.build(debugData: data, mounts: mounts, local: local)
    }

    @Test(arguments: labCaptures)
    func ifacesJSONIsWhatTheProgramPrinted(capture: String) throws {
        let json = try Self.report(capture).jsonReport()
        #expect(json + "\n" == (try Self.golden("ifaces-" + Self.fileName(capture))))
    }

    @Test func ifacesJSONFromFSCTL() throws {
        let data = try IfacesFixtures.debugData("debugdata-6.12-ntlm-multichannel.txt")
        let mount = IfacesFixtures.mount(options: IfacesFixtures.multichannelOptions)
        let reply = NetworkInterfaceInfo(entries: [
            .init(interfaceIndex: 2, capabilities: [], linkSpeed: 1_000_000_000, address: .init(ipv4: 127, 0, 0, 2)),
            .init(
                interfaceIndex: 4_000_000_000, capabilities: [.rss, .rdma], linkSpeed: 10_000_000_000,
                address: .init(ipv4: 127, 0, 0, 1)),
        ])
        let report = IfacesReportBuilder.build(debugData: data, mounts: [mount], local: [], fsctl: ["/mnt/s": reply])
        #expect(report.jsonReport() + "\n" == (try Self.golden("ifaces-fsctl.json")))
    }
}
