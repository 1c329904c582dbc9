import Foundation
import SMB3Protocol
import Testing

private typealias IPAddress = DebugData.IPAddress

@Suite("DebugData: JSON report and addresses")
struct DebugDataReportTests {
    /// The JSON of the 6.12 capture, byte for byte (key order and nulls are part of the contract).
    @Test func jsonReportIsStable() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.12-rendered-interfaces.txt")
        let expected = """
            {"format":"6.12","cifsVersion":"2.51","features":["DFS","FSCACHE","STATS2","DEBUG","ALLOW_INSECURE_LEGACY",\
            "CIFS_POSIX","UPCALL(SPNEGO)","XATTR","ACL"],"servers":[{"index":1,"connectionId":3,\
            "hostname":"fs1.example.test","clientGUID":"0D8C4B1E-7A21-4F44-9B1C-3E2D5F6A7B8C","dialect":"0x311",\
            "serverCapabilities":3145967,"tcpStatus":1,"netNamespace":4026531840,"rdma":false,"signed":true,\
            "sessions":[{"index":1,"address":"192.0.2.10","securityType":"RawNTLMSSP","sessionId":"0x40000000000045",\
            "status":1,"encrypted":false,"signed":true,"userId":1000,"credentialUserId":1000,\
            "channels":[{"number":1,"connectionId":3,"state":"connected","primary":true,"tcpStatus":1}],\
            "shares":[{"index":0,"ipc":true,"treeName":null,"treeId":null,"capabilities":[],"witness":false,\
            "disconnected":false}],"serverInterfacesLastUpdatedSecondsAgo":17,"serverInterfaces":[{"index":1,\
            "address":"192.0.2.10","family":"ipv4","speedBps":10000000000,"speedText":"10Gbps","rss":true,\
            "rdma":false,"active":true,"connected":true,"weightCurrent":1,"weightTotal":10,"allocatedChannels":2},\
            {"index":2,"address":"192.0.2.11","family":"ipv4","speedBps":1000000000,"speedText":"1Gbps","rss":false,\
            "rdma":false,"active":true,"connected":false,"weightCurrent":0,"weightTotal":1,"allocatedChannels":0}]}]}],\
            "witnessRegistrations":[],"diagnostics":[]}
            """
        #expect(data.jsonReport() == expected)
    }

    /// The keys the lab scenario reads, checked through a real JSON parser.
    @Test(arguments: ["debugdata-6.1.192-ntlm-multichannel.txt", "debugdata-6.12.117-ntlm-multichannel.txt"])
    func labContractKeys(name: String) throws {
        let data = try DebugDataFixtures.parse(name)
        let object = try JSONSerialization.jsonObject(with: Data(data.jsonReport().utf8))
        let root = try #require(object as? [String: Any])
        #expect(root["format"] as? String == (name.contains("6.12") ? "6.12" : "6.1"))
        let servers = try #require(root["servers"] as? [[String: Any]])
        let sessions = try #require(servers.first?["sessions"] as? [[String: Any]])
        let channels = try #require(sessions.first?["channels"] as? [[String: Any]])
        #expect(channels.compactMap { $0["number"] as? Int } == [1, 2])
        #expect(channels.compactMap { $0["state"] as? String } == ["connected", "connected"])
        let interfaces = try #require(sessions.first?["serverInterfaces"] as? [[String: Any]])
        #expect(interfaces.compactMap { $0["address"] as? String } == ["127.0.0.1", "127.0.0.2"])
        #expect(
            interfaces.compactMap { ($0["speedBps"] as? NSNumber)?.uint64Value } == [10_000_000_000, 1_000_000_000])
        #expect(interfaces.compactMap { $0["rss"] as? Bool } == [true, false])
        #expect(interfaces.compactMap { $0["rdma"] as? Bool } == [false, false])
        #expect(interfaces.compactMap { $0["connected"] as? Bool } == [true, false])
        #expect(root["witnessRegistrations"] as? [Any] != nil)
    }

    /// Witness entries, nulls, scope ids and string escaping survive a JSON parser.
    @Test func jsonEscapesAndWitness() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.12-synthetic-witness-ipv6.txt")
        let object = try JSONSerialization.jsonObject(with: Data(data.jsonReport().utf8))
        let root = try #require(object as? [String: Any])
        let witness = try #require(root["witnessRegistrations"] as? [[String: Any]])
        #expect(witness.compactMap { $0["id"] as? Int } == [1, 2, 3, 4])
        #expect(witness.map { $0["ipAddress"] as? String } == ["192.0.2.12", "fe80::210:18ff:fe2c:1%3", nil, nil])
        #expect(witness.map { $0["ipAddressNotify"] as? Bool } == [true, false, false, nil])
        #expect(witness.compactMap { $0["ipAddressText"] as? String }.last == "(no live tcon)")
        let servers = try #require(root["servers"] as? [[String: Any]])
        #expect(servers.map { $0["hostname"] is NSNull } == [false, true])
        let sessions = try #require(servers.first?["sessions"] as? [[String: Any]])
        let shares = try #require(sessions.first?["shares"] as? [[String: Any]])
        #expect(shares.map { $0["treeName"] as? String } == [nil, #"\\witnesslab\share"#, #"\\witnesslab\old data"#])
        #expect(shares.map { $0["witness"] as? Bool } == [false, true, false])
        #expect(shares[2]["capabilities"] as? [String] == ["DFS", "CONTINUOUS AVAILABILITY", "ASYMMETRIC"])
        let channels = try #require(sessions.first?["channels"] as? [[String: Any]])
        #expect(channels.map { $0["state"] as? String } == ["reconnecting", "connected", "disabled", "reconnecting"])
        #expect(channels[2]["connectionId"] is NSNull)
        let interfaces = try #require(sessions.first?["serverInterfaces"] as? [[String: Any]])
        #expect(interfaces.map { $0["active"] as? Bool } == [true, true, false, true])
        #expect(interfaces[2]["speedBps"] is NSNull)

        var control = DebugData()
        control.cifsVersion = "q\"b\\s\u{01}\t\u{7F}é"
        #expect(control.jsonReport().contains(#""cifsVersion":"q\"b\\s\u0001\t\u007fé""#))
        let reparsed = try JSONSerialization.jsonObject(with: Data(control.jsonReport().utf8)) as? [String: Any]
        #expect(reparsed?["cifsVersion"] as? String == control.cifsVersion)
    }

    /// Diagnostics are part of the report.
    @Test func diagnosticsInJSON() throws {
        let data = try DebugDataFixtures.parse("debugdata-bad-values.txt")
        let object = try JSONSerialization.jsonObject(with: Data(data.jsonReport().utf8)) as? [String: Any]
        let diagnostics = try #require(object?["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == data.diagnostics.count)
        #expect(diagnostics.first?["line"] as? Int == 9)
        #expect(diagnostics.first?["code"] as? String == "outOfContext")
    }

    @Test(
        arguments: [
            ("127.0.0.1", "127.0.0.1", DebugData.IPAddress.Family.ipv4),
            ("0000:0000:0000:0000:0000:0000:0000:0001", "::1", .ipv6),
            ("0000:0000:0000:0000:0000:0000:0000:0000", "::", .ipv6),
            ("fe80:0000:0000:0000:0210:18ff:fe2c:0001", "fe80::210:18ff:fe2c:1", .ipv6),
            ("2001:0DB8:0000:0000:0000:0000:0000:0012", "2001:db8::12", .ipv6),
            ("2001:0db8:0000:0001:0000:0000:0000:0001", "2001:db8:0:1::1", .ipv6),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1", .ipv6),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1", .ipv6),
            ("0000:0000:0000:0000:0000:ffff:c000:020a", "::ffff:192.0.2.10", .ipv6),
            ("::ffff:192.0.2.10", "::ffff:192.0.2.10", .ipv6),
            ("fd00::5", "fd00::5", .ipv6),
            ("1::", "1::", .ipv6),
        ])
    func addressText(input: String, canonical: String, family: DebugData.IPAddress.Family) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == canonical)
        #expect(address.family == family)
        #expect(address.bytes.count == (family == .ipv4 ? 4 : 16))
        #expect(IPAddress(canonical) == address)
    }

    @Test(
        arguments: [
            "", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1..2.3", "1.2.3.4 ", "1::2::3", ":::", ":1::", "1:::2",
            "12345::", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "g::1", "::1%2", "1.2.3.4::",
            "::1.2.3", "0000:0000:0000:0000:0000:0000:0000:0000:0000",
        ])
    func invalidAddressText(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func addressFromBytes() {
        #expect(IPAddress(bytes: [192, 0, 2, 1]) == IPAddress(ipv4: 192, 0, 2, 1))
        #expect(IPAddress(bytes: [UInt8](repeating: 0, count: 16))?.description == "::")
        #expect(IPAddress(bytes: [1, 2, 3]) == nil)
    }
}
