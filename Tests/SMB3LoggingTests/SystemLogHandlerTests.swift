import Logging
import SMB3Logging
import SMB3System
import Testing

struct SystemLogHandlerTests {
    /// swift-log's own contract: a handler's level and metadata are values.
    @Test func levelAndMetadataBehaveAsValues() {
        let logger1 = Logger(label: "t") { _ in SystemLogHandler(identifier: "smb3-test", logLevel: .debug) }
        var logger2 = logger1
        logger2.logLevel = .error
        logger2[metadataKey: "only-on"] = "second"
        #expect(logger1.logLevel == .debug)
        #expect(logger1[metadataKey: "only-on"] == nil)
        #expect(logger2[metadataKey: "only-on"] == "second")
    }

    @Test func entryMetadataOverrideTheHandlersAndBecomeJournalFields() {
        let fields = SystemLogHandler.fields(
            ["upcall.via": "service", "key.serial": "5"], ["key.serial": "6", "krb5.ccache": "FILE:/tmp/krb5cc_0"])
        #expect(fields.map(\.0) == ["KEY_SERIAL", "KRB5_CCACHE", "UPCALL_VIA"])
        #expect(fields.map(\.1) == ["6", "FILE:/tmp/krb5cc_0", "service"])
        #expect(SystemLogHandler.fields([:], nil).isEmpty)
    }

    @Test func levelsMapToSyslogPriorities() {
        #expect(SystemLogHandler.priority(.trace) == .debug)
        #expect(SystemLogHandler.priority(.debug) == .debug)
        #expect(SystemLogHandler.priority(.info) == .info)
        #expect(SystemLogHandler.priority(.notice) == .notice)
        #expect(SystemLogHandler.priority(.warning) == .warning)
        #expect(SystemLogHandler.priority(.error) == .error)
        #expect(SystemLogHandler.priority(.critical) == .error)
    }

    /// What an admin running smb3-upcall by hand sees, from both the swift-log handler and the
    /// static handler's SystemLog (the same function).
    @Test func theEchoLineNamesProgramLevelMessageAndFields() {
        let log = SystemLog(identifier: "smb3-upcall")
        #expect(
            log.echoLine(level: "\(Logger.Level.error)", "no Kerberos ticket", fields: [("KEY_SERIAL", "5")])
                == "smb3-upcall: error: no Kerberos ticket [key_serial=5]")
        #expect(log.echoLine(level: "\(SystemLog.Priority.warning)", "x", fields: []) == "smb3-upcall: warning: x")
    }
}
