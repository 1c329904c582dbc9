import Testing

@testable import UpcallRelay

@Suite("UpcallFullProgram")
struct UpcallFullProgramTests {
    @Test func installedUnderLibexecThenBesideTheHandler() {
        #expect(
            UpcallFullProgram.candidates(besideFront: "/usr/sbin/smb3-upcall") == [
                "/usr/libexec/smb3kit/smb3-upcall-full", "/usr/sbin/smb3-upcall-full",
            ])
        #expect(
            UpcallFullProgram.candidates(besideFront: "/usr/local/sbin/smb3-upcall") == [
                "/usr/local/libexec/smb3kit/smb3-upcall-full", "/usr/local/sbin/smb3-upcall-full",
            ])
        // A build tree: .build/release holds both programs.
        #expect(
            UpcallFullProgram.candidates(besideFront: "/src/smb3kit/.build/release/smb3-upcall").last
                == "/src/smb3kit/.build/release/smb3-upcall-full")
    }

    @Test func programsAtTheRootGetNoDoubleSlash() {
        #expect(
            UpcallFullProgram.candidates(besideFront: "/smb3-upcall") == [
                "/libexec/smb3kit/smb3-upcall-full", "/smb3-upcall-full",
            ])
        #expect(
            UpcallFullProgram.candidates(besideFront: "/sbin/smb3-upcall") == [
                "/libexec/smb3kit/smb3-upcall-full", "/sbin/smb3-upcall-full",
            ])
    }

    /// The inverse: the service finds the handler it accepts requests from.
    @Test func theHandlerIsFoundFromTheFullProgram() {
        #expect(
            UpcallFullProgram.frontCandidates(besideFull: "/usr/libexec/smb3kit/smb3-upcall-full") == [
                "/usr/sbin/smb3-upcall", "/usr/bin/smb3-upcall", "/usr/libexec/smb3kit/smb3-upcall",
            ])
        #expect(
            UpcallFullProgram.frontCandidates(besideFull: "/src/.build/release/smb3-upcall-full") == [
                "/src/.build/release/smb3-upcall"
            ])
        // Installed (libexec) and beside the handler: each leads back to the handler.
        for front in [
            "/usr/sbin/smb3-upcall", "/usr/local/sbin/smb3-upcall", "/usr/bin/smb3-upcall",
            "/src/.build/release/smb3-upcall",
        ] {
            for full in UpcallFullProgram.candidates(besideFront: front) where !full.hasPrefix("/src/.build/libexec") {
                #expect(
                    UpcallFullProgram.frontCandidates(besideFull: full).contains(front),
                    "\(full) does not lead back to \(front)")
            }
        }
    }

    @Test func theServiceIsNotAskedTwice() {
        let arguments = ["-k", "/etc/krb5.conf", "123"]
        #expect(
            UpcallFullProgram.arguments(programPath: "/p/full", forwarding: arguments, serviceTried: true)
                == ["/p/full", "--no-service", "-k", "/etc/krb5.conf", "123"])
        #expect(
            UpcallFullProgram.arguments(programPath: "/p/full", forwarding: ["--help"], serviceTried: false)
                == ["/p/full", "--help"])
        // What smb3-upcall-full receives still parses as the same key and options, without the service.
        let forwarded = UpcallFullProgram.arguments(programPath: "/p/full", forwarding: arguments, serviceTried: true)
        let invocation = RequestKeyInvocation(arguments: Array(forwarded.dropFirst()))
        #expect(invocation?.keySerial == 123)
        #expect(invocation?.options.krb5Config == "/etc/krb5.conf")
        #expect(invocation?.useService == false)
    }
}
