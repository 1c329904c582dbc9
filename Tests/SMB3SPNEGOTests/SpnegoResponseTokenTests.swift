import SMB3Protocol
import SwiftASN1
import Testing

@testable import SMB3SPNEGO

@Suite("SPNEGO NegTokenResp")
struct SpnegoResponseTokenTests {
    /// A server's first answer to an NTLMSSP NegTokenInit, laid out by hand (RFC 4178 §4.2.2):
    /// a1 [1] { 30 SEQUENCE { a0 [0] { 0a ENUMERATED 1 }, a1 [1] { 06 OID NTLMSSP },
    /// a2 [2] { 04 OCTET STRING "NTLMSSP\0" } } }.
    static let acceptIncomplete: [UInt8] = [
        0xa1, 0x21, 0x30, 0x1f,
        0xa0, 0x03, 0x0a, 0x01, 0x01,
        0xa1, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a,
        0xa2, 0x0a, 0x04, 0x08, 0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00,
    ]

    @Test func decodesTheServersChallengeToken() throws {
        let token = try SpnegoResponseToken(parsing: Self.acceptIncomplete)
        #expect(token.state == .acceptIncomplete)
        #expect(token.supportedMechanism == MechanismOID.ntlmssp)
        #expect(token.responseToken == Array("NTLMSSP\0".utf8))
        #expect(token.mechanismListMIC == nil)
        #expect(try token.encoded() == Self.acceptIncomplete)
    }

    @Test func clientTokenCarriesTheMessageAndTheMIC() throws {
        let token = SpnegoResponseToken(responseToken: [1, 2, 3], mechanismListMIC: [9, 9])
        // a1 [1] { 30 { a2 [2] { 04 03 010203 }, a3 [3] { 04 02 0909 } } }
        #expect(
            try token.encoded() == [
                0xa1, 0x0f, 0x30, 0x0d, 0xa2, 0x05, 0x04, 0x03, 1, 2, 3, 0xa3, 0x04, 0x04, 0x02, 9, 9,
            ])
        #expect(try SpnegoResponseToken(parsing: token.encoded()) == token)
    }

    @Test func mechanismListIsTheDEROfTheSequence() throws {
        #expect(
            try MechanismOID.mechanismTypeListDER([MechanismOID.ntlmssp])
                == [0x30, 0x0c, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a])
    }

    @Test func rejectsTruncationAndTrailingBytes() {
        for length in 0..<Self.acceptIncomplete.count {
            #expect(throws: (any Error).self) {
                try SpnegoResponseToken(parsing: Array(Self.acceptIncomplete[0..<length]))
            }
        }
        #expect(throws: (any Error).self) { try SpnegoResponseToken(parsing: Self.acceptIncomplete + [0]) }
    }
}
