import Glibc
import SMB3System
import Testing

struct SystemErrorTests {
    @Test func namesComeFromGlibcForEveryErrno() {
        #expect(SystemError(function: "open", errno: EACCES, context: "x").errnoName == "EACCES")
        // Not in the short table this replaced.
        #expect(SystemError(function: "keyctl", errno: EKEYREJECTED, context: "x").errnoName == "EKEYREJECTED")
        #expect(SystemError(function: "sendmsg", errno: EMSGSIZE, context: "x").errnoName == "EMSGSIZE")
    }

    @Test func unknownNumberIsSpelledOut() {
        #expect(SystemError(function: "f", errno: 4242, context: "x").errnoName == "errno 4242")
    }

    @Test func descriptionNamesCallContextAndErrno() {
        let error = SystemError(function: "open", errno: ENOENT, context: "reading /proc/fs/cifs/DebugData")
        #expect(error.description == "reading /proc/fs/cifs/DebugData: open failed: No such file or directory (ENOENT)")
    }
}
