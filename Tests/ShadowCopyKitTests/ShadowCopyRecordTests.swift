import SMB3Protocol
import Testing

@testable import ShadowCopyKit

@Suite("Shadow copy records")
struct ShadowCopyRecordTests {
    @Test func roundTripAndSkipsBrokenLines() throws {
        let mapping = FSRVPShareMapping(
            setID: try #require(FSRVPGUID("0e0cd88a-b4d8-4d90-b205-2ddf1a8794b6")),
            copyID: try #require(FSRVPGUID("62a9d047-f2af-4a3a-8408-a97f4c7de172")), shareNameUNC: "\\\\VM\\share",
            shadowCopyShareName: "share@{62a9d047-f2af-4a3a-8408-a97f4c7de172}", creationTime: 134_408_725_180_000_000)
        let record = ShadowCopyRecord(server: "127.0.0.1", share: "share", mapping: mapping)
        let text = ShadowCopyRecord.render([record])
        #expect(
            text
                == "127.0.0.1\tshare\t0e0cd88a-b4d8-4d90-b205-2ddf1a8794b6\t62a9d047-f2af-4a3a-8408-a97f4c7de172\t"
                + "share@{62a9d047-f2af-4a3a-8408-a97f4c7de172}\t134408725180000000\n")
        #expect(ShadowCopyRecord.parse(text + "garbage\n\tx\t\t\t\t1\n") == [record])
        #expect(ShadowCopyRecord.parse(text.replacing("0e0cd88a", with: "zz")) == [])
    }

    @Test func exposedShareBecomesAUNCAndAMountSource() {
        typealias Operations = ShadowCopyOperations<ScriptedServer>
        #expect(Operations.exposedUNC(server: "s", name: "share@{x}") == "\\\\s\\share@{x}")
        #expect(Operations.exposedUNC(server: "s", name: "\\\\t\\y") == "\\\\t\\y")
        #expect("\\\\s\\share@{x}".replacingBackslashes() == "//s/share@{x}")
    }
}

@Suite("snapshot supported text")
struct ShadowCopySupportTextTests {
    @Test func accessDeniedSaysRefusedAndWhatTheServerRequires() {
        let status = FSRVPStatus.accessDenied
        let report = ShadowCopySupport(
            server: "s", share: "fss", supported: false, status: status.description, reason: status.meaning)
        #expect(
            report.text
                == "\\\\s\\fss: refused: the server requires an administrator, a backup operator or SeBackupPrivilege "
                + "[E_ACCESSDENIED (0x80070005)]")
        let plain = ShadowCopySupport(
            server: "s", share: "share", supported: false, status: FSRVPStatus.notSupported.description,
            reason: FSRVPStatus.notSupported.meaning)
        #expect(plain.text.hasPrefix("\\\\s\\share: shadow copies not supported: the file store"))
        #expect(
            ShadowCopySupport(server: "s", share: "x", supported: true, ownerMachine: "VM").text
                == "\\\\s\\x: shadow copies supported (owner VM)")
    }
}
