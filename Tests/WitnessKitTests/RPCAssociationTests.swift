import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// The receiving half of RPCConnection without a stream: verification, downgrade refusal and
/// reassembly of response fragments, against a server-side NTLM session.
@Suite("RPCAssociation")
struct RPCAssociationTests {
    static let flags: NTLMNegotiateFlags = [.extendedSessionSecurity, .sign, .seal, .key128, .keyExchange]
    static let key = Secret(Array(repeating: 0x42, count: 16))

    static func pair(level: DCERPCAuthLevel) throws -> (client: RPCAssociation, server: NTLMSessionSecurity) {
        let client = try NTLMSessionSecurity(exportedSessionKey: key, flags: flags)
        let server = try NTLMSessionSecurity(exportedSessionKey: key, flags: flags, role: .server)
        return (RPCAssociation(ntlmSession: client, level: level), server)
    }

    /// A response fragment as a server builds it: stub padded to 16, signed (and sealed at privacy).
    static func response(
        callID: UInt32, stub: [UInt8], flags: DCERPCPacketFlags, server: inout NTLMSessionSecurity?,
        privacy: Bool = true
    ) -> [UInt8] {
        let pad = (16 - stub.count % 16) % 16
        let body: [UInt8] = [UInt8(truncatingIfNeeded: stub.count), 0, 0, 0, 0, 0, 0, 0] + stub
        var pdu = DCERPCPacket(
            type: .response, flags: flags, callID: callID, body: body,
            auth: server == nil
                ? nil
                : DCERPCAuthVerifier(
                    type: DCERPCAuthType.ntlmssp.rawValue, level: privacy ? 6 : 5, padLength: UInt8(pad), contextID: 1,
                    value: Array(repeating: 0, count: 16))
        ).encoded()
        guard var session = server else { return pdu }
        let data = 24..<(24 + stub.count + pad)
        let signedEnd = pdu.count - 16
        let signature: [UInt8]
        if privacy {
            let result = session.seal(Array(pdu[data]), signing: Array(pdu[..<signedEnd]))
            pdu.replaceSubrange(data, with: result.sealed)
            signature = result.signature
        } else {
            signature = session.sign(Array(pdu[..<signedEnd]))
        }
        pdu.replaceSubrange(signedEnd..., with: signature)
        server = session
        return pdu
    }

    @Test func sealedFragmentsAreVerifiedAndReassembled() throws {
        var (association, session) = try Self.pair(level: .privacy)
        var server: NTLMSessionSecurity? = session
        let first = Self.response(
            callID: 2, stub: Array(repeating: 0xA1, count: 20), flags: .firstFragment, server: &server)
        let last = Self.response(callID: 2, stub: [1, 2, 3], flags: .lastFragment, server: &server)
        #expect(try association.receive(first, isPending: { $0 == 2 }) == .fragment(callID: 2))
        #expect(association.bufferedReplyBytes == 20)  // the stub without its auth pad
        guard case .reply(2, .success(let stub)) = try association.receive(last, isPending: { $0 == 2 }) else {
            Issue.record("no reply")
            return
        }
        #expect(stub == Array(repeating: 0xA1, count: 20) + [1, 2, 3])
        #expect(association.bufferedReplyBytes == 0)
        session = try #require(server)
        #expect(session.outboundSequenceNumber == 2)
    }

    @Test func aReplyToAnAbandonedCallIsVerifiedButNotKept() throws {
        var (association, session) = try Self.pair(level: .integrity)
        var server: NTLMSessionSecurity? = session
        let orphan = Self.response(callID: 9, stub: [7, 7], flags: .firstFragment, server: &server, privacy: false)
        #expect(try association.receive(orphan, isPending: { $0 == 2 }) == .ignored)
        #expect(association.bufferedReplyBytes == 0)
        // The sequence number moved on: the next signed reply still verifies.
        let next = Self.response(
            callID: 2, stub: [1], flags: [.firstFragment, .lastFragment], server: &server, privacy: false)
        guard case .reply(2, .success) = try association.receive(next, isPending: { $0 == 2 }) else {
            Issue.record("no reply")
            return
        }
        session = try #require(server)
        _ = session
    }

    @Test func anUnsignedOrForgedResponseOnAnAuthenticatedAssociationThrows() throws {
        var (association, _) = try Self.pair(level: .privacy)
        var none: NTLMSessionSecurity?
        let unsigned = Self.response(callID: 2, stub: [1], flags: [.firstFragment, .lastFragment], server: &none)
        #expect(throws: DCERPCError.self) { try association.receive(unsigned, isPending: { _ in true }) }

        var (fresh, session) = try Self.pair(level: .privacy)
        var server: NTLMSessionSecurity? = session
        var forged = Self.response(callID: 2, stub: [1, 2], flags: [.firstFragment, .lastFragment], server: &server)
        forged[30] ^= 1
        #expect(throws: (any Error).self) { try fresh.receive(forged, isPending: { _ in true }) }
        session = try #require(server)
        _ = session
    }

    @Test func aSignedReplyOnAnUnauthenticatedAssociationOrAFrameOfTheWrongLengthThrows() throws {
        var association = RPCAssociation()
        var (_, session) = try Self.pair(level: .privacy)
        var server: NTLMSessionSecurity? = session
        let signed = Self.response(callID: 2, stub: [1], flags: [.firstFragment, .lastFragment], server: &server)
        #expect(throws: DCERPCError.self) { try association.receive(signed, isPending: { _ in true }) }
        var none: NTLMSessionSecurity?
        let plain = Self.response(callID: 2, stub: [1], flags: [.firstFragment, .lastFragment], server: &none)
        #expect(throws: DCERPCError.self) { try association.receive(plain + [0], isPending: { _ in true }) }
        #expect(throws: DCERPCError.self) { try association.receive(Array(plain.dropLast()), isPending: { _ in true }) }
        guard case .reply(2, .success([1])) = try association.receive(plain, isPending: { _ in true }) else {
            Issue.record("no reply")
            return
        }
        session = try #require(server)
        _ = session
    }

    @Test func aReplyAboveTheLimitThrows() throws {
        var association = RPCAssociation()
        var none: NTLMSessionSecurity?
        let chunk = Self.response(callID: 2, stub: Array(repeating: 0, count: 60_000), flags: [], server: &none)
        var received = 0
        let outcome: Result<Void, any Error> = Result {
            while true {
                _ = try association.receive(chunk, isPending: { $0 == 2 })
                received += 60_000
            }
        }
        guard case .failure(let error) = outcome else { return }
        #expect(error as? DCERPCError == .tooLarge(received + 60_000))
        #expect(received <= RPCAssociation.maximumReplySize)
    }

    @Test func aFaultEndsTheCallAndDropsItsFragments() throws {
        var association = RPCAssociation()
        var none: NTLMSessionSecurity?
        _ = try association.receive(
            Self.response(callID: 3, stub: [1, 2, 3], flags: .firstFragment, server: &none), isPending: { _ in true })
        #expect(association.bufferedReplyBytes == 3)
        let fault = DCERPCPacket(
            type: .fault, flags: [.firstFragment, .lastFragment], callID: 3,
            body: [0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0]
        ).encoded()
        #expect(
            try association.receive(fault, isPending: { _ in true }) == .reply(callID: 3, .failure(.fault(status: 5))))
        #expect(association.bufferedReplyBytes == 0)
    }

    /// A request as the association protects it verifies on the server's side.
    @Test func requestsAreSealedForTheServer() throws {
        var (association, session) = try Self.pair(level: .privacy)
        let stub: [UInt8] = Array(1...21)
        let pdu = try association.request(callID: 2, opnum: 3, stub: stub)
        let data = 24..<(24 + 32)
        let signedEnd = pdu.count - 16
        let plaintext = try session.unseal(Array(pdu[data]), signature: Array(pdu[signedEnd...])) { plaintext in
            var rebuilt = Array(pdu[..<signedEnd])
            rebuilt.replaceSubrange(data, with: plaintext)
            return rebuilt
        }
        #expect(Array(plaintext.prefix(21)) == stub)
        #expect(throws: DCERPCError.tooLarge(24 + 5000 + 8 + 8 + 16)) {
            try association.request(callID: 3, opnum: 3, stub: Array(repeating: 0, count: 5000))
        }
    }
}
