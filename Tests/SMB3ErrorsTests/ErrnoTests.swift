import SMB3Errors
import Testing

@Suite struct ErrnoTests {
    @Test func namesAndMessages() {
        #expect(Errno.improperLink.name == "EXDEV")
        #expect(Errno.improperLink.message == "Invalid cross-device link")
        #expect(Errno.notSupported.description == "Operation not supported (EOPNOTSUPP)")
        #expect(Errno.keyRejected.name == "EKEYREJECTED")
    }

    @Test func unknownNumbersStillFit() {
        #expect(Errno(rawValue: 999).name == "errno 999")
        #expect(Errno(rawValue: 999).message == "Unknown error 999")
        #expect(Errno(rawValue: 0).name == "errno 0")
        #expect(Errno(rawValue: -1).name == "errno -1")
    }

    @Test func descriptionNamesContextCallAndErrno() {
        let error = SystemError(function: "open", errno: .noSuchFileOrDirectory, context: "reading /proc/fs/cifs/DebugData")
        #expect(error.description == "reading /proc/fs/cifs/DebugData: open failed: No such file or directory (ENOENT)")
        #expect(SystemError(function: "ioctl", errno: .notSupported).description == "ioctl failed: Operation not supported (EOPNOTSUPP)")
    }

    @Test func equalityComparesTheErrnoOnly() {
        let live = SystemError(function: "ioctl CIFS_IOC_COPYCHUNK_FILE", errno: .improperLink, context: "copying")
        #expect(live == SystemError(function: "ioctl", errno: .improperLink))
        #expect(live != SystemError(function: "ioctl CIFS_IOC_COPYCHUNK_FILE", errno: .notSupported, context: "copying"))
    }
}
