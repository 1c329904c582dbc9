import SMB3Wire

/// What `smb3-upcall` run by request-key (the handler) sends the upcall service (`smb3-upcall
/// --serve`): the key as keyctl describes it and the handler's options (UpcallService.swift maps
/// them to and from `UpcallOptions`). The service forks a child per request
/// that runs the whole upcall except the two keyctl calls only the handler may make (it holds
/// request-key's authorisation key): reading the description and instantiating or negating.
///
/// Both ends are the same build, so the format has one version and no negotiation; anything
/// else is refused. One request or reply is one SOCK_SEQPACKET message.
public struct UpcallServiceRequest: Hashable, Sendable {
    public var keySerial: Int32
    /// keyctl_describe's text: `type;uid;gid;perm;description`.
    public var keyDescription: String
    public var flags: Flags
    public var negativeTimeoutSeconds: UInt32
    /// `-k`, `-K` and `--keytab-cache-dir` (nil: not given; for the cache directory, none).
    public var krb5Config: String?
    public var keytab: String?
    public var keytabCacheDirectory: String?

    public init(
        keySerial: Int32, keyDescription: String, flags: Flags, negativeTimeoutSeconds: UInt32, krb5Config: String?,
        keytab: String?, keytabCacheDirectory: String?
    ) {
        self.keySerial = keySerial
        self.keyDescription = keyDescription
        self.flags = flags
        self.negativeTimeoutSeconds = negativeTimeoutSeconds
        self.krb5Config = krb5Config
        self.keytab = keytab
        self.keytabCacheDirectory = keytabCacheDirectory
    }

    /// Larger than any description the kernel writes (host names, addresses, ids) plus paths.
    public static let maximumSize = 16 * 1024
    static let magic: UInt32 = 0x534D_5551  // "SMUQ"

    /// The handler's switches (cifs.upcall's `-d`, `-l`, `-E`, `-t`; `--gssapi`; GSS_USE_PROXY).
    public struct Flags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let debug = Flags(rawValue: 1 << 0)
        public static let legacyUID = Flags(rawValue: 1 << 1)
        public static let noEnvironmentProbe = Flags(rawValue: 1 << 2)
        public static let trustDNS = Flags(rawValue: 1 << 3)
        public static let forceGSSAPI = Flags(rawValue: 1 << 4)
        public static let gssProxyEnabled = Flags(rawValue: 1 << 5)
        static let all: Flags = [.debug, .legacyUID, .noEnvironmentProbe, .trustDNS, .forceGSSAPI, .gssProxyEnabled]
    }

    public func encoded() -> [UInt8] {
        var writer = WireWriter(capacity: 128 + keyDescription.utf8.count)
        writer.writeInteger(Self.magic, .big)
        writer.writeInteger(flags.rawValue, .big)
        writer.writeInteger(keySerial, .big)
        writer.writeInteger(negativeTimeoutSeconds, .big)
        ServiceWire.writeString(keyDescription, to: &writer)
        ServiceWire.writeOptionalString(krb5Config, to: &writer)
        ServiceWire.writeOptionalString(keytab, to: &writer)
        ServiceWire.writeOptionalString(keytabCacheDirectory, to: &writer)
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(UpcallServiceMessageError) {
        guard bytes.count <= Self.maximumSize else { throw .init("request of \(bytes.count) bytes is too large") }
        var reader = WireReader(bytes)
        guard reader.readInteger(.big, as: UInt32.self) == Self.magic else {
            throw .init("not an upcall service request")
        }
        guard let rawFlags = reader.readInteger(.big, as: UInt8.self),
            let serial = reader.readInteger(.big, as: Int32.self),
            let negativeTimeout = reader.readInteger(.big, as: UInt32.self)
        else { throw .init("truncated request") }
        let flags = Flags(rawValue: rawFlags)
        guard Flags.all.isSuperset(of: flags) else {
            throw .init("unknown request flags 0x\(String(rawFlags, radix: 16))")
        }
        let description = try ServiceWire.readString(&reader)
        let krb5Config = try ServiceWire.readOptionalString(&reader)
        let keytab = try ServiceWire.readOptionalString(&reader)
        let keytabCacheDirectory = try ServiceWire.readOptionalString(&reader)
        guard reader.readableBytes == 0 else { throw .init("\(reader.readableBytes) bytes after the request") }
        self.init(
            keySerial: serial, keyDescription: description, flags: flags, negativeTimeoutSeconds: negativeTimeout,
            krb5Config: krb5Config, keytab: keytab, keytabCacheDirectory: keytabCacheDirectory)
    }
}

/// The service's answer: what the handler does with the key.
public enum UpcallServiceReply: Hashable, Sendable {
    /// Instantiate the key with this `cifs_spnego_msg` payload.
    case instantiate(payload: [UInt8])
    /// The upcall failed (the service has logged why): negate the key for this long.
    case negate(timeoutSeconds: UInt32)
    /// The service would not act for this handler or key (it has logged why): the handler
    /// does the upcall itself, with its own privileges.
    case refused

    /// A payload is 16 bytes plus a session key and a SPNEGO blob; tickets with large PACs make
    /// blobs of a few tens of kB, which is still far below this.
    public static let maximumSize = 256 * 1024
    static let magic: UInt32 = 0x534D_5552  // "SMUR"

    public func encoded() -> [UInt8] {
        var writer = WireWriter()
        writer.writeInteger(Self.magic, .big)
        switch self {
        case .instantiate(let payload):
            writer.writeInteger(UInt8(1), .big)
            writer.writeInteger(UInt32(payload.count), .big)
            writer.writeBytes(payload)
        case .negate(let timeout):
            writer.writeInteger(UInt8(2), .big)
            writer.writeInteger(timeout, .big)
        case .refused:
            writer.writeInteger(UInt8(3), .big)
        }
        return writer.bytes
    }

    public init(decoding bytes: [UInt8]) throws(UpcallServiceMessageError) {
        guard bytes.count <= Self.maximumSize else { throw .init("reply of \(bytes.count) bytes is too large") }
        var reader = WireReader(bytes)
        guard reader.readInteger(.big, as: UInt32.self) == Self.magic else {
            throw .init("not an upcall service reply")
        }
        switch reader.readInteger(.big, as: UInt8.self) {
        case 1:
            guard let count = reader.readInteger(.big, as: UInt32.self), let payload = reader.readBytes(Int(count))
            else {
                throw .init("truncated payload")
            }
            guard !payload.isEmpty else { throw .init("empty payload") }
            self = .instantiate(payload: Array(payload))
        case 2:
            guard let timeout = reader.readInteger(.big, as: UInt32.self) else { throw .init("truncated reply") }
            self = .negate(timeoutSeconds: timeout)
        case 3:
            self = .refused
        case let kind?:
            throw .init("unknown reply kind \(kind)")
        case nil:
            throw .init("truncated reply")
        }
        guard reader.readableBytes == 0 else { throw .init("\(reader.readableBytes) bytes after the reply") }
    }
}

public struct UpcallServiceMessageError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    init(_ reason: String) { self.reason = reason }
    public static let closed = UpcallServiceMessageError("the connection closed before a reply")
    public var description: String { reason }
}

/// Strings are length-prefixed UTF-8 (u16); an optional one has a presence byte first.
private enum ServiceWire {
    static func writeString(_ string: String, to writer: inout WireWriter) {
        let bytes = Array(string.utf8.prefix(Int(UInt16.max)))
        writer.writeInteger(UInt16(bytes.count), .big)
        writer.writeBytes(bytes)
    }

    static func writeOptionalString(_ string: String?, to writer: inout WireWriter) {
        writer.writeInteger(UInt8(string == nil ? 0 : 1), .big)
        if let string { writeString(string, to: &writer) }
    }

    static func readString(_ reader: inout WireReader) throws(UpcallServiceMessageError) -> String {
        guard let count = reader.readInteger(.big, as: UInt16.self), let bytes = reader.readBytes(Int(count)) else {
            throw .init("truncated string")
        }
        // Strict: a NUL would end the string early in every C call it reaches.
        guard !bytes.contains(0), let string = String(validating: bytes, as: UTF8.self) else {
            throw .init("a string is not valid UTF-8 without NUL")
        }
        return string
    }

    static func readOptionalString(_ reader: inout WireReader) throws(UpcallServiceMessageError) -> String? {
        switch reader.readInteger(.big, as: UInt8.self) {
        case 0: return nil
        case 1: return try readString(&reader)
        default: throw .init("bad optional string marker")
        }
    }
}
