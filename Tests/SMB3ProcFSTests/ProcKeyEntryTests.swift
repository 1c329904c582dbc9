import Testing

@testable import SMB3ProcFS

@Suite("ProcKeyEntry")
struct ProcKeyEntryTests {
    /// As 6.1 lists a cifs.spnego key a handler is working on, and one it negated
    /// (kernel-interfaces.md §1.1: `I--Q-N-`).
    static let keys = """
        0b1e2f3a I--Q---     3 perm 3f010000     0     0 keyring   _ses: 1
        1c2d3e4f ----U--     1 perm 39010000     0     0 cifs.spne ver=0x2;host=smb.test.lan;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x3e8;pid=0xa2
        2d3e4f50 I--Q-N-     1   59s 39010000     0     0 cifs.spne ver=0x2;host=smb.test.lan;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x3e8;pid=0xa3

        """

    @Test func aKeyWaitingForItsHandlerIsUnderConstruction() throws {
        let entry = try #require(ProcKeyEntry.find(serial: 0x1c2d_3e4f, in: Array(Self.keys.utf8)))
        #expect(entry.isUnderConstruction)
        #expect(entry.uid == 0)
        #expect(entry.typePrefix == "cifs.spne")
    }

    @Test func negativeAndInstantiatedKeysAreNot() throws {
        #expect(
            try #require(ProcKeyEntry.find(serial: 0x2d3e_4f50, in: Array(Self.keys.utf8))).isUnderConstruction == false
        )
        #expect(
            try #require(ProcKeyEntry.find(serial: 0x0b1e_2f3a, in: Array(Self.keys.utf8))).isUnderConstruction == false
        )
    }

    @Test func unknownSerialsAndMalformedLinesFindNothing() {
        #expect(ProcKeyEntry.find(serial: 5, in: Array(Self.keys.utf8)) == nil)
        #expect(ProcKeyEntry(line: "1C2D3E4F ----U--     1 perm 39010000     0     0 cifs.spne x") == nil)
        #expect(ProcKeyEntry(line: "1c2d3e4f ----U-     1 perm 39010000     0     0 cifs.spne x") == nil)
        #expect(ProcKeyEntry(line: "1c2d3e4f ----U--     1 perm 39010000") == nil)
    }
}
