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
        let error = SystemError(
            function: "open", errno: .noSuchFileOrDirectory, context: "reading /proc/fs/cifs/DebugData")
        #expect(error.description == "reading /proc/fs/cifs/DebugData: open failed: No such file or directory (ENOENT)")
        #expect(
            SystemError(function: "ioctl", errno: .notSupported).description
                == "ioctl failed: Operation not supported (EOPNOTSUPP)")
    }

    @Test func equalityComparesTheErrnoOnly() {
        let live = SystemError(function: "ioctl CIFS_IOC_COPYCHUNK_FILE", errno: .improperLink, context: "copying")
        #expect(live == SystemError(function: "ioctl", errno: .improperLink))
        #expect(
            live != SystemError(function: "ioctl CIFS_IOC_COPYCHUNK_FILE", errno: .notSupported, context: "copying"))
    }
}

@Suite struct KerberosErrorTests {
    @Test func descriptionNamesTheFunctionWhenThereIsOne() {
        let library = KerberosError(
            kind: .noTicket, function: "krb5_cc_retrieve_cred", code: -1_765_328_243,
            reason: "Matching credential not found")
        #expect(library.description == "krb5_cc_retrieve_cred: Matching credential not found")
        #expect(
            KerberosError(kind: .other, reason: "no keytab during warm-up").description == "no keytab during warm-up")
    }

    /// The journal field KRB5_ERROR carries the kind's raw value; admins query these names.
    @Test func kindNamesAreTheJournalValues() {
        #expect(
            KerberosError.Kind.allCases.map(\.rawValue) == [
                "noCredentialCache", "noTicket", "ticketExpired", "clockSkew", "unknownServicePrincipal",
                "unknownClientPrincipal", "kdcUnreachable", "keytabHasNoKey", "keytabMissing", "keytabUnreadable",
                "wrongPassword",
                "other",
            ])
    }
}
