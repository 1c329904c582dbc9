import SMB3Protocol
import SMB3TestSupport
import Testing

@testable import SMB3FSRVP

@Suite("FSRVP responses")
struct FSRVPResponseTests {
    /// GetShareMapping, level 1, built by hand: level, referent, the structure at 8 (aligned to 8),
    /// the two deferred strings, the status at 196 after two bytes of padding.
    static let shareMappingStub = hexBytes(
        """
        01000000 00000200
        33221100 5544 7766 8899 aabbccddeeff
        d4c3b2a1 0000 0040 8000 00000000abcd
        04000200 08000200
        002b1cec0f83dd01
        0c000000 00000000 0c000000
        5c 00 5c 00 53 00 4d 00 42 00 5c 00 73 00 68 00 61 00 72 00 65 00 00 00
        2d000000 00000000 2d000000
        73 00 68 00 61 00 72 00 65 00 40 00 7b 00 61 00 31 00 62 00 32 00 63 00 33 00 64 00 34 00 2d 00
        30 00 30 00 30 00 30 00 2d 00 34 00 30 00 30 00 30 00 2d 00 38 00 30 00 30 00 30 00 2d 00 30 00
        30 00 30 00 30 00 30 00 30 00 30 00 30 00 61 00 62 00 63 00 64 00 7d 00 00 00
        0000
        00000000
        """)

    @Test func shareMappingDecodes() throws {
        let stub = Self.shareMappingStub
        #expect(stub.count == 200)
        let (mapping, status) = try FSRVPResponse.shareMapping(stub)
        #expect(status == .success)
        let decoded = try #require(mapping)
        #expect(decoded.setID.description == "00112233-4455-6677-8899-aabbccddeeff")
        #expect(decoded.copyID.description == "a1b2c3d4-0000-4000-8000-00000000abcd")
        #expect(decoded.shareNameUNC == "\\\\SMB\\share")
        #expect(decoded.shadowCopyShareName == "share@{a1b2c3d4-0000-4000-8000-00000000abcd}")
        #expect(decoded.creationTime == 134_407_668_300_000_000)
        #expect(decoded.creationUnixSeconds == 1_796_293_230)  // 2026-12-03 10:20:30 UTC
    }

    @Test func shareMappingRejectsEveryTruncationAndATrailingByte() {
        let stub = Self.shareMappingStub
        for length in 0..<stub.count {
            #expect(throws: DCERPCError.self) { try FSRVPResponse.shareMapping(Array(stub[0..<length])) }
        }
        #expect(throws: DCERPCError.self) { try FSRVPResponse.shareMapping(stub + [0]) }
    }

    @Test func shareMappingOfAFailedCallHasANullArm() throws {
        // Samba before ExposeShadowCopySet: level 1, NULL pointer, 0x80042311.
        let (mapping, status) = try FSRVPResponse.shareMapping(hexBytes("01000000 00000000 11230480"))
        #expect(mapping == nil)
        #expect(status == .notExposed)
        #expect(status.name == nil)
        #expect(status.description == "0x80042311")
    }

    @Test func stringsAreCheckedStrictly() {
        var stub = Self.shareMappingStub
        stub[60] = 0x0d  // ShareNameUNC offset ≠ 0
        #expect(throws: DCERPCError.ndr("")) { try FSRVPResponse.shareMapping(stub) }
        stub = Self.shareMappingStub
        stub[56] = 0x0b  // actual_count 12 > max_count 11
        #expect(throws: DCERPCError.ndr("")) { try FSRVPResponse.shareMapping(stub) }
        stub = Self.shareMappingStub
        stub[89] = 0xD8  // a lone high surrogate in place of "e"
        stub[88] = 0x00
        #expect(throws: DCERPCError.ndr("")) { try FSRVPResponse.shareMapping(stub) }
        stub = Self.shareMappingStub
        stub[90] = 0x41  // the NUL replaced
        #expect(throws: DCERPCError.ndr("")) { try FSRVPResponse.shareMapping(stub) }
        stub = Self.shareMappingStub
        stub.replaceSubrange(44..<48, with: [0, 0, 0, 0])  // ShadowCopyShareName NULL
        #expect(throws: DCERPCError.ndr("")) { try FSRVPResponse.shareMapping(stub) }
    }

    @Test func pathSupportedWithOwner() throws {
        let stub = hexBytes("01000000 00000200 04000000 00000000 04000000 53 00 4d 00 42 00 00 00 00000000")
        let (supported, owner, status) = try FSRVPResponse.pathSupported(stub)
        #expect(supported)
        #expect(owner == "SMB")
        #expect(status == .success)
        let refused = try FSRVPResponse.pathSupported(hexBytes("00000000 00000000 0c230480"))
        #expect(!refused.supported)
        #expect(refused.ownerMachineName == nil)
        #expect(refused.status == .notSupported)
        #expect(refused.status.description == "FSRVP_E_NOT_SUPPORTED (0x8004230C)")
        #expect(throws: DCERPCError.self) { try FSRVPResponse.pathSupported(stub + [0, 0, 0, 0]) }
    }

    @Test func versionsIdsAndStatuses() throws {
        let version = try FSRVPResponse.supportedVersion(hexBytes("01000000 01000000 00000000"))
        #expect(version.minimum == 1 && version.maximum == 1 && version.status == .success)
        let start = try FSRVPResponse.guid(hexBytes("33221100 5544 7766 8899 aabbccddeeff 00000000"))
        #expect(start.id.description == "00112233-4455-6677-8899-aabbccddeeff")
        #expect(try FSRVPResponse.status(hexBytes("05000780")) == .accessDenied)
        #expect(try FSRVPResponse.status(hexBytes("05400080")) == .fail)
        let copied = try FSRVPResponse.pathShadowCopied(hexBytes("01000000 ffffffff 00000000"))
        #expect(copied.present && copied.compatibility == -1)
        #expect(throws: DCERPCError.self) { try FSRVPResponse.status([]) }
        #expect(throws: DCERPCError.self) { try FSRVPResponse.status(hexBytes("00000000 00")) }
    }

    @Test func everyErrorTheLabSeesIsNamed() {
        #expect(FSRVPStatus.accessDenied.description == "E_ACCESSDENIED (0x80070005)")
        #expect(FSRVPStatus.fail.description == "E_FAIL (0x80004005)")
        #expect(FSRVPStatus.notSupported.name == "FSRVP_E_NOT_SUPPORTED")
        #expect(FSRVPStatus(0x8004_2301).name == "FSRVP_E_BAD_STATE")
        #expect(FSRVPStatus(0x8004_2316).name == "FSRVP_E_SHADOW_COPY_SET_IN_PROGRESS")
        #expect(FSRVPStatus(0x0000_0102).name == "FSRVP_E_WAIT_TIMEOUT")
        #expect(FSRVPStatus(0xFFFF_FFFF).name == "FSRVP_E_WAIT_FAILED")
        #expect(FSRVPStatus(0x8004_230D).name == "FSRVP_E_OBJECT_ALREADY_EXISTS")
        #expect(FSRVPStatus(0x8004_2308).name == "FSRVP_E_OBJECT_NOT_FOUND")
        #expect(FSRVPStatus(0x8004_231B).name == "FSRVP_E_UNSUPPORTED_CONTEXT")
        #expect(FSRVPStatus(0x8004_2302).name == "FSRVP_E_BAD_ID")
        #expect(FSRVPStatus.accessDenied.meaning?.contains("SeBackupPrivilege") == true)
        #expect(FSRVPStatus(0x1234).description == "0x00001234")
    }
}
