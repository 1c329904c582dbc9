import Synchronization
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// A stand-in for the GSS-API krb5 context: three legs, "sealing" by XOR and a token that is
/// a checksum of what it covers, so tests can see exactly which bytes were sealed and signed.
final class FakeKerberosContext: KerberosRPCContext {
    struct Calls {
        var steps: [[UInt8]?] = []
        var signed: [Range<Int>?] = []
        var micInputs: [[UInt8]] = []
    }
    let calls = Mutex(Calls())
    let established = Mutex(false)
    let completeAfterFirstLeg: Bool
    static let wrapSize = 60
    static let micSize = 28

    init(completeAfterFirstLeg: Bool = false) { self.completeAfterFirstLeg = completeAfterFirstLeg }

    var isEstablished: Bool { established.withLock { $0 } }

    func step(_ input: [UInt8]?) throws -> [UInt8] {
        calls.withLock { $0.steps.append(input) }
        if input == nil {
            if completeAfterFirstLeg { established.withLock { $0 = true } }
            return Array("AP-REQ".utf8)
        }
        established.withLock { $0 = true }
        return Array("AP-REP from client".utf8)
    }

    func wrapTokenSize(dataLength: Int) throws -> Int { Self.wrapSize }
    func micTokenSize() throws -> Int { Self.micSize }

    static func checksum(_ bytes: some Collection<UInt8>, size: Int) -> [UInt8] {
        let sum = bytes.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) }
        return (0..<size).map { UInt8(truncatingIfNeeded: sum >> (8 * UInt32($0 % 4))) }
    }

    private static func covered(_ pdu: [UInt8], data: Range<Int>, signed: Range<Int>?) -> [UInt8] {
        guard let signed else { return Array(pdu[data]) }
        return Array(pdu[signed])
    }

    func wrap(_ pdu: inout [UInt8], data: Range<Int>, signed: Range<Int>?, tokenSize: Int) throws -> [UInt8] {
        calls.withLock { $0.signed.append(signed) }
        let token = Self.checksum(Self.covered(pdu, data: data, signed: signed), size: tokenSize)
        for index in data { pdu[index] ^= 0x5A }
        return token
    }

    func unwrap(_ pdu: inout [UInt8], data: Range<Int>, signed: Range<Int>?, token: [UInt8]) throws {
        for index in data { pdu[index] ^= 0x5A }
        guard Self.checksum(Self.covered(pdu, data: data, signed: signed), size: token.count) == token else {
            throw DCERPCError.unexpectedPacket("bad token")
        }
    }

    func mic(_ message: [UInt8]) throws -> [UInt8] {
        calls.withLock { $0.micInputs.append(message) }
        return Self.checksum(message, size: Self.micSize)
    }

    func verifyMIC(_ message: [UInt8], token: [UInt8]) throws {
        guard Self.checksum(message, size: token.count) == token else { throw DCERPCError.unexpectedPacket("bad MIC") }
    }
}

@Suite("KerberosRPCSecurity")
struct KerberosRPCSecurityTests {
    /// A request PDU as RPCConnection builds it: stub padded to 16, sec_trailer, placeholder.
    static func request(stub: [UInt8], authSize: Int, level: DCERPCAuthLevel) -> (pdu: [UInt8], data: Range<Int>) {
        let pad = (16 - stub.count % 16) % 16
        let packet = DCERPCPacket(
            type: .request, flags: [.firstFragment, .lastFragment], callID: 7,
            body: DCERPCBody.request(opnum: 3, stub: stub),
            auth: DCERPCAuthVerifier(
                type: DCERPCAuthType.kerberos.rawValue, level: level.rawValue, padLength: UInt8(pad), contextID: 1,
                value: Array(repeating: 0, count: authSize)))
        return (packet.encoded(), 24..<(24 + stub.count + pad))
    }

    @Test func threeLegsThenAuth3CarriesOurAPREP() throws {
        let context = FakeKerberosContext()
        var security = KerberosRPCSecurity(context: context, level: .privacy)
        #expect(security.authType == .kerberos)
        #expect(try security.bindToken(platform: RefusingPlatform()) == Array("AP-REQ".utf8))
        let auth3 = try security.auth3Token(
            bindAckToken: Array("AP-REP".utf8), headerSigning: true, platform: RefusingPlatform())
        #expect(auth3 == Array("AP-REP from client".utf8))
        #expect(context.calls.withLock { $0.steps } == [nil, Array("AP-REP".utf8)])
        #expect(security.headerSigning)
    }

    @Test func aBindAckWithoutAPREPOrAOneLegContextIsRefused() throws {
        var security = KerberosRPCSecurity(context: FakeKerberosContext(), level: .privacy)
        _ = try security.bindToken(platform: RefusingPlatform())
        #expect(throws: DCERPCError.self) {
            try security.auth3Token(bindAckToken: [], headerSigning: true, platform: RefusingPlatform())
        }
        var oneLeg = KerberosRPCSecurity(context: FakeKerberosContext(completeAfterFirstLeg: true), level: .privacy)
        #expect(throws: DCERPCError.self) { try oneLeg.bindToken(platform: RefusingPlatform()) }
    }

    /// Privacy with header signing: stub + pad sealed in place, the token covers header ..
    /// sec_trailer and replaces the placeholder; the receiver restores the stub.
    @Test func privacySealsStubAndPadAndSignsTheHeader() throws {
        let context = FakeKerberosContext()
        var security = KerberosRPCSecurity(context: context, level: .privacy)
        security.headerSigning = true
        let stub = Array(1...21).map(UInt8.init)
        #expect(try security.authValueSize(dataLength: 32) == FakeKerberosContext.wrapSize)
        var (pdu, data) = Self.request(stub: stub, authSize: FakeKerberosContext.wrapSize, level: .privacy)
        let plain = pdu
        try security.protect(&pdu, dataRange: data)
        let signedEnd = pdu.count - FakeKerberosContext.wrapSize
        #expect(context.calls.withLock { $0.signed } == [0..<signedEnd])
        #expect(Array(pdu[..<24]) == Array(plain[..<24]))  // the header stays readable
        #expect(Array(pdu[data]) != Array(plain[data]))
        #expect(
            Array(pdu[signedEnd...])
                == FakeKerberosContext.checksum(plain[..<signedEnd], size: FakeKerberosContext.wrapSize))
        #expect(pdu.count == plain.count)

        try security.unprotect(&pdu, dataRange: data, authLength: FakeKerberosContext.wrapSize)
        #expect(Array(pdu[data]) == Array(plain[data]))

        // A flipped header byte (covered only with header signing) fails verification.
        try security.protect(&pdu, dataRange: data)
        pdu[4] ^= 1
        #expect(throws: DCERPCError.self) {
            try security.unprotect(&pdu, dataRange: data, authLength: FakeKerberosContext.wrapSize)
        }
    }

    @Test func withoutHeaderSigningOnlyTheDataIsCovered() throws {
        let context = FakeKerberosContext()
        var security = KerberosRPCSecurity(context: context, level: .privacy)
        var (pdu, data) = Self.request(stub: [9, 9, 9], authSize: FakeKerberosContext.wrapSize, level: .privacy)
        try security.protect(&pdu, dataRange: data)
        #expect(context.calls.withLock { $0.signed } == [nil])
    }

    @Test func integrityIsAMICOverHeaderToTrailer() throws {
        let context = FakeKerberosContext()
        var security = KerberosRPCSecurity(context: context, level: .integrity)
        security.headerSigning = true
        #expect(try security.authValueSize(dataLength: 1000) == FakeKerberosContext.micSize)
        var (pdu, data) = Self.request(
            stub: Array(repeating: 0xAB, count: 40), authSize: FakeKerberosContext.micSize, level: .integrity)
        let plain = pdu
        try security.protect(&pdu, dataRange: data)
        let signedEnd = pdu.count - FakeKerberosContext.micSize
        #expect(context.calls.withLock { $0.micInputs } == [Array(plain[..<signedEnd])])
        #expect(Array(pdu[..<signedEnd]) == Array(plain[..<signedEnd]))  // integrity leaves the stub in clear
        try security.unprotect(&pdu, dataRange: data, authLength: FakeKerberosContext.micSize)
        pdu[30] ^= 0xFF
        #expect(throws: DCERPCError.self) {
            try security.unprotect(&pdu, dataRange: data, authLength: FakeKerberosContext.micSize)
        }
    }

    @Test func anAuthValueOverlappingTheStubIsRefused() throws {
        var security = KerberosRPCSecurity(context: FakeKerberosContext(), level: .privacy)
        var (pdu, data) = Self.request(stub: Array(repeating: 1, count: 16), authSize: 8, level: .privacy)
        #expect(throws: DCERPCError.self) { try security.protect(&pdu, dataRange: data) }
        #expect(throws: DCERPCError.self) { try security.unprotect(&pdu, dataRange: data, authLength: pdu.count - 30) }
    }
}
