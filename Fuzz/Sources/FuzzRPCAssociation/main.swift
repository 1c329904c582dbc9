import SMB3Protocol
import Synchronization
import WitnessKit

/// libFuzzer entry point: what a witness server (or whoever sits in its place) sends on an
/// association, through RPCAssociation as RPCConnection's reader feeds it, without I/O.
///
/// Input: `mode`, `options`, then records `control, length (2 bytes LE), bytes` (the last record
/// takes what is left if shorter). Modes:
///   0 unauthenticated; 1 NTLM integrity; 2 NTLM privacy (an established NTLMSSP session);
///   3 krb5 integrity; 4 krb5 privacy (a stand-in GSS context, see FakeKerberos);
///   5 NTLM bind: the first record is the bind_ack with the server's CHALLENGE;
///   6 krb5 bind: the first record is the bind_ack with the AP-REP.
/// `control` bit 0: the harness signs or seals the PDU as the server would, so fuzzed stubs get
/// past verification into reassembly; bit 1: the harness sets version 5.0 and frag_length to the
/// record's length.
///
/// Invariants: no trap; only pending calls get fragments or replies, each reply once; no reply
/// and no buffered data above `RPCAssociation.maximumReplySize` per call; a thrown error ends
/// the association, as it closes the connection.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRPCAssociation(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard bytes.count >= 2 else { return 0 }
    let mode = bytes[0] % 7
    let options = bytes[1]
    var records = Records(bytes[2...])
    let platform = FuzzPlatform()

    var ntlmFlags: NTLMNegotiateFlags = [.extendedSessionSecurity, .sign, .seal]
    if options & 1 != 0 { ntlmFlags.insert(.key128) } else if options & 2 != 0 { ntlmFlags.insert(.key56) }
    if options & 4 != 0 { ntlmFlags.insert(.keyExchange) }
    let headerSigning = options & 8 != 0
    let sessionKey = Secret(Array(repeating: 0x42, count: 16))

    var association: RPCAssociation
    var server = ServerSide.none
    switch mode {
    case 1, 2:
        let level: DCERPCAuthLevel = mode == 1 ? .integrity : .privacy
        guard let client = try? NTLMSessionSecurity(exportedSessionKey: sessionKey, flags: ntlmFlags),
            let peer = try? NTLMSessionSecurity(exportedSessionKey: sessionKey, flags: ntlmFlags, role: .server)
        else { preconditionFailure("the NTLM session cannot be built") }
        association = RPCAssociation(ntlmSession: client, level: level)
        server = .ntlm(peer, privacy: level == .privacy)
    case 3, 4:
        let level: DCERPCAuthLevel = mode == 3 ? .integrity : .privacy
        association = RPCAssociation(kerberosContext: FakeKerberos(), level: level, headerSigning: headerSigning)
        server = .kerberos(privacy: level == .privacy, headerSigning: headerSigning)
    case 5, 6:
        let credentials = NTLMCredentials(userName: "u", domainName: "d", password: "p")
        let method: RPCAuthentication.Method =
            mode == 5
            ? .ntlm(credentials)
            : .kerberos(KerberosTarget(service: "cifs", host: "h", credentials: KerberosClientCredentials()))
        let level: DCERPCAuthLevel = options & 16 != 0 ? .integrity : .privacy
        guard
            var bound = try? RPCAssociation(
                authentication: RPCAuthentication(method: method, level: level, workstation: "fuzz"), platform: platform
            ),
            (try? bound.bindRequest(interface: witnessInterface, platform: platform)) != nil,
            let (_, bindAck) = records.next()
        else { return 0 }
        guard (try? bound.acceptBindAck(bindAck, platform: platform)) != nil else { return 0 }
        precondition(bound.maxTransmit <= 4280, "bind_ack raised our fragment size")
        association = bound
        // The server's half: the same NTLM exchange again (everything is deterministic), or
        // the stand-in krb5 context with the header signing the bind_ack agreed to.
        if mode == 5 {
            var mirror = NTLMClientContext(workstation: "fuzz")
            _ = mirror.negotiate()
            if let challenge = (try? DCERPCPacket(parsing: bindAck))?.auth?.value,
                (try? mirror.authenticate(
                    challenge: challenge, credentials: credentials, clientChallenge: platform.randomBytes(8),
                    exportedSessionKey: Secret(platform.randomBytes(16)), timestamp: platform.fileTime())) != nil,
                let output = mirror.output,
                let peer = try? NTLMSessionSecurity(
                    exportedSessionKey: output.exportedSessionKey, flags: output.negotiatedFlags, role: .server)
            {
                server = .ntlm(peer, privacy: level == .privacy)
            }
        } else {
            server = .kerberos(privacy: level == .privacy, headerSigning: bindAck[3] & 4 != 0)
        }
    default:
        association = RPCAssociation()
    }

    // Calls 2...5 wait for replies, as RPCConnection's callers would.
    var pending: Set<UInt32> = [2, 3, 4, 5]
    while let (control, record) = records.next() {
        var pdu = record
        if control & 2 != 0, pdu.count >= 16, pdu.count <= 0xFFFF {
            pdu[0] = 5
            pdu[1] = 0
            pdu[8] = UInt8(truncatingIfNeeded: pdu.count)
            pdu[9] = UInt8(truncatingIfNeeded: pdu.count >> 8)
        }
        if control & 1 != 0 { server.protect(&pdu) }
        let received: RPCAssociation.Received
        do {
            received = try association.receive(pdu, isPending: { pending.contains($0) })
        } catch {
            return 0  // RPCConnection closes the connection here
        }
        switch received {
        case .ignored:
            break
        case .fragment(let callID):
            precondition(pending.contains(callID), "a fragment for a call nobody waits for")
        case .reply(let callID, let result):
            precondition(pending.remove(callID) != nil, "a reply for a call nobody waits for")
            if case .success(let stub) = result { precondition(stub.count <= RPCAssociation.maximumReplySize) }
        }
        precondition(
            association.bufferedReplyBytes <= pending.count * RPCAssociation.maximumReplySize,
            "buffered more than the pending calls may hold")
    }
    return 0
}

/// MS-SWN's interface, for the bind.
private let witnessInterface = DCERPCSyntax(
    wireUUID: [0x74, 0xc0, 0xd8, 0xcc, 0xe5, 0xd0, 0x40, 0x4a, 0x92, 0xb4, 0xd0, 0x74, 0xfa, 0xa6, 0xba, 0x28],
    major: 1, minor: 1)

/// `control, length (LE16), bytes` records; a short last record takes what is left.
private struct Records {
    var rest: ArraySlice<UInt8>
    init(_ bytes: ArraySlice<UInt8>) { rest = bytes }

    mutating func next() -> (UInt8, [UInt8])? {
        guard rest.count >= 3 else { return nil }
        let control = rest[rest.startIndex]
        let length = Int(rest[rest.startIndex + 1]) | Int(rest[rest.startIndex + 2]) << 8
        rest = rest.dropFirst(3)
        let record = Array(rest.prefix(length))
        rest = rest.dropFirst(record.count)
        return (control, record)
    }
}

/// The server's half of the session, to sign and seal PDUs as a real server would.
private enum ServerSide {
    case none
    case ntlm(NTLMSessionSecurity, privacy: Bool)
    case kerberos(privacy: Bool, headerSigning: Bool)

    /// Protects a response PDU in place if its auth_length and layout allow; else leaves it.
    mutating func protect(_ pdu: inout [UInt8]) {
        guard pdu.count >= 24 else { return }
        let authLength = Int(pdu[10]) | Int(pdu[11]) << 8
        let trailerStart = pdu.count - authLength - 8
        guard authLength > 0, trailerStart >= 24 else { return }
        let data = 24..<trailerStart
        let signedEnd = pdu.count - authLength
        switch self {
        case .none:
            return
        case .ntlm(var session, let privacy):
            guard authLength == NTLMSessionSecurity.signatureLength else { return }
            let signedPart = Array(pdu[..<signedEnd])
            let signature: [UInt8]
            if privacy {
                let result = session.seal(Array(pdu[data]), signing: signedPart)
                pdu.replaceSubrange(data, with: result.sealed)
                signature = result.signature
            } else {
                signature = session.sign(signedPart)
            }
            pdu.replaceSubrange(signedEnd..., with: signature)
            self = .ntlm(session, privacy: privacy)
        case .kerberos(let privacy, let headerSigning):
            let covered = headerSigning ? Array(pdu[..<signedEnd]) : Array(pdu[data])
            pdu.replaceSubrange(signedEnd..., with: FakeKerberos.checksum(covered, size: authLength))
            if privacy { for index in data { pdu[index] ^= FakeKerberos.mask } }
        }
    }
}

/// A stand-in for the GSS-API krb5 context: two legs, "sealing" by XOR and a token that is a
/// checksum of what it covers. It checks that every range it is given lies inside the PDU.
private final class FakeKerberos: KerberosRPCContext {
    static let mask: UInt8 = 0x5A
    private let established = Mutex(false)

    var isEstablished: Bool { established.withLock { $0 } }

    func step(_ input: [UInt8]?) throws -> [UInt8] {
        if input != nil { established.withLock { $0 = true } }
        return Array((input == nil ? "AP-REQ" : "AP-REP").utf8)
    }

    func wrapTokenSize(dataLength: Int) throws -> Int { 60 }
    func micTokenSize() throws -> Int { 28 }

    static func checksum(_ bytes: [UInt8], size: Int) -> [UInt8] {
        let sum = bytes.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) }
        return (0..<size).map { UInt8(truncatingIfNeeded: sum >> (8 * UInt32($0 % 4))) }
    }

    private static func check(_ pdu: [UInt8], _ data: Range<Int>, _ signed: Range<Int>?) {
        precondition(data.lowerBound >= 0 && data.upperBound <= pdu.count, "data range outside the PDU")
        if let signed {
            precondition(signed.lowerBound >= 0 && signed.upperBound <= pdu.count, "signed range outside the PDU")
        }
    }

    func wrap(_ pdu: inout [UInt8], data: Range<Int>, signed: Range<Int>?, tokenSize: Int) throws -> [UInt8] {
        Self.check(pdu, data, signed)
        let token = Self.checksum(Array(signed.map { pdu[$0] } ?? pdu[data]), size: tokenSize)
        for index in data { pdu[index] ^= Self.mask }
        return token
    }

    func unwrap(_ pdu: inout [UInt8], data: Range<Int>, signed: Range<Int>?, token: [UInt8]) throws {
        Self.check(pdu, data, signed)
        for index in data { pdu[index] ^= Self.mask }
        guard Self.checksum(Array(signed.map { pdu[$0] } ?? pdu[data]), size: token.count) == token else {
            throw DCERPCError.unexpectedPacket("bad token")
        }
    }

    func mic(_ message: [UInt8]) throws -> [UInt8] { Self.checksum(message, size: 28) }

    func verifyMIC(_ message: [UInt8], token: [UInt8]) throws {
        guard Self.checksum(message, size: token.count) == token else { throw DCERPCError.unexpectedPacket("bad MIC") }
    }
}

/// Everything a bind needs from the system, deterministic; there is no network.
private struct FuzzPlatform: WitnessPlatform {
    struct NoNetwork: Error {}

    func connect(address: String, port: UInt16, timeoutSeconds: Int32) async throws -> any RPCByteStream {
        throw NoNetwork()
    }
    func notifyKernel(_ notify: SWNNotify) async throws -> Int32 { 0 }
    func abortKernelConnections(to address: SWNSocketAddress) async throws -> InetDiag.AbortReport {
        InetDiag.AbortReport(aborted: 0)
    }
    func kerberosContext(for target: KerberosTarget, confidentiality: Bool) throws -> any KerberosRPCContext {
        FakeKerberos()
    }
    /// RPCAssociation alone starts no timer (only RPCConnection does).
    func schedule(after seconds: Double, _ action: @escaping @Sendable () -> Void) -> @Sendable () -> Void { {} }
    func randomBytes(_ count: Int) -> [UInt8] { Array(repeating: 7, count: count) }
    func monotonicSeconds() -> Double { 0 }
    func fileTime() -> UInt64 { 0 }
    func unixTime() -> Double { 0 }
    func runBlocking<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try body()
    }
}
