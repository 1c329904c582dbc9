// Over 400 lines on purpose: the kernel's format, its grammar, the parser and its errors read as one unit (STYLE §5).
import SMB3Wire

// The description of a `cifs.spnego` key, built by fs/smb/client/cifs_spnego.c with sequential
// sprintf calls, so the order of the known fields is fixed:
//
//   ver=0x%x;host=%s;ip4=%pI4|ip6=%pI6;sec=krb5|mskrb5|iakerb;uid=0x%x;creduid=0x%x[;user=%s];pid=0x%x
//   [;upcall_target=mount|app]
//
// No field is escaped, so a `;` inside `host=` or `user=` would smuggle in extra fields. The parser
// therefore rejects anything the kernel cannot have produced: fields out of order, duplicates,
// tokens without `=`, and unknown fields anywhere but after `pid=` (new fields are appended at the
// end, as `upcall_target=` was in 6.13). Unknown trailing fields are kept for forward compatibility.

/// Which Kerberos flavour the kernel asks for (`sec=`).
public struct SecurityMechanism: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `sec=krb5`: the RFC 4121 Kerberos OID 1.2.840.113554.1.2.2.
    public static let krb5 = SecurityMechanism(rawValue: "krb5")
    /// `sec=mskrb5`: the legacy Microsoft Kerberos OID 1.2.840.48018.1.2.2.
    public static let msKrb5 = SecurityMechanism(rawValue: "mskrb5")
    /// `sec=iakerb`: IAKerb (kernels 6.14+, backported to 6.1.y and 6.12.y).
    public static let iakerb = SecurityMechanism(rawValue: "iakerb")

    public static let known: [SecurityMechanism] = [.krb5, .msKrb5, .iakerb]
    public var description: String { rawValue }
}

/// Whose namespaces the upcall runs in (`upcall_target=`; absent means `app`).
public struct UpcallTarget: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Switch into the namespaces of the task that triggered the session setup.
    public static let app = UpcallTarget(rawValue: "app")
    /// Stay in the namespaces the mount was made in (request-key's, i.e. the host's).
    public static let mount = UpcallTarget(rawValue: "mount")

    public static let known: [UpcallTarget] = [.app, .mount]
    public var description: String { rawValue }
}

/// The server address of the channel that needs a session setup (`ip4=` or `ip6=`).
public enum ServerAddress: Hashable, Sendable, CustomStringConvertible {
    case ipv4(IPv4Address)
    case ipv6(IPv6Address)

    /// The address as the kernel prints it (`%pI4`, or `%pI6` with all 8 groups of 4 digits).
    public var description: String {
        switch self {
        case .ipv4(let address): address.description
        case .ipv6(let address): address.fullDescription
        }
    }
}

/// A parsed `cifs.spnego` key description.
public struct KeyDescription: Hashable, Sendable {
    /// The only upcall version the kernel sends and accepts back (`CIFS_SPNEGO_UPCALL_VERSION`).
    public static let supportedVersion: UInt32 = 2
    /// keyctl(2) descriptions are at most 4095 bytes plus the terminating NUL.
    public static let maximumLength = 4095
    /// `NI_MAXHOST` less the NUL, the longest host name getnameinfo(3) produces.
    public static let maximumHostLength = 1024
    /// cifs-utils' `MAX_USERNAME_SIZE`; the kernel's own limit (`CIFS_MAX_USERNAME_LEN`) is the same.
    public static let maximumUserLength = 256

    static let knownFieldNames: Set<String> = [
        "ver", "host", "ip4", "ip6", "sec", "uid", "creduid", "user", "pid", "upcall_target",
    ]

    public var version: UInt32
    /// The server's host name from the UNC: an FQDN, a short name or an IP literal; empty for
    /// the extra channels of a multichannel mount on 6.1 kernels.
    public var host: String
    public var address: ServerAddress
    public var mechanism: SecurityMechanism
    /// The owner of the mount (`uid=`), an init-namespace uid.
    public var uid: UInt32
    /// Whose credentials to use (`creduid=`: `cruid=`, or the accessing user on multiuser mounts).
    public var credUID: UInt32
    /// The mount's `username=`, present only if one was set.
    public var user: String?
    /// The thread id, in the init pid namespace, of the task that triggered the session setup.
    public var pid: UInt32
    /// `nil` on kernels that do not send the field (before 6.12.y / 6.13).
    public var upcallTarget: UpcallTarget?
    /// Fields a newer kernel appended after the known ones, in order.
    public var extraFields: [ExtraField]

    /// The namespaces decision: the field's value, or `app` when the kernel did not send it.
    public var effectiveUpcallTarget: UpcallTarget { upcallTarget ?? .app }

    public struct ExtraField: Hashable, Sendable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(
        version: UInt32 = KeyDescription.supportedVersion, host: String, address: ServerAddress,
        mechanism: SecurityMechanism, uid: UInt32, credUID: UInt32, user: String? = nil, pid: UInt32,
        upcallTarget: UpcallTarget? = nil, extraFields: [ExtraField] = []
    ) {
        self.version = version
        self.host = host
        self.address = address
        self.mechanism = mechanism
        self.uid = uid
        self.credUID = credUID
        self.user = user
        self.pid = pid
        self.upcallTarget = upcallTarget
        self.extraFields = extraFields
    }
}

// MARK: - Errors

public struct KeyDescriptionError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let tooLong = Code(rawValue: "tooLong")
        public static let notUTF8 = Code(rawValue: "notUTF8")
        public static let malformedField = Code(rawValue: "malformedField")
        public static let duplicateField = Code(rawValue: "duplicateField")
        public static let unexpectedField = Code(rawValue: "unexpectedField")
        public static let missingField = Code(rawValue: "missingField")
        public static let invalidValue = Code(rawValue: "invalidValue")
        public static let valueTooLong = Code(rawValue: "valueTooLong")
        public static let unsupportedVersion = Code(rawValue: "unsupportedVersion")
        public static let unknownMechanism = Code(rawValue: "unknownMechanism")
        public static let notSPNEGOKey = Code(rawValue: "notSPNEGOKey")
    }

    public let code: Code
    /// The field concerned, if any.
    public let field: String?
    /// One sentence for a log line: what is wrong, quoting at most a bounded part of the input.
    public let reason: String

    public var description: String { reason }

    // Equality on code and field only (the field is part of what went wrong here, as ASN1Error's code
    // is): the reason's wording and where it was thrown may change.
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code && lhs.field == rhs.field }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(field)
    }

    /// Where the error was thrown.
    public let file: String
    /// Where the error was thrown.
    public let line: UInt

    init(_ code: Code, field: String? = nil, _ reason: String, file: String = #fileID, line: UInt = #line) {
        self.code = code
        self.field = field
        self.reason = reason
        self.file = file
        self.line = line
    }
}

// MARK: - Parsing

extension KeyDescription {
    /// Parses a key description as the kernel built it.
    /// - Throws: `KeyDescriptionError` naming the first problem found.
    public init(parsing text: String) throws(KeyDescriptionError) {
        var utf8 = Array(text.utf8)
        try self.init(parsingUTF8: &utf8)
    }

    /// Parses the raw bytes of a description (no NUL terminator).
    public init(parsing bytes: some Collection<UInt8>) throws(KeyDescriptionError) {
        var utf8 = Array(bytes)
        try self.init(parsingUTF8: &utf8)
    }

    private init(parsingUTF8 utf8: inout [UInt8]) throws(KeyDescriptionError) {
        guard utf8.count <= Self.maximumLength else {
            throw KeyDescriptionError(
                .tooLong, "key description is \(utf8.count) bytes, longer than the kernel's \(Self.maximumLength)")
        }
        guard let text = String(validating: utf8, as: UTF8.self) else {
            throw KeyDescriptionError(.notUTF8, "key description is not valid UTF-8")
        }
        var fields = try FieldCursor(text)

        let versionText = try fields.take("ver")
        let version = try Self.hexNumber(versionText, field: "ver")
        guard version == Self.supportedVersion else {
            throw KeyDescriptionError(
                .unsupportedVersion, field: "ver",
                "upcall version \(versionText) is not supported (expected 0x\(String(Self.supportedVersion, radix: 16)))"
            )
        }
        let host = try fields.take("host")
        try Self.checkHost(host)

        let address: ServerAddress
        if let ip4 = try fields.takeIfPresent("ip4") {
            guard let parsed = IPv4Address(kernelText: ip4) else {
                throw KeyDescriptionError(
                    .invalidValue, field: "ip4", "ip4=\(Self.quote(ip4)) is not a dotted-quad IPv4 address")
            }
            address = .ipv4(parsed)
        } else if let ip6 = try fields.takeIfPresent("ip6") {
            guard let parsed = IPv6Address(kernelText: ip6) else {
                throw KeyDescriptionError(
                    .invalidValue, field: "ip6",
                    "ip6=\(Self.quote(ip6)) is not an IPv6 address in the kernel's full form")
            }
            address = .ipv6(parsed)
        } else {
            throw fields.missing("ip4", alternative: "ip6")
        }

        let secText = try fields.take("sec")
        let mechanism = SecurityMechanism(rawValue: secText)
        guard SecurityMechanism.known.contains(mechanism) else {
            throw KeyDescriptionError(
                .unknownMechanism, field: "sec", "sec=\(Self.quote(secText)) is not one of krb5, mskrb5, iakerb")
        }
        let uid = try Self.userID(try fields.take("uid"), field: "uid")
        let credUID = try Self.userID(try fields.take("creduid"), field: "creduid")
        let user = try fields.takeIfPresent("user")
        if let user { try Self.checkUser(user) }
        let pidText = try fields.take("pid")
        let pid = try Self.hexNumber(pidText, field: "pid")
        // current->pid: a positive pid_t. 0 (the idle task) and "negative" values name no process.
        guard (1...UInt32(Int32.max)).contains(pid) else {
            throw KeyDescriptionError(
                .invalidValue, field: "pid", "pid=\(Self.quote(pidText)) is not a positive process id")
        }

        var upcallTarget: UpcallTarget?
        if let targetText = try fields.takeIfPresent("upcall_target") {
            let target = UpcallTarget(rawValue: targetText)
            guard UpcallTarget.known.contains(target) else {
                throw KeyDescriptionError(
                    .invalidValue, field: "upcall_target",
                    "upcall_target=\(Self.quote(targetText)) is neither app nor mount")
            }
            upcallTarget = target
        }

        self.init(
            version: version, host: host, address: address, mechanism: mechanism, uid: uid, credUID: credUID,
            user: user, pid: pid, upcallTarget: upcallTarget, extraFields: try fields.remainingAsExtraFields())
    }

    /// Reads a u32 exactly as the kernel's `0x%x` prints it: `0x`, then 1 to 8 lower-case hex
    /// digits without leading zeros. Only one text per value, so that a value cannot be spelt a
    /// second way that a different reader would take differently.
    static func hexNumber(_ text: String, field: String) throws(KeyDescriptionError) -> UInt32 {
        let digits = text.utf8.dropFirst(2)
        guard text.utf8.starts(with: "0x".utf8), (1...8).contains(digits.count),
            digits.allSatisfy(\.isLowercaseHexDigit), digits.count == 1 || digits.first != UInt8(ascii: "0"),
            let value = UInt32(String(decoding: digits, as: UTF8.self), radix: 16)
        else {
            // Built only on failure: the message quotes the value, which is not free.
            throw KeyDescriptionError(
                .invalidValue, field: field,
                "\(field)=\(quote(text)) is not a hexadecimal number as the kernel prints it (0x1f: lower case, no leading zeros)"
            )
        }
        return value
    }

    /// `(uid_t)-1`, which is no user: `setresuid(-1, …)` leaves the uid unchanged, and
    /// `from_kuid_munged` prints the overflow uid instead of it.
    public static let invalidUID: UInt32 = 0xFFFF_FFFF

    /// A `uid=` or `creduid=` value: a `0x%x` number that is not `(uid_t)-1`.
    static func userID(_ text: String, field: String) throws(KeyDescriptionError) -> UInt32 {
        let value = try hexNumber(text, field: field)
        guard value != invalidUID else {
            throw KeyDescriptionError(
                .invalidValue, field: field, "\(field)=\(quote(text)) is (uid_t)-1, which is no user")
        }
        return value
    }

    static func checkHost(_ host: String) throws(KeyDescriptionError) {
        // Empty is real: Debian's 6.1.192 sends host= for the extra channels of a multichannel
        // mount (captured in Fixtures/lab/keydesc-6.1-krb5-multichannel-ch2.txt).
        guard host.utf8.count <= maximumHostLength else {
            throw KeyDescriptionError(
                .valueTooLong, field: "host", "host= is \(host.utf8.count) bytes, longer than \(maximumHostLength)")
        }
        // Host names, IPv4 and IPv6 literals (with brackets or a %scope): nothing else can be a UNC host.
        guard host.utf8.allSatisfy({ $0.isASCIIAlphanumeric || "-._:[]%".utf8.contains($0) }) else {
            throw KeyDescriptionError(
                .invalidValue, field: "host", "host=\(quote(host)) contains characters no host name can have")
        }
    }

    static func checkUser(_ user: String) throws(KeyDescriptionError) {
        guard user.utf8.count <= maximumUserLength else {
            throw KeyDescriptionError(
                .valueTooLong, field: "user", "user= is \(user.utf8.count) bytes, longer than \(maximumUserLength)")
        }
        guard !user.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw KeyDescriptionError(.invalidValue, field: "user", "user= contains control characters")
        }
    }

    /// Quotes untrusted text for an error message, bounded so a hostile key cannot flood the log.
    static func quote(_ text: String) -> String {
        let limit = 64
        let printable = String(
            String.UnicodeScalarView(
                text.unicodeScalars.prefix(limit).map { $0.properties.generalCategory == .control ? "?" : $0 }))
        return "'" + printable + (text.unicodeScalars.count > limit ? "…'" : "'")
    }
}

/// Walks the `;`-separated fields in the kernel's fixed order.
private struct FieldCursor {
    private var fields: [(name: String, value: String)]
    private var index = 0
    private var seen: Set<String> = []

    init(_ text: String) throws(KeyDescriptionError) {
        var fields: [(name: String, value: String)] = []
        var seen: Set<String> = []
        for token in text.split(separator: ";", omittingEmptySubsequences: false) {
            guard let equals = token.firstIndex(of: "="), equals != token.startIndex else {
                let hint =
                    token.isEmpty
                    ? "an empty field (';;' or a trailing ';')"
                    : "\(KeyDescription.quote(String(token))) has no name=value form"
                throw KeyDescriptionError(
                    .malformedField, "key description has \(hint); a ';' inside a value would cause this")
            }
            let name = String(token[..<equals])
            guard seen.insert(name).inserted else {
                throw KeyDescriptionError(
                    .duplicateField, field: name,
                    "field \(KeyDescription.quote(name)) appears twice; a ';' smuggled into host= or user= would cause this"
                )
            }
            fields.append((name, String(token[token.index(after: equals)...])))
        }
        self.fields = fields
        self.seen = seen
    }

    mutating func takeIfPresent(_ name: String) throws(KeyDescriptionError) -> String? {
        guard index < fields.count, fields[index].name == name else {
            // An unknown field before the known ones end can only have been smuggled in.
            if index < fields.count, !KeyDescription.knownFieldNames.contains(fields[index].name) {
                throw missing(name)
            }
            if seen.contains(name) {
                throw KeyDescriptionError(.unexpectedField, field: name, "field \(name)= is out of the kernel's order")
            }
            return nil
        }
        defer { index += 1 }
        return fields[index].value
    }

    mutating func take(_ name: String) throws(KeyDescriptionError) -> String {
        if let value = try takeIfPresent(name) { return value }
        throw missing(name)
    }

    func missing(_ name: String, alternative: String? = nil) -> KeyDescriptionError {
        let wanted = alternative.map { "\(name)= or \($0)=" } ?? "\(name)="
        if index < fields.count, !KeyDescription.knownFieldNames.contains(fields[index].name) {
            let found = fields[index].name
            return KeyDescriptionError(
                .unexpectedField, field: found,
                "expected \(wanted) but found \(KeyDescription.quote(found))=; unknown fields are allowed only after pid="
            )
        }
        return KeyDescriptionError(.missingField, field: name, "required field \(wanted) is missing")
    }

    func remainingAsExtraFields() throws(KeyDescriptionError) -> [KeyDescription.ExtraField] {
        try fields[index...].map { (field) throws(KeyDescriptionError) in
            // A known name here can only be a second address or a field moved past pid=.
            guard !KeyDescription.knownFieldNames.contains(field.name) else {
                throw KeyDescriptionError(
                    .unexpectedField, field: field.name, "field \(field.name)= is out of the kernel's order")
            }
            return KeyDescription.ExtraField(name: field.name, value: field.value)
        }
    }
}

// MARK: - Encoding

extension KeyDescription: CustomStringConvertible {
    /// The description exactly as the kernel would build it.
    public var description: String {
        var text = "ver=0x\(String(version, radix: 16));host=\(host);"
        switch address {
        case .ipv4: text += "ip4=\(address)"
        case .ipv6: text += "ip6=\(address)"
        }
        text += ";sec=\(mechanism);uid=0x\(String(uid, radix: 16));creduid=0x\(String(credUID, radix: 16))"
        if let user { text += ";user=\(user)" }
        text += ";pid=0x\(String(pid, radix: 16))"
        if let upcallTarget { text += ";upcall_target=\(upcallTarget)" }
        for field in extraFields { text += ";\(field.name)=\(field.value)" }
        return text
    }
}

// MARK: - The form keyctl_describe(3) returns

/// What `keyctl_describe` returns for a key: `type;uid;gid;perm;description`.
public struct DescribedKey: Hashable, Sendable {
    public var type: String
    public var uid: UInt32
    public var gid: UInt32
    /// The permission mask, printed by the kernel as 8 hex digits.
    public var permissions: UInt32
    public var description: String

    public static let spnegoKeyType = "cifs.spnego"

    /// Splits the first four `;`-separated fields off; the description keeps any further `;`.
    /// The kernel prints them with `"%s;%d;%d;%08x;"`, and only that form is accepted.
    public init(parsing text: String) throws(KeyDescriptionError) {
        let parts = text.split(separator: ";", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, let uid = Self.ownerID(parts[1]), let gid = Self.ownerID(parts[2]),
            parts[3].utf8.count == 8, parts[3].utf8.allSatisfy(\.isLowercaseHexDigit),
            let permissions = UInt32(parts[3], radix: 16)
        else {
            throw KeyDescriptionError(
                .malformedField, "keyctl description \(KeyDescription.quote(text)) is not type;uid;gid;perm;description"
            )
        }
        self.type = String(parts[0])
        self.uid = uid
        self.gid = gid
        self.permissions = permissions
        self.description = String(parts[4])
    }

    /// The text `keyctl_describe` returns for this key.
    public var keyctlText: String {
        "\(type);\(Int32(bitPattern: uid));\(Int32(bitPattern: gid));\(Self.eightHexDigits(permissions));\(description)"
    }

    /// An owner uid or gid as `%d` prints it (above 2^31 - 1 negative), never `-1`: the kernel's
    /// `from_kuid_munged` gives the overflow id instead, and `(uid_t)-1` means "unchanged" to setresuid.
    private static func ownerID(_ text: Substring) -> UInt32? {
        let utf8 = text.utf8
        let digits = utf8.first == UInt8(ascii: "-") ? utf8.dropFirst() : utf8[...]
        guard (1...10).contains(digits.count), digits.allSatisfy({ (0x30...0x39).contains($0) }),
            digits.count == 1 || digits.first != UInt8(ascii: "0"),
            let value = Int32(text), text != "-0", value != -1
        else { return nil }
        return UInt32(bitPattern: value)
    }

    private static func eightHexDigits(_ value: UInt32) -> String { zeroPaddedHex(value, digits: 8) }

    /// The `cifs.spnego` description inside, after checking the key type.
    public func spnegoDescription() throws(KeyDescriptionError) -> KeyDescription {
        guard type == Self.spnegoKeyType else {
            throw KeyDescriptionError(
                .notSPNEGOKey, "key type is \(KeyDescription.quote(type)), not \(Self.spnegoKeyType)")
        }
        return try KeyDescription(parsing: description)
    }
}

extension UInt8 {
    var isASCIIAlphanumeric: Bool {
        (0x30...0x39).contains(self) || (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self)
    }
}
