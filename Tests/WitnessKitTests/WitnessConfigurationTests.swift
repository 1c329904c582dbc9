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
        #expect(throws: WitnessConfiguration.ParseError.self) { try WitnessConfiguration(parsing: "connect_timeout = 0") }
        #expect(throws: WitnessConfiguration.ParseError.self) { try WitnessConfiguration(parsing: "just words") }
        #expect(throws: WitnessConfiguration.ParseError.self) { try WitnessConfiguration(parsing: "krb5_service = cifs/x") }
        #expect(try WitnessConfiguration(parsing: "") == WitnessConfiguration())
    }
}
