import SMB3Protocol
import Testing

@testable import SMB3HostSetup

@Suite("krb5.conf profile")
struct Krb5ProfileTests {
    // The lab's krb5.conf shape, with what Debian's krb5-config writes around it.
    static let sample = """
        includedir /etc/krb5.conf.d/
        [libdefaults]
        \tdefault_realm = TEST.LAN
        \tdns_lookup_kdc = false
        ; a comment
        \t# another
        \tticket_lifetime = 24h

        [realms]
        \tTEST.LAN = {
        \t\tkdc = kdc.test.lan:88
        \t\tkdc = [2001:db8::1]:88
        \t\tadmin_server = kdc.test.lan
        \t\tauth_to_local = RULE:[1:$1@$0](.*@OTHER)s/@.*// # not a comment
        \t\tv4_name_convert = {
        \t\t\thost = {
        \t\t\t\trcmd = host
        \t\t\t}
        \t\t}
        \t}
        \tOTHER.LAN = {
        \t\tkdc = other
        \t}*

        [domain_realm]*
        \t.test.lan = TEST.LAN
        [capaths]
        \tdefault_ccache_name = "KEYRING:persistent:%{uid}\\t#x"
        """

    @Test func parsesSectionsGroupsAndValues() throws {
        let profile = try Krb5Profile(parsing: Self.sample)
        #expect(profile.value(["libdefaults", "default_realm"]) == "TEST.LAN")
        #expect(profile.value(["libdefaults", "dns_lookup_kdc"]) == "false")
        #expect(profile.values(["realms", "TEST.LAN", "kdc"]) == ["kdc.test.lan:88", "[2001:db8::1]:88"])
        #expect(profile.values(["realms", "OTHER.LAN", "kdc"]) == ["other"])
        #expect(
            profile.value(["realms", "TEST.LAN", "auth_to_local"]) == "RULE:[1:$1@$0](.*@OTHER)s/@.*// # not a comment")
        #expect(profile.value(["realms", "TEST.LAN", "v4_name_convert", "host", "rcmd"]) == "host")
        #expect(profile.value(["domain_realm", ".test.lan"]) == "TEST.LAN")
        #expect(profile.value(["capaths", "default_ccache_name"]) == "KEYRING:persistent:%{uid}\t#x")
        #expect(profile.includes == [Krb5Profile.Include(directive: "includedir", path: "/etc/krb5.conf.d/")])
        // A group is not a value, and a value is not a group.
        #expect(profile.values(["realms", "TEST.LAN"]).isEmpty)
        #expect(profile.values(["libdefaults", "default_realm", "x"]).isEmpty)
        #expect(profile.values([]).isEmpty)
    }

    @Test func sectionsOfTheSameNameAddUp() throws {
        var profile = try Krb5Profile(parsing: "[libdefaults]\n default_realm = A\n[libdefaults]\n default_realm = B\n")
        #expect(profile.values(["libdefaults", "default_realm"]) == ["A", "B"])
        profile.merge(try Krb5Profile(parsing: "[realms]\nA = {\n kdc = k\n}\n"))
        #expect(profile.value(["realms", "A", "kdc"]) == "k")
    }

    @Test(arguments: [
        ("default_realm = X", Krb5ProfileError.Code.relationOutsideSection),
        ("[libdefaults", .badSectionHeader),
        ("[]", .badSectionHeader),
        ("[a] b", .badSectionHeader),
        ("[a]\njunk", .syntax),
        ("[a]\n}", .unbalancedBrace),
        ("[a]\nR = {\n kdc = x\n", .unclosedGroup),
        ("[a]\nR = {\n[b]", .unclosedGroup),
        ("[a]\n = x", .syntax),
        ("[a]\nR = {\n} x", .syntax),
    ])
    func refusesWhatLibkrb5Refuses(text: String, code: Krb5ProfileError.Code) {
        #expect(throws: Krb5ProfileError(code, line: 0, "")) { try Krb5Profile(parsing: text) }
    }

    @Test func capsNesting() throws {
        let depth = Krb5Profile.maximumDepth
        let inside = String(repeating: "g = {\n", count: depth) + String(repeating: "}\n", count: depth)
        #expect(throws: Never.self) { try Krb5Profile(parsing: "[a]\n" + inside) }
        let tooDeep = String(repeating: "g = {\n", count: depth + 1)
        #expect(throws: Krb5ProfileError(.tooDeep, line: 0, "")) { try Krb5Profile(parsing: "[a]\n" + tooDeep) }
    }

    @Test func errorsNameTheLine() {
        do {
            _ = try Krb5Profile(parsing: "[a]\nx = 1\n\nnonsense\n")
            Issue.record("no error")
        } catch {
            #expect(error.line == 4 && error.description.hasPrefix("line 4: "))
        }
    }
}
