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
        #expect(UpcallFullProgram.candidates(besideFront: "/smb3-upcall") == ["/libexec/smb3kit/smb3-upcall-full", "/smb3-upcall-full"])
        #expect(UpcallFullProgram.candidates(besideFront: "/sbin/smb3-upcall") == ["/libexec/smb3kit/smb3-upcall-full", "/sbin/smb3-upcall-full"])
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
