import Foundation
import Testing

@testable import SMB3Protocol

/// Key descriptions captured from the real 6.1 and 6.12 kernels by lab/capture-fixtures.sh
/// (`keyctl rdescribe` in the request-key handler; see Fixtures/lab/README.md).
@Suite("KeyDescription, lab captures")
struct KeyDescriptionLabTests {
    static func capture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/lab/\(name)", withExtension: "txt"))
        let text = try String(contentsOf: url, encoding: .utf8)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    static let captures = [
        "keydesc-6.1-krb5-ipv4-user", "keydesc-6.1-krb5-ipv4-nouser", "keydesc-6.1-krb5-ipv6",
        "keydesc-6.1-krb5-multichannel-ch1", "keydesc-6.1-krb5-multichannel-ch2",
        "keydesc-6.12-krb5-ipv4-user", "keydesc-6.12-krb5-ipv4-nouser", "keydesc-6.12-krb5-ipv6",
        "keydesc-6.12-krb5-multichannel-ch1", "keydesc-6.12-krb5-multichannel-ch2",
        "keydesc-6.12-krb5-upcall-target-mount",
    ]

    @Test(arguments: captures)
    func everyCaptureParsesAndEncodesBackExactly(_ name: String) throws {
        let described = try DescribedKey(parsing: try Self.capture(name))
        #expect(described.type == "cifs.spnego")
        #expect(described.uid == 0 && described.gid == 0)
        #expect(described.permissions == 0x3901_0000)
        let key = try described.spnegoDescription()
        #expect(key.description == described.description)
        #expect(key.mechanism == .krb5)
        #expect(key.uid == 0)
        #expect(key.credUID == 1001)  // alice in the lab
        #expect(key.extraFields.isEmpty)
        // 6.1 never sends upcall_target=; 6.12 always does.
        #expect((key.upcallTarget == nil) == name.hasPrefix("keydesc-6.1-"))
    }

    @Test func the612DefaultIsAppAndTheOptionGivesMount() throws {
        let app = try DescribedKey(parsing: try Self.capture("keydesc-6.12-krb5-ipv4-user")).spnegoDescription()
        #expect(app.upcallTarget == .app)
        #expect(app.user == "alice")
        let mount = try DescribedKey(parsing: try Self.capture("keydesc-6.12-krb5-upcall-target-mount"))
            .spnegoDescription()
        #expect(mount.upcallTarget == .mount)
    }

    @Test(arguments: ["keydesc-6.1-krb5-ipv4-nouser", "keydesc-6.12-krb5-ipv4-nouser"])
    func mountWithoutUsernameHasNoUserField(_ name: String) throws {
        let key = try DescribedKey(parsing: try Self.capture(name)).spnegoDescription()
        #expect(key.user == nil)
        #expect(key.host == "smb.test.lan")
        #expect(key.address == .ipv4(IPv4Address(127, 0, 0, 1)))
    }

    @Test(arguments: ["keydesc-6.1-krb5-ipv6", "keydesc-6.12-krb5-ipv6"])
    func ipv6IsTheFullUncompressedForm(_ name: String) throws {
        let key = try DescribedKey(parsing: try Self.capture(name)).spnegoDescription()
        guard case .ipv6(let address) = key.address else {
            Issue.record("\(name) has no ip6=")
            return
        }
        #expect(address.description == "::1")
        #expect(key.description.contains("ip6=0000:0000:0000:0000:0000:0000:0000:0001;"))
    }

    @Test func eachChannelHasItsOwnAddressAndThe61ExtraChannelNoHost() throws {
        let ch1 = try DescribedKey(parsing: try Self.capture("keydesc-6.12-krb5-multichannel-ch1")).spnegoDescription()
        let ch2 = try DescribedKey(parsing: try Self.capture("keydesc-6.12-krb5-multichannel-ch2")).spnegoDescription()
        #expect(ch1.address != ch2.address)
        #expect(ch1.host == ch2.host && ch1.pid == ch2.pid)
        let old2 = try DescribedKey(parsing: try Self.capture("keydesc-6.1-krb5-multichannel-ch2")).spnegoDescription()
        #expect(old2.host == "")
    }
}
