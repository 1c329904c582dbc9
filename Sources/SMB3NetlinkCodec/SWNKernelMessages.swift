import SMB3Wire
import SMB3Witness

/// The cifs.ko witness contract over generic netlink (include/uapi/linux/cifs/cifs_netlink.h):
/// the kernel multicasts REGISTER and UNREGISTER on `cifs_mcgrp_swn`, the daemon unicasts NOTIFY.
public enum SWNGenericNetlink {
    public static let familyName = "cifs"
    public static let multicastGroup = "cifs_mcgrp_swn"
    public static let version: UInt8 = 1

    public enum Command: UInt8, Sendable {
        case register = 1
        case unregister = 2
        case notify = 3
    }

    /// enum cifs_genl_attributes.
    public enum Attribute: UInt16, Sendable {
        case registrationID = 1
        case netName = 2
        case shareName = 3
        case ip = 4
        case netNameNotify = 5
        case shareNameNotify = 6
        case ipNotify = 7
        case kerberosAuth = 8
        case userName = 9
        case password = 10
        case domainName = 11
        case notificationType = 12
        case resourceState = 13
        case resourceName = 14
    }
}

/// A `struct sockaddr_storage` as the kernel puts it in the IP attribute: 128 bytes, family
/// in host order, port and address in network order.
public struct SWNSocketAddress: Hashable, Sendable, CustomStringConvertible {
    public static let storageSize = 128
    static let afInet: UInt16 = 2
    static let afInet6: UInt16 = 10

    public enum Host: Hashable, Sendable {
        case ipv4(IPv4Address)
        case ipv6(IPv6Address, scopeID: UInt32)
    }

    public var host: Host
    public var port: UInt16

    public init(host: Host, port: UInt16) {
        self.host = host
        self.port = port
    }

    public init(parsing bytes: [UInt8]) throws(NetlinkParseError) {
        // The kernel's policy demands at least sizeof(sockaddr_storage); so do we.
        guard bytes.count >= Self.storageSize else { throw .badAttributePayload("IP", length: bytes.count) }
        var reader = WireReader(bytes)
        guard let family = reader.readInteger(.host, as: UInt16.self),
            let port = reader.readInteger(.big, as: UInt16.self)
        else { throw .badAttributePayload("IP", length: bytes.count) }
        switch family {
        case Self.afInet:
            guard let octets = reader.readBytes(4), let address = IPv4Address(octets: octets) else {
                throw .badAttributePayload("IP", length: bytes.count)
            }
            host = .ipv4(address)
        case Self.afInet6:
            guard reader.readInteger(.big, as: UInt32.self) != nil,  // flowinfo
                let octets = reader.readBytes(16), let address = IPv6Address(octets: Array(octets)),
                let scope = reader.readInteger(.host, as: UInt32.self)
            else { throw .badAttributePayload("IP", length: bytes.count) }
            host = .ipv6(address, scopeID: scope)
        default:
            throw .badAttributePayload("IP (address family \(family))", length: bytes.count)
        }
        self.port = port
    }

    /// The 128-byte sockaddr_storage the kernel's NOTIFY handler copies.
    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: Self.storageSize)
        switch host {
        case .ipv4(let address):
            writer.writeInteger(Self.afInet, .host)
            writer.writeInteger(port, .big)
            writer.writeBytes(address.octets)
        case .ipv6(let address, let scopeID):
            writer.writeInteger(Self.afInet6, .host)
            writer.writeInteger(port, .big)
            writer.writeInteger(UInt32(0), .big)
            writer.writeBytes(address.octets)
            writer.writeInteger(scopeID, .host)
        }
        writer.writeBytes(repeatElement(0, count: Self.storageSize - writer.bytes.count))
        return writer.bytes
    }

    /// The address alone, as MS-SWN wants it in RegisterEx (no port, no brackets).
    public var addressText: String {
        switch host {
        case .ipv4(let address): address.description
        case .ipv6(let address, _): address.description
        }
    }

    public var description: String {
        switch host {
        case .ipv4(let address): "\(address):\(port)"
        case .ipv6(let address, _): "[\(address)]:\(port)"
        }
    }
}

/// How the kernel authenticated the mount, and so how the daemon authenticates to the witness
/// service. The password is held as `Secret` so it never prints.
public enum SWNCredentials: Hashable, Sendable {
    case kerberos
    case ntlm(user: String, password: Secret, domain: String)
    /// Neither KRB_AUTH nor a user name: UNREGISTER, or a REGISTER the daemon cannot serve.
    case none
}

/// What REGISTER and UNREGISTER carry.
public struct SWNRegistration: Hashable, Sendable {
    public var id: UInt32
    public var netName: String
    public var shareName: String
    public var address: SWNSocketAddress
    public var netNameNotify: Bool
    public var shareNameNotify: Bool
    public var ipNotify: Bool
    public var credentials: SWNCredentials

    public init(
        id: UInt32, netName: String, shareName: String, address: SWNSocketAddress, netNameNotify: Bool = true,
        shareNameNotify: Bool = true, ipNotify: Bool = false, credentials: SWNCredentials = .none
    ) {
        self.id = id
        self.netName = netName
        self.shareName = shareName
        self.address = address
        self.netNameNotify = netNameNotify
        self.shareNameNotify = shareNameNotify
        self.ipNotify = ipNotify
        self.credentials = credentials
    }
}

/// A message the kernel multicast on `cifs_mcgrp_swn`.
public enum SWNKernelEvent: Hashable, Sendable {
    case register(SWNRegistration)
    case unregister(SWNRegistration)

    public init(parsing message: GenericNetlinkMessage) throws(NetlinkParseError) {
        typealias A = SWNGenericNetlink.Attribute
        func required(_ attribute: A, _ name: String) throws(NetlinkParseError) -> NetlinkAttribute {
            guard let found = message.attribute(attribute.rawValue) else { throw .missingAttribute(name) }
            return found
        }
        func requiredString(_ attribute: A, _ name: String) throws(NetlinkParseError) -> String {
            let found = try required(attribute, name)
            guard let text = found.string else { throw .badAttributePayload(name, length: found.payload.count) }
            return text
        }
        let idAttribute = try required(.registrationID, "REGISTRATION_ID")
        guard let id = idAttribute.u32 else {
            throw .badAttributePayload("REGISTRATION_ID", length: idAttribute.payload.count)
        }
        let netName = try requiredString(.netName, "NET_NAME")
        let shareName = try requiredString(.shareName, "SHARE_NAME")
        let address = try SWNSocketAddress(parsing: try required(.ip, "IP").payload)
        let credentials: SWNCredentials
        if message.attribute(A.kerberosAuth.rawValue) != nil {
            credentials = .kerberos
        } else if let user = message.attribute(A.userName.rawValue)?.string {
            // The password's bytes are kept as sent: a password need not be valid UTF-8.
            let raw = message.attribute(A.password.rawValue)?.payload ?? []
            let password = Array(raw.prefix(while: { $0 != 0 }))
            credentials = .ntlm(
                user: user, password: Secret(password),
                domain: message.attribute(A.domainName.rawValue)?.string ?? "")
        } else {
            credentials = .none
        }
        let registration = SWNRegistration(
            id: id, netName: netName, shareName: shareName, address: address,
            netNameNotify: message.attribute(A.netNameNotify.rawValue) != nil,
            shareNameNotify: message.attribute(A.shareNameNotify.rawValue) != nil,
            ipNotify: message.attribute(A.ipNotify.rawValue) != nil, credentials: credentials)
        switch SWNGenericNetlink.Command(rawValue: message.command) {
        case .register: self = .register(registration)
        case .unregister: self = .unregister(registration)
        case .notify, nil: throw .unexpectedCommand(message.command)
        }
    }
}

/// A NOTIFY for the kernel: one witness event translated for one registration.
public struct SWNNotify: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case resourceChange(name: String, state: UInt32)
        case clientMove(SWNSocketAddress)
        case shareMove(SWNSocketAddress)
        case ipChange(SWNSocketAddress)

        /// cifs_swn_notification_type.
        public var typeCode: UInt32 {
            switch self {
            case .resourceChange: 1
            case .clientMove: 2
            case .shareMove: 3
            case .ipChange: 4
            }
        }
    }

    /// The kernel copies RESOURCE_NAME into a 256-byte buffer with nla_strscpy.
    public static let maximumResourceNameBytes = 255

    public var registrationID: UInt32
    public var kind: Kind

    public init(registrationID: UInt32, kind: Kind) {
        self.registrationID = registrationID
        self.kind = kind
    }

    public var genericMessage: GenericNetlinkMessage {
        typealias A = SWNGenericNetlink.Attribute
        var attributes: [NetlinkAttribute] = [
            .u32(A.registrationID.rawValue, registrationID), .u32(A.notificationType.rawValue, kind.typeCode),
        ]
        switch kind {
        case .resourceChange(let name, let state):
            let clipped = String(decoding: Array(name.utf8.prefix(Self.maximumResourceNameBytes)), as: UTF8.self)
            attributes.append(.string(A.resourceName.rawValue, clipped))
            attributes.append(.u32(A.resourceState.rawValue, state))
        case .clientMove(let address), .shareMove(let address), .ipChange(let address):
            attributes.append(NetlinkAttribute(type: A.ip.rawValue, payload: address.encoded()))
        }
        return GenericNetlinkMessage(
            command: SWNGenericNetlink.Command.notify.rawValue, version: SWNGenericNetlink.version,
            attributes: attributes)
    }

    /// The whole request for family `familyID`, asking for an ack.
    public func encoded(familyID: UInt16, sequence: UInt32) -> [UInt8] {
        NetlinkMessage(
            type: familyID, flags: NetlinkMessage.flagRequest | NetlinkMessage.flagAck, sequence: sequence,
            portID: 0, payload: genericMessage.encoded()
        ).encoded()
    }
}
