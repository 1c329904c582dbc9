import Foundation
import SMB3Protocol
import Testing

@testable import SMB3SpnegoKey

@Suite("KeyDescription")
struct KeyDescriptionTests {
    // Observed in the lab on Debian 6.1.192 (kernel-interfaces.md §1.2, lab-recipe.md §8).
    static let lab61 = "ver=0x2;host=smb.test.lan;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x3e9;user=root;pid=0xa2"
    // The 6.12 form: no user=, upcall_target= at the end.
    static let kernel612 =
        "ver=0x2;host=fs1.example.com;ip4=192.0.2.10;sec=krb5;uid=0x0;creduid=0x3e8;pid=0x1a2b;upcall_target=app"

    @Test func parsesThe61FormWithUser() throws {
        let key = try KeyDescription(parsing: Self.lab61)
        #expect(key.version == 2)
        #expect(key.host == "smb.test.lan")
        #expect(key.address == .ipv4(IPv4Address(127, 0, 0, 1)))
        #expect(key.mechanism == .krb5)
        #expect(key.uid == 0)
        #expect(key.credUID == 0x3e9)
        #expect(key.user == "root")
        #expect(key.pid == 0xa2)
        #expect(key.upcallTarget == nil)
        #expect(key.effectiveUpcallTarget == .app)
        #expect(key.extraFields.isEmpty)
    }

    @Test func parsesThe612FormWithoutUser() throws {
        let key = try KeyDescription(parsing: Self.kernel612)
        #expect(key.user == nil)
        #expect(key.credUID == 1000)
        #expect(key.pid == 0x1a2b)
        #expect(key.upcallTarget == .app)
    }

    @Test func parsesFullFormIPv6AndMount() throws {
        let text =
            "ver=0x2;host=fs6;ip6=2001:0db8:0000:0000:0000:0000:0000:0001;sec=mskrb5;uid=0x3e8;creduid=0x3e8;user=alice;pid=0x10;upcall_target=mount"
        let key = try KeyDescription(parsing: text)
        guard case .ipv6(let address) = key.address else {
            Issue.record("expected an IPv6 address")
            return
        }
        #expect(address.octets == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
        #expect(address.description == "2001:db8::1")
        #expect(key.mechanism == .msKrb5)
        #expect(key.upcallTarget == .mount)
        #expect(key.description == text)
    }

    @Test func acceptsTheLegacyUncompressedIPv6Form() throws {
        let key = try KeyDescription(
            parsing: "ver=0x2;host=h;ip6=00000000000000000000000000000001;sec=krb5;uid=0x0;creduid=0x0;pid=0x1")
        #expect(key.address.description == "0000:0000:0000:0000:0000:0000:0000:0001")
    }

    @Test func acceptsTheEmptyHostOf61ExtraChannels() throws {
        let key = try KeyDescription(
            parsing: "ver=0x2;host=;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x3e9;user=alice;pid=0x171")
        #expect(key.host == "")
    }

    @Test func parsesIAKerb() throws {
        let key = try KeyDescription(
            parsing: "ver=0x2;host=h;ip4=192.0.2.1;sec=iakerb;uid=0x0;creduid=0x0;pid=0x1")
        #expect(key.mechanism == .iakerb)
    }

    @Test(arguments: [lab61, kernel612])
    func encodingGivesTheInputBack(_ text: String) throws {
        #expect(try KeyDescription(parsing: text).description == text)
    }

    @Test func keepsUnknownTrailingFieldsInOrder() throws {
        let text = Self.kernel612 + ";future=1;other=x=y"
        let key = try KeyDescription(parsing: text)
        #expect(key.extraFields == [.init(name: "future", value: "1"), .init(name: "other", value: "x=y")])
        #expect(key.description == text)
    }

    @Test func parsesKeyctlDescribeOutput() throws {
        let described = try DescribedKey(parsing: "cifs.spnego;0;0;39010000;" + Self.lab61)
        #expect(described.type == "cifs.spnego")
        #expect(described.uid == 0)
        #expect(described.permissions == 0x3901_0000)
        #expect(try described.spnegoDescription().host == "smb.test.lan")
        let other = try DescribedKey(parsing: "user;1000;1000;3f010000;" + Self.lab61)
        #expect(throws: KeyDescriptionError(.notSPNEGOKey, "")) { try other.spnegoDescription() }
        #expect(throws: KeyDescriptionError.self) { try DescribedKey(parsing: "cifs.spnego;0;0;zz;x") }
    }

    @Test func keyctlDescribeTextEncodesBack() throws {
        let text = "cifs.spnego;0;0;39010000;" + Self.lab61
        #expect(try DescribedKey(parsing: text).keyctlText == text)
        // keyctl_describe prints the owner with %d: uids above 2^31 - 1 come out negative.
        let high = try DescribedKey(parsing: "user;-2;-2147483648;3f010000;x")
        #expect(high.uid == 0xFFFF_FFFE)
        #expect(high.gid == 0x8000_0000)
        #expect(high.keyctlText == "user;-2;-2147483648;3f010000;x")
    }

    /// keyctl_describe's "%s;%d;%d;%08x;": one text per owner and mask, and never (uid_t)-1,
    /// which from_kuid_munged replaces with the overflow uid.
    @Test(arguments: [
        "cifs.spnego;00;0;39010000;x", "cifs.spnego;0;00;39010000;x", "cifs.spnego;+0;0;39010000;x",
        "cifs.spnego;-0;0;39010000;x", "cifs.spnego;-1;0;39010000;x", "cifs.spnego;0;-1;39010000;x",
        "cifs.spnego;4294967295;0;39010000;x", "cifs.spnego;0;4294967295;39010000;x",
        "cifs.spnego;-2147483649;0;39010000;x", "cifs.spnego;0;0;3901000A;x", "cifs.spnego;0;0;+3901000;x",
        "cifs.spnego;0;0;-3901000;x", "cifs.spnego; 0;0;39010000;x", "cifs.spnego;;0;39010000;x",
    ])
    func rejectsNonCanonicalKeyctlNumbers(_ text: String) {
        #expect(throws: KeyDescriptionError(.malformedField, "")) { try DescribedKey(parsing: text) }
    }

    // MARK: hostile descriptions

    static let hostile: [(String, KeyDescriptionError.Code, String?)] = [
        // A ';' in user= that re-declares creduid=: later-wins in cifs.upcall, rejected here.
        (
            "ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x3e8;user=a;creduid=0x0;pid=0x1", .duplicateField,
            "creduid"
        ),
        ("ver=0x2;host=h;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .duplicateField, "host"),
        // A ';' with no '=' after it.
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;user=a;b;pid=0x1", .malformedField, nil),
        // An unknown field before pid= can only be smuggled.
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;user=a;evil=1;pid=0x1", .unexpectedField, "evil"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1;", .malformedField, nil),
        ("ver=0x2;;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .malformedField, nil),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;=x;pid=0x1", .malformedField, nil),
        // Missing required fields.
        ("host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .missingField, "ver"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0", .missingField, "pid"),
        ("ver=0x2;host=h;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .missingField, "ip4"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;creduid=0x0;pid=0x1", .missingField, "uid"),
        ("ver=0x2", .missingField, "host"),
        ("", .malformedField, nil),
        // Order and second addresses.
        ("ver=0x2;ip4=1.2.3.4;host=h;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .unexpectedField, "host"),
        (
            "ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1;ip6=0000:0000:0000:0000:0000:0000:0000:0001",
            .unexpectedField, "ip6"
        ),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1;user=x", .unexpectedField, "user"),
        // Values.
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=ntlmssp;uid=0x0;creduid=0x0;pid=0x1", .unknownMechanism, "sec"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=KRB5;uid=0x0;creduid=0x0;pid=0x1", .unknownMechanism, "sec"),
        ("ver=0x3;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .unsupportedVersion, "ver"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=1000;pid=0x1", .invalidValue, "creduid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0xg;creduid=0x0;pid=0x1", .invalidValue, "uid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x;creduid=0x0;pid=0x1", .invalidValue, "uid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x100000000", .invalidValue, "pid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=-0x1;creduid=0x0;pid=0x1", .invalidValue, "uid"),
        (
            "ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1;upcall_target=host", .invalidValue,
            "upcall_target"
        ),
        ("ver=0x2;host=h;ip4=1.2.3.256;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .invalidValue, "ip4"),
        ("ver=0x2;host=h;ip4=01.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .invalidValue, "ip4"),
        ("ver=0x2;host=h;ip6=::1;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .invalidValue, "ip6"),
        ("ver=0x2;host=a b;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .invalidValue, "host"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;user=a\u{7}b;pid=0x1", .invalidValue, "user"),
        // One text per number, as the kernel's 0x%x prints it: no leading zeros, no upper case.
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0e;pid=0x1", .invalidValue, "creduid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x00;creduid=0x0;pid=0x1", .invalidValue, "uid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x3E8;pid=0x1", .invalidValue, "creduid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1A2B", .invalidValue, "pid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x01", .invalidValue, "pid"),
        ("ver=0x02;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .invalidValue, "ver"),
        ("ver=0X2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .invalidValue, "ver"),
        // (uid_t)-1 is no uid: setresuid(-1) leaves the uid unchanged, and from_kuid_munged never prints it.
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0xffffffff;creduid=0x0;pid=0x1", .invalidValue, "uid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0xffffffff;pid=0x1", .invalidValue, "creduid"),
        // current->pid is a positive pid_t.
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x0", .invalidValue, "pid"),
        ("ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x80000000", .invalidValue, "pid"),
        // %pI6 and %pi6 print lower-case digits.
        (
            "ver=0x2;host=h;ip6=2001:0DB8:0000:0000:0000:0000:0000:0001;sec=krb5;uid=0x0;creduid=0x0;pid=0x1",
            .invalidValue, "ip6"
        ),
        (
            "ver=0x2;host=h;ip6=0000000000000000000000000000000A;sec=krb5;uid=0x0;creduid=0x0;pid=0x1", .invalidValue,
            "ip6"
        ),
    ]

    @Test(arguments: hostile.indices)
    func rejectsHostileDescription(_ index: Int) {
        let (text, code, field) = Self.hostile[index]
        do {
            let key = try KeyDescription(parsing: text)
            Issue.record("accepted \(text) as \(key)")
        } catch {
            #expect(error.code == code, "\(text): \(error.reason)")
            #expect(error.field == field, "\(text): \(error.reason)")
            #expect(!error.reason.isEmpty)
        }
    }

    @Test func rejectsOversizeValues() {
        let longHost = String(repeating: "a", count: KeyDescription.maximumHostLength + 1)
        #expect(throws: KeyDescriptionError(.valueTooLong, field: "host", "")) {
            try KeyDescription(parsing: "ver=0x2;host=\(longHost);ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;pid=0x1")
        }
        let longUser = String(repeating: "u", count: KeyDescription.maximumUserLength + 1)
        #expect(throws: KeyDescriptionError(.valueTooLong, field: "user", "")) {
            try KeyDescription(
                parsing: "ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;user=\(longUser);pid=0x1")
        }
        let huge = Self.kernel612 + ";pad=" + String(repeating: "x", count: KeyDescription.maximumLength)
        #expect(throws: KeyDescriptionError(.tooLong, "")) { try KeyDescription(parsing: huge) }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: KeyDescriptionError(.notUTF8, "")) {
            try KeyDescription(parsing: Array("ver=0x2;host=".utf8) + [0xFF, 0xFE])
        }
    }

    @Test func errorMessagesQuoteBoundedInput() {
        let long = String(repeating: "z", count: 500)
        do {
            _ = try KeyDescription(parsing: "ver=0x2;host=h;ip4=1.2.3.4;sec=\(long);uid=0x0;creduid=0x0;pid=0x1")
            Issue.record("accepted")
        } catch {
            #expect(error.reason.utf8.count < 200)
        }
    }

    @Test func controlCharactersAreCategoryCcExactly() {
        // C0, DEL and C1 are control characters; U+00A0 and U+200B are not (Zs, Cf).
        for scalar in ["\u{0}", "\u{1F}", "\u{7F}", "\u{85}", "\u{9F}"] {
            #expect(throws: KeyDescriptionError(.invalidValue, field: "user", "")) {
                try KeyDescription(
                    parsing: "ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;user=a\(scalar)b;pid=0x1")
            }
        }
        for scalar in ["\u{A0}", "\u{200B}", "é"] {
            let key = try? KeyDescription(
                parsing: "ver=0x2;host=h;ip4=1.2.3.4;sec=krb5;uid=0x0;creduid=0x0;user=a\(scalar)b;pid=0x1")
            #expect(key?.user == "a\(scalar)b")
        }
    }

    @Test func errorMessagesReplaceControlCharacters() {
        do {
            _ = try KeyDescription(
                parsing: "ver=0x2;host=h;ip4=1.2.3.4;sec=k\u{1B}[2J\u{85}é;uid=0x0;creduid=0x0;pid=0x1")
            Issue.record("accepted")
        } catch {
            #expect(error.reason == "sec='k?[2J?é' is not one of krb5, mskrb5, iakerb")
        }
    }

    @Test func everyPrefixOfAValidDescriptionIsHandled() {
        // Truncation anywhere gives an error, or a value that encodes back to exactly the prefix
        // (a cut inside pid= is still a complete description); never a trap.
        let text = Array(Self.kernel612.utf8)
        var accepted = 0
        for end in 0..<text.count {
            let prefix = text[..<end]
            if let key = try? KeyDescription(parsing: prefix) {
                #expect(Array(key.description.utf8) == Array(prefix))
                accepted += 1
            }
        }
        // "…;pid=0x1", "…;pid=0x1a", "…;pid=0x1a2", "…;pid=0x1a2b" and "…;upcall_target=app" cut to
        // nothing else: exactly the four pid prefixes parse.
        #expect(accepted == 4)
    }
}

@Suite("KeyDescription fuzz regressions")
struct KeyDescriptionFuzzRegressionTests {
    static var failCases: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/FailCases/FuzzKeyDescription")
    }

    /// Inputs libFuzzer once crashed the parser with (Fuzz/run.sh); they must only not trap.
    @Test func failCasesDoNotTrap() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.failCases.path).filter {
            $0.hasPrefix("crash-")
        }
        #expect(!names.isEmpty)
        for name in names {
            let data = try #require(
                FileManager.default.contents(atPath: Self.failCases.appendingPathComponent(name).path))
            let bytes = [UInt8](data)
            _ = try? KeyDescription(parsing: bytes)
            _ = try? DescribedKey(parsing: String(decoding: bytes, as: UTF8.self)).spnegoDescription()
        }
    }

    /// Whatever parses renders back to the bytes it came from (`0x0e` once parsed as 14 and
    /// rendered as `0xe`), so no second spelling of a value slips through.
    @Test func failCasesThatParseEncodeBackExactly() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.failCases.path).filter {
            $0.hasPrefix("crash-")
        }
        for name in names {
            let data = try #require(
                FileManager.default.contents(atPath: Self.failCases.appendingPathComponent(name).path))
            if let key = try? KeyDescription(parsing: [UInt8](data)) {
                #expect(Array(key.description.utf8) == [UInt8](data), "\(name)")
            }
        }
    }

    /// The first crash: U+FFFD replacements made a 32-byte ip6= value shorter in Characters.
    @Test func ip6ValueOfReplacementCharactersIsRejected() {
        let text =
            "ver=0x2;host=h;ip6=" + String(repeating: "\u{FFFD}", count: 10) + "ab;sec=krb5;uid=0x0;creduid=0x0;pid=0x1"
        #expect(throws: KeyDescriptionError(.invalidValue, field: "ip6", "")) { try KeyDescription(parsing: text) }
    }
}
