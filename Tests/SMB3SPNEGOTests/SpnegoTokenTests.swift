import SMB3Protocol
import SwiftASN1
import Testing

@testable import SMB3SPNEGO

@Suite("SPNEGO and krb5 initial tokens")
struct SpnegoTokenTests {
    // A minimal [APPLICATION 14] value standing in for an AP-REQ: 6e 03 (INTEGER 5).
    static let apRequest: [UInt8] = [0x6e, 0x03, 0x02, 0x01, 0x05]
    static let krb5OID: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02]
    static let msKrb5OID: [UInt8] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02]
    // cifs-utils.md §1.9: 60 len | 06 09 <krb5> | 01 00 | AP-REQ.
    static let krb5Token: [UInt8] = [0x60, 0x12] + krb5OID + [0x01, 0x00] + apRequest
    // 60 | 06 06 2b0601050502 | a0 [ 30 [ a0 [ 30 [ OID ] ] a2 [ 04 krb5Token ] ] ].
    // pyasn1 (independent DER decoder) reads the part after the OID as SEQUENCE { [0] { 1.2.840.113554.1.2.2 },
    // [2] 0x601206…05 }, the same structure cifs.upcall sends.
    static func spnegoToken(mech: [UInt8]) -> [UInt8] {
        [
            0x60, 0x33, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
            0xa0, 0x29, 0x30, 0x27, 0xa0, 0x0d, 0x30, 0x0b,
        ] + mech + [0xa2, 0x16, 0x04, 0x14] + krb5Token
    }

    @Test func krb5InitialContextTokenMatchesTheGoldenBytes() throws {
        let token = KerberosInitialContextToken(apRequest: Self.apRequest)
        #expect(try token.encoded() == Self.krb5Token)
        #expect(try KerberosInitialContextToken(parsing: Self.krb5Token) == token)
    }

    @Test(arguments: [SecurityMechanism.krb5, .msKrb5])
    func spnegoTokenMatchesTheGoldenBytes(_ mechanism: SecurityMechanism) throws {
        let oid = try #require(MechanismOID.spnegoMechanism(for: mechanism))
        let token = SpnegoInitialToken(mechanismTypes: [oid], mechanismToken: Self.krb5Token)
        let golden = Self.spnegoToken(mech: mechanism == .krb5 ? Self.krb5OID : Self.msKrb5OID)
        #expect(try token.encoded() == golden)
        #expect(try SpnegoInitialToken(parsing: golden) == token)
    }

    @Test func iakerbHasNoPlainKerberosMechanism() {
        #expect(MechanismOID.spnegoMechanism(for: .iakerb) == nil)
    }

    @Test func rejectsTrailingBytesAndTruncation() throws {
        let golden = Self.spnegoToken(mech: Self.krb5OID)
        #expect(throws: (any Error).self) { try SpnegoInitialToken(parsing: golden + [0]) }
        #expect(throws: (any Error).self) { try KerberosInitialContextToken(parsing: Self.krb5Token + [0]) }
        for end in 0..<golden.count {
            #expect(throws: (any Error).self) { try SpnegoInitialToken(parsing: Array(golden[..<end])) }
        }
        for end in 0..<Self.krb5Token.count {
            #expect(throws: (any Error).self) {
                try KerberosInitialContextToken(parsing: Array(Self.krb5Token[..<end]))
            }
        }
    }

    @Test func rejectsOtherMechanismsAndTokenIDs() {
        var wrongTokenID = Self.krb5Token
        wrongTokenID[13] = 0x02  // 02 00 is KRB_AP_REP
        #expect(throws: (any Error).self) { try KerberosInitialContextToken(parsing: wrongTokenID) }
        var wrongOuterOID = Self.spnegoToken(mech: Self.krb5OID)
        wrongOuterOID[9] = 0x03
        #expect(throws: (any Error).self) { try SpnegoInitialToken(parsing: wrongOuterOID) }
    }

    @Test func gssChecksumIsCifsUpcallsTwentyFourBytes() {
        #expect(
            GSSAuthenticatorChecksum().encoded() == [0x10, 0, 0, 0] + Array(repeating: 0, count: 16) + [0, 0, 0, 0])
        #expect(GSSAuthenticatorChecksum.checksumType == 0x8003)
    }
}
