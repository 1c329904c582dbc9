import SMB3Protocol
import Testing

private typealias ServerInterface = DebugData.ServerInterface
private typealias IPAddress = DebugData.IPAddress

/// Real `/proc/fs/cifs/DebugData` captured in the QEMU lab (`Fixtures/lab/README.md` says how).
@Suite("DebugData: lab captures")
struct DebugDataLabTests {
    /// Every capture parses cleanly: no diagnostics, the format told from the file name, the stock features.
    @Test(arguments: DebugDataFixtures.labCaptures)
    func capturesParseCleanly(name: String) throws {
        let data = try DebugDataFixtures.parse(name, in: "lab")
        #expect(data.diagnostics == [])
        #expect(data.format == (name.hasPrefix("debugdata-6.12-") ? .kernel6_12 : .kernel6_1))
        #expect(data.cifsVersion == (name.hasPrefix("debugdata-6.12-") ? "2.51" : "2.40"))
        #expect(data.features.contains("UPCALL(SPNEGO)"))
        #expect(data.witnessRegistrations == nil)
        let session = try #require(data.servers.onlyElement?.sessions.onlyElement)
        #expect(session.status == .good)
        #expect(session.channels.allSatisfy { $0.state == .connected })
        #expect(session.shares.map(\.index) == [0, 1])
        #expect(session.shares.first?.isIPC == true)
        #expect(session.serverInterfaces.count == session.declaredServerInterfaceCount)
    }

    /// The captures the tests below rely on are there (the lab may add more).
    @Test func labCapturesArePresent() {
        let required: Set = [
            "debugdata-6.1-kerberos.txt",
            "debugdata-6.1-kerberos-multichannel.txt",
            "debugdata-6.1-ntlm-multichannel.txt",
            "debugdata-6.12-kerberos-multichannel.txt",
            "debugdata-6.12-kerberos.txt",
            "debugdata-6.12-ntlm-multichannel.txt",
        ]
        #expect(required.subtracting(DebugDataFixtures.labCaptures) == [])
    }

    /// NTLM, multichannel,max_channels=2 against Samba advertising 127.0.0.1 (10 Gbit/s, RSS) and
    /// 127.0.0.2 (1 Gbit/s): two channels, the second placed on the RSS interface.
    @Test(arguments: ["debugdata-6.1-ntlm-multichannel.txt", "debugdata-6.12-ntlm-multichannel.txt"])
    func ntlmMultichannel(name: String) throws {
        let data = try DebugDataFixtures.parse(name, in: "lab")
        let server = try #require(data.servers.onlyElement)
        #expect(server.hostname == "127.0.0.1")
        #expect(server.connectionId == 1)
        #expect(server.dialect == .smb3_1_1)
        #expect(server.tcpStatus == .good)
        let session = try #require(server.sessions.onlyElement)
        #expect(session.address == "127.0.0.1")
        #expect(session.securityType == .rawNTLMSSP)
        #expect(session.credentialUserId == 0)
        #expect(session.declaredExtraChannelCount == 1)
        #expect(session.channels.map(\.number) == [1, 2])
        #expect(session.channels.map(\.connectionId) == [1, 2])
        #expect(session.channels.map { $0.connection?.tcpStatus } == [.good, .good])
        let is6_12 = name.contains("6.12")
        let interfaces = session.serverInterfaces
        #expect(interfaces.map(\.index) == [1, 2])
        #expect(interfaces.map(\.address) == [IPAddress(ipv4: 127, 0, 0, 1), IPAddress(ipv4: 127, 0, 0, 2)])
        #expect(interfaces.map(\.speedBitsPerSecond) == [10_000_000_000, 1_000_000_000])
        #expect(interfaces.map(\.speedText) == (is6_12 ? ["10Gbps", "1Gbps"] : ["10000000000 bps", "1000000000 bps"]))
        #expect(interfaces.map(\.isRSSCapable) == [true, false])
        #expect(interfaces.map(\.isRDMACapable) == [false, false])
        #expect(interfaces.map(\.isConnected) == [true, false])
        #expect(interfaces.map(\.isActive) == [true, true])
        // 6.12 counts the primary channel on the interface too.
        #expect(interfaces.map(\.allocatedChannels) == (is6_12 ? [2, 0] : [1, 0]))
        #expect(interfaces.map(\.weightCurrent) == (is6_12 ? [2, 0] : [1, 0]))
        #expect(interfaces.map(\.weightTotal) == [10, 1])
        if is6_12 {
            #expect(server.clientGUID == "235EF275-988D-804D-9BF1-2D6AC831212C")
            #expect(server.capabilities == 0x30006f)
            #expect(session.channels.map { $0.connection?.netNamespace } == [4_026_531_840, 4_026_531_840])
            #expect(session.channels.map { $0.connection?.credits } == [362, 155])
        } else {
            #expect(server.clientGUID == nil)
            #expect(session.channels.map { $0.connection?.netNamespace } == [nil, nil])
            #expect(session.channels.map { $0.connection?.credits } == [389, 128])
        }
    }

    /// Kerberos mounts (cruid=1001): a third, IPv6 interface (::1) printed in the kernel's full form.
    @Test(arguments: ["debugdata-6.1-kerberos.txt", "debugdata-6.12-kerberos.txt"])
    func kerberosWithIPv6Interface(name: String) throws {
        let data = try DebugDataFixtures.parse(name, in: "lab")
        let server = try #require(data.servers.onlyElement)
        #expect(server.hostname == "smb.test.lan")
        let session = try #require(server.sessions.onlyElement)
        #expect(session.securityType == .kerberos)
        #expect(session.userId == 0)
        #expect(session.credentialUserId == 1001)
        #expect(session.channels.map(\.number) == [1])
        #expect(session.shares.map(\.treeName) == [#"\\smb.test.lan\IPC$"#, #"\\smb.test.lan\share"#])
        #expect(session.serverInterfaces.map { $0.address?.description } == ["127.0.0.1", "127.0.0.2", "::1"])
        #expect(session.serverInterfaces.map { $0.address?.family } == [.ipv4, .ipv4, .ipv6])
        #expect(session.serverInterfaces.map(\.speedBitsPerSecond) == [10_000_000_000, 1_000_000_000, 1_000_000_000])
        #expect(session.serverInterfaces.map(\.isRSSCapable) == [true, false, false])
        #expect(session.serverInterfaces.map(\.isConnected) == [!name.contains("6.1-"), false, false])
    }

    /// Kerberos multichannel mounted through ip=127.0.0.2: both interfaces carry a channel.
    @Test func kerberosMultichannel6_12() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.12-kerberos-multichannel.txt", in: "lab")
        let server = try #require(data.servers.onlyElement)
        #expect(server.connectionId == 5)
        let session = try #require(server.sessions.onlyElement)
        #expect(session.address == "127.0.0.2")
        #expect(session.securityType == .kerberos)
        #expect(session.channels.map(\.connectionId) == [5, 6])
        #expect(session.serverInterfaces.map(\.isConnected) == [true, true, false])
        #expect(session.serverInterfaces.map(\.allocatedChannels) == [1, 1, 0])
        #expect(session.serverInterfaces.map(\.weightCurrent) == [1, 1, 0])
    }

    /// 6.1 Kerberos with multichannel,max_channels=2 where the extra channel's upcall failed: one
    /// channel, and 6.1 marks no interface [CONNECTED].
    @Test func kerberosMultichannelWithoutSecondChannel6_1() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.1-kerberos-multichannel.txt", in: "lab")
        #expect(data.format == .kernel6_1)
        let server = try #require(data.servers.onlyElement)
        #expect(server.connectionId == 4)
        #expect(server.hostname == "smb.test.lan")
        let session = try #require(server.sessions.onlyElement)
        #expect(session.address == "127.0.0.2")
        #expect(session.securityType == .kerberos)
        #expect(session.credentialUserId == 1001)
        #expect(session.declaredExtraChannelCount == nil)
        #expect(session.channels.map(\.number) == [1])
        #expect(session.serverInterfacesLastUpdatedSecondsAgo == 52)
        #expect(session.serverInterfaces.map { $0.address?.description } == ["127.0.0.1", "127.0.0.2", "::1"])
        #expect(session.serverInterfaces.map(\.isConnected) == [false, false, false])
        #expect(session.serverInterfaces.map(\.allocatedChannels) == [0, 0, 0])
    }
}
