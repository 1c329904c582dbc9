import CLinuxShims
import Glibc
import SMB3Errors
import SMB3System
import Testing

struct SystemErrorTests {
    /// Errno's table is pure Swift (kits word errors without the C library); it must say exactly
    /// what glibc says, for every number Linux defines.
    @Test func errnoTableAgreesWithGlibc() {
        var checked = 0
        for code in Int32(1)...Int32(200) {
            guard let name = smb3_errno_name(code) else {
                #expect(Errno(rawValue: code).name == "errno \(code)")
                continue
            }
            let errno = Errno(rawValue: code)
            #expect(errno.name == String(cString: name), "errno \(code)")
            #expect(errno.message == String(cString: strerror(code)), "errno \(code)")
            checked += 1
        }
        #expect(checked == 131)
    }

    @Test func namedMembersAreGlibcsNumbers() {
        #expect(Errno.permissionDenied.rawValue == EACCES)
        #expect(Errno.improperLink.rawValue == EXDEV)
        #expect(Errno.notSupported.rawValue == EOPNOTSUPP)
        #expect(Errno.inappropriateIOCTLForDevice.rawValue == ENOTTY)
        #expect(Errno.keyRejected.rawValue == EKEYREJECTED)
        #expect(Errno.nowInProgress.rawValue == EINPROGRESS)
    }

    @Test func thePlatformSpellingTakesCsErrno() {
        let error = SystemError(function: "open", errno: ENOENT, context: "reading /proc/fs/cifs/DebugData")
        #expect(error.errno == .noSuchFileOrDirectory)
        #expect(error.description == "reading /proc/fs/cifs/DebugData: open failed: No such file or directory (ENOENT)")
    }
}
