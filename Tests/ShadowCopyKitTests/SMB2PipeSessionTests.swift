import SMB3Protocol
import SMB3SMB2Security
import Testing

@testable import ShadowCopyKit

/// A server scripted as bytes: what `receive` hands out, and what the client sent.
final class ScriptedServer: SMB2PipePlatform {
    var incoming: [UInt8] = []
    var sent: [[UInt8]] = []

    func queue(_ message: [UInt8]) {
        incoming += [
            0, UInt8(message.count >> 16 & 0xFF), UInt8(message.count >> 8 & 0xFF), UInt8(message.count & 0xFF),
        ]
        incoming += message
    }

    /// Called with each frame sent, to queue an answer that depends on it.
    var onSend: (([UInt8]) throws -> Void)?

    func send(_ bytes: [UInt8]) throws {
        sent.append(bytes)
        try onSend?(bytes)
    }
    func receive(exactly count: Int) throws -> [UInt8] {
        guard incoming.count >= count else { throw SMB2PipeFailure("script ran out") }
        defer { incoming.removeFirst(count) }
        return Array(incoming.prefix(count))
    }
    func randomBytes(_ count: Int) -> [UInt8] { Array(repeating: 0x5A, count: count) }
    func fileTime() -> UInt64 { 0 }

    var ccm: (any SMB2CCMCipher)? { nil }

    /// What `kerberosInitialToken` gives; nil is a user without a ticket.
    var kerberosTicket: (token: [UInt8], sessionKey: Secret)?
    var kerberosHosts: [String] = []
    func kerberosInitialToken(host: String) throws -> (token: [UInt8], sessionKey: Secret) {
        kerberosHosts.append(host)
        guard let kerberosTicket else { throw SMB2PipeFailure("No Kerberos credentials available") }
        return kerberosTicket
    }
}

@Suite("SMB2 pipe session")
struct SMB2PipeSessionTests {
    static let key = Secret(Array(0..<16))

    /// A signed session at message id 5 with a TREE_DISCONNECT outstanding, and that response.
    func signedSession(
        algorithm: SMB2SigningAlgorithm
    ) throws -> (SMB2PipeSession<ScriptedServer>, ScriptedServer, SMB2Signer, [UInt8]) {
        let server = ScriptedServer()
        let session = SMB2PipeSession(platform: server, server: "s")
        let signer = try SMB2Signer(algorithm: algorithm, key: Self.key)
        session.signer = signer
        session.sessionID = 0x1122
        session.treeID = 7
        let header = SMB2Header(
            command: .treeDisconnect, credits: 1, flags: .serverToRedirector, messageID: 0, treeID: 7,
            sessionID: 0x1122)
        let response = try signer.sign(SMB2Message(header: header, body: SMB2EmptyBody.encoded()).bytes)
        return (session, server, signer, response)
    }

    @Test(arguments: [SMB2SigningAlgorithm.aesGMAC, .aesCMAC, .hmacSHA256])
    func aSignedResponseIsAccepted(algorithm: SMB2SigningAlgorithm) throws {
        let (session, server, signer, response) = try signedSession(algorithm: algorithm)
        server.queue(response)
        try session.treeDisconnect()
        // The request went out signed, and its signature verifies.
        let request = try #require(server.sent.first)
        let message = try SMB2Message(parsing: Array(request.dropFirst(4)))
        #expect(message.header.flags.contains(.signed))
        try signer.verify(message)
    }

    @Test(arguments: [SMB2SigningAlgorithm.aesGMAC, .aesCMAC, .hmacSHA256])
    func aTamperedResponseIsRefused(algorithm: SMB2SigningAlgorithm) throws {
        let (session, server, _, response) = try signedSession(algorithm: algorithm)
        var tampered = response
        tampered[tampered.count - 1] ^= 0x01  // the body's reserved byte
        server.queue(tampered)
        #expect(throws: SMB2Error.badSignature(.treeDisconnect)) { try session.treeDisconnect() }
    }

    @Test func anUnsignedResponseInASignedSessionIsRefused() throws {
        let (session, server, _, _) = try signedSession(algorithm: .aesCMAC)
        let header = SMB2Header(
            command: .treeDisconnect, credits: 1, flags: .serverToRedirector, messageID: 0, treeID: 7,
            sessionID: 0x1122)
        server.queue(SMB2Message(header: header, body: SMB2EmptyBody.encoded()).bytes)
        #expect(throws: SMB2Error.badSignature(.treeDisconnect)) { try session.treeDisconnect() }
    }

    @Test func aResponseToAnotherMessageIsRefused() throws {
        let (session, server, signer, _) = try signedSession(algorithm: .aesCMAC)
        let header = SMB2Header(
            command: .treeDisconnect, credits: 1, flags: .serverToRedirector, messageID: 9, treeID: 7,
            sessionID: 0x1122)
        server.queue(try signer.sign(SMB2Message(header: header, body: SMB2EmptyBody.encoded()).bytes))
        #expect(throws: SMB2Error.unexpectedMessage("")) { try session.treeDisconnect() }
    }

    @Test func oversizedFramesAreRefusedBeforeReading() throws {
        let server = ScriptedServer()
        server.incoming = [0, 0xFF, 0xFF, 0xFF]
        let session = SMB2PipeSession(platform: server, server: "s")
        #expect(throws: SMB2Error.tooLarge("", 0)) { try session.negotiate() }
    }
}

@Suite("SMB2 pipe session, encrypted")
struct SMB2PipeSessionEncryptionTests {
    static let clientToServer = Secret(Array(0..<16))
    static let serverToClient = Secret(Array(16..<32))

    func encryptedSession() throws -> (SMB2PipeSession<ScriptedServer>, ScriptedServer, SMB2Encryptor, [UInt8]) {
        let server = ScriptedServer()
        let session = SMB2PipeSession(platform: server, server: "s")
        session.signer = try SMB2Signer(algorithm: .aesGMAC, key: Self.clientToServer)
        session.encryptor = try SMB2Encryptor(
            cipher: .aes128GCM, encryptionKey: Self.clientToServer, decryptionKey: Self.serverToClient)
        session.sessionID = 0x77
        let serverSide = try SMB2Encryptor(
            cipher: .aes128GCM, encryptionKey: Self.serverToClient, decryptionKey: Self.clientToServer)
        let header = SMB2Header(
            command: .treeDisconnect, credits: 1, flags: .serverToRedirector, messageID: 0, sessionID: 0x77)
        let plain = SMB2Message(header: header, body: SMB2EmptyBody.encoded()).bytes
        return (session, server, serverSide, plain)
    }

    @Test func requestsGoSealedAndSealedResponsesAreAccepted() throws {
        let (session, server, serverSide, plain) = try encryptedSession()
        server.queue(try serverSide.seal(plain, sessionID: 0x77, nonce: Array(repeating: 1, count: 12)))
        try session.treeDisconnect()
        let request = try #require(server.sent.first)
        #expect(SMB2TransformHeader.isTransform(Array(request.dropFirst(4))))
        let opened = try serverSide.open(Array(request.dropFirst(4)))
        #expect(try SMB2Message(parsing: opened.message).header.command == .treeDisconnect)
    }

    @Test func aPlainResponseInAnEncryptedSessionIsRefused() throws {
        let (session, server, _, plain) = try encryptedSession()
        server.queue(plain)
        #expect(throws: SMB2PipeFailure.self) { try session.treeDisconnect() }
    }

    @Test func anotherSessionsOrATamperedSealedResponseIsRefused() throws {
        let (session, server, serverSide, plain) = try encryptedSession()
        server.queue(try serverSide.seal(plain, sessionID: 0x78, nonce: Array(repeating: 1, count: 12)))
        #expect(throws: SMB2Error.unexpectedMessage("")) { try session.treeDisconnect() }
        // A fresh session (the first one spent its only credit).
        let (second, server2, serverSide2, plain2) = try encryptedSession()
        var sealed = try serverSide2.seal(plain2, sessionID: 0x77, nonce: Array(repeating: 2, count: 12))
        sealed[sealed.count - 1] ^= 1
        server2.queue(sealed)
        #expect(throws: SMB2Error.badSignature(SMB2Command(rawValue: 0xFFFF))) { try second.treeDisconnect() }
    }
}

/// A reply longer than the transceive's output: the server answers BUFFER_OVERFLOW and the rest
/// comes with READs (MS-SMB2 3.2.5.14.4).
@Suite("SMB2 pipe session, long replies")
struct SMB2PipeLongReplyTests {
    static let pipe = SMB2FileID(persistent: 1, volatile: 2)

    static func response(_ command: SMB2Command, messageID: UInt64, status: NTStatus, body: [UInt8]) -> [UInt8] {
        SMB2Message(
            header: SMB2Header(
                command: command, credits: 8, flags: .serverToRedirector, messageID: messageID, status: status),
            body: body
        ).bytes
    }

    static func ioctlBody(output: [UInt8]) -> [UInt8] {
        var writer = WireWriter()
        writer.writeInteger(UInt16(49), .little)
        writer.writeInteger(UInt16(0), .little)
        writer.writeInteger(UInt32(0x0011_C017), .little)  // FSCTL_PIPE_TRANSCEIVE
        writer.writeInteger(UInt64(1), .little)
        writer.writeInteger(UInt64(2), .little)
        writer.writeInteger(UInt32(SMB2Header.size + 48), .little)
        writer.writeInteger(UInt32(0), .little)
        writer.writeInteger(UInt32(SMB2Header.size + 48), .little)
        writer.writeInteger(UInt32(output.count), .little)
        writer.writeInteger(UInt32(0), .little)
        writer.writeInteger(UInt32(0), .little)
        writer.writeBytes(output)
        return writer.bytes
    }

    static func readBody(_ data: [UInt8]) -> [UInt8] {
        var writer = WireWriter()
        writer.writeInteger(UInt16(17), .little)
        writer.writeInteger(UInt8(SMB2Header.size + 16), .little)
        writer.writeInteger(UInt8(0), .little)
        writer.writeInteger(UInt32(data.count), .little)
        writer.writeInteger(UInt32(0), .little)
        writer.writeInteger(UInt32(0), .little)
        writer.writeBytes(data)
        return writer.bytes
    }

    @Test func transceiveReadsWhileTheServerSaysBufferOverflow() throws {
        let server = ScriptedServer()
        let session = SMB2PipeSession(platform: server, server: "s")
        server.queue(
            Self.response(.ioctl, messageID: 0, status: .bufferOverflow, body: Self.ioctlBody(output: [1, 2])))
        server.queue(Self.response(.read, messageID: 1, status: .bufferOverflow, body: Self.readBody([3, 4])))
        server.queue(Self.response(.read, messageID: 2, status: .success, body: Self.readBody([5])))
        #expect(try session.transceive(Self.pipe, [0xAA]) == [1, 2, 3, 4, 5])
        #expect(server.sent.count == 3)
        // A reply that fits is one transceive and no READ.
        server.queue(Self.response(.ioctl, messageID: 3, status: .success, body: Self.ioctlBody(output: [9])))
        #expect(try session.transceive(Self.pipe, [0xAA]) == [9])
        #expect(server.sent.count == 4)
    }
}
