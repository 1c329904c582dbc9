import SMB3Protocol
import Testing

private typealias Connection = DebugData.Connection
private typealias Channel = DebugData.Channel
private typealias Share = DebugData.Share
private typealias ServerInterface = DebugData.ServerInterface
private typealias IPAddress = DebugData.IPAddress

private let stockFeatures = [
    "DFS", "FSCACHE", "STATS2", "DEBUG", "ALLOW_INSECURE_LEGACY", "CIFS_POSIX", "UPCALL(SPNEGO)", "XATTR", "ACL",
]

@Suite("DebugData: kernel formats")
struct DebugDataParsingTests {
    /// §4.3 capture, 6.1.192: `Speed: N bps`, single credits value, empty `Capabilities: `.
    @Test func kernel6_1NTLMMultichannel() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.1.192-ntlm-multichannel.txt")
        #expect(data.format == .kernel6_1)
        #expect(data.cifsVersion == "2.40")
        #expect(data.features == stockFeatures)
        #expect(data.maximumBufferSize == 16384)
        #expect(data.activeVFSRequests == 0)
        #expect(data.witnessRegistrations == nil)
        #expect(data.diagnostics == [])
        #expect(data.omittedDiagnosticCount == 0)

        let server = try #require(data.servers.onlyElement)
        #expect(server.index == 1)
        #expect(server.hostname == "127.0.0.1")
        #expect(server.clientGUID == nil)
        #expect(server.capabilities == nil)
        #expect(!server.isSigned && !server.isRDMA && !server.supportsPOSIXExtensions && !server.noShareSock)
        let primaryConnection = Connection(
            connectionId: 1, credits: 384, dialect: .smb3_1_1, tcpStatus: .good, reconnectInstance: 1, localUsers: 2,
            securityMode: 0x1, requestsOnWire: 0, inSend: 0, inMaxRequestWait: 0)
        #expect(server.connection == primaryConnection)

        let session = try #require(server.sessions.onlyElement)
        #expect(session.index == 1)
        #expect(session.address == "127.0.0.1")
        #expect(session.uses == 1)
        #expect(session.capabilities == 0x30006f)
        #expect(session.status == .good)
        #expect(session.securityType == .rawNTLMSSP)
        #expect(session.sessionId == 0xcaae491d)
        #expect(!session.isEncrypted && !session.isSigned && !session.isGuest)
        #expect(session.userId == 0)
        #expect(session.credentialUserId == 0)
        #expect(session.declaredExtraChannelCount == 1)
        #expect(
            session.channels == [
                Channel(number: 1, connection: primaryConnection, isPrimary: true),
                Channel(
                    number: 2,
                    connection: Connection(
                        connectionId: 2, credits: 128, dialect: .smb3_1_1, tcpStatus: .good, reconnectInstance: 1,
                        localUsers: 1, securityMode: 0x1, requestsOnWire: 0, inSend: 0, inMaxRequestWait: 0)),
            ])
        #expect(session.channels.map(\.state) == [.connected, .connected])

        #expect(
            session.shares == [
                Share(
                    index: 0, isIPC: true, treeName: #"\\127.0.0.1\IPC$"#, mounts: 1, deviceCharacteristics: 0,
                    attributes: 0, pathComponentMax: 0, status: .good, deviceType: "0", serialNumber: 0,
                    shareFlags: 0, treeId: 0x4c1d2a07, maximalAccess: 0x1f00a9),
                Share(
                    index: 1, treeName: #"\\127.0.0.1\share"#, mounts: 1, deviceCharacteristics: 0x20,
                    attributes: 0x1006f, pathComponentMax: 255, status: .good, deviceType: "DISK",
                    serialNumber: 0x2b9a0e4f, sectorFlags: [.alignedDevice, .partitionAlignedOnDevice], shareFlags: 0,
                    treeId: 0x9f3e6b21, optimalSectorSize: 0x200, maximalAccess: 0x1f01ff),
            ])

        #expect(session.declaredServerInterfaceCount == 2)
        #expect(session.serverInterfacesLastUpdatedSecondsAgo == 3)
        #expect(
            session.serverInterfaces == [
                ServerInterface(
                    index: 1, speedBitsPerSecond: 10_000_000_000, speedText: "10000000000 bps", isRSSCapable: true,
                    address: IPAddress(ipv4: 127, 0, 0, 1), weightCurrent: 1, weightTotal: 10, allocatedChannels: 1,
                    isConnected: true),
                ServerInterface(
                    index: 2, speedBitsPerSecond: 1_000_000_000, speedText: "1000000000 bps",
                    address: IPAddress(ipv4: 127, 0, 0, 2), weightCurrent: 0, weightTotal: 1, allocatedChannels: 0),
            ])
    }

    /// §4.3 capture, 6.12.117: ClientGUID, credits triple, `Speed: 10Gbps`, `Capabilities: None`, namespaces.
    @Test func kernel6_12NTLMMultichannel() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.12.117-ntlm-multichannel.txt")
        #expect(data.format == .kernel6_12)
        #expect(data.cifsVersion == "2.51")
        #expect(data.features == stockFeatures)
        #expect(data.diagnostics == [])

        let server = try #require(data.servers.onlyElement)
        #expect(server.hostname == "127.0.0.1")
        #expect(server.clientGUID == "57415FA3-BA77-E145-86E1-E354DBE2DD32")
        #expect(server.capabilities == 0x30006f)
        #expect(server.compression == "no built-in support")
        let primaryConnection = Connection(
            connectionId: 1, credits: 362, echoCredits: 1, oplockCredits: 1, dialect: .smb3_1_1, tcpStatus: .good,
            reconnectInstance: 1, localUsers: 2, securityMode: 0x1, requestsOnWire: 0, inSend: 0,
            inMaxRequestWait: 0, netNamespace: 4_026_531_840)
        #expect(server.connection == primaryConnection)
        #expect(server.netNamespace == 4_026_531_840)

        let session = try #require(server.sessions.onlyElement)
        #expect(session.sessionId == 0x5e1d0a3c)
        #expect(
            session.channels == [
                Channel(number: 1, connection: primaryConnection, isPrimary: true),
                Channel(
                    number: 2,
                    connection: Connection(
                        connectionId: 2, credits: 155, echoCredits: 1, oplockCredits: 1, dialect: .smb3_1_1,
                        tcpStatus: .good, reconnectInstance: 1, localUsers: 1, securityMode: 0x1, requestsOnWire: 0,
                        inSend: 0, inMaxRequestWait: 0, netNamespace: 4_026_531_840)),
            ])
        #expect(session.shares.map(\.treeName) == [#"\\127.0.0.1\IPC$"#, #"\\127.0.0.1\share"#])
        #expect(session.serverInterfacesLastUpdatedSecondsAgo == 5)
        #expect(
            session.serverInterfaces == [
                ServerInterface(
                    index: 1, speedBitsPerSecond: 10_000_000_000, speedText: "10Gbps", isRSSCapable: true,
                    address: IPAddress(ipv4: 127, 0, 0, 1), weightCurrent: 2, weightTotal: 10, allocatedChannels: 2,
                    isConnected: true),
                ServerInterface(
                    index: 2, speedBitsPerSecond: 1_000_000_000, speedText: "1Gbps",
                    address: IPAddress(ipv4: 127, 0, 0, 2), weightCurrent: 0, weightTotal: 1, allocatedChannels: 0),
            ])
    }

    /// The §4.3 rendered 6.12.117 interface block, embedded byte for byte in a minimal file.
    @Test func rendered6_12InterfaceBlock() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.12-rendered-interfaces.txt")
        #expect(data.format == .kernel6_12)
        #expect(data.diagnostics == [])
        let server = try #require(data.servers.onlyElement)
        #expect(server.index == 1)
        #expect(server.connectionId == 3)
        #expect(server.hostname == "fs1.example.test")
        #expect(server.isSigned)
        #expect(server.connection.requestsOnWire == 1)
        #expect(server.connection.reconnectInstance == 2)
        let session = try #require(server.sessions.onlyElement)
        #expect(session.address == "192.0.2.10")
        #expect(session.isSigned)
        #expect(session.sessionId == 0x40000000000045)
        #expect(session.userId == 1000)
        #expect(session.credentialUserId == 1000)
        #expect(session.shares == [Share(index: 0, isIPC: true)])
        #expect(session.channels.map(\.number) == [1])
        #expect(session.declaredServerInterfaceCount == 2)
        #expect(session.serverInterfacesLastUpdatedSecondsAgo == 17)
        #expect(
            session.serverInterfaces == [
                ServerInterface(
                    index: 1, speedBitsPerSecond: 10_000_000_000, speedText: "10Gbps", isRSSCapable: true,
                    address: IPAddress(ipv4: 192, 0, 2, 10), weightCurrent: 1, weightTotal: 10,
                    allocatedChannels: 2, isConnected: true),
                ServerInterface(
                    index: 2, speedBitsPerSecond: 1_000_000_000, speedText: "1Gbps",
                    address: IPAddress(ipv4: 192, 0, 2, 11), weightCurrent: 0, weightTotal: 1, allocatedChannels: 0),
            ])
    }

    /// Hand-made 6.12 file: witness, IPv6, for-cleanup, Name: sessions, disabled and reconnecting channels.
    @Test func synthetic6_12WitnessAndIPv6() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.12-synthetic-witness-ipv6.txt")
        #expect(data.format == .kernel6_12)
        #expect(data.features == stockFeatures + ["WITNESS"])
        #expect(data.diagnostics == [])
        #expect(data.servers.map(\.index) == [1, 2])

        let server = try #require(data.servers.first)
        #expect(server.hostname == "witnesslab")
        #expect(server.isSigned && server.supportsPOSIXExtensions && server.noShareSock && !server.isRDMA)
        #expect(server.capabilities == 0x300077)
        #expect(server.compression == "disabled on mount")
        #expect(server.connection.dfsLeafFullPath == #"\witnesslab\share"#)
        #expect(server.connection.credits == 512)
        #expect(server.connection.oplockCredits == 2)
        #expect(server.connection.inSend == 1)
        #expect(server.netNamespace == 4_026_532_001)
        #expect(server.sessions.map(\.index) == [1, 2])

        let kerberos = try #require(server.sessions.first)
        #expect(kerberos.address == "192.0.2.12")
        #expect(kerberos.domain == "LAB")
        #expect(kerberos.serverOS == "Windows Server 2022 Datacenter 20348")
        #expect(kerberos.serverNOS == "Windows Server 2022 Datacenter 6.3")
        #expect(kerberos.uses == 2)
        #expect(kerberos.capabilities == 0x300077)
        #expect(kerberos.status == .good)
        #expect(kerberos.passwordNoLongerValid)
        #expect(kerberos.securityType == .kerberos)
        #expect(kerberos.sessionId == 0x1122334455667788)
        #expect(kerberos.isEncrypted && kerberos.usesAES256GCM && kerberos.isSigned)
        #expect(kerberos.userId == 0)
        #expect(kerberos.credentialUserId == 1001)
        #expect(kerberos.dfsRootSessionId == 0xabc0000000001)
        #expect(kerberos.primaryChannelDisconnected && kerberos.primaryChannelReconnecting)
        #expect(kerberos.declaredExtraChannelCount == 3)
        #expect(kerberos.channels.map(\.number) == [1, 2, 3, 4])
        #expect(kerberos.channels.map(\.state) == [.reconnecting, .connected, .disabled, .reconnecting])
        #expect(kerberos.channels.map(\.connectionId) == [5, 6, nil, 7])
        #expect(kerberos.channels.map(\.isPrimary) == [true, false, false, false])
        #expect(kerberos.channels.map { $0.connection?.tcpStatus } == [.good, .good, nil, .inNegotiate])
        #expect(kerberos.channels.map(\.needsReconnect) == [true, false, true, true])
        #expect(kerberos.channels.map(\.isReconnecting) == [true, false, false, true])
        #expect(kerberos.channels[3].connection?.credits == 0)
        #expect(kerberos.channels[1].connection?.netNamespace == 4_026_532_001)

        #expect(
            kerberos.shares == [
                Share(index: 0, isIPC: true),
                Share(
                    index: 1, treeName: #"\\witnesslab\share"#, mounts: 1, deviceCharacteristics: 0x20,
                    attributes: 0x1006f, pathComponentMax: 255, status: .good, deviceType: "DISK",
                    serialNumber: 0xc0ffee01, isEncrypted: true, capabilities: [.scaleout, .cluster],
                    sectorFlags: [.alignedDevice, .partitionAlignedOnDevice], shareFlags: 0x8000, treeId: 0xf7b1a1c,
                    optimalSectorSize: 0x200, maximalAccess: 0x1f01ff, usesWitness: true,
                    dfsOriginFullPath: #"\\witnesslab\share"#),
                Share(
                    index: 2, treeName: #"\\witnesslab\old data"#, mounts: 1, nativeFileSystem: "NTFS",
                    deviceCharacteristics: 0x20, attributes: 0x700ff, pathComponentMax: 255, status: .needReconnect,
                    deviceType: "DISK", serialNumber: 0x1, isEncrypted: true, isCaseInsensitive: true,
                    hasPOSIXExtensions: true, capabilities: [.dfs, .continuousAvailability, .asymmetric],
                    sectorFlags: [.noSeekPenalty, .trimEnabled], shareFlags: 0x30, treeId: 0x5,
                    maximalAccess: 0x120089, noSparse: true, isDisconnected: true),
            ])

        #expect(kerberos.declaredServerInterfaceCount == 4)
        #expect(kerberos.serverInterfacesLastUpdatedSecondsAgo == 599)
        #expect(
            kerberos.serverInterfaces == [
                ServerInterface(
                    index: 1, speedBitsPerSecond: 100_000_000_000, speedText: "100Gbps", isRSSCapable: true,
                    isRDMACapable: true, address: IPAddress("2001:db8::12"), weightCurrent: 0, weightTotal: 100,
                    allocatedChannels: 0),
                ServerInterface(
                    index: 2, speedBitsPerSecond: 25_000_000_000, speedText: "25Gbps", isRSSCapable: true,
                    address: IPAddress(ipv4: 192, 0, 2, 12), weightCurrent: 1, weightTotal: 25, allocatedChannels: 2,
                    isConnected: true),
                ServerInterface(
                    index: 3, speedBitsPerSecond: nil, speedText: "Unknown",
                    address: IPAddress("fe80::210:18ff:fe2c:1"),
                    isActive: false, weightCurrent: 0, weightTotal: 1, allocatedChannels: 0),
                ServerInterface(
                    index: 4, speedBitsPerSecond: 2_500_000_000, speedText: "2.5Gbps",
                    address: IPAddress(ipv4: 198, 51, 100, 7), weightCurrent: 0, weightTotal: 2, allocatedChannels: 1,
                    isConnected: true),
            ])
        #expect(kerberos.serverInterfaces.map { $0.address?.family } == [.ipv6, .ipv4, .ipv6, .ipv4])
        #expect(kerberos.serverInterfaces.first?.address?.description == "2001:db8::12")

        let guest = try #require(server.sessions.last)
        #expect(guest.address == "192.0.2.12")
        #expect(guest.status == .inSetup)
        #expect(guest.isGuest && !guest.isAnonymous && !guest.passwordNoLongerValid)
        #expect(guest.securityType == .ntlmv2)
        #expect(guest.sessionId == 9)
        #expect(guest.userId == UInt32.max)
        #expect(guest.credentialUserId == 65534)
        #expect(guest.channels.map(\.state) == [.connected])
        #expect(guest.shares.map(\.treeName) == [#"\\witnesslab\IPC$"#])
        #expect(guest.serverInterfaces == [])
        #expect(guest.declaredServerInterfaceCount == nil)

        let second = try #require(data.servers.last)
        #expect(second.hostname == nil)
        #expect(second.connectionId == 9)
        #expect(second.dialect == .smb3_0)
        #expect(second.capabilities == 0x7)
        #expect(second.isRDMA)
        #expect(second.tcpStatus == .needNegotiate)
        #expect(second.connection.oplockCredits == 0)
        #expect(second.sessions == [])

        #expect(
            data.witnessRegistrations == [
                DebugData.WitnessRegistration(
                    id: 1, references: 2, networkName: "witnesslab", networkNameNotify: true, shareName: "share",
                    shareNameNotify: true, ipAddressText: "192.0.2.12", ipAddress: IPAddress(ipv4: 192, 0, 2, 12),
                    ipAddressNotify: true),
                DebugData.WitnessRegistration(
                    id: 2, references: 1, networkName: "fs.example", networkNameNotify: false, shareName: "data",
                    shareNameNotify: true, ipAddressText: "fe80:0000:0000:0000:0210:18ff:fe2c:0001%3",
                    ipAddress: IPAddress("fe80::210:18ff:fe2c:1"), ipAddressScopeId: 3, ipAddressNotify: false),
                DebugData.WitnessRegistration(
                    id: 3, references: 1, networkName: "odd", networkNameNotify: true, shareName: "x",
                    shareNameNotify: false, ipAddressText: "(unknown)", ipAddressNotify: false),
                DebugData.WitnessRegistration(
                    id: 4, references: 1, networkName: "gone", networkNameNotify: true, shareName: "y",
                    shareNameNotify: true, ipAddressText: "(no live tcon)"),
            ])
    }

    /// Hand-made 6.1 file: two servers, three sessions, IPv6 + RDMA, [for-cleanup], a disconnected channel.
    @Test func synthetic6_1TwoServers() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.1-synthetic-two-servers.txt")
        #expect(data.format == .kernel6_1)
        #expect(data.diagnostics == [])
        #expect(data.servers.map(\.hostname) == ["fs-a.example.test", "fd00::5"])
        #expect(data.servers.map(\.connectionId) == [0x10, 0x20])
        #expect(data.servers.map(\.dialect) == [.smb3_0_2, .smb3_0_2])
        #expect(data.servers.map { $0.sessions.count } == [2, 1])

        let first = try #require(data.servers.first?.sessions.first)
        #expect(first.primaryChannelDisconnected && !first.primaryChannelReconnecting)
        #expect(first.channels.map(\.number) == [1, 2, 3])
        #expect(first.channels.map(\.state) == [.disconnected, .disconnected, .connected])
        #expect(first.channels.map(\.connectionId) == [0x10, 0x11, 0x12])
        #expect(first.channels.map { $0.connection?.requestsOnWire } == [0, 0, 1])
        #expect(first.isEncrypted && !first.isSigned)
        #expect(first.sessionId == 0x11000000000001)
        #expect(first.userId == 1001)
        #expect(first.credentialUserId == 2001)
        #expect(first.shares.map(\.isEncrypted) == [false, true])
        #expect(first.shares.last?.capabilities == [.continuousAvailability])
        #expect(first.shares.last?.treeName == #"\\fs-a.example.test\home1"#)
        #expect(
            first.serverInterfaces == [
                ServerInterface(
                    index: 1, speedBitsPerSecond: 40_000_000_000, speedText: "40000000000 bps", isRSSCapable: true,
                    isRDMACapable: true, address: IPAddress("fd00::5"), weightCurrent: 1, weightTotal: 40,
                    allocatedChannels: 1, isConnected: true),
                ServerInterface(
                    index: 2, speedBitsPerSecond: 1_000_000_000, speedText: "1000000000 bps",
                    address: IPAddress(ipv4: 198, 51, 100, 20), isActive: false, weightCurrent: 1, weightTotal: 1,
                    allocatedChannels: 1, isConnected: true),
                ServerInterface(
                    index: 3, speedBitsPerSecond: 1_234_567, speedText: "1234567 bps",
                    address: IPAddress(ipv4: 198, 51, 100, 21), weightCurrent: 0, weightTotal: 1,
                    allocatedChannels: 0),
            ])

        let kerberos = try #require(data.servers.first?.sessions.last)
        #expect(kerberos.index == 2)
        #expect(kerberos.securityType == .kerberos)
        #expect(kerberos.channels.map(\.state) == [.connected])
        #expect(kerberos.serverInterfaces == [])

        let ipv6Session = try #require(data.servers.last?.sessions.onlyElement)
        #expect(ipv6Session.address == "fd00:0000:0000:0000:0000:0000:0000:0005")
        #expect(ipv6Session.channels.map(\.connectionId) == [0x20])
    }

    /// No mounts: "[NONE]", and an empty but present witness section.
    @Test func noServers() throws {
        let data = try DebugDataFixtures.parse("debugdata-6.12-no-servers.txt")
        #expect(data.servers == [])
        #expect(data.witnessRegistrations == [])
        #expect(data.format == .undetermined)
        #expect(data.features.last == "WITNESS")
        #expect(data.diagnostics == [])
    }

    /// Numbers that do not parse in recognised lines become diagnostics with the line number.
    @Test func badValuesBecomeDiagnostics() throws {
        let data = try DebugDataFixtures.parse("debugdata-bad-values.txt")
        let found = data.diagnostics.map { "\($0.line) \($0.code) \($0.detail)" }
        #expect(
            found == [
                "9 outOfContext Channel",
                "10 invalidNumber ConnectionId: '0xZZ'",
                "11 invalidNumber Number of credits: '1,2'",
                "11 invalidNumber Dialect: '0x1FFFF'",
                "12 invalidNumber TCP status: 'x1'",
                "12 invalidNumber Instance: '99999999999'",
                "13 invalidNumber SecMode: '1'",
                "13 invalidNumber Net namespace: '-5'",
                "14 missingField In MaxReq Wait",
                "18 invalidNumber SessionId: '0x10000000000000000'",
                "19 invalidNumber User: '4294967296'",
                "28 unknownValue Speed: '12Gbps'",
                "30 invalidAddress IPv4: '300.1.1.1'",
                "31 invalidNumber Weight (cur,total): '(1;2)'",
                "32 invalidNumber Allocated channels: '-1'",
                "34 invalidNumber Speed: 'abc'",
                "35 invalidAddress IPv6: 'fe80::1::2'",
                "39 countMismatch Extra Channels: 2 announced, 1 printed",
                "39 countMismatch Server interfaces: 3 announced, 2 printed",
            ])
        // What did parse is kept.
        let server = try #require(data.servers.onlyElement)
        #expect(server.hostname == "broken")
        #expect(server.connection.localUsers == 1)
        #expect(server.connection.requestsOnWire == 0)
        #expect(server.connection.inSend == 0)
        let session = try #require(server.sessions.onlyElement)
        #expect(session.sessionId == nil)
        #expect(session.userId == nil)
        #expect(session.credentialUserId == 0)
        #expect(session.channels.map(\.number) == [1, 2])
        #expect(session.serverInterfaces.map(\.index) == [1, 2])
        #expect(session.serverInterfaces.first?.isRSSCapable == true)
        #expect(session.serverInterfaces.map(\.speedBitsPerSecond) == [nil, nil])
        #expect(session.serverInterfaces.map(\.address) == [nil, nil])
    }

    /// Each 6.12 speed name maps to exactly its ethtool SPEED_* value; `Unknown` maps to nil.
    @Test(
        arguments: [
            ("10Mbps", 10_000_000), ("100Mbps", 100_000_000), ("1Gbps", 1_000_000_000), ("2.5Gbps", 2_500_000_000),
            ("5Gbps", 5_000_000_000), ("10Gbps", 10_000_000_000), ("14Gbps", 14_000_000_000),
            ("20Gbps", 20_000_000_000), ("25Gbps", 25_000_000_000), ("40Gbps", 40_000_000_000),
            ("50Gbps", 50_000_000_000), ("56Gbps", 56_000_000_000), ("100Gbps", 100_000_000_000),
            ("200Gbps", 200_000_000_000), ("400Gbps", 400_000_000_000), ("800Gbps", 800_000_000_000),
            ("Unknown", nil), ("18446744073709551615 bps", UInt64.max), ("0 bps", 0),
        ] as [(String, UInt64?)])
    func interfaceSpeed(text: String, bitsPerSecond: UInt64?) throws {
        let file = """
            1) ConnectionId: 0x1 
            \t1) Address: 192.0.2.1 Uses: 1 Capability: 0x0\tSession Status: 1 
            \tServer interfaces: 1\tLast updated: 1 seconds ago
            \t1)\tSpeed: \(text)
            \t\tCapabilities: rss 
            \t\tIPv4: 192.0.2.1
            --

            """
        let data = try DebugData(parsing: file)
        #expect(data.diagnostics == [])
        let interface = try #require(data.servers.onlyElement?.sessions.onlyElement?.serverInterfaces.onlyElement)
        #expect(interface.speedBitsPerSecond == bitsPerSecond)
        #expect(interface.speedText == text)
        #expect(data.format == (text.hasSuffix(" bps") ? .kernel6_1 : .kernel6_12))
    }
}

extension Array {
    /// The single element, or `nil` when there are none or several.
    var onlyElement: Element? { count == 1 ? first : nil }
}
