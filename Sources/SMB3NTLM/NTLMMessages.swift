import SMB3Wire

/// The VERSION structure, MS-NLMP 2.2.2.10. Informational only; it never changes the protocol.
public struct NTLMVersion: Hashable, Sendable {
    /// NTLMSSP_REVISION_W2K3, the only revision in use.
    public static let currentRevision: UInt8 = 0x0F
    /// 6.1 build 0, what Samba's own client sends.
    public static let sambaClient = NTLMVersion(productMajor: 6, productMinor: 1, productBuild: 0)

    public var productMajor: UInt8
    public var productMinor: UInt8
    public var productBuild: UInt16
    public var ntlmRevision: UInt8

    public init(productMajor: UInt8, productMinor: UInt8, productBuild: UInt16, ntlmRevision: UInt8 = currentRevision) {
        self.productMajor = productMajor
        self.productMinor = productMinor
        self.productBuild = productBuild
        self.ntlmRevision = ntlmRevision
    }

    static let encodedLength = 8

    init?(reading reader: inout WireReader) {
        guard let major = reader.readInteger(.little, as: UInt8.self),
            let minor = reader.readInteger(.little, as: UInt8.self),
            let build = reader.readInteger(.little, as: UInt16.self),
            reader.readBytes(3) != nil,
            let revision = reader.readInteger(.little, as: UInt8.self)
        else { return nil }
        self.init(productMajor: major, productMinor: minor, productBuild: build, ntlmRevision: revision)
    }

    func write(to writer: inout WireWriter) {
        writer.writeInteger(productMajor, .little)
        writer.writeInteger(productMinor, .little)
        writer.writeInteger(productBuild, .little)
        writer.writeBytes([0, 0, 0])
        writer.writeInteger(ntlmRevision, .little)
    }
}

/// NEGOTIATE_MESSAGE, MS-NLMP 2.2.1.1. The client sends no domain or workstation here (no OEM_*_SUPPLIED).
public struct NTLMNegotiateMessage: Hashable, Sendable {
    public var flags: NTLMNegotiateFlags
    public var version: NTLMVersion?

    /// NEGOTIATE_VERSION is set exactly when `version` is given.
    public init(flags: NTLMNegotiateFlags, version: NTLMVersion?) {
        self.flags = version == nil ? flags.subtracting(.version) : flags.union(.version)
        self.version = version
    }

    public func encoded() -> [UInt8] {
        let headerLength = 32 + (version == nil ? 0 : NTLMVersion.encodedLength)
        var writer = WireWriter(capacity: headerLength)
        writeHeader(type: 1, to: &writer)
        writer.writeInteger(flags.rawValue, .little)
        // Empty DomainName and Workstation fields point where their payload would start (2.2.1.1).
        NTLMFieldDescriptor(length: 0, offset: UInt32(headerLength)).write(to: &writer)
        NTLMFieldDescriptor(length: 0, offset: UInt32(headerLength)).write(to: &writer)
        version?.write(to: &writer)
        return writer.bytes
    }
}

/// CHALLENGE_MESSAGE, MS-NLMP 2.2.1.2. Parsed from untrusted bytes: every field is bounds-checked.
public struct NTLMChallengeMessage: Hashable, Sendable {
    public var flags: NTLMNegotiateFlags
    public var serverChallenge: [UInt8]
    public var targetName: String
    public var targetInfo: NTLMTargetInfo
    public var version: NTLMVersion?

    public init(
        flags: NTLMNegotiateFlags, serverChallenge: [UInt8], targetName: String = "",
        targetInfo: NTLMTargetInfo = NTLMTargetInfo(), version: NTLMVersion? = nil
    ) {
        self.flags = flags
        self.serverChallenge = serverChallenge
        self.targetName = targetName
        self.targetInfo = targetInfo
        self.version = version
    }

    public init(parsing message: [UInt8]) throws {
        var reader = WireReader(message)
        try readHeader(type: 2, from: &reader)
        guard let targetNameField = NTLMFieldDescriptor(reading: &reader),
            let rawFlags = reader.readInteger(.little, as: UInt32.self),
            let serverChallenge = reader.readBytes(8),
            reader.readBytes(8) != nil,  // Reserved
            let targetInfoField = NTLMFieldDescriptor(reading: &reader)
        else { throw NTLMError.truncated(.header) }
        flags = NTLMNegotiateFlags(rawValue: rawFlags)
        self.serverChallenge = Array(serverChallenge)

        let nameBytes = try targetNameField.payload(in: message, field: .targetName)
        if flags.contains(.unicode) {
            // Lenient on an odd length: the name is informational, and MS-NLMP 4.2.4.3's own example
            // sends TargetNameLen 3 for "Server".
            targetName = decodeUTF16LELeniently(nameBytes)
        } else {
            targetName = String(decoding: nameBytes, as: UTF8.self)
        }
        let infoBytes = try targetInfoField.payload(in: message, field: .targetInfo)
        targetInfo = infoBytes.isEmpty ? NTLMTargetInfo() : try NTLMTargetInfo(parsing: infoBytes)

        // The Version field sits between the fixed header and the payload, so it exists only if the
        // payload leaves room for it.
        let payloadStart = [targetNameField, targetInfoField].compactMap(\.nonEmptyOffset).min() ?? message.count
        if flags.contains(.version), payloadStart >= 56 {
            guard let version = NTLMVersion(reading: &reader) else { throw NTLMError.truncated(.version) }
            self.version = version
        } else {
            version = nil
        }
    }

    /// A CHALLENGE as a server would send it: header, optional version, target name, target info.
    public func encoded() throws -> [UInt8] {
        guard serverChallenge.count == 8 else { throw NTLMError.invalidParameter("server challenge must be 8 bytes") }
        let nameBytes = flags.contains(.unicode) ? encodeUTF16LE(targetName) : Array(targetName.utf8)
        let infoBytes = try targetInfo.encoded()
        let headerLength = 48 + (version == nil ? 0 : NTLMVersion.encodedLength)
        var payload = NTLMPayloadBuilder(start: headerLength)
        let nameField = try payload.append(nameBytes, field: .targetName)
        let infoField = try payload.append(infoBytes, field: .targetInfo)

        var writer = WireWriter(capacity: headerLength + payload.bytes.count)
        writeHeader(type: 2, to: &writer)
        nameField.write(to: &writer)
        writer.writeInteger(flags.rawValue, .little)
        writer.writeBytes(serverChallenge)
        writer.writeBytes([UInt8](repeating: 0, count: 8))
        infoField.write(to: &writer)
        version?.write(to: &writer)
        writer.writeBytes(payload.bytes)
        return writer.bytes
    }
}

/// AUTHENTICATE_MESSAGE, MS-NLMP 2.2.1.3. Strings are UTF-16LE (this client requires NEGOTIATE_UNICODE).
public struct NTLMAuthenticateMessage: Hashable, Sendable {
    /// Where the MIC sits: after the 64-byte fixed header and the 8-byte Version.
    public static let micOffset = 72
    public static let micLength = 16

    public var flags: NTLMNegotiateFlags
    public var lmChallengeResponse: [UInt8]
    public var ntChallengeResponse: [UInt8]
    public var domainName: String
    public var userName: String
    public var workstation: String
    public var encryptedRandomSessionKey: [UInt8]
    public var version: NTLMVersion?
    /// Present when MsvAvFlags in the NTLMv2 response announces it; 16 bytes.
    public var mic: [UInt8]?

    public init(
        flags: NTLMNegotiateFlags, lmChallengeResponse: [UInt8], ntChallengeResponse: [UInt8], domainName: String,
        userName: String, workstation: String, encryptedRandomSessionKey: [UInt8], version: NTLMVersion?,
        mic: [UInt8]?
    ) {
        self.flags = flags
        self.lmChallengeResponse = lmChallengeResponse
        self.ntChallengeResponse = ntChallengeResponse
        self.domainName = domainName
        self.userName = userName
        self.workstation = workstation
        self.encryptedRandomSessionKey = encryptedRandomSessionKey
        self.version = version
        self.mic = mic
    }

    /// Layout: fixed header, Version (zeros when `version` is nil but a MIC follows, since the MIC's
    /// offset is fixed at 72), MIC, then Domain, User, Workstation, LM, NT, session key as in 4.2.4.3.
    public func encoded() throws -> [UInt8] {
        if let mic, mic.count != Self.micLength { throw NTLMError.invalidParameter("MIC must be 16 bytes") }
        let hasVersionField = version != nil || mic != nil
        let headerLength = 64 + (hasVersionField ? NTLMVersion.encodedLength : 0) + (mic == nil ? 0 : Self.micLength)
        var payload = NTLMPayloadBuilder(start: headerLength)
        let domainField = try payload.append(encodeUTF16LE(domainName), field: .domainName)
        let userField = try payload.append(encodeUTF16LE(userName), field: .userName)
        let workstationField = try payload.append(encodeUTF16LE(workstation), field: .workstation)
        let lmField = try payload.append(lmChallengeResponse, field: .lmChallengeResponse)
        let ntField = try payload.append(ntChallengeResponse, field: .ntChallengeResponse)
        let keyField = try payload.append(encryptedRandomSessionKey, field: .encryptedRandomSessionKey)

        var writer = WireWriter(capacity: headerLength + payload.bytes.count)
        writeHeader(type: 3, to: &writer)
        for field in [lmField, ntField, domainField, userField, workstationField, keyField] {
            field.write(to: &writer)
        }
        writer.writeInteger(flags.rawValue, .little)
        if hasVersionField {
            if let version {
                version.write(to: &writer)
            } else {
                writer.writeBytes([UInt8](repeating: 0, count: NTLMVersion.encodedLength))
            }
        }
        if let mic { writer.writeBytes(mic) }
        writer.writeBytes(payload.bytes)
        return writer.bytes
    }

    /// Parses an AUTHENTICATE (for tests and diagnostics). Version and MIC are taken to be present when
    /// the payload starts late enough to leave room for them.
    public init(parsing message: [UInt8]) throws {
        var reader = WireReader(message)
        try readHeader(type: 3, from: &reader)
        var fields: [NTLMFieldDescriptor] = []
        for _ in 0..<6 {
            guard let field = NTLMFieldDescriptor(reading: &reader) else { throw NTLMError.truncated(.header) }
            fields.append(field)
        }
        guard let rawFlags = reader.readInteger(.little, as: UInt32.self) else { throw NTLMError.truncated(.header) }
        flags = NTLMNegotiateFlags(rawValue: rawFlags)

        let names: [NTLMField] = [
            .lmChallengeResponse, .ntChallengeResponse, .domainName, .userName, .workstation,
            .encryptedRandomSessionKey,
        ]
        var payloads: [[UInt8]] = []
        for (field, name) in zip(fields, names) { payloads.append(try field.payload(in: message, field: name)) }
        let unicode = NTLMNegotiateFlags(rawValue: rawFlags).contains(.unicode)
        func string(_ index: Int) throws -> String {
            guard unicode else { return String(decoding: payloads[index], as: UTF8.self) }
            guard payloads[index].count % 2 == 0 else { throw NTLMError.oddUnicodeLength(names[index]) }
            return decodeUTF16LELeniently(payloads[index])
        }
        lmChallengeResponse = payloads[0]
        ntChallengeResponse = payloads[1]
        domainName = try string(2)
        userName = try string(3)
        workstation = try string(4)
        encryptedRandomSessionKey = payloads[5]

        let payloadStart = fields.compactMap(\.nonEmptyOffset).min() ?? message.count
        if payloadStart >= 64 + NTLMVersion.encodedLength {
            guard let version = NTLMVersion(reading: &reader) else { throw NTLMError.truncated(.version) }
            self.version = version
        } else {
            version = nil
        }
        if payloadStart >= Self.micOffset + Self.micLength {
            guard let mic = reader.readBytes(Self.micLength) else { throw NTLMError.truncated(.mic) }
            self.mic = Array(mic)
        } else {
            mic = nil
        }
    }
}

/// "NTLMSSP\0", MS-NLMP 2.2.1.
let ntlmSignature: [UInt8] = [0x4E, 0x54, 0x4C, 0x4D, 0x53, 0x53, 0x50, 0x00]

private func writeHeader(type: UInt32, to writer: inout WireWriter) {
    writer.writeBytes(ntlmSignature)
    writer.writeInteger(type, .little)
}

private func readHeader(type: UInt32, from reader: inout WireReader) throws {
    guard let signature = reader.readBytes(8), let found = reader.readInteger(.little, as: UInt32.self) else {
        throw NTLMError.truncated(.header)
    }
    guard signature.elementsEqual(ntlmSignature) else { throw NTLMError.badSignature() }
    guard found == type else { throw NTLMError.unexpectedMessageType(expected: type, found: found) }
}

/// Len, MaxLen, BufferOffset: how every NTLM message points into its payload.
struct NTLMFieldDescriptor: Hashable, Sendable {
    var length: UInt16
    var offset: UInt32

    init(length: UInt16, offset: UInt32) {
        self.length = length
        self.offset = offset
    }

    init?(reading reader: inout WireReader) {
        guard let length = reader.readInteger(.little, as: UInt16.self),
            reader.readInteger(.little, as: UInt16.self) != nil,  // MaxLen: carries no information
            let offset = reader.readInteger(.little, as: UInt32.self)
        else { return nil }
        self.init(length: length, offset: offset)
    }

    func write(to writer: inout WireWriter) {
        writer.writeInteger(length, .little)
        writer.writeInteger(length, .little)
        writer.writeInteger(offset, .little)
    }

    /// An empty field's offset is meaningless (servers leave anything there), so it is not checked.
    var nonEmptyOffset: Int? { length == 0 ? nil : Int(offset) }

    func payload(in message: [UInt8], field: NTLMField) throws -> [UInt8] {
        guard length > 0 else { return [] }
        var reader = WireReader(message)
        guard reader.readBytes(Int(offset)) != nil, let bytes = reader.readBytes(Int(length)) else {
            throw NTLMError.fieldOutOfRange(field)
        }
        return Array(bytes)
    }
}

/// Appends payload fields in order and hands back their descriptors.
struct NTLMPayloadBuilder {
    let start: Int
    private(set) var bytes: [UInt8] = []

    init(start: Int) { self.start = start }

    mutating func append(_ field: [UInt8], field name: NTLMField) throws -> NTLMFieldDescriptor {
        guard let length = UInt16(exactly: field.count), let offset = UInt32(exactly: start + bytes.count) else {
            throw NTLMError.invalidParameter("\(name.rawValue) is longer than 65535 bytes")
        }
        bytes += field
        return NTLMFieldDescriptor(length: length, offset: offset)
    }
}
