import Foundation
import SMB3DCERPC
import Testing

@testable import WitnessKit

@Suite("witnessd.conf")
struct WitnessConfigurationTests {
    @Test func parsesEveryKey() throws {
        let configuration = try WitnessConfiguration(
            parsing: """
                # comment
                keepalive_timeout = 30
                interface_policy = strict   # trailing comment
                auth_level = integrity
                client_name = labclient
                connect_timeout = 5
                max_backoff = 10
                control_socket = /run/w/control
                events_file = /var/log/w.jsonl
                abort_interval = 20
                krb5_service = host
                krb5_principal = witnessd@TEST.LAN
                krb5_client_keytab = /etc/smb3kit/witnessd.keytab
                krb5_ccache = MEMORY:w
                """)
        #expect(configuration.keepAliveTimeout == 30)
        #expect(configuration.interfacePolicy == .strict)
        #expect(configuration.authLevel == .integrity)
        #expect(configuration.clientName == "labclient")
        #expect(configuration.connectTimeout == 5 && configuration.maximumBackoff == 10)
        #expect(configuration.controlSocket == "/run/w/control" && configuration.eventsFile == "/var/log/w.jsonl")
        #expect(configuration.kerberosService == "host")
        #expect(configuration.abortInterval == 20)
        #expect(
            configuration.kerberosCredentials
                == KerberosClientCredentials(
                    principal: "witnessd@TEST.LAN", clientKeytab: "/etc/smb3kit/witnessd.keytab", ccache: "MEMORY:w"))
        #expect(WitnessConfiguration().kerberosService == "cifs")
    }

    @Test func rejectsTyposAndBadValues() throws {
        #expect(throws: WitnessConfiguration.ParseError(line: 2, message: "unknown key 'keepalive'")) {
            try WitnessConfiguration(parsing: "\nkeepalive = 3")
        }
        #expect(throws: WitnessConfiguration.ParseError.self) { try WitnessConfiguration(parsing: "auth_level = none") }
        #expect(throws: WitnessConfiguration.ParseError.self) {
            try WitnessConfiguration(parsing: "connect_timeout = 0")
        }
        #expect(throws: WitnessConfiguration.ParseError.self) { try WitnessConfiguration(parsing: "just words") }
        #expect(throws: WitnessConfiguration.ParseError.self) {
            try WitnessConfiguration(parsing: "krb5_service = cifs/x")
        }
        #expect(try WitnessConfiguration(parsing: "") == WitnessConfiguration())
    }

    /// "\r\n" is one Character in Swift: split on Characters, a CRLF file was one long line and
    /// a value took in every line after it (found by FuzzWitnessConfiguration).
    @Test func crlfLinesAreLinesAndAValueNeverTakesTheNextLine() throws {
        let configuration = try WitnessConfiguration(
            parsing: "client_name = a\r\nevents_file = /tmp/e\r\nkeepalive_timeout = 30\r\n")
        #expect(configuration.clientName == "a")
        #expect(configuration.eventsFile == "/tmp/e")
        #expect(configuration.keepAliveTimeout == 30)
        #expect(throws: WitnessConfiguration.ParseError(line: 2, message: "unknown key 'typo'")) {
            try WitnessConfiguration(parsing: "client_name = a\r\ntypo = 1")
        }
    }

    @Test func failCasesParseOrFailWithoutTrapping() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/FailCases/FuzzWitnessConfiguration")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            !$0.hasPrefix("README")
        }
        #expect(!names.isEmpty)
        for name in names {
            let data = try #require(FileManager.default.contents(atPath: directory.appendingPathComponent(name).path))
            guard let configuration = try? WitnessConfiguration(parsing: String(decoding: data, as: UTF8.self)) else {
                continue
            }
            let credentials = configuration.kerberosCredentials
            for value in [
                configuration.clientName, configuration.controlSocket, configuration.eventsFile,
                configuration.kerberosService, credentials.principal ?? "", credentials.clientKeytab ?? "",
                credentials.ccache ?? "",
            ] {
                #expect(!value.unicodeScalars.contains("\n"), "\(name)")
            }
        }
    }
}
