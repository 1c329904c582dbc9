import IfacesKit
import InMemoryLogging
import Logging
import Testing

/// A scripted world: the reports to build in turn, what each wait returns, whether SIGHUP came.
/// It ends the watch by throwing when the script has no report left. Nothing sleeps.
struct ScriptedWatch: IfacesWatchEnvironment {
    struct ScriptEnded: Error {}

    var reports: [IfacesReport]
    var wakeUps: [IfacesWatchWakeUp]
    var reloads: [Bool] = []
    /// What each textfile write throws in turn (nil: it succeeds); writes beyond the script succeed.
    var prometheusFailures: [String?] = []

    var lines: [String] = []
    var prometheus: [String] = []
    var ready: [String] = []
    var waits: [Int32] = []
    var reportsBuilt = 0

    mutating func report() throws -> IfacesReport {
        guard !reports.isEmpty else { throw ScriptEnded() }
        reportsBuilt += 1
        return reports.removeFirst()
    }

    mutating func wait(timeoutMilliseconds: Int32) -> IfacesWatchWakeUp {
        waits.append(timeoutMilliseconds)
        // A script that runs out of wake-ups has nothing more happening: the interval passes.
        return wakeUps.isEmpty ? .timeout : wakeUps.removeFirst()
    }

    mutating func takeReloadRequest() -> Bool { reloads.isEmpty ? false : reloads.removeFirst() }
    mutating func writeReportLine(_ line: String) { lines.append(line) }
    struct WriteFailed: Error, CustomStringConvertible { let description: String }

    mutating func writePrometheus(_ text: String) throws {
        if !prometheusFailures.isEmpty, let failure = prometheusFailures.removeFirst() {
            throw WriteFailed(description: failure)
        }
        prometheus.append(text)
    }
    mutating func notifyReady(status: String) { ready.append(status) }
}

@Suite struct IfacesWatchTests {
    static func report(_ interfaces: String...) -> IfacesReport {
        IfacesReport(
            source: .debugData, mounts: [], local: interfaces.map { IfacesReport.LocalInterface(name: $0) },
            findings: [])
    }

    /// Runs the watch until the script ends; returns the world and the log entries.
    static func run(
        _ environment: ScriptedWatch, intervalSeconds: Int = 10
    ) -> (ScriptedWatch, [InMemoryLogHandler.Entry]) {
        let handler = InMemoryLogHandler()
        var environment = environment
        var watch = IfacesWatch(intervalSeconds: intervalSeconds, logger: Logger(label: "test") { _ in handler })
        #expect(throws: ScriptedWatch.ScriptEnded.self) { try watch.run(in: &environment) }
        return (environment, handler.entries)
    }

    @Test func firstReportIsWrittenLoggedAndAnnouncedOnce() {
        let (world, log) = Self.run(ScriptedWatch(reports: [Self.report("eth0")], wakeUps: []))
        #expect(world.lines == [Self.report("eth0").jsonReport()])
        #expect(world.prometheus == [Self.report("eth0").prometheusReport()])
        #expect(world.ready == ["watching 0 mount(s)"])
        #expect(log.map { "\($0.message)" } == ["report changed (start)"])
        #expect(log.first?.level == .info)
        #expect(log.first?.metadata == ["ifaces.reason": "start", "ifaces.mounts": "0"])
    }

    @Test func aTextfileFailureIsLoggedOnceUntilItChangesOrRecovers() {
        let reports = ["a", "b", "c", "d", "e", "f"].map { Self.report($0) }
        let missing = "creating /var/lib/prometheus/node-exporter/.x: open failed: No such file or directory (ENOENT)"
        let (world, log) = Self.run(
            ScriptedWatch(
                reports: reports, wakeUps: [], prometheusFailures: [missing, missing, "disk full", nil, nil, missing]))
        #expect(world.lines.count == 6)
        #expect(world.prometheus.count == 2)
        let textfileLines = log.map { "\($0.message)" }.filter { !$0.hasPrefix("report changed") }
        #expect(
            textfileLines == [
                "cannot write the Prometheus textfile: \(missing) (not retried in the log until it changes or succeeds)",
                "cannot write the Prometheus textfile: disk full (not retried in the log until it changes or succeeds)",
                "Prometheus textfile written again",
                "cannot write the Prometheus textfile: \(missing) (not retried in the log until it changes or succeeds)",
            ])
        #expect(log.filter { "\($0.message)".hasPrefix("cannot write") }.allSatisfy { $0.level == .warning })
    }

    @Test func unchangedReportsAreNotWrittenAgain() {
        let same = Self.report("eth0")
        let (world, log) = Self.run(ScriptedWatch(reports: [same, same, same], wakeUps: [.timeout, .timeout]))
        #expect(world.reportsBuilt == 3)
        #expect(world.lines.count == 1)
        #expect(world.prometheus.count == 1)
        #expect(log.count == 1)
    }

    @Test func aChangeAfterTheIntervalIsADebugDataPoll() {
        let (world, log) = Self.run(
            ScriptedWatch(reports: [Self.report("eth0"), Self.report("eth0", "eth1")], wakeUps: [.timeout]),
            intervalSeconds: 7)
        #expect(world.lines.count == 2)
        // It waited after each report; the script then ended the watch.
        #expect(world.waits == [7000, 7000])
        #expect(log.map { "\($0.message)" } == ["report changed (start)", "report changed (DebugData poll)"])
        #expect(log.last?.metadata["ifaces.reason"] == "DebugData poll")
        // READY goes out for the first report only.
        #expect(world.ready.count == 1)
    }

    @Test func eventsSettleBeforeTheReportIsRead() {
        // A link comes up as a burst: link, then addresses; the report is read once after it.
        let (world, log) = Self.run(
            ScriptedWatch(
                reports: [Self.report("eth0"), Self.report("eth0", "dummy0")],
                wakeUps: [.events, .events, .events, .timeout]))
        #expect(
            world.waits == [
                10_000, IfacesWatch.settleMilliseconds, IfacesWatch.settleMilliseconds, IfacesWatch.settleMilliseconds,
                10_000,
            ])
        #expect(world.reportsBuilt == 2)
        #expect(log.map { "\($0.message)" } == ["report changed (start)", "report changed (rtnetlink event)"])
    }

    @Test func sighupRewritesAnUnchangedReport() {
        let same = Self.report("eth0")
        let (world, log) = Self.run(ScriptedWatch(reports: [same, same], wakeUps: [.interrupted], reloads: [true]))
        #expect(world.lines.count == 2)
        #expect(world.lines[0] == world.lines[1])
        #expect(world.prometheus.count == 2)
        #expect(log.map { "\($0.message)" } == ["report changed (start)", "report refreshed (SIGHUP)"])
        #expect(log.last?.metadata["ifaces.reason"] == "SIGHUP")
    }

    @Test func anotherSignalRereadsWithoutForcingAReport() {
        let same = Self.report("eth0")
        let (world, log) = Self.run(
            ScriptedWatch(
                reports: [same, same, Self.report("eth1")], wakeUps: [.interrupted, .interrupted],
                reloads: [false, false]))
        #expect(world.reportsBuilt == 3)
        #expect(world.lines.count == 2)
        // The reason stays the last one the loop knew.
        #expect(log.map { "\($0.message)" } == ["report changed (start)", "report changed (start)"])
    }

    @Test func intervalIsInMilliseconds() {
        #expect(
            IfacesWatch(intervalSeconds: 3600, logger: Logger(label: "t") { _ in SwiftLogNoOpLogHandler() })
                .intervalMilliseconds == 3_600_000)
    }
}
