import SwiftASN1

extension MechanismOID {
    /// MS-NLMP NTLMSSP, 1.3.6.1.4.1.311.2.2.10: what an SMB2 client offers for NTLM.
    public static let ntlmssp: ASN1ObjectIdentifier = [1, 3, 6, 1, 4, 1, 311, 2, 2, 10]

    /// The DER of a MechTypeList (`SEQUENCE OF MechType`): what mechListMIC signs (RFC 4178 §5).
    public static func mechanismTypeListDER(_ types: [ASN1ObjectIdentifier]) throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serializeSequenceOf(types)
        return serializer.serializedBytes
    }
}

/// RFC 4178 §4.2.2 NegTokenResp, every token after the first in either direction:
/// `[1] SEQUENCE { negState [0] ENUMERATED OPTIONAL, supportedMech [1] MechType OPTIONAL,
/// responseToken [2] OCTET STRING OPTIONAL, mechListMIC [3] OCTET STRING OPTIONAL }`.
/// Not GSS-framed: only the initial token carries the SPNEGO OID.
public struct SpnegoResponseToken: Hashable, Sendable {
    /// negState (RFC 4178 §4.2.2).
    public struct State: RawRepresentable, Hashable, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let acceptCompleted = State(rawValue: 0)
        public static let acceptIncomplete = State(rawValue: 1)
        public static let reject = State(rawValue: 2)
        public static let requestMIC = State(rawValue: 3)
    }

    public var state: State?
    public var supportedMechanism: ASN1ObjectIdentifier?
    public var responseToken: [UInt8]?
    public var mechanismListMIC: [UInt8]?

    public init(
        state: State? = nil, supportedMechanism: ASN1ObjectIdentifier? = nil, responseToken: [UInt8]? = nil,
        mechanismListMIC: [UInt8]? = nil
    ) {
        self.state = state
        self.supportedMechanism = supportedMechanism
        self.responseToken = responseToken
        self.mechanismListMIC = mechanismListMIC
    }

    public func encoded() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                if let state {
                    try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                        try state.rawValue.serialize(into: &coder, withIdentifier: .enumerated)
                    }
                }
                if let supportedMechanism {
                    try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { coder in
                        try coder.serialize(supportedMechanism)
                    }
                }
                if let responseToken {
                    try coder.serialize(explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific) { coder in
                        try coder.serialize(ASN1OctetString(contentBytes: responseToken[...]))
                    }
                }
                if let mechanismListMIC {
                    try coder.serialize(explicitlyTaggedWithTagNumber: 3, tagClass: .contextSpecific) { coder in
                        try coder.serialize(ASN1OctetString(contentBytes: mechanismListMIC[...]))
                    }
                }
            }
        }
        return serializer.serializedBytes
    }

    public init(parsing bytes: [UInt8]) throws {
        let root = try DER.parse(bytes)
        self = try DER.explicitlyTagged(root, tagNumber: 1, tagClass: .contextSpecific) { node in
            try DER.sequence(node, identifier: .sequence) { nodes in
                let state = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) {
                    try Int(derEncoded: $0, withIdentifier: .enumerated)
                }
                let mechanism = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) {
                    try ASN1ObjectIdentifier(derEncoded: $0)
                }
                let token = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 2, tagClass: .contextSpecific) {
                    try ASN1OctetString(derEncoded: $0)
                }
                let mic = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 3, tagClass: .contextSpecific) {
                    try ASN1OctetString(derEncoded: $0)
                }
                return SpnegoResponseToken(
                    state: state.map(State.init(rawValue:)), supportedMechanism: mechanism,
                    responseToken: token.map { Array($0.bytes) }, mechanismListMIC: mic.map { Array($0.bytes) })
            }
        }
    }
}
