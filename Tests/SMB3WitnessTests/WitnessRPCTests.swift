import SMB3Protocol
import SMB3TestSupport
import Testing

@testable import SMB3Witness

/// MS-SWN stubs against the Windows captures carried by Samba's source4/torture/ndr/witness.c
/// and the Samba 4.22 observations in witness-mswn.md §1.3.
@Suite("Witness RPC stubs")
struct WitnessRPCTests {
    @Test func registerExRequestMatchesTheVectorByteForByte() throws {
        let expected = hexBytes(
            """
            00 00 02 00 00 00 02 00 05 00 00 00 00 00 00 00
            05 00 00 00 53 00 4f 00 46 00 53 00 00 00 00 00
            04 00 02 00 06 00 00 00 00 00 00 00 06 00 00 00
            73 00 68 00 61 00 72 00 65 00 00 00 08 00 02 00
            0d 00 00 00 00 00 00 00 0d 00 00 00 31 00 39 00
            32 00 2e 00 31 00 36 00 38 00 2e 00 33 00 2e 00
            34 00 35 00 00 00 00 00 0c 00 02 00 0c 00 00 00
            00 00 00 00 0c 00 00 00 4c 00 49 00 4e 00 55 00
            58 00 43 00 4c 00 49 00 45 00 4e 00 54 00 00 00
            01 00 00 00 78 00 00 00
            """)
        let stub = WitnessRPC.registerExRequest(
            netName: "SOFS", shareName: "share", ipAddress: "192.168.3.45", clientComputerName: "LINUXCLIENT",
            ipNotification: true, keepAliveTimeout: 120)
        #expect(stub.count == 152)
        #expect(stub == expected)
    }

    @Test func registerV1RequestShape() throws {
        let stub = WitnessRPC.registerRequest(netName: "SOFS", ipAddress: "1.2.3.4", clientComputerName: "C")
        #expect(Array(stub[0..<8]) == hexBytes("01000100 00000200"))
        // NULL share is a zero pointer in RegisterEx.
        let ex = WitnessRPC.registerExRequest(
            netName: "N", shareName: nil, ipAddress: "1.2.3.4", clientComputerName: "C", ipNotification: false,
            keepAliveTimeout: 0)
        #expect(Array(ex[4..<8]) == hexBytes("00000200"))
        // version, "N": referent + 3 counts + 2 UTF-16 units; then the NULL share and the next referent.
        #expect(Array(ex[24..<28]) == [0, 0, 0, 0])
        #expect(Array(ex[28..<32]) == hexBytes("04000200"))
    }

    @Test func asyncNotifyResourceChangeVector() throws {
        let stub = hexBytes(
            """
            00 00 02 00 01 00 00 00 12 00 00 00 01 00 00 00 04 00 02 00 12 00 00 00
            12 00 00 00 ff 00 00 00 53 00 4f 00 46 00 53 00 00 00 00 00 00 00 00 00
            """)
        #expect(stub.count == 48)
        let (notification, status) = try WitnessResponse.asyncNotify(stub)
        #expect(status == 0)
        let decoded = try #require(notification)
        #expect(decoded.type == .resourceChange)
        #expect(decoded.messages == [.resourceChange(.init(state: 0xFF, name: "SOFS"))])
        #expect(decoded.encodedBuffer() == Array(stub[24..<42]))
    }

    @Test func asyncNotifyClientMoveVectorIgnoresIPv6Garbage() throws {
        let stub = hexBytes(
            """
            00 00 02 00 02 00 00 00 24 00 00 00 01 00 00 00 04 00 02 00 24 00 00 00
            24 00 00 00 00 00 00 00 01 00 00 00
            01 00 00 00 c0 a8 03 2d
            00 00 00 00 38 e8 eb 26 8e 00 00 00 00 9e 60 26
            00 00 00 00
            """)
        #expect(stub.count == 64)
        let decoded = try #require(try WitnessResponse.asyncNotify(stub).notification)
        #expect(decoded.type == .clientMove)
        #expect(decoded.messages == [.addresses([.init(flags: .ipv4, ipv4: IPv4Address(192, 168, 3, 45), ipv6: nil)])])
    }

    @Test func timeoutIsANullResponse() throws {
        let (notification, status) = try WitnessResponse.asyncNotify(hexBytes("00000000 b4050000"))
        #expect(notification == nil && status == WitnessStatus.timeout)
        #expect(WitnessStatus.name(status) == "ERROR_TIMEOUT (0x5B4)")
    }

    /// Samba's IP_CHANGE from `net witness force-response` (witness-mswn.md §1.3): Length 60, two entries.
    @Test func ipChangeWithTwoEntries() throws {
        let notification = WitnessNotification(
            type: .ipChange,
            messages: [
                .addresses([
                    .init(flags: [.ipv4, .online], ipv4: IPv4Address(10, 55, 0, 1), ipv6: nil),
                    .init(flags: [.ipv4, .offline], ipv4: IPv4Address(10, 55, 0, 2), ipv6: nil),
                ])
            ])
        let buffer = notification.encodedBuffer()
        #expect(buffer.count == 60)
        #expect(try WitnessNotification(type: 4, numberOfMessages: 1, buffer: buffer) == notification)
    }

    @Test func resourceChangeLengthFromSamba() throws {
        // `ctdb disable` named the registered IP: Length 28 for "10.55.0.2".
        let buffer = WitnessNotification(
            type: .resourceChange, messages: [.resourceChange(.init(state: 0xFF, name: "10.55.0.2"))]
        ).encodedBuffer()
        #expect(Array(buffer[0..<4]) == [28, 0, 0, 0])
    }

    @Test func malformedBuffersThrow() throws {
        // Length smaller than the header, larger than the buffer, Num overflowing, unknown type.
        #expect(throws: WitnessNotification.DecodeError.self) {
            try WitnessNotification(type: 1, numberOfMessages: 1, buffer: hexBytes("04000000 ff000000"))
        }
        #expect(throws: WitnessNotification.DecodeError.self) {
            try WitnessNotification(type: 2, numberOfMessages: 1, buffer: hexBytes("ff000000 00000000 01000000"))
        }
        #expect(throws: WitnessNotification.DecodeError.self) {
            try WitnessNotification(type: 2, numberOfMessages: 1, buffer: hexBytes("0c000000 00000000 ffffffff"))
        }
        #expect(throws: WitnessNotification.DecodeError.self) {
            try WitnessNotification(type: 9, numberOfMessages: 0, buffer: [])
        }
        #expect(throws: WitnessNotification.DecodeError.self) {
            try WitnessNotification(type: 1, numberOfMessages: 2, buffer: hexBytes("08000000 01000000"))
        }
        // Num = 0 is valid (Samba BUG 14452 crashed on it).
        #expect(
            (try? WitnessNotification(type: 2, numberOfMessages: 1, buffer: hexBytes("0c000000 00000000 00000000")))
                != nil)
    }

    static func interfaceEntry(name: String, version: UInt32, state: UInt16, ipv4: [UInt8], flags: UInt32) -> [UInt8] {
        var bytes: [UInt8] = []
        for unit in name.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        bytes += Array(repeating: 0, count: 520 - bytes.count)
        bytes += withUnsafeBytes(of: version.littleEndian, Array.init)
        bytes += [UInt8(state & 0xFF), UInt8(state >> 8), 0, 0] + ipv4
        bytes += Array(repeating: 0, count: 16) + withUnsafeBytes(of: flags.littleEndian, Array.init)
        return bytes
    }

    @Test func interfaceListAsWindowsSentIt() throws {
        let stub =
            hexBytes("00000200 02000000 04000200 02000000")
            + Self.interfaceEntry(name: "NODE2", version: 0xFFFF_FFFF, state: 1, ipv4: [192, 168, 3, 44], flags: 0x5)
            + Self.interfaceEntry(
                name: "NODE1", version: 0xFFFF_FFFF, state: 1, ipv4: [192, 168, 3, 45], flags: 0xF001)
            + [0, 0, 0, 0]
        #expect(stub.count == 1124)
        let (interfaces, status) = try WitnessResponse.interfaceList(stub)
        #expect(status == 0 && interfaces.count == 2)
        #expect(interfaces[0].groupName == "NODE2" && interfaces[0].state == .available)
        #expect(interfaces[0].ipv4 == IPv4Address(192, 168, 3, 44))
        #expect(interfaces[0].flags == [.ipv4Valid, .interfaceWitness])
        // Undefined bits are masked (MS-SWN <1>).
        #expect(interfaces[1].flags == [.ipv4Valid])
    }

    @Test func interfaceListRejectsHostileCounts() throws {
        #expect(throws: DCERPCError.self) {
            try WitnessResponse.interfaceList(hexBytes("00000200 ffffffff 04000200 ffffffff 00000000"))
        }
        #expect(throws: DCERPCError.self) { try WitnessResponse.interfaceList(hexBytes("00000200 01000000")) }
        #expect(try WitnessResponse.interfaceList(hexBytes("00000200 00000000 00000000 00000000")).interfaces.isEmpty)
    }

    @Test func registerResponseGivesTheHandle() throws {
        let handle = hexBytes("00000000 0102030405060708090a0b0c0d0e0f10")
        let (parsed, status) = try WitnessResponse.register(handle + [0, 0, 0, 0])
        #expect(status == 0 && parsed?.bytes == handle)
        let (failed, failure) = try WitnessResponse.register(Array(repeating: 0, count: 20) + hexBytes("9f130000"))
        #expect(failed == nil && WitnessStatus.name(failure) == "ERROR_INVALID_STATE (0x139F)")
    }
}

@Suite("Witness notification leniency")
struct WitnessNotificationLeniencyTests {
    /// A list whose Length exceeds 12 + 24×Num (found by FuzzWitnessNotification): MS-SWN only
    /// requires 12 + 24×Num ≤ Length, so the extra bytes are skipped, and the next record is
    /// found through Length.
    @Test func listRecordWithExtraBytesIsAccepted() throws {
        let buffer =
            hexBytes("24000000 01240000 00000000") + Array(repeating: 0xAB, count: 24)
            + hexBytes("24000000 00000000 01000000 09000000 c000020b") + Array(repeating: 0, count: 16)
        let notification = try WitnessNotification(type: 2, numberOfMessages: 2, buffer: buffer)
        #expect(notification.messages.count == 2)
        #expect(notification.messages[0] == .addresses([]))
        #expect(
            notification.messages[1]
                == .addresses([.init(flags: [.ipv4, .online], ipv4: IPv4Address(192, 0, 2, 11), ipv6: nil)]))
    }
}
