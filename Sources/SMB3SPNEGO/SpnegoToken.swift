import SMB3SpnegoKey
import SMB3Wire
import SwiftASN1

/// Object identifiers of the mechanisms a cifs.spnego upcall names.
public enum MechanismOID {
    /// RFC 4178 SPNEGO, 1.3.6.1.5.5.2.
    public static let spnego: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 2]
    /// RFC 4121 Kerberos V5, 1.2.840.113554.1.2.2 (`sec=krb5`).
    public static let krb5: ASN1ObjectIdentifier = [1, 2, 840, 113554, 1, 2, 2]
    /// The OID early Windows sent by mistake, 1.2.840.48018.1.2.2 (`sec=mskrb5`).
    public static let msKrb5: ASN1ObjectIdentifier = [1, 2, 840, 48018, 1, 2, 2]

    /// The SPNEGO mechType for a key description's `sec=`; `nil` for mechanisms that are not
    /// plain Kerberos (IAKerb's tokens differ and are not built by this codec).
    public static func spnegoMechanism(for mechanism: SecurityMechanism) -> ASN1ObjectIdentifier? {
        switch mechanism {
        case .krb5: krb5
        case .msKrb5: msKrb5
        default: nil
        }
    }
}

// RFC 2743 §3.1 framing shared by both tokens below:
//   [APPLICATION 0] IMPLICIT SEQUENCE { thisMech MechType, innerContextToken ANY }
// encoded as 0x60, a DER length, the mechanism OID, then the inner token. The inner token is not
// a DER value of its own (krb5 prefixes the AP-REQ with a 2-byte TOK_ID), so the framing is
// written and read here rather than through a DERSerializable type.
private let gssFramingIdentifier = ASN1Identifier(tagWithNumber: 0, tagClass: .application)

/// Writes the framing around `inner` for `mechanism`.
private func encodeGSSFraming(
    _ mechanism: ASN1ObjectIdentifier, _ inner: (inout DER.Serializer) throws -> Void
) throws -> [UInt8] {
    var serializer = DER.Serializer()
    try serializer.appendConstructedNode(identifier: gssFramingIdentifier) { coder in
        try coder.serialize(mechanism)
        try inner(&coder)
    }
    return serializer.serializedBytes
}

/// Reads the framing, checks that it names `mechanism`, and returns the nodes that follow the OID.
private func decodeGSSFraming(_ bytes: [UInt8], expecting mechanism: ASN1ObjectIdentifier) throws -> [ASN1Node] {
    let node = try DER.parse(bytes)
    guard node.identifier == gssFramingIdentifier, case .constructed(let children) = node.content else {
        throw ASN1Error.unexpectedFieldType(node.identifier)
    }
    var nodes = Array(children)
    guard !nodes.isEmpty, try ASN1ObjectIdentifier(derEncoded: nodes.removeFirst()) == mechanism else {
        throw ASN1Error.invalidASN1Object(reason: "initial context token does not name \(mechanism)")
    }
    return nodes
}

/// RFC 1964 §1.1 InitialContextToken for Kerberos: the GSS framing around TOK_ID 01 00 and an AP-REQ.
public struct KerberosInitialContextToken: Hashable, Sendable {
    /// TOK_ID for KRB_AP_REQ (RFC 1964 §1.1.1).
    public static let apRequestTokenID: [UInt8] = [0x01, 0x00]

    /// The DER AP-REQ (`[APPLICATION 14]`, first byte 0x6e) from krb5_mk_req_extended.
    public var apRequest: [UInt8]

    public init(apRequest: [UInt8]) { self.apRequest = apRequest }

    /// The framing always names the standard krb5 OID, even for `sec=mskrb5` (as Windows expects).
    public func encoded() throws -> [UInt8] {
        try encodeGSSFraming(MechanismOID.krb5) { coder in
            coder.serializeRawBytes(Self.apRequestTokenID)
            coder.serializeRawBytes(apRequest)
        }
    }

    public init(parsing bytes: [UInt8]) throws {
        let nodes = try decodeGSSFraming(bytes, expecting: MechanismOID.krb5)
        guard nodes.count == 2 else {
            throw ASN1Error.invalidASN1Object(reason: "krb5 initial context token needs OID, TOK_ID and AP-REQ")
        }
        let tokenID = nodes[0]
        let apRequest = nodes[1]
        // TOK_ID 01 00 reads as a zero-length node of tag 1; compare its bytes, not its meaning.
        guard Array(tokenID.encodedBytes) == Self.apRequestTokenID else {
            throw ASN1Error.invalidASN1Object(reason: "token id is not KRB_AP_REQ (01 00)")
        }
        guard apRequest.identifier == ASN1Identifier(tagWithNumber: 14, tagClass: .application) else {
            throw ASN1Error.unexpectedFieldType(apRequest.identifier)
        }
        self.apRequest = Array(apRequest.encodedBytes)
    }
}

/// RFC 4178 §4.2.1 NegTokenInit as an initial token: the GSS framing with the SPNEGO OID around
/// `[0] NegTokenInit ::= SEQUENCE { mechTypes [0] MechTypeList, mechToken [2] OCTET STRING }`.
/// Like cifs.upcall it carries exactly one mechanism and no reqFlags or mechListMIC.
public struct SpnegoInitialToken: Hashable, Sendable {
    public var mechanismTypes: [ASN1ObjectIdentifier]
    public var mechanismToken: [UInt8]

    public init(mechanismTypes: [ASN1ObjectIdentifier], mechanismToken: [UInt8]) {
        self.mechanismTypes = mechanismTypes
        self.mechanismToken = mechanismToken
    }

    public func encoded() throws -> [UInt8] {
        try encodeGSSFraming(MechanismOID.spnego) { coder in
            try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                        try coder.serializeSequenceOf(mechanismTypes)
                    }
                    try coder.serialize(explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific) { coder in
                        try coder.serialize(ASN1OctetString(contentBytes: mechanismToken[...]))
                    }
                }
            }
        }
    }

    public init(parsing bytes: [UInt8]) throws {
        let nodes = try decodeGSSFraming(bytes, expecting: MechanismOID.spnego)
        guard nodes.count == 1, let negTokenNode = nodes.first else {
            throw ASN1Error.invalidASN1Object(reason: "SPNEGO initial token needs an OID and a NegTokenInit")
        }
        let (types, token) = try DER.explicitlyTagged(negTokenNode, tagNumber: 0, tagClass: .contextSpecific) { node in
            try DER.sequence(node, identifier: .sequence) { nodes in
                let types = try DER.explicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { node in
                    try DER.sequence(of: ASN1ObjectIdentifier.self, identifier: .sequence, rootNode: node)
                }
                // reqFlags [1] is optional in RFC 4178; accept it when decoding, never send it.
                _ = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) { $0 }
                let token = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 2, tagClass: .contextSpecific) { node in
                    try ASN1OctetString(derEncoded: node)
                }
                guard let token else { throw ASN1Error.invalidASN1Object(reason: "NegTokenInit has no mechToken") }
                return (types, Array(token.bytes))
            }
        }
        guard !types.isEmpty else { throw ASN1Error.invalidASN1Object(reason: "NegTokenInit lists no mechanism") }
        self.init(mechanismTypes: types, mechanismToken: token)
    }
}

/// The RFC 4121 §4.1.1 authenticator checksum (type 0x8003) cifs.upcall sends: Lgth = 16,
/// 16 zero bytes of channel bindings, no flags (no delegation, no mutual authentication).
public struct GSSAuthenticatorChecksum: Hashable, Sendable {
    public static let checksumType: Int32 = 0x8003
    public var flags: UInt32

    public init(flags: UInt32 = 0) { self.flags = flags }

    /// 24 bytes, little-endian as RFC 4121 requires.
    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: 24)
        writer.writeInteger(UInt32(16), .little)
        writer.writeBytes(repeatElement(0, count: 16))
        writer.writeInteger(flags, .little)
        return writer.bytes
    }
}
