import SMB3Protocol
import SMB3TestSupport
import Testing

@testable import SMB3FSRVP

/// MS-FSRVP stubs, checked byte for byte against layouts worked out by hand from MS-FSRVP 3.1.4
/// and Samba's fsrvp.idl (comments give each field's offset).
@Suite("FSRVP RPC stubs")
struct FSRVPRPCTests {
    let setID = FSRVPGUID("00112233-4455-6677-8899-aabbccddeeff")
    let copyID = FSRVPGUID("{A1B2C3D4-0000-4000-8000-00000000ABCD}")

    @Test func interfaceIsFileServerVssAgentV1() throws {
        let parsed = try #require(DCERPCSyntax(uuid: "a8e0653c-2744-4389-a61d-7373df8b2292", major: 1, minor: 0))
        #expect(FSRVPRPC.interface == parsed)
        #expect(FSRVPRPC.pipeName == "FssagentRpc")
    }

    @Test func opnumsFollowTheSpec() {
        #expect(FSRVPRPC.Opnum.allCases.map(\.rawValue) == Array(0...12))
        #expect(FSRVPRPC.Opnum.isPathSupported.rawValue == 8)
        #expect(FSRVPRPC.Opnum.prepareShadowCopySet.rawValue == 12)
        #expect(FSRVPCall.getShareMapping(copyID: .zero, setID: .zero, shareName: "x").opnum == .getShareMapping)
        #expect(FSRVPCall.deleteShareMapping(setID: .zero, copyID: .zero, shareName: "x").opnum == .deleteShareMapping)
    }

    @Test func guidTextAndWireOrder() throws {
        let id = try #require(setID)
        // time_low, time_mid, time_hi little-endian; clock_seq and node as written.
        #expect(id.bytes == hexBytes("33221100 5544 7766 8899 aabbccddeeff"))
        #expect(id.description == "00112233-4455-6677-8899-aabbccddeeff")
        #expect(try #require(copyID).description == "a1b2c3d4-0000-4000-8000-00000000abcd")
        #expect(FSRVPGUID("00112233-4455-6677-8899-aabbccddeef") == nil)
        #expect(FSRVPGUID("00112233-4455-6677-8899aabbccddeeff") == nil)
        #expect(FSRVPGUID("0x112233-4455-6677-8899-aabbccddeeff") == nil)
        #expect(FSRVPGUID("00112233-4455-6677-8899-aabbccddeeg0") == nil)
        let random = FSRVPGUID(random: Array(repeating: 0xFF, count: 16))
        #expect(random.description == "ffffffff-ffff-4fff-bfff-ffffffffffff")
    }

    @Test func getSupportedVersionSendsTheFiftyTwoZeroBytes() {
        let call = FSRVPCall.getSupportedVersion()
        #expect(call.opnum == .getSupportedVersion)
        #expect(call.stub == Array(repeating: 0, count: 52))
    }

    @Test func setContextIsOneWord() {
        #expect(FSRVPCall.setContext(.backup).stub == hexBytes("00000000"))
        #expect(FSRVPCall.setContext(.fileShareBackup).stub == hexBytes("10000000"))
        #expect(FSRVPCall.setContext(.nasRollback).stub == hexBytes("19000000"))
        #expect(FSRVPCall.setContext(.appRollback.writable).stub == hexBytes("09004000"))
    }

    @Test func isPathSupportedIsAReferenceStringThenTheMagic() {
        let call = FSRVPCall.isPathSupported(shareName: "\\\\SMB\\share")
        let expected =
            hexBytes(
                """
                0c000000 00000000 0c000000
                5c 00 5c 00 53 00 4d 00 42 00 5c 00 73 00 68 00 61 00 72 00 65 00 00 00
                """) + Array(repeating: 0, count: 52)
        #expect(call.stub.count == 88)
        #expect(call.stub == expected)
        #expect(FSRVPCall.isPathShadowCopied(shareName: "\\\\SMB\\share").stub == Array(expected[0..<36]))
    }

    @Test func addToShadowCopySetIsTwoGUIDsAndTheShare() throws {
        let call = FSRVPCall.addToShadowCopySet(
            clientCopyID: try #require(copyID), setID: try #require(setID), shareName: "SMB")
        let expected = hexBytes(
            """
            d4c3b2a1 0000 0040 8000 00000000abcd
            33221100 5544 7766 8899 aabbccddeeff
            04000000 00000000 04000000 53 00 4d 00 42 00 00 00
            """)
        #expect(call.stub == expected)
    }

    @Test func commitExposePrepareAreGUIDAndTimeout() throws {
        let id = try #require(setID)
        let expected = id.bytes + hexBytes("c0d40100")  // 120000 ms
        #expect(FSRVPCall.commitShadowCopySet(setID: id, timeoutMilliseconds: 120_000).stub == expected)
        #expect(FSRVPCall.exposeShadowCopySet(setID: id, timeoutMilliseconds: 120_000).stub == expected)
        #expect(FSRVPCall.prepareShadowCopySet(setID: id, timeoutMilliseconds: 120_000).stub == expected)
        #expect(FSRVPCall.abortShadowCopySet(setID: id).stub == id.bytes)
        #expect(FSRVPCall.recoveryCompleteShadowCopySet(setID: id).stub == id.bytes)
        #expect(FSRVPCall.startShadowCopySet(clientSetID: id).stub == id.bytes)
    }

    @Test func getShareMappingPadsTheLevelToFour() throws {
        let copy = try #require(copyID), set = try #require(setID)
        // `\\S\ab`: 7 units with the NUL, 14 bytes, ending at 32 + 12 + 14 = 58; the Level at 60.
        let call = FSRVPCall.getShareMapping(copyID: copy, setID: set, shareName: "\\\\S\\ab")
        let expected =
            copy.bytes + set.bytes
            + hexBytes(
                """
                07000000 00000000 07000000 5c 00 5c 00 53 00 5c 00 61 00 62 00 00 00
                0000 01000000
                """)
        #expect(call.stub == expected)
        // DeleteShareMapping: the set id first, and no Level.
        let delete = FSRVPCall.deleteShareMapping(setID: set, copyID: copy, shareName: "\\\\S\\ab")
        #expect(delete.stub == set.bytes + copy.bytes + Array(expected[32..<58]))
    }
}
