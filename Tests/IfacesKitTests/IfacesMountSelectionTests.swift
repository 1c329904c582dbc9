import IfacesKit
import SMB3Protocol
import Testing

@Suite struct IfacesMountSelectionTests {
    static let mounts = [
        MountTable.Mount(mountPoint: "/mnt/a", source: "//192.0.2.1/a"),
        MountTable.Mount(mountPoint: "/mnt/b", source: "//192.0.2.1/b"),
        MountTable.Mount(mountPoint: "/mnt/a", source: "//198.51.100.1/over"),
    ]

    @Test func noArgumentsSelectsEveryMount() throws {
        #expect(try IfacesMountSelection.select([], from: Self.mounts) { _ in nil }.get() == Self.mounts)
    }

    @Test func argumentsAreCanonicalizedAndTheLastMountOnAPathWins() throws {
        let selected = try IfacesMountSelection.select(["b", "/mnt/a"], from: Self.mounts) {
            $0.hasPrefix("/") ? $0 : "/mnt/" + $0
        }.get()
        #expect(selected.map(\.source) == ["//192.0.2.1/b", "//198.51.100.1/over"])
    }

    @Test func anArgumentThatIsNoMountPointIsNamed() {
        let result = IfacesMountSelection.select(["/mnt/a", "/tmp"], from: Self.mounts) { $0 }
        #expect(throws: IfacesMountSelection.NotAMountPoint(argument: "/tmp")) { try result.get() }
        #expect("\(IfacesMountSelection.NotAMountPoint(argument: "/tmp"))" == "/tmp is not a cifs mount point")
    }

    struct QueryFailed: Error { let code: Int }

    @Test func failedQueriesAreReportedAndLeftOut() {
        let reply = NetworkInterfaceInfo(entries: [])
        var failures: [String] = []
        let replies = IfacesMountSelection.serverInterfaces(
            of: Array(Self.mounts.prefix(2)),
            query: { $0 == "/mnt/a" ? .success(reply) : .failure(QueryFailed(code: 95)) },
            failed: { mount, error in failures.append("\(mount.mountPoint) \(error.code)") })
        #expect(Array(replies.keys) == ["/mnt/a"])
        #expect(failures == ["/mnt/b 95"])
    }
}
