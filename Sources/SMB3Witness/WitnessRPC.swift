import SMB3DCERPC
import SMB3Wire

/// MS-SWN over DCE/RPC: the interface, its opnums, and NDR20 stubs for every call the client
/// makes. Layouts follow Samba's librpc/idl/witness.idl; the byte-exact vectors are in the tests.
public enum WitnessRPC {
    /// ccd8c074-d0e5-4a40-92b4-d074faa6ba28 v1.1.
    public static let interface = DCERPCSyntax(
        wireUUID: [0x74, 0xc0, 0xd8, 0xcc, 0xe5, 0xd0, 0x40, 0x4a, 0x92, 0xb4, 0xd0, 0x74, 0xfa, 0xa6, 0xba, 0x28],
        major: 1, minor: 1)

    public enum Opnum: UInt16, Sendable {
        case getInterfaceList = 0
        case register = 1
        case unregister = 2
        case asyncNotify = 3
        case registerEx = 4
    }

    public static let versionV1: UInt32 = 0x0001_0001
    public static let versionV2: UInt32 = 0x0002_0000

    /// RegisterEx flags.
    public static let registerIPNotification: UInt32 = 1

    public static func registerExRequest(
        netName: String, shareName: String?, ipAddress: String, clientComputerName: String, ipNotification: Bool,
        keepAliveTimeout: UInt32
    ) -> [UInt8] {
        var ndr = NDRWriter()
        ndr.u32(versionV2)
        ndr.uniqueUTF16String(netName)
        ndr.uniqueUTF16String(shareName)
        ndr.uniqueUTF16String(ipAddress)
        ndr.uniqueUTF16String(clientComputerName)
        ndr.u32(ipNotification ? registerIPNotification : 0)
        ndr.u32(keepAliveTimeout)
        return ndr.bytes
    }

    public static func registerRequest(netName: String, ipAddress: String, clientComputerName: String) -> [UInt8] {
        var ndr = NDRWriter()
        ndr.u32(versionV1)
        ndr.uniqueUTF16String(netName)
        ndr.uniqueUTF16String(ipAddress)
        ndr.uniqueUTF16String(clientComputerName)
        return ndr.bytes
    }

    /// UnRegister and AsyncNotify take only the context handle.
    public static func handleRequest(_ handle: WitnessContextHandle) -> [UInt8] { handle.bytes }
}

/// A policy_handle: 20 opaque bytes.
public struct WitnessContextHandle: Hashable, Sendable, CustomStringConvertible {
    public let bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 20 else { return nil }
        self.bytes = bytes
    }

    public var isNull: Bool { bytes.allSatisfy { $0 == 0 } }
    /// The GUID part in hex: enough to tell handles apart in logs.
    public var description: String {
        bytes[4...].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }
}

/// Win32 errors the MS-SWN calls return.
public enum WitnessStatus {
    public static let success: UInt32 = 0
    public static let accessDenied: UInt32 = 0x5
    public static let invalidParameter: UInt32 = 0x57
    public static let notFound: UInt32 = 0x490
    public static let revisionMismatch: UInt32 = 0x51A
    public static let noSystemResources: UInt32 = 0x5AA
    public static let timeout: UInt32 = 0x5B4
    public static let invalidState: UInt32 = 0x139F
    public static let procedureNumberOutOfRange: UInt32 = 0x6D1

    public static func name(_ status: UInt32) -> String {
        let hex = "0x" + String(status, radix: 16, uppercase: true)
        let name: String? =
            switch status {
            case success: "ERROR_SUCCESS"
            case accessDenied: "ERROR_ACCESS_DENIED"
            case invalidParameter: "ERROR_INVALID_PARAMETER"
            case notFound: "ERROR_NOT_FOUND"
            case revisionMismatch: "ERROR_REVISION_MISMATCH"
            case noSystemResources: "ERROR_NO_SYSTEM_RESOURCES"
            case timeout: "ERROR_TIMEOUT"
            case invalidState: "ERROR_INVALID_STATE"
            case procedureNumberOutOfRange: "RPC_S_PROCNUM_OUT_OF_RANGE"
            case 0x103: "ERROR_NO_MORE_ITEMS"
            case 0xE: "ERROR_OUTOFMEMORY"
            default: nil
            }
        return name.map { "\($0) (\(hex))" } ?? hex
    }
}

/// WITNESS_INTERFACE_INFO.
public struct WitnessInterface: Hashable, Sendable {
    public static let ndrSize = 552

    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let ipv4Valid = Flags(rawValue: 1)
        public static let ipv6Valid = Flags(rawValue: 2)
        public static let interfaceWitness = Flags(rawValue: 4)
        /// Windows fills the undefined bits with garbage (MS-SWN <1>): keep only these.
        public static let known: Flags = [.ipv4Valid, .ipv6Valid, .interfaceWitness]
    }

    public var groupName: String
    public var version: UInt32
    /// Nil for a state outside the spec's three values (the same three as RESOURCE_CHANGE).
    public var state: SWNResourceState?
    public var rawState: UInt16
    public var ipv4: IPv4Address?
    public var ipv6: IPv6Address?
    public var flags: Flags

    public init(
        groupName: String, version: UInt32, state: SWNResourceState?, rawState: UInt16, ipv4: IPv4Address?,
        ipv6: IPv6Address?, flags: Flags
    ) {
        self.groupName = groupName
        self.version = version
        self.state = state
        self.rawState = rawState
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.flags = flags
    }

    init(reading reader: inout NDRReader) throws(DCERPCError) {
        let name = try reader.take(520, "InterfaceGroupName")
        groupName = decodeUTF16LELeniently(name, upToNUL: true)
        version = try reader.u32("Version")
        rawState = try reader.u16("State")
        state = SWNResourceState(rawValue: UInt32(rawState))
        try reader.align(4)
        let v4 = try reader.take(4, "IPV4")
        let v6 = try reader.take(16, "IPV6")
        flags = Flags(rawValue: try reader.u32("Flags")).intersection(.known)
        // The address fields mean something only when their flag says so.
        ipv4 = flags.contains(.ipv4Valid) ? IPv4Address(octets: v4) : nil
        ipv6 = flags.contains(.ipv6Valid) ? IPv6Address(octets: v6) : nil
    }
}

/// Decoders for the responses.
public enum WitnessResponse {
    /// GetInterfaceList: the interfaces and the call's status.
    public static func interfaceList(
        _ stub: [UInt8]
    ) throws(DCERPCError) -> (interfaces: [WitnessInterface], status: UInt32) {
        var reader = NDRReader(stub)
        var interfaces: [WitnessInterface] = []
        if try reader.u32("interface_list pointer") != 0 {
            let number = try reader.u32("NumberOfInterfaces")
            if try reader.u32("InterfaceInfo pointer") != 0 {
                let count = try reader.count("InterfaceInfo max_count", elementSize: WitnessInterface.ndrSize)
                guard UInt32(count) == number else { throw .ndr("max_count \(count) ≠ NumberOfInterfaces \(number)") }
                for _ in 0..<count { interfaces.append(try WitnessInterface(reading: &reader)) }
            } else if number != 0 {
                throw .ndr("NULL InterfaceInfo with \(number) interfaces")
            }
        }
        let status = try reader.u32("WERROR")
        try reader.expectEnd("GetInterfaceList response")
        return (interfaces, status)
    }

    /// Register / RegisterEx: the context handle (nil unless the call succeeded) and status.
    public static func register(_ stub: [UInt8]) throws(DCERPCError) -> (handle: WitnessContextHandle?, status: UInt32)
    {
        var reader = NDRReader(stub)
        let handle = WitnessContextHandle(bytes: try reader.take(20, "context handle"))
        let status = try reader.u32("WERROR")
        try reader.expectEnd("Register response")
        return (status == WitnessStatus.success ? handle : nil, status)
    }

    /// UnRegister: the status alone.
    public static func status(_ stub: [UInt8]) throws(DCERPCError) -> UInt32 {
        var reader = NDRReader(stub)
        let status = try reader.u32("WERROR")
        try reader.expectEnd("response")
        return status
    }

    /// AsyncNotify: the notification (nil for the NULL response of TIMEOUT / NOT_FOUND) and status.
    public static func asyncNotify(
        _ stub: [UInt8]
    ) throws(DCERPCError) -> (notification: WitnessNotification?, status: UInt32) {
        var reader = NDRReader(stub)
        var notification: WitnessNotification?
        if try reader.u32("response pointer") != 0 {
            let type = try reader.u32("MessageType")
            let length = try reader.u32("Length")
            let messages = try reader.u32("NumberOfMessages")
            var buffer: [UInt8] = []
            if try reader.u32("MessageBuffer pointer") != 0 {
                let count = try reader.count("MessageBuffer max_count", elementSize: 1)
                guard UInt32(count) == length else { throw .ndr("MessageBuffer max_count \(count) ≠ Length \(length)") }
                buffer = try reader.take(count, "MessageBuffer")
            } else if length != 0 {
                throw .ndr("NULL MessageBuffer with Length \(length)")
            }
            do {
                notification = try WitnessNotification(type: type, numberOfMessages: messages, buffer: buffer)
            } catch {
                throw .ndr(error.description)
            }
        }
        let status = try reader.u32("WERROR")
        try reader.expectEnd("AsyncNotify response")
        return (notification, status)
    }
}
