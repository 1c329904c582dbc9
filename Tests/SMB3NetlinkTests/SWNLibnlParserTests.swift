import CNetlinkGeneric
import Testing

@testable import SMB3Protocol

/// Our NOTIFY bytes parsed by libnl itself (genlmsg_parse with the kernel's attribute policy),
/// so the encoding is checked by an independent netlink parser, not only by our own.
@Suite("SWN netlink encoding, checked by libnl")
struct SWNLibnlParserTests {
    typealias A = SWNGenericNetlink.Attribute

    /// The kernel's cifs_genl_policy (netlink.c) in libnl's terms.
    static func policy() -> [nla_policy] {
        var policy = [nla_policy](repeating: nla_policy(), count: 15)
        func set(_ attribute: A, _ type: Int32, minimumLength: UInt16 = 0) {
            policy[Int(attribute.rawValue)].type = UInt16(type)
            policy[Int(attribute.rawValue)].minlen = minimumLength
        }
        set(.registrationID, Int32(NLA_U32))
        set(.netName, Int32(NLA_STRING))
        set(.shareName, Int32(NLA_STRING))
        set(.ip, Int32(NLA_UNSPEC), minimumLength: 128)
        set(.notificationType, Int32(NLA_U32))
        set(.resourceState, Int32(NLA_U32))
        set(.resourceName, Int32(NLA_STRING))
        return policy
    }

    /// genlmsg_parse over `bytes`; returns the attribute table or nil on a libnl error.
    static func parse(_ bytes: [UInt8]) -> [Int: [UInt8]]? {
        var buffer = bytes
        var policy = policy()
        var table = [UnsafeMutablePointer<nlattr>?](repeating: nil, count: 15)
        let result = buffer.withUnsafeMutableBytes { raw -> [Int: [UInt8]]? in
            let header = raw.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)
            guard genlmsg_parse(header, 0, &table, 14, &policy) == 0 else { return nil }
            var attributes: [Int: [UInt8]] = [:]
            for (index, attribute) in table.enumerated() {
                guard let attribute else { continue }
                let length = Int(nla_len(attribute))
                let data = nla_data(attribute)!.assumingMemoryBound(to: UInt8.self)
                attributes[index] = Array(UnsafeBufferPointer(start: data, count: length))
            }
            return attributes
        }
        return result
    }

    @Test func clientMoveParsesWithTheKernelPolicy() throws {
        let address = SWNSocketAddress(host: .ipv4(IPv4Address(192, 0, 2, 11)), port: 445)
        let bytes = SWNNotify(registrationID: 3, kind: .clientMove(address)).encoded(familyID: 0x23, sequence: 9)
        let attributes = try #require(Self.parse(bytes))
        #expect(attributes[Int(A.registrationID.rawValue)] == [3, 0, 0, 0])
        #expect(attributes[Int(A.notificationType.rawValue)] == [2, 0, 0, 0])
        #expect(attributes[Int(A.ip.rawValue)] == address.encoded())
    }

    @Test func resourceChangeParsesWithTheKernelPolicy() throws {
        let bytes = SWNNotify(registrationID: 1, kind: .resourceChange(name: "192.0.2.12", state: 0xFF))
            .encoded(familyID: 0x23, sequence: 1)
        let attributes = try #require(Self.parse(bytes))
        #expect(attributes[Int(A.resourceName.rawValue)] == Array("192.0.2.12".utf8) + [0])
        #expect(attributes[Int(A.resourceState.rawValue)] == [0xFF, 0, 0, 0])
        // The nlmsg_len libnl sees equals what we wrote.
        #expect(Int(bytes[0]) | Int(bytes[1]) << 8 == bytes.count)
    }

    @Test func libnlRejectsAShortIPLikeTheKernel() throws {
        // Our encoder always writes 128 bytes; a hand-made 16-byte IP fails the policy.
        var message = SWNNotify(
            registrationID: 1, kind: .clientMove(SWNSocketAddress(host: .ipv4(IPv4Address(1, 2, 3, 4)), port: 0))
        ).genericMessage
        message.attributes[2] = NetlinkAttribute(type: A.ip.rawValue, payload: Array(repeating: 0, count: 16))
        let bytes = NetlinkMessage(type: 0x23, flags: 5, sequence: 1, portID: 0, payload: message.encoded()).encoded()
        #expect(Self.parse(bytes) == nil)
    }
}
