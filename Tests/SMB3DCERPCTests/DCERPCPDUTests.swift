import SMB3Protocol
import SMB3TestSupport
import Testing

@testable import SMB3DCERPC

@Suite("DCE/RPC PDUs and the endpoint mapper")
struct DCERPCPDUTests {
    @Test func interfaceUUIDsInWireOrder() throws {
        #expect(WitnessRPC.interface.uuid == DCERPCSyntax.wireUUID("ccd8c074-d0e5-4a40-92b4-d074faa6ba28"))
        #expect(DCERPCSyntax.ndr20.uuid == DCERPCSyntax.wireUUID("8a885d04-1ceb-11c9-9fe8-08002b104860"))
        #expect(EndpointMapper.interface.uuid == DCERPCSyntax.wireUUID("e1af8308-5d1f-11c9-91a4-08002b14a0fa"))
        #expect(DCERPCSyntax.wireUUID("not-a-uuid") == nil)
    }

    @Test func bindCarriesOneNDR20Context() throws {
        let bind = DCERPCPacket(
            type: .bind, flags: [.firstFragment, .lastFragment, .supportHeaderSign, .concurrentMultiplex], callID: 1,
            body: DCERPCBody.bind(interface: WitnessRPC.interface),
            auth: DCERPCAuthVerifier(type: 10, level: 5, contextID: 0, value: [1, 2, 3]))
        let bytes = bind.encoded()
        #expect(Array(bytes[0..<4]) == [5, 0, 11, 0x17])
        #expect(Array(bytes[4..<8]) == [0x10, 0, 0, 0])
        #expect(Int(bytes[8]) | Int(bytes[9]) << 8 == bytes.count)
        #expect(bytes.count == 16 + 56 + 8 + 3)
        #expect(Array(bytes[10..<12]) == [3, 0])
        #expect(Array(bytes[72..<80]) == [10, 5, 0, 0, 0, 0, 0, 0])
        // Parsing our own bytes gives the same packet back.
        #expect(try DCERPCPacket(parsing: bytes) == bind)
    }

    @Test func bindAckWithSecondaryAddressAndPadding() throws {
        // max 4280/4280, group 0x1234, sec_addr "49155\0" (6), pad 0, 1 result accepted with NDR20.
        // Body offset 10 + 6 address bytes = 16: already aligned, so no pad before n_results.
        var body = hexBytes("b810 b810 34120000 0600") + Array("49155".utf8) + [0]
        body += [1, 0, 0, 0] + [0, 0, 0, 0] + DCERPCSyntax.ndr20.uuid + [2, 0, 0, 0]
        let packet = DCERPCPacket(type: .bindAck, flags: [.firstFragment, .lastFragment], callID: 1, body: body)
        let ack = try DCERPCBindAck(parsing: try DCERPCPacket(parsing: packet.encoded()))
        #expect(ack.associationGroup == 0x1234 && ack.secondaryAddress == "49155")
        #expect(ack.results.count == 1 && ack.results[0].result == 0)
    }

    @Test func bindNakIsARejection() throws {
        let packet = DCERPCPacket(
            type: .bindNak, flags: [.firstFragment, .lastFragment], callID: 1, body: [4, 0, 0, 0])
        #expect(throws: DCERPCError.bindRejected(reason: 4)) { try DCERPCBindAck(parsing: packet) }
    }

    @Test func authenticatedResponseSplitsBodyPadAndVerifier() throws {
        let stub: [UInt8] = [0xAA, 0xBB, 0xCC, 0xDD]
        let body = hexBytes("04000000 0000 0000") + stub
        let packet = DCERPCPacket(
            type: .response, flags: [.firstFragment, .lastFragment], callID: 9, body: body,
            auth: DCERPCAuthVerifier(
                type: 10, level: 6, padLength: 12, contextID: 0, value: Array(repeating: 7, count: 16)))
        let bytes = packet.encoded()
        #expect(bytes.count == 16 + 12 + 12 + 8 + 16)
        let parsed = try DCERPCPacket(parsing: bytes)
        #expect(parsed.body == body && parsed.auth?.padLength == 12)
        #expect(try DCERPCReply(parsing: parsed) == .response(stub: stub))
    }

    @Test func faultStatus() throws {
        let packet = DCERPCPacket(
            type: .fault, flags: [.firstFragment, .lastFragment, .didNotExecute], callID: 3,
            body: hexBytes("20000000 0000 0000 0200011c 00000000"))
        #expect(try DCERPCReply(parsing: packet) == .fault(status: DCERPCFaultStatus.operationRangeError))
        #expect(DCERPCError.fault(status: 0x1C01_000B).description.contains("nca_s_proto_error"))
    }

    @Test func hostileLengthsThrow() throws {
        var bytes = DCERPCPacket(type: .response, flags: [], callID: 1, body: hexBytes("00000000 00000000")).encoded()
        bytes[10] = 0xFF  // auth_length beyond the fragment
        #expect(throws: DCERPCError.self) { try DCERPCPacket(parsing: bytes) }
        #expect(throws: DCERPCError.self) {
            try DCERPCPacket.fragmentLength(header: [5, 0, 2, 3, 0x10, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0])
        }
        #expect(throws: DCERPCError.self) { try DCERPCPacket.fragmentLength(header: [4, 0]) }
    }

    /// The tower of the live capture in witness-mswn.md §2: floor 4 = port 49155, floor 5 = 10.55.0.1.
    @Test func eptMapResponsePort() throws {
        var tower = EndpointMapper.tower(for: WitnessRPC.interface)
        // Patch floor 4's port and floor 5's address as a server would fill them.
        let portOffset = tower.count - 9 - 2  // floor 5 is 9 bytes, floor 4's 2-byte rhs before it
        tower[portOffset] = 0xC0
        tower[portOffset + 1] = 0x03
        tower.replaceSubrange((tower.count - 4)..., with: [10, 55, 0, 1])
        var stub = Array(repeating: UInt8(0), count: 20)
        stub += hexBytes("01000000 04000000 00000000 01000000 03000000")
        stub += withUnsafeBytes(of: UInt32(tower.count).littleEndian, Array.init)
        stub += withUnsafeBytes(of: UInt32(tower.count).littleEndian, Array.init) + tower
        stub += Array(repeating: 0, count: (4 - tower.count % 4) % 4) + [0, 0, 0, 0]
        #expect(try EndpointMapper.ports(fromMapResponse: stub) == [49155])
        // Truncations throw.
        for cut in [0, 20, 30, stub.count - 3] {
            #expect(throws: DCERPCError.self) { try EndpointMapper.ports(fromMapResponse: Array(stub.prefix(cut))) }
        }
    }

    @Test func eptMapRequestLayout() throws {
        let stub = EndpointMapper.mapRequest(for: WitnessRPC.interface)
        #expect(Array(stub[0..<4]) == [1, 0, 0, 0] && Array(stub[20..<24]) == [2, 0, 0, 0])
        let tower = EndpointMapper.tower(for: WitnessRPC.interface)
        #expect(tower.count == 75)
        #expect(Array(stub[24..<32]) == [75, 0, 0, 0, 75, 0, 0, 0])
        #expect(stub.count == 32 + 76 + 20 + 4)
    }
}
