import SMB3Protocol

/// A mount.cifs credentials file (mount.cifs(8) `credentials=`): `username=`, `password=`,
/// `domain=` lines (also `user=`, `pass=`, `dom=`), blank lines and `#` comments ignored. The
/// password is the rest of its line, spaces included, as mount.cifs reads it.
public struct CIFSCredentialsFile: Sendable {
    public var user: String?
    public var domain: String?
    public var password: Secret?

    /// Bigger than any real credentials file; a larger file is refused, not read.
    public static let maximumSize = 64 * 1024

    public init(parsing bytes: [UInt8]) throws(SMB2PipeFailure) {
        guard bytes.count <= Self.maximumSize else { throw SMB2PipeFailure("credentials file is larger than 64 KiB") }
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            var line = Array(rawLine)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            let leading = line.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }.count
            line.removeFirst(leading)
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")), line.first != UInt8(ascii: "#") else { continue }
            let key = String(decoding: line[..<equals], as: UTF8.self).lowercased()
            let value = Array(line[(equals + 1)...])
            switch key {
            case "username", "user": user = String(decoding: value, as: UTF8.self)
            case "password", "pass": password = Secret(value)
            case "domain", "dom", "workgroup": domain = String(decoding: value, as: UTF8.self)
            default: continue
            }
        }
    }
}

/// Where a snapshot command's server, share and credentials come from, decided in one place:
/// `--server`/`--share` win over the mount. A `sec=krb5` mount (or `--kerberos`) authenticates with
/// the calling user's Kerberos credentials, as the upcall does for cifs.ko. Otherwise NTLM: the user
/// from `--user`, else the credentials file, else the mount's `username=`; the password from the
/// credentials file, else `PASSWD`, else a prompt on the terminal (never from the command line,
/// where `ps` would show it).
public struct ShadowCopyInvocation: Sendable {
    public var target: ShadowCopyTarget
    /// What to connect to: the mount's `addr=` (the address the kernel resolved) or the server.
    public var connectTo: String
    public var authentication: SMB2PipeAuthentication

    public init(
        mount: MountTable.Mount?, server: String?, share: String?, user: String?, domain: String?,
        credentialsFile: CIFSCredentialsFile?, passwordEnvironment: String?, kerberos: Bool = false,
        passwordPrompt: ((_ user: String, _ server: String) throws -> Secret?)? = nil
    ) throws(SMB2PipeFailure) {
        guard let serverName = server ?? mount?.server, !serverName.isEmpty else {
            throw SMB2PipeFailure("no server: give a path on a cifs mount or --server NAME --share NAME")
        }
        guard let shareName = share ?? mount?.share, !shareName.isEmpty else {
            throw SMB2PipeFailure("no share: give a path on a cifs mount or --share NAME")
        }
        target = ShadowCopyTarget(server: serverName, share: shareName)
        connectTo = server == nil ? (mount?.option("addr") ?? serverName) : serverName
        if kerberos || mount?.option("sec")?.hasPrefix("krb5") == true {
            // The ticket is for cifs/<server name>: the name, not the address, is what the KDC knows.
            authentication = .kerberos
            return
        }
        guard let userName = user ?? credentialsFile?.user ?? mount?.option("username") ?? mount?.option("user"),
            !userName.isEmpty
        else { throw SMB2PipeFailure("no user name: give --user NAME or a credentials file with username=") }
        var password = credentialsFile?.password ?? passwordEnvironment.map { Secret(Array($0.utf8)) }
        if password == nil, let passwordPrompt {
            do {
                password = try passwordPrompt(userName, serverName)
            } catch {
                throw SMB2PipeFailure("no password: \(error)")
            }
        }
        guard let password else {
            throw SMB2PipeFailure(
                "no password: give --credentials FILE (mount.cifs format), set PASSWD, or run on a terminal to be asked"
            )
        }
        authentication = .ntlm(
            SMB2PipeCredentials(
                user: userName, domain: domain ?? credentialsFile?.domain ?? mount?.option("domain") ?? "",
                password: password))
    }
}
