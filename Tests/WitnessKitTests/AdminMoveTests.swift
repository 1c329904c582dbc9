import Logging
import SMB3System
import Synchronization
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

@Suite("smb3-witnessd move and drain")
struct AdminMoveTests {
    static func interface(
        _ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, state: SWNResourceState = .available,
        witness: Bool = false, group: String = "node"
    ) -> WitnessInterface {
        WitnessInterface(
            groupName: group, version: 0x0002_0000, state: state, rawState: UInt16(state.rawValue),
            ipv4: IPv4Address(a, b, c, d), ipv6: nil, flags: witness ? [.ipv4Valid, .interfaceWitness] : [.ipv4Valid])
    }

    static let cluster = [
        interface(192, 0, 2, 11), interface(192, 0, 2, 12), interface(192, 0, 2, 13, state: .unavailable),
    ]

    // MARK: the address check

    @Test func listedAvailableAddressIsAccepted() throws {
        #expect(try AdminMove.check("192.0.2.11", against: Self.cluster) == .ipv4(IPv4Address(192, 0, 2, 11)))
        // Another spelling of the same address.
        #expect(try AdminMove.check("192.000.002.012", against: Self.cluster) == .ipv4(IPv4Address(192, 0, 2, 12)))
    }

    @Test func unlistedAddressIsRefusedWithTheList() {
        #expect(
            throws: AdminMove.Refusal(
                "192.0.2.99 is not an available interface of the cluster (its available interfaces: 192.0.2.11, 192.0.2.12)"
            )
        ) { try AdminMove.check("192.0.2.99", against: Self.cluster) }
        // Listed, but UNAVAILABLE: the node is down.
        #expect(throws: AdminMove.Refusal.self) { try AdminMove.check("192.0.2.13", against: Self.cluster) }
        #expect(
            throws: AdminMove.Refusal(
                "'node2' is not an IP address (the cluster's available interfaces: 192.0.2.11, 192.0.2.12)"
            )
        ) { try AdminMove.check("node2", against: Self.cluster) }
        #expect(
            throws: AdminMove.Refusal(
                "192.0.2.11 is not an available interface of the cluster (its available interfaces: none)"
            )
        ) { try AdminMove.check("192.0.2.11", against: []) }
    }

    // MARK: drain planning

    @Test func drainGoesToTheFirstOtherAvailableInterface() throws {
        #expect(try AdminMove.drainTarget(from: "192.0.2.11", interfaces: Self.cluster) == "192.0.2.12")
        #expect(try AdminMove.drainTarget(from: "192.0.2.12", interfaces: Self.cluster) == "192.0.2.11")
        #expect(
            throws: AdminMove.Refusal(
                "the cluster lists no other available interface (its available interfaces: 192.0.2.11)"
            )
        ) { try AdminMove.drainTarget(from: "192.0.2.11", interfaces: [Self.interface(192, 0, 2, 11)]) }
    }

    @Test func drainPrefersAnotherNode() throws {
        // Two nodes, each with a private and a public address, in the order a cluster lists them.
        let nodes = [
            Self.interface(192, 0, 2, 11, group: "NODE0"), Self.interface(192, 0, 2, 12, group: "NODE0"),
            Self.interface(192, 0, 2, 21, group: "NODE1"), Self.interface(192, 0, 2, 22, group: "NODE1"),
        ]
        #expect(try AdminMove.drainTarget(from: "192.0.2.22", interfaces: nodes) == "192.0.2.11")
        #expect(try AdminMove.drainTarget(from: "192.0.2.12", interfaces: nodes) == "192.0.2.21")
        // The other node is down: the drained node's other address is all there is.
        let oneUp = [
            Self.interface(192, 0, 2, 11, group: "NODE0"), Self.interface(192, 0, 2, 12, group: "NODE0"),
            Self.interface(192, 0, 2, 21, state: .unavailable, group: "NODE1"),
        ]
        #expect(try AdminMove.drainTarget(from: "192.0.2.12", interfaces: oneUp) == "192.0.2.11")
        // An address the cluster does not list: any other available interface.
        #expect(try AdminMove.drainTarget(from: "198.51.100.1", interfaces: nodes) == "192.0.2.11")
    }

    @Test func drainCandidatesAreWhereTheKernelIsConnectedNow() {
        func registration(_ id: UInt32, registered: String, connected: String?) -> WitnessDaemonStatus.Registration {
            WitnessDaemonStatus.Registration(
                registrationId: id, netName: "n", share: "s", serverAddress: registered, ipNotify: true,
                state: "registered", kernelConnection: connected.map { KernelConnection(address: $0) })
        }
        let registrations = [
            registration(1, registered: "192.0.2.12", connected: "192.0.2.12"),
            // Registered at .12 but the kernel has moved to .11 already (its re-REGISTER is on its way).
            registration(2, registered: "192.0.2.12", connected: "192.0.2.11"),
            // DebugData said nothing: the registered address decides.
            registration(3, registered: "192.0.2.12", connected: nil),
            registration(4, registered: "192.0.2.11", connected: nil),
        ]
        #expect(AdminMove.drainCandidates(registrations, address: "192.0.2.12") == [1, 3])
        #expect(AdminMove.drainCandidates(registrations, address: "192.0.2.11") == [2, 4])
    }

    // MARK: the control line

    @Test func controlCommandsRoundTrip() {
        let commands: [ControlCommand] = [
            .request(.statusJSON), .move(.registration(3), to: "192.0.2.11", json: false),
            .move(.all, to: "2001:db8::1", json: true), .drain("192.0.2.12", json: false),
            .drain("192.0.2.12", json: true),
        ]
        for command in commands { #expect(ControlCommand(line: command.line) == command) }
        #expect(ControlCommand(line: "move 0 192.0.2.11") == nil)
        #expect(ControlCommand(line: "move 1") == nil)
        #expect(ControlCommand(line: "drain") == nil)
        #expect(ControlCommand(line: "status") == .request(.status))
    }

    @Test func replyEndsWithTheExitStatusAndMarksFailures() {
        var report = AdminMoveReport(command: "move", address: "192.0.2.99")
        report.failed.append(.init(registrationId: 2, reason: "192.0.2.99 is not an available interface"))
        #expect(
            ControlService.render(report, json: false)
                == "! registration 2: not moved: 192.0.2.99 is not an available interface\nexit-status 1\n")
        #expect(
            ControlService.render(report, json: true)
                == #"{"command":"move","address":"192.0.2.99","moved":[],"failed":[{"registrationId":2,"reason":"192.0.2.99 is not an available interface"}]}"#
                + "\nexit-status 1\n")
        let empty = AdminMoveReport(command: "drain", address: "192.0.2.12")
        #expect(
            ControlService.render(empty, json: false)
                == "no registration is connected to 192.0.2.12; nothing to move\nexit-status 0\n")
    }

    /// A move's line counts the connections aborted, or, when none was left (cifsd reconnected by
    /// itself first), says so.
    @Test func movedLinesSayWhatTheAbortDid() {
        func moved(aborted: Int, detail: String?) -> AdminMoveReport.Moved {
            var event = WitnessEvent(
                kind: .clientMove, unixTime: 1, registrationID: 3, netName: "srv", shareName: "data",
                serverAddress: "192.0.2.12", witnessServer: "192.0.2.11")
            event.abortedConnections = aborted
            event.detail = detail
            return .init(
                registrationId: 3, netName: "srv", share: "data", from: "192.0.2.12", to: "192.0.2.11", event: event)
        }
        var report = AdminMoveReport(command: "drain", address: "192.0.2.12")
        report.moved = [
            moved(aborted: 1, detail: nil),
            moved(
                aborted: 0, detail: "no connection to 192.0.2.12 was left to abort: the kernel had already closed it"),
        ]
        #expect(
            report.lines.map(\.text) == [
                #"registration 3 (\\srv\data): moved from 192.0.2.12 to 192.0.2.11 (1 kernel connection(s) aborted)"#,
                #"registration 3 (\\srv\data): moved from 192.0.2.12 to 192.0.2.11 (no connection to 192.0.2.12 was left to abort: the kernel had already closed it)"#,
            ])
    }

    // MARK: where the kernel is connected now

    @Test func kernelConnectionFromDebugData() throws {
        let path = String(#filePath).split(separator: "/").dropLast(2).joined(separator: "/")
        let fixture = "/" + path + "/SMB3ProtocolTests/Fixtures/debugdata/debugdata-6.12-synthetic-witness-ipv6.txt"
        let data = try DebugData(parsing: try KernelFile.read(fixture))
        let connections = KernelConnection.byRegistration(data)
        #expect(connections[1] == KernelConnection(address: "192.0.2.12", tcpStatus: "Good", instance: 3))
        #expect(connections[2]?.address == "fe80::210:18ff:fe2c:1")
        // "(unknown)" and "(no live tcon)": connected nowhere.
        #expect(connections[3] == nil && connections[4] == nil)
    }

    // MARK: through the registry, against the fake cluster

    final class DebugDataPlatform: WitnessPlatform {
        let server = FakeWitnessServer()
        let debugData: [UInt8]?
        let mountInfo: String?
        init(debugData: [UInt8]?, mountInfo: String? = nil) {
            self.debugData = debugData
            self.mountInfo = mountInfo
        }
        func connect(address: String, port: UInt16, timeoutSeconds: Int32) async throws -> any RPCByteStream {
            try await server.connect(address: address, port: port, timeoutSeconds: timeoutSeconds)
        }
        func notifyKernel(_ notify: SWNNotify) async throws -> Int32 { try await server.notifyKernel(notify) }
        func abortKernelConnections(to address: SWNSocketAddress) async throws -> InetDiag.AbortReport {
            try await server.abortKernelConnections(to: address)
        }
        func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext {
            try server.kerberosContext(for: target, confidentiality: confidentiality)
        }
        func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
            try body()
        }
        func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void {
            server.schedule(after: seconds, action)
        }
        func randomBytes(_ count: Int) -> [UInt8] { server.randomBytes(count) }
        func monotonicSeconds() -> Double { 0 }
        func fileTime() -> UInt64 { 0 }
        func unixTime() -> Double { 1_700_000_000 }
        func kernelDebugData() -> [UInt8]? { debugData }
        func mountTable() -> [UInt8]? { mountInfo.map { Array($0.utf8) } }
    }

    /// A registry with one Kerberos registration at 192.0.2.12, registered with the fake cluster
    /// (whose only interface is 192.0.2.11) and past the cluster's own first CLIENT_MOVE.
    func registered(
        _ platform: DebugDataPlatform, _ body: (WitnessRegistry, CollectingSink) async throws -> Void
    ) async throws {
        var configuration = WitnessConfiguration()
        configuration.authLevel = .integrity
        let sink = CollectingSink()
        let registry = WitnessRegistry(
            configuration: configuration, clientName: "c", platform: platform, sink: sink, logger: .quiet)
        try await whileRunning(registry) {
            registry.handle(.register(WitnessRegistryTests.registration(credentials: .kerberos)))
            await waitUntil {
                registry.status().registrations.first?.state == "registered"
                    && platform.server.notifies.withLock { $0.count } == 1
            }
            try #require(registry.status().registrations.first?.state == "registered")
            try await body(registry, sink)
        }
    }

    @Test func moveToAListedInterfaceNotifiesTheKernelAndReportsAnAdminEvent() async throws {
        let platform = DebugDataPlatform(debugData: nil)
        try await registered(platform) { registry, sink in
            let report = await registry.move(.registration(1), to: "192.0.2.11")
            #expect(report.succeeded && report.failed.isEmpty)
            let moved = try #require(report.moved.first)
            #expect(moved.from == "192.0.2.12" && moved.to == "192.0.2.11")
            #expect(
                platform.server.notifies.withLock { $0.last }
                    == SWNNotify(
                        registrationID: 1,
                        kind: .clientMove(SWNSocketAddress(host: .ipv4(IPv4Address(192, 0, 2, 11)), port: 445))))
            // The old address's kernel connections were aborted (the server's move did one before).
            #expect(platform.server.aborts.withLock { $0.count } == 2)
            let event = try #require(sink.events.withLock { $0.last })
            #expect(event.kind == .clientMove && event.source == .admin && event.forwarded && event.kernelResult == 0)
            #expect(event.json.rendered().contains(#""source":"admin""#))
            #expect(registry.status().events.counts[.clientMove] == 2)
            // GetInterfaceList was asked again for the check, on the registered connection.
            let lists = platform.server.calls.withLock {
                $0.filter { $0 == (FakeWitnessServerStream.witnessPort, WitnessRPC.Opnum.getInterfaceList.rawValue) }
            }
            #expect(lists.count == 2)
        }
    }

    @Test func statusNamesTheSharesSoftMounts() async throws {
        // Three mounts of \\witnesslab\share (one hard), one of another share, one of another server.
        let mountInfo = """
            22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
            40 22 0:50 / /mnt/w rw,relatime shared:2 - cifs //WitnessLab/share rw,vers=3.1.1,soft,witness
            41 22 0:51 / /mnt/hard rw,relatime shared:3 - cifs //witnesslab/share rw,vers=3.1.1,hard,witness
            42 22 0:52 / /mnt/sub\\040dir rw,relatime shared:4 - cifs //witnesslab/SHARE/dir rw,vers=3.0,soft
            43 22 0:53 / /mnt/o rw,relatime shared:5 - cifs //witnesslab/other rw,vers=3.1.1,soft,witness
            44 22 0:54 / /mnt/p rw,relatime shared:6 - cifs //otherlab/share rw,vers=3.1.1,soft,witness
            """
        try await registered(DebugDataPlatform(debugData: nil, mountInfo: mountInfo)) { registry, _ in
            let registration = try #require(registry.status().registrations.first)
            #expect(registration.softMounts == ["/mnt/w", "/mnt/sub dir"])
            #expect(registry.statusJSON().rendered().contains(#""softMounts":["/mnt/w","/mnt/sub dir"]"#))
            #expect(
                registry.statusText().contains(
                    "  mounted soft at /mnt/w, /mnt/sub dir: a request that races a failover's reconnect can fail with EAGAIN"
                ))
        }
        // Only hard mounts: an empty list and no line; no table: null.
        let hardOnly = "41 22 0:51 / /mnt/hard rw,relatime - cifs //witnesslab/share rw,hard,witness\n"
        try await registered(DebugDataPlatform(debugData: nil, mountInfo: hardOnly)) { registry, _ in
            #expect(registry.status().registrations.first?.softMounts == [])
            #expect(!registry.statusText().contains("mounted soft"))
        }
        try await registered(DebugDataPlatform(debugData: nil)) { registry, _ in
            #expect(registry.status().registrations.first?.softMounts == nil)
            #expect(registry.statusJSON().rendered().contains(#""softMounts":null"#))
        }
    }

    @Test func moveToAnUnlistedAddressIsRefused() async throws {
        let platform = DebugDataPlatform(debugData: nil)
        try await registered(platform) { registry, sink in
            let before = sink.events.withLock { $0.count }
            let report = await registry.move(.all, to: "192.0.2.99")
            #expect(!report.succeeded && report.moved.isEmpty)
            #expect(
                report.failed.first?.reason
                    == "192.0.2.99 is not an available interface of the cluster (its available interfaces: 192.0.2.11)")
            #expect(platform.server.notifies.withLock { $0.count } == 1)
            #expect(sink.events.withLock { $0.count } == before)
            let unknown = await registry.move(.registration(9), to: "192.0.2.11")
            #expect(unknown.failed.first?.reason == "no such registration (known: 1)")
        }
    }

    @Test func drainMovesWhatTheKernelHasOnTheAddress() async throws {
        let platform = DebugDataPlatform(debugData: nil)
        try await registered(platform) { registry, _ in
            let report = await registry.drain("192.0.2.12")
            #expect(report.succeeded)
            #expect(report.moved.map(\.to) == ["192.0.2.11"])
            // Nothing is connected to .11 by the registry's account: nothing to drain, a success.
            let nothing = await registry.drain("192.0.2.11")
            #expect(nothing.succeeded && nothing.moved.isEmpty)
        }
    }

    /// Waits for `condition` with a generous deadline (30 s).
    func waitUntil(_ condition: () -> Bool) async {
        for _ in 0..<3000 where !condition() { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
