import SMB3System
import Testing

struct SystemLogTests {
    @Test func fieldNamesAreWhatJournaldAccepts() {
        #expect(SystemLog.fieldName("key.serial") == "KEY_SERIAL")
        #expect(SystemLog.fieldName("krb5.spn") == "KRB5_SPN")
        #expect(SystemLog.fieldName("upcall-target") == "UPCALL_TARGET")
        // Journald field names are ASCII: a non-ASCII letter becomes underscores, not "É".
        #expect(SystemLog.fieldName("é") == "__")
    }

    @Test func syslogSuffixLowersTheNames() {
        #expect(SystemLog.syslogSuffix([]) == "")
        #expect(
            SystemLog.syslogSuffix([("KEY_SERIAL", "5"), ("SERVER_HOST", "Srv")]) == " [key_serial=5 server_host=Srv]")
    }
}
