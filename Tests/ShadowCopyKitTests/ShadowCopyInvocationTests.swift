import SMB3Protocol
import Testing

@testable import ShadowCopyKit

@Suite("Snapshot command inputs")
struct ShadowCopyInvocationTests {
    @Test func credentialsFileInMountCifsFormat() throws {
        let file = try CIFSCredentialsFile(
            parsing: Array("# backup operator\nusername=alice\r\n  password=pa ss=word\ndomain=LAB\nother=x\n".utf8))
        #expect(file.user == "alice")
        #expect(file.password?.bytes == Array("pa ss=word".utf8))
        #expect(file.domain == "LAB")
        let short = try CIFSCredentialsFile(parsing: Array("user=bob\npass=pw\ndom=D".utf8))
        #expect(short.user == "bob" && short.domain == "D" && short.password?.bytes == Array("pw".utf8))
        #expect(throws: SMB2PipeFailure.self) {
            try CIFSCredentialsFile(parsing: Array(repeating: 0x41, count: CIFSCredentialsFile.maximumSize + 1))
        }
    }

    @Test func mountGivesServerShareUserAndAddress() throws {
        let mount = MountTable.Mount(
            mountPoint: "/mnt", source: "//smb.test.lan/share/dir",
            options: ["rw", "vers=3.1.1", "sec=ntlmssp", "username=alice", "domain=LAB", "addr=192.0.2.10"])
        let invocation = try ShadowCopyInvocation(
            mount: mount, server: nil, share: nil, user: nil, domain: nil, credentialsFile: nil,
            passwordEnvironment: "pw")
        #expect(invocation.target == ShadowCopyTarget(server: "smb.test.lan", share: "share"))
        #expect(invocation.target.uncName == "\\\\smb.test.lan\\share")
        #expect(invocation.connectTo == "192.0.2.10")
        #expect(invocation.credentials?.user == "alice" && invocation.credentials?.domain == "LAB")
        // --server wins, and is what the client connects to.
        let explicit = try ShadowCopyInvocation(
            mount: mount, server: "other", share: "s2", user: "bob", domain: nil, credentialsFile: nil,
            passwordEnvironment: "pw")
        #expect(explicit.connectTo == "other" && explicit.target.share == "s2" && explicit.credentials?.user == "bob")
    }

    @Test func aKerberosMountOrKerberosFlagNeedsNoPassword() throws {
        let krb5 = MountTable.Mount(mountPoint: "/mnt", source: "//s/share", options: ["sec=krb5i", "username=a"])
        let fromMount = try ShadowCopyInvocation(
            mount: krb5, server: nil, share: nil, user: nil, domain: nil, credentialsFile: nil,
            passwordEnvironment: nil,
            passwordPrompt: { _, _ in
                Issue.record("asked for a password"); return nil
            })
        #expect(fromMount.credentials == nil)
        #expect(fromMount.authentication.mountOptions == "sec=krb5")
        let flagged = try ShadowCopyInvocation(
            mount: nil, server: "s", share: "x", user: nil, domain: nil, credentialsFile: nil,
            passwordEnvironment: nil, kerberos: true)
        #expect(flagged.credentials == nil && flagged.target.server == "s")
    }

    @Test func refusesWhatItCannotDo() throws {
        #expect(throws: SMB2PipeFailure.self) {
            try ShadowCopyInvocation(
                mount: nil, server: "s", share: "x", user: "a", domain: nil, credentialsFile: nil,
                passwordEnvironment: nil)
        }
        #expect(throws: SMB2PipeFailure.self) {
            try ShadowCopyInvocation(
                mount: nil, server: "s", share: nil, user: "a", domain: nil, credentialsFile: nil,
                passwordEnvironment: "pw")
        }
    }

    @Test func thePromptIsAskedOnlyWhenNoFileOrEnvironmentGivesThePassword() throws {
        var asked: [String] = []
        let prompt: (String, String) throws -> Secret? = { user, server in
            asked.append("\(user)@\(server)")
            return Secret(Array("typed".utf8))
        }
        let file = try CIFSCredentialsFile(parsing: Array("username=alice\npassword=fromfile\n".utf8))
        let fromFile = try ShadowCopyInvocation(
            mount: nil, server: "s", share: "x", user: nil, domain: nil, credentialsFile: file,
            passwordEnvironment: "fromenv", passwordPrompt: prompt)
        #expect(fromFile.credentials?.password.bytes == Array("fromfile".utf8))
        let fromEnvironment = try ShadowCopyInvocation(
            mount: nil, server: "s", share: "x", user: "bob", domain: nil, credentialsFile: nil,
            passwordEnvironment: "fromenv", passwordPrompt: prompt)
        #expect(fromEnvironment.credentials?.password.bytes == Array("fromenv".utf8))
        #expect(asked.isEmpty)
        let typed = try ShadowCopyInvocation(
            mount: nil, server: "s", share: "x", user: "bob", domain: nil, credentialsFile: nil,
            passwordEnvironment: nil, passwordPrompt: prompt)
        #expect(typed.credentials?.password.bytes == Array("typed".utf8))
        #expect(asked == ["bob@s"])
    }

    @Test func noTerminalOrACancelledPromptIsNoPassword() {
        #expect(throws: SMB2PipeFailure.self) {
            try ShadowCopyInvocation(
                mount: nil, server: "s", share: "x", user: "a", domain: nil, credentialsFile: nil,
                passwordEnvironment: nil, passwordPrompt: { _, _ in nil })
        }
        struct Cancelled: Error {}
        #expect(throws: SMB2PipeFailure.self) {
            try ShadowCopyInvocation(
                mount: nil, server: "s", share: "x", user: "a", domain: nil, credentialsFile: nil,
                passwordEnvironment: nil, passwordPrompt: { _, _ in throw Cancelled() })
        }
    }
}

extension ShadowCopyInvocation {
    /// The NTLM credentials, nil for Kerberos.
    var credentials: SMB2PipeCredentials? {
        if case .ntlm(let credentials) = authentication { credentials } else { nil }
    }
}
