import Foundation
import SMB3Protocol
import Testing

@testable import IfacesKit

@Suite struct IfacesReportTests {
    @Test(arguments: ["debugdata-6.1-ntlm-multichannel.txt", "debugdata-6.12-ntlm-multichannel.txt"])
    func labMultichannelMountHasBothChannelsOnTheRSSInterface(fixture: String) throws {
        let data = try IfacesFixtures.debugData(fixture)
        let mount = IfacesFixtures.mount(options: IfacesFixtures.multichannelOptions)
        let report = IfacesReportBuilder.build(debugData: data, mounts: [mount], local: [])
        #expect(report.source == .debugData)
        let entry = try #require(report.mounts.first)
        #expect(entry.foundInDebugData)
        #expect(entry.server == "127.0.0.1")
        #expect(entry.dialect == "3.1.1")
        #expect(entry.multichannel && entry.maxChannels == 2)
        #expect(entry.serverInterfaces.map(\.address) == ["127.0.0.1", "127.0.0.2"])
        #expect(entry.serverInterfaces.map(\.speedBps) == [10_000_000_000, 1_000_000_000])
        #expect(entry.serverInterfaces.map(\.rss) == [true, false])
        #expect(entry.channels.map(\.number) == [1, 2])
        #expect(entry.channels.map(\.serverAddress) == ["127.0.0.1", "127.0.0.1"])
        #expect(entry.channels.allSatisfy { $0.state == "connected" })
        // The RSS interface's weight (10) leaves room: a third channel is possible.
        let codes = report.findings.map(\.code)
        #expect(codes.contains(.maxChannelsTooLow))
        let finding = try #require(report.findings.first { $0.code == .maxChannelsTooLow })
        #expect(finding.message.contains("third channel is possible"))
        #expect(finding.fix == "remount with multichannel,max_channels=3")
        #expect(!codes.contains(.multichannelNotEnabled))
        #expect(!codes.contains(.channelsOnSlowerInterface))
    }

    @Test(arguments: ["debugdata-6.1-kerberos.txt", "debugdata-6.12-kerberos.txt"])
    func singleChannelMountSaysMultichannelIsOff(fixture: String) throws {
        let data = try IfacesFixtures.debugData(fixture)
        let server = try #require(data.servers.first?.hostname)
        let mount = IfacesFixtures.mount("//\(server)/share", options: IfacesFixtures.singleChannelOptions)
        let report = IfacesReportBuilder.build(debugData: data, mounts: [mount], local: [])
        let entry = try #require(report.mounts.first)
        #expect(entry.foundInDebugData)
        #expect(entry.channels.count == 1)
        let finding = try #require(report.findings.first { $0.code == .multichannelNotEnabled })
        #expect(finding.message.contains("multichannel is not enabled"))
        #expect(finding.fix.hasPrefix("remount with multichannel,max_channels="))
    }

    @Test func twoMountPointsOfOneTreeConnectionBothFindIt() throws {
        let data = try IfacesFixtures.debugData("debugdata-6.12-ntlm-multichannel.txt")
        let first = IfacesFixtures.mount(at: "/mnt/a", options: IfacesFixtures.multichannelOptions)
        let second = IfacesFixtures.mount(
            "//127.0.0.1/share/sub", at: "/mnt/b", options: IfacesFixtures.multichannelOptions)
        let report = IfacesReportBuilder.build(debugData: data, mounts: [first, second], local: [])
        #expect(report.mounts.map(\.foundInDebugData) == [true, true])
        #expect(report.mounts.map(\.channels.count) == [2, 2])
    }

    @Test func mountMissingFromDebugDataIsAFinding() throws {
        let data = try IfacesFixtures.debugData("debugdata-6.12-ntlm-multichannel.txt")
        let mount = IfacesFixtures.mount("//other/share", options: IfacesFixtures.multichannelOptions)
        let report = IfacesReportBuilder.build(debugData: data, mounts: [mount], local: [])
        #expect(report.mounts.first?.foundInDebugData == false)
        #expect(report.findings.map(\.code) == [.mountNotInDebugData])
    }

    @Test func channelsOnASlowerNonRSSInterfaceWhileAFasterOneExists() {
        let mount = IfacesReport.Mount(
            mountPoint: "/m", unc: "//s/x", server: "s", share: "x", multichannel: true, maxChannels: 2,
            foundInDebugData: true,
            serverInterfaces: [
                .init(address: "10.0.0.1", family: "ipv4", speedBps: 1_000_000_000, rss: false, rdma: false),
                .init(address: "10.0.0.2", family: "ipv4", speedBps: 25_000_000_000, rss: false, rdma: false),
            ],
            channels: [.init(number: 1, serverAddress: "10.0.0.1", state: "connected", primary: true)])
        let report = IfacesReport(source: .debugData, mounts: [mount], local: [], findings: [])
        let codes = IfacesDiagnosis.findings(for: report).map(\.code)
        #expect(codes.contains(.channelsOnSlowerInterface))
        #expect(codes.contains(.noRSSPath))
    }

    @Test func downChannelAndRDMAAndSlowLocalNIC() {
        let mount = IfacesReport.Mount(
            mountPoint: "/m", unc: "//s/x", server: "s", share: "x", multichannel: true, maxChannels: 2,
            foundInDebugData: true,
            serverInterfaces: [
                .init(address: "10.0.0.9", family: "ipv4", speedBps: 100_000_000_000, rss: true, rdma: true),
                .init(address: "10.0.0.1", family: "ipv4", speedBps: 10_000_000_000, rss: true, rdma: false),
            ],
            channels: [
                .init(number: 1, serverAddress: "10.0.0.1", state: "connected", primary: true),
                .init(number: 2, serverAddress: "10.0.0.1", state: "reconnecting", primary: false),
            ])
        let local = [IfacesReport.LocalInterface(name: "eth0", speedBps: 1_000_000_000, rssQueues: 4)]
        let report = IfacesReport(source: .debugData, mounts: [mount], local: local, findings: [])
        let findings = IfacesDiagnosis.findings(for: report)
        let codes = findings.map(\.code)
        #expect(codes.contains(.channelNotConnected))
        #expect(codes.contains(.rdmaNotUsed))
        #expect(codes.contains(.localNICSlower))
        #expect(!codes.contains(.noRSSPath))
        #expect(
            findings.first { $0.code == .channelNotConnected }?.message.contains(
                "channel 2 to 10.0.0.1 is reconnecting") == true)
    }

    @Test func serverWithoutMultichannelCapability() {
        let mount = IfacesReport.Mount(
            mountPoint: "/m", unc: "//s/x", server: "s", share: "x", multichannel: true, maxChannels: 4,
            serverCapabilities: 0x7, foundInDebugData: true,
            channels: [.init(number: 1, serverAddress: "10.0.0.1", state: "connected", primary: true)])
        let report = IfacesReport(source: .debugData, mounts: [mount], local: [], findings: [])
        #expect(IfacesDiagnosis.findings(for: report).map(\.code) == [.serverWithoutMultichannel])
    }

    @Test func fsctlInterfacesReplaceDebugDataOnesAndKeepChannelCounts() throws {
        let data = try IfacesFixtures.debugData("debugdata-6.12-ntlm-multichannel.txt")
        let mount = IfacesFixtures.mount(options: IfacesFixtures.multichannelOptions)
        let reply = NetworkInterfaceInfo(entries: [
            .init(interfaceIndex: 2, capabilities: [], linkSpeed: 1_000_000_000, address: .init(ipv4: 127, 0, 0, 2)),
            .init(interfaceIndex: 1, capabilities: .rss, linkSpeed: 10_000_000_000, address: .init(ipv4: 127, 0, 0, 1)),
        ])
        let report = IfacesReportBuilder.build(debugData: data, mounts: [mount], local: [], fsctl: ["/mnt/s": reply])
        #expect(report.source == .fsctl)
        let interfaces = try #require(report.mounts.first?.serverInterfaces)
        #expect(interfaces.map(\.address) == ["127.0.0.1", "127.0.0.2"])
        #expect(interfaces.map(\.interfaceIndex) == [1, 2])
        #expect(interfaces.first?.allocatedChannels == 2)
    }

    @Test func jsonHasTheDocumentedKeys() throws {
        let data = try IfacesFixtures.debugData("debugdata-6.12-ntlm-multichannel.txt")
        let mount = IfacesFixtures.mount(options: IfacesFixtures.multichannelOptions)
        let local = [IfacesReport.LocalInterface(name: "lo", index: 1, addresses: ["127.0.0.1"], loopback: true)]
        let json = IfacesReportBuilder.build(debugData: data, mounts: [mount], local: local).jsonReport()
        #expect(json.hasPrefix("{\"source\":\"debugdata\",\"mounts\":[{\"mountPoint\":\"/mnt/s\""))
        for key in [
            "\"server\":\"127.0.0.1\"", "\"serverInterfaces\":[{\"address\":\"127.0.0.1\"", "\"speedBps\":10000000000",
            "\"rss\":true", "\"rdma\":false",
            "\"channels\":[{\"number\":1,\"serverAddress\":\"127.0.0.1\",\"state\":\"connected\"",
            "\"local\":[{\"name\":\"lo\"", "\"rssQueues\":1", "\"findings\":[{\"code\":\"maxChannelsTooLow\"",
        ] {
            #expect(json.contains(key), "missing \(key)")
        }
    }

    @Test func prometheusAndTextMentionTheInterfaces() throws {
        let data = try IfacesFixtures.debugData("debugdata-6.1-ntlm-multichannel.txt")
        let mount = IfacesFixtures.mount(options: IfacesFixtures.multichannelOptions)
        let report = IfacesReportBuilder.build(debugData: data, mounts: [mount], local: [])
        let metrics = report.prometheusReport()
        #expect(metrics.contains("# TYPE smb3_ifaces_server_interface_speed_bps gauge"))
        #expect(
            metrics.contains(
                "smb3_ifaces_server_interface_speed_bps{mountpoint=\"/mnt/s\",server=\"127.0.0.1\",share=\"share\",address=\"127.0.0.1\",rss=\"1\",rdma=\"0\"} 10000000000"
            ))
        #expect(
            metrics.contains("smb3_ifaces_mount_channels{mountpoint=\"/mnt/s\",server=\"127.0.0.1\",share=\"share\"} 2")
        )
        let text = report.textReport()
        #expect(text.contains("127.0.0.1  10 Gbit/s  rss  ← 2 channels"))
        #expect(text.contains("a third channel is possible"))
    }

    @Test func ordinalsAndSpeeds() {
        #expect(IfacesFormat.speed(2_500_000_000) == "2.5 Gbit/s")
        #expect(IfacesFormat.speed(123) == "123 bit/s")
    }
}

/// A server that advertises an IPv6 link-local address (ksmbd advertises the first usable IPv6
/// address of each interface, and the link-local one comes first): DebugData of 6.1 and 6.12 with
/// the lab capture's interface list replaced by such a list.
@Suite struct LinkLocalInterfaceTests {
    static let linkLocal = "fe80:0000:0000:0000:00a1:b2ff:fec3:d4e5"

    /// The interface block as `cifs_dump_iface` prints it on 6.1 (`Speed: %zu bps`, empty capabilities)
    /// or 6.12 (`Speed: 10Gbps`, `None`).
    static func interfaces(kernel61: Bool) -> String {
        func speed(_ gbps: Int) -> String { kernel61 ? "\(gbps)000000000 bps" : "\(gbps)Gbps" }
        let none = kernel61 ? "" : "None"
        return """
            \tServer interfaces: 3\tLast updated: 2 seconds ago
            \t1)\tSpeed: \(speed(10))
            \t\tCapabilities: rss 
            \t\tIPv4: 127.0.0.1
            \t\tWeight (cur,total): (1,10)
            \t\tAllocated channels: 1
            \t\t[CONNECTED]

            \t2)\tSpeed: \(speed(10))
            \t\tCapabilities: rss 
            \t\tIPv6: \(linkLocal)
            \t\tWeight (cur,total): (0,10)
            \t\tAllocated channels: 0

            \t3)\tSpeed: \(speed(1))
            \t\tCapabilities: \(none)
            \t\tIPv6: 2001:0db8:0000:0000:0000:0000:0000:0010
            \t\tWeight (cur,total): (0,1)
            \t\tAllocated channels: 0


            \tMIDs: 
            """
    }

    /// The lab capture's text with its interface list swapped (bytes, as read from /proc).
    static func debugData(_ fixture: String, kernel61: Bool) throws -> DebugData {
        let path = IfacesFixtures.labDirectory.appendingPathComponent(fixture).path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let start = try #require(text.range(of: "\tServer interfaces:"))
        let end = try #require(text.range(of: "\tMIDs: ", range: start.upperBound..<text.endIndex))
        let swapped = text.replacingCharacters(
            in: start.lowerBound..<end.upperBound, with: interfaces(kernel61: kernel61))
        return try DebugData(parsing: Array(swapped.utf8))
    }

    @Test(arguments: [("debugdata-6.1-ntlm-multichannel.txt", true), ("debugdata-6.12-ntlm-multichannel.txt", false)])
    func aLinkLocalServerAddressIsAFinding(fixture: String, kernel61: Bool) throws {
        let data = try Self.debugData(fixture, kernel61: kernel61)
        let mount = IfacesFixtures.mount(options: IfacesFixtures.multichannelOptions)
        let report = IfacesReportBuilder.build(debugData: data, mounts: [mount], local: [])
        let entry = try #require(report.mounts.first)
        #expect(entry.serverInterfaces.map(\.address) == ["127.0.0.1", "fe80::a1:b2ff:fec3:d4e5", "2001:db8::10"])
        let findings = report.findings.filter { $0.code == .linkLocalServerInterface }
        #expect(
            findings == [
                .init(
                    code: .linkLocalServerInterface, mountPoint: "/mnt/s",
                    message:
                        "/mnt/s: 127.0.0.1 advertises the link-local address fe80::a1:b2ff:fec3:d4e5: the client cannot open a channel to fe80::a1:b2ff:fec3:d4e5",
                    fix:
                        "give the server a global address on that interface or restrict its interfaces (ksmbd and Samba: 'interfaces = ...' with 'bind interfaces only = yes')"
                )
            ])
        // The link-local interface does not count as room for channels: the global one does.
        #expect(IfacesDiagnosis.usableInterfaces(entry).map(\.address) == ["127.0.0.1", "2001:db8::10"])
        #expect(report.jsonReport().contains(#""code":"linkLocalServerInterface""#))
    }

    @Test func noFindingWithoutMultichannelOrForAGlobalAddress() throws {
        let data = try Self.debugData("debugdata-6.12-ntlm-multichannel.txt", kernel61: false)
        let single = IfacesFixtures.mount(options: IfacesFixtures.singleChannelOptions)
        let report = IfacesReportBuilder.build(debugData: data, mounts: [single], local: [])
        #expect(!report.findings.contains { $0.code == .linkLocalServerInterface })
        #expect(IPAddress("fe80::1")?.isIPv6LinkLocal == true)
        #expect(IPAddress("febf::1")?.isIPv6LinkLocal == true)
        #expect(IPAddress("fec0::1")?.isIPv6LinkLocal == false)
        #expect(IPAddress("2001:db8::1")?.isIPv6LinkLocal == false)
        #expect(IPAddress("169.254.1.1")?.isIPv6LinkLocal == false)
    }
}
