import SMB3Protocol
import SMB3SMB2Security
import SMB3TestSupport
import Testing

@testable import SMB3SMB2
@testable import ShadowCopyKit

/// A scripted server's half of NEGOTIATE and SESSION_SETUP: a 3.1.1 NEGOTIATE response
/// (AES-CMAC signing) and SESSION_SETUP responses, for whole-handshake tests.
enum SessionSetupScript {
    static func negotiateResponseBody() -> [UInt8] {
        let contexts: [SMB2NegotiateContext] = [
            .preauthIntegrity(hashAlgorithms: [.sha512], salt: [1, 2, 3, 4]), .signing(algorithms: [.aesCMAC]),
        ]
        var writer = WireWriter()
        writer.writeInteger(UInt16(65), .little)
        writer.writeInteger(UInt16(1), .little)  // signing enabled
        writer.writeInteger(SMB2Dialect.smb311.rawValue, .little)
        writer.writeInteger(UInt16(contexts.count), .little)
        writer.writeBytes(Array(repeating: 0xAB, count: 16))
        writer.writeInteger(UInt32(0x2F), .little)
        for _ in 0..<3 { writer.writeInteger(UInt32(65536), .little) }
        writer.writeInteger(UInt64(1), .little)
        writer.writeInteger(UInt64(2), .little)
        writer.writeInteger(UInt16(0), .little)
        writer.writeInteger(UInt16(0), .little)
        writer.writeInteger(UInt32(128), .little)
        for context in contexts {
            writer.pad(toMultipleOf: 8, base: 64)
            writer.writeInteger(context.type, .little)
            writer.writeInteger(UInt16(context.data.count), .little)
            writer.writeInteger(UInt32(0), .little)
            writer.writeBytes(context.data)
        }
        return writer.bytes
    }

    static func sessionSetupResponseBody(_ securityBuffer: [UInt8], flags: UInt16 = 0) -> [UInt8] {
        var writer = WireWriter()
        writer.writeInteger(UInt16(9), .little)
        writer.writeInteger(flags, .little)
        writer.writeInteger(UInt16(SMB2Header.size + 8), .little)
        writer.writeInteger(UInt16(securityBuffer.count), .little)
        writer.writeBytes(securityBuffer)
        return writer.bytes
    }

    /// The client's SESSION_SETUP security buffer (MS-SMB2 2.2.5: offset at body byte 12).
    static func securityBuffer(ofRequest message: [UInt8]) throws -> [UInt8] {
        let body = SMB2Header.size
        try #require(message.count >= body + 16)
        let offset = Int(message[body + 12]) | Int(message[body + 13]) << 8
        let length = Int(message[body + 14]) | Int(message[body + 15]) << 8
        try #require(offset + length <= message.count)
        return Array(message[offset..<offset + length])
    }

    /// Queues the NEGOTIATE response and runs NEGOTIATE; returns the pre-auth hash so far.
    static func negotiate(
        _ session: SMB2PipeSession<ScriptedServer>, _ server: ScriptedServer
    ) throws
        -> SMB2PreauthIntegrity
    {
        let negotiate = SMB2Message(
            header: SMB2Header(command: .negotiate, credits: 64, flags: .serverToRedirector, messageID: 0),
            body: negotiateResponseBody()
        ).bytes
        server.queue(negotiate)
        try session.negotiate()
        var hash = SMB2PreauthIntegrity()
        hash.update(with: Array(try #require(server.sent.first).dropFirst(4)))
        hash.update(with: negotiate)
        return hash
    }

    /// A SESSION_SETUP SUCCESS carrying `token`, signed (AES-CMAC) with the signing key that
    /// `sessionKey` and `preauthHash` derive.
    static func signedSuccess(
        messageID: UInt64, sessionID: UInt64, token: [UInt8], sessionKey: Secret, preauthHash: [UInt8]
    ) throws -> [UInt8] {
        let header = SMB2Header(
            command: .sessionSetup, credits: 64, flags: .serverToRedirector, messageID: messageID,
            sessionID: sessionID)
        let keys = SMB2SessionKeys(sessionKey: sessionKey, dialect: .smb311, preauthHash: preauthHash)
        let signer = try SMB2Signer(algorithm: .aesCMAC, key: keys.signing)
        return try signer.sign(SMB2Message(header: header, body: sessionSetupResponseBody(token)).bytes)
    }
}

/// SESSION_SETUP with Kerberos, scripted whole: NEGOTIATE (3.1.1, AES-CMAC signing), then one
/// SESSION_SETUP whose SUCCESS response the server signs with the key derived from the ticket's
/// session key and the pre-auth hash of what the client actually sent.
@Suite("SMB2 pipe session with Kerberos")
struct SMB2KerberosSessionTests {
    static let ticketToken: [UInt8] = [0x60, 0x03, 0x06, 0x01, 0x00]
    static let sessionKey = Secret(Array(0x40..<0x60))
    static let sessionID: UInt64 = 0x0000_1234_0000_0077

    /// Runs NEGOTIATE and a Kerberos SESSION_SETUP against a server that answers the SESSION_SETUP
    /// with `finalResponse(preauthHash, sent)`.
    func handshake(
        ticket: (token: [UInt8], sessionKey: Secret)?,
        finalResponse: @escaping (_ preauthHash: [UInt8]) throws -> [UInt8]
    ) throws -> (SMB2PipeSession<ScriptedServer>, ScriptedServer) {
        let server = ScriptedServer()
        server.kerberosTicket = ticket
        let session = SMB2PipeSession(platform: server, server: "fs1.lab.test")
        // NEGOTIATE request and response, then the SESSION_SETUP request: the pre-auth hash the
        // keys come from (MS-SMB2 3.2.5.3.1; the final response is not part of it).
        let hash = try SessionSetupScript.negotiate(session, server)
        server.onSend = { [unowned server] request in
            var final = hash
            final.update(with: Array(request.dropFirst(4)))
            server.queue(try finalResponse(final.value))
        }
        try session.authenticateKerberos()
        return (session, server)
    }

    static func signedSuccess(preauthHash: [UInt8], key: Secret = sessionKey) throws -> [UInt8] {
        let token = try SpnegoResponseToken(
            state: .acceptCompleted, supportedMechanism: MechanismOID.krb5, responseToken: [0x6F, 0x00]
        ).encoded()
        return try SessionSetupScript.signedSuccess(
            messageID: 1, sessionID: sessionID, token: token, sessionKey: key, preauthHash: preauthHash)
    }

    @Test func theTicketGoesInSpnegoAndTheSignedSuccessIsVerified() throws {
        let (session, server) = try handshake(ticket: (Self.ticketToken, Self.sessionKey)) {
            try Self.signedSuccess(preauthHash: $0)
        }
        #expect(server.kerberosHosts == ["fs1.lab.test"])
        let request = Array(try #require(server.sent.last).dropFirst(4))
        let offered = try SpnegoInitialToken(parsing: try SessionSetupScript.securityBuffer(ofRequest: request))
        #expect(offered.mechanismTypes == [MechanismOID.krb5])
        #expect(offered.mechanismToken == Self.ticketToken)
        #expect(session.sessionID == Self.sessionID)
        #expect(session.summary == "SMB 3.1.1, signing AES-CMAC")
    }

    @Test func aServerWithoutTheSessionKeyIsRefused() throws {
        // Signed with another key: a server that could not read the ticket.
        #expect(throws: (any Error).self) {
            try handshake(ticket: (Self.ticketToken, Self.sessionKey)) {
                try Self.signedSuccess(preauthHash: $0, key: Secret(Array(repeating: 7, count: 32)))
            }
        }
        // Unsigned SUCCESS in 3.1.1.
        #expect(throws: (any Error).self) {
            try handshake(ticket: (Self.ticketToken, Self.sessionKey)) { _ in
                let header = SMB2Header(
                    command: .sessionSetup, credits: 64, flags: .serverToRedirector, messageID: 1,
                    sessionID: Self.sessionID)
                return SMB2Message(header: header, body: SessionSetupScript.sessionSetupResponseBody([])).bytes
            }
        }
    }

    @Test func noTicketSaysKinit() throws {
        do {
            _ = try handshake(ticket: nil) { _ in [] }
            Issue.record("a session without a ticket")
        } catch let failure as SMB2PipeFailure {
            #expect(failure.description.contains("cifs/fs1.lab.test"))
            #expect(failure.description.contains("kinit"))
        }
    }
}

/// SESSION_SETUP with NTLMSSP, scripted whole: the server's CHALLENGE is MS-NLMP 4.2.4.3's, the
/// client's exported session key is the scripted platform's "random" bytes, so the server side can
/// derive the same signing key from the pre-auth hash of what the client sent and sign the SUCCESS.
@Suite("SMB2 pipe session with NTLM")
struct SMB2NTLMSessionTests {
    static let sessionID: UInt64 = 0x0000_5678_0000_0011
    /// MS-NLMP 4.2.4.3 CHALLENGE_MESSAGE (flags include 128-bit and key exchange).
    static let challenge = hexBytes(
        "4E544C4D53535000020000000300 0C00380000003382 8AE20123456789ABCDEF000000000000000024002400440000000600"
            + "70170000000F53006500720076006500720002000C0044006F006D00610069006E0001000C00530065007200760065007200"
            + "00000000")
    static let credentials = SMB2PipeCredentials(user: "alice", domain: "LAB", password: Secret(Array("pw".utf8)))

    /// NEGOTIATE, then SESSION_SETUP answered with the CHALLENGE and then with `final(hash)`.
    func handshake(
        final: @escaping (_ preauthHash: [UInt8]) throws -> [UInt8]
    ) throws -> (
        SMB2PipeSession<ScriptedServer>, ScriptedServer
    ) {
        let server = ScriptedServer()
        let session = SMB2PipeSession(platform: server, server: "fs1")
        var hash = try SessionSetupScript.negotiate(session, server)
        var round = 0
        server.onSend = { [unowned server] request in
            round += 1
            hash.update(with: Array(request.dropFirst(4)))
            if round == 1 {
                let token = try SpnegoResponseToken(
                    state: .acceptIncomplete, supportedMechanism: MechanismOID.ntlmssp, responseToken: Self.challenge
                ).encoded()
                let header = SMB2Header(
                    command: .sessionSetup, credits: 64, flags: .serverToRedirector, messageID: 1,
                    sessionID: Self.sessionID, status: .moreProcessingRequired)
                let reply = SMB2Message(header: header, body: SessionSetupScript.sessionSetupResponseBody(token)).bytes
                hash.update(with: reply)
                server.queue(reply)
            } else {
                server.queue(try final(hash.value))
            }
        }
        try session.authenticate(Self.credentials)
        return (session, server)
    }

    static func success(preauthHash: [UInt8], key: Secret) throws -> [UInt8] {
        let token = try SpnegoResponseToken(state: .acceptCompleted).encoded()
        return try SessionSetupScript.signedSuccess(
            messageID: 2, sessionID: sessionID, token: token, sessionKey: key, preauthHash: preauthHash)
    }

    /// The scripted platform's randomBytes(16): the exported session key the client chose.
    static let exportedKey = Secret(Array(repeating: 0x5A, count: 16))

    @Test func negotiateChallengeAuthenticateThenASignedSuccess() throws {
        let (session, server) = try handshake { try Self.success(preauthHash: $0, key: Self.exportedKey) }
        #expect(session.sessionID == Self.sessionID)
        #expect(session.summary == "SMB 3.1.1, signing AES-CMAC")
        // The second SESSION_SETUP carries the AUTHENTICATE with the user's name in UTF-16LE.
        let second = Array(try #require(server.sent.last).dropFirst(4))
        let reply = try SpnegoResponseToken(parsing: try SessionSetupScript.securityBuffer(ofRequest: second))
        let authenticate = try #require(reply.responseToken)
        #expect(Array(authenticate.prefix(12)) == Array("NTLMSSP\0".utf8) + [3, 0, 0, 0])
        let name: [UInt8] = "alice".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(authenticate.indices.contains { Array(authenticate[$0...].prefix(name.count)) == name })
        #expect(reply.mechanismListMIC?.count == 16)
    }

    @Test func aSuccessSignedWithAnotherKeyIsRefused() {
        #expect(throws: (any Error).self) {
            try handshake { try Self.success(preauthHash: $0, key: Secret(Array(repeating: 1, count: 16))) }
        }
        // Signed over another pre-auth hash: a server that saw other messages.
        #expect(throws: (any Error).self) {
            try handshake { _ in try Self.success(preauthHash: Array(repeating: 0, count: 64), key: Self.exportedKey) }
        }
    }
}
