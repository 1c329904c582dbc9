import ArgumentParser
import Foundation
import Testing
import UpcallRelay

@testable import smb3_upcall_full

/// smb3-upcall's command line: the ArgumentParser definition (smb3-upcall-full) parsed as the
/// program parses it, and its agreement with the fast parser request-key's invocations take
/// (RequestKeyInvocation, in smb3-upcall and smb3-upcall-full).
@Suite struct UpcallCommandLineTests {
    typealias Program = ParsedCommandLine<UpcallCommand>

    static func parse(_ arguments: [String]) throws -> UpcallCommand {
        try Program.parse(arguments, as: UpcallCommand.self)
    }

    /// Every named argument of the ArgumentParser definition, with its spellings and whether it
    /// takes a value, from its `--experimental-dump-help` description (what `make man` reads).
    struct NamedArgument: Hashable {
        var names: Set<String>
        var takesValue: Bool
    }

    static func namedArguments() throws -> [NamedArgument] {
        let error = try #require(Program.rejection(["--experimental-dump-help"]))
        let dump = try #require(try JSONSerialization.jsonObject(with: Data(error.message.utf8)) as? [String: Any])
        let command = try #require(dump["command"] as? [String: Any])
        let arguments = try #require(command["arguments"] as? [[String: Any]])
        return arguments.compactMap { argument in
            guard let kind = argument["kind"] as? String, kind != "positional" else { return nil }
            let names = (argument["names"] as? [[String: Any]] ?? []).compactMap { name -> String? in
                guard let kind = name["kind"] as? String, let text = name["name"] as? String else { return nil }
                return (kind == "short" ? "-" : "--") + text
            }
            return NamedArgument(names: Set(names), takesValue: kind == "option")
        }
    }

    /// The options that choose something other than an upcall for a key (help, a dry run, the
    /// setup commands, the service): the fast parser leaves them to ArgumentParser.
    static let modeOptions: Set<String> = [
        "-h", "--help", "-v", "--version", "--explain", "--json", "--check-setup", "--set-handler", "--program",
        "--root",
        "--refresh-keytab-cache", "--serve",
    ]

    @Test func theFastParserTakesEveryUpcallOptionWithTheSameNamesAndArity() throws {
        let full = try Self.namedArguments().filter { $0.names.isDisjoint(with: Self.modeOptions) }
        let fast = RequestKeyInvocation.Option.allCases.map {
            NamedArgument(names: Set($0.names), takesValue: $0.takesValue)
        }
        #expect(Set(full) == Set(fast))
        // Nothing named in both places under two meanings, and no mode option taken by the fast parser.
        let allFull = try Self.namedArguments()
        #expect(Set(allFull.flatMap(\.names)).isSuperset(of: Self.modeOptions.subtracting(["-h", "--help"])))
        for name in Self.modeOptions {
            #expect(RequestKeyInvocation.Option(name: name) == nil, "\(name)")
            #expect(RequestKeyInvocation(arguments: [name, "x", "7"]) == nil, "\(name)")
        }
    }

    /// Each option of the fast parser, spelled every way, gives the options ArgumentParser gives.
    @Test func bothParsersReadTheSameCommandLinesAlike() throws {
        let value: [RequestKeyInvocation.Option: String] = [
            .serviceSocket: "/run/other.sock", .krb5Config: "/etc/k.conf", .keytab: "/etc/k.tab", .expire: "60",
            .negativeTimeout: "5", .keytabCacheDirectory: "/var/cache/k",
        ]
        var lines: [[String]] = [["7"], ["--keytab-cache-dir", "", "7"]]
        for option in RequestKeyInvocation.Option.allCases {
            for name in option.names { lines.append([name] + (value[option].map { [$0] } ?? []) + ["7"]) }
        }
        lines.append(
            RequestKeyInvocation.Option.allCases.flatMap { [$0.names[0]] + (value[$0].map { [$0] } ?? []) } + ["42"])
        for line in lines {
            let fast = try #require(RequestKeyInvocation(arguments: line), "\(line)")
            let full = try Self.parse(line)
            var fullOptions = full.options
            // GSS_USE_PROXY comes from the environment in both programs, not from the command line.
            fullOptions.gssProxyEnabled = fast.options.gssProxyEnabled
            #expect(fast.options == fullOptions, "\(line)")
            #expect(fast.debug == full.debug, "\(line)")
            #expect(fast.keySerial == full.keySerial, "\(line)")
            #expect(fast.useService == !full.noService, "\(line)")
            #expect(fast.serviceSocket == full.serviceSocket, "\(line)")
        }
    }

    @Test func modesAndTheirArguments() throws {
        #expect(try Self.parse(["--explain", "cifs.spnego;…", "--json"]).explainDescription == "cifs.spnego;…")
        #expect(try Self.parse(["--check-setup", "--root", "/tmp/r"]).checkSetup)
        #expect(try Self.parse(["--set-handler", "cifs.upcall"]).setHandler == .cifsUpcall)
        #expect(
            try Self.parse(["--set-handler", "smb3-upcall", "--program", "/usr/sbin/smb3-upcall"]).program
                == "/usr/sbin/smb3-upcall")
        #expect(try Self.parse(["--refresh-keytab-cache", "svc"]).refreshKeytabCache == "svc")
        let serve = try Self.parse(["--serve", "--service-socket", "/run/x.sock", "-K", "/etc/k.tab"])
        #expect(serve.serve && serve.serviceSocket == "/run/x.sock" && serve.options.keytab == "/etc/k.tab")
        #expect(try Self.parse([]).keySerial == nil)
    }

    @Test func badValuesAreUsageErrors() throws {
        for arguments in [
            ["--set-handler", "other"], ["--negative-timeout", "soon", "1"], ["-e", "x", "1"], ["--bogus"], ["1", "2"],
            ["-k"],
        ] {
            #expect(Program.rejection(arguments)?.code == .validationFailure, "\(arguments)")
        }
    }
}
