import CKrb5GSS
import SMB3Errors
import SMB3Protocol
import SMB3System

#if canImport(Glibc)
    import Glibc
#endif

/// An MIT krb5 error: the code, libkrb5's message for it, and what it means for a mount.
extension KerberosError {
    /// A libkrb5 failure, its kind told apart by the krb5 code.
    init(function: String, code: krb5_error_code, message: String) {
        self.init(kind: Self.kind(of: code), function: function, code: code, reason: message)
    }

    static func kind(of code: krb5_error_code) -> Kind {
        switch Int(code) {
        case KRB5_FCC_NOFILE, KRB5_CC_NOTFOUND, KRB5_CC_NOSUPP: .noCredentialCache
        case KRB5_CC_END: .noTicket
        case KRB5KRB_AP_ERR_TKT_EXPIRED: .ticketExpired
        case KRB5KRB_AP_ERR_SKEW: .clockSkew
        case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN: .unknownServicePrincipal
        case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN: .unknownClientPrincipal
        case KRB5_KDC_UNREACH, KRB5_REALM_CANT_RESOLVE, KRB5_REALM_UNKNOWN: .kdcUnreachable
        case KRB5_KT_NOTFOUND: .keytabHasNoKey
        case KRB5_KT_NOWRITE, KRB5_KT_END: .keytabHasNoKey
        case KRB5_KT_BADNAME, KRB5_KT_UNKNOWN_TYPE: .keytabMissing
        // The keytab functions are the only ones that surface a bare errno from open(2).
        case Int(EACCES), Int(EPERM): .keytabUnreadable
        case Int(ENOENT): .keytabMissing
        case KRB5KDC_ERR_PREAUTH_FAILED, KRB5KRB_AP_ERR_BAD_INTEGRITY: .wrongPassword
        default: .other
        }
    }
}

/// What a session setup needs from Kerberos.
public struct KerberosAPRequest: Sendable {
    /// The DER AP-REQ with the 0x8003 authenticator checksum and a fresh initiator subkey.
    public let apRequest: [UInt8]
    /// The initiator subkey, the whole of it (cifs.ko uses all 32 bytes for AES-256 encryption).
    public let sessionKey: Secret
    /// The principal the ticket was issued to, e.g. `alice@TEST.LAN`.
    public let client: String
}

/// A krb5 context with one credential cache, owned together so the cache never outlives the
/// context. Freed when it goes out of scope; one per upcall, never shared between threads.
public struct KerberosSession: ~Copyable {
    private let context: krb5_context
    private let ccache: krb5_ccache

    /// Opens the credential cache `ccacheName`, or the libkrb5 default (KRB5CCNAME, then
    /// `default_ccache_name` of krb5.conf) when `nil`. Opening does not require the cache to exist.
    public init(ccacheName: String?) throws(KerberosError) {
        let context = try Self.makeContext()
        var ccache: krb5_ccache?
        let code = ccacheName.map { krb5_cc_resolve(context, $0, &ccache) } ?? krb5_cc_default(context, &ccache)
        guard code == 0, let ccache else {
            let error = Self.error(context, "krb5_cc_resolve", code)
            krb5_free_context(context)
            throw error
        }
        self.context = context
        self.ccache = ccache
    }

    /// Gets initial credentials for `user` from a keytab into a new cache: `MEMORY:` unless
    /// `ccacheName` names a persistent one. `user` without a realm gets the default realm
    /// (`HOST$` becomes the machine account `HOST$@REALM`).
    public init(keytab: String?, user: String, ccacheName: String? = nil) throws(KerberosError) {
        let context = try Self.makeContext()
        do throws(KerberosError) {
            var keytabHandle: krb5_keytab?
            var code =
                keytab.map { krb5_kt_resolve(context, $0, &keytabHandle) } ?? krb5_kt_default(context, &keytabHandle)
            guard code == 0, let keytabHandle else { throw Self.error(context, "krb5_kt_resolve", code) }
            defer { krb5_kt_close(context, keytabHandle) }

            var principal: krb5_principal?
            code = krb5_parse_name(context, user, &principal)
            guard code == 0, let principal else { throw Self.error(context, "krb5_parse_name", code) }
            defer { krb5_free_principal(context, principal) }

            // A keytab without a key for this principal fails here, without an AS exchange whose
            // only answer would be the KDC's "client not found" (or a timeout when it is down).
            var entry = krb5_keytab_entry()
            code = krb5_kt_get_entry(context, keytabHandle, principal, 0, 0, &entry)
            guard code == 0 else { throw Self.error(context, "krb5_kt_get_entry", code) }
            krb5_free_keytab_entry_contents(context, &entry)

            var creds = krb5_creds()
            code = krb5_get_init_creds_keytab(context, &creds, principal, keytabHandle, 0, nil, nil)
            guard code == 0 else { throw Self.error(context, "krb5_get_init_creds_keytab", code) }
            defer { krb5_free_cred_contents(context, &creds) }

            var ccache: krb5_ccache?
            code = krb5_cc_resolve(context, ccacheName ?? "MEMORY:smb3-upcall", &ccache)
            guard code == 0, let ccache else { throw Self.error(context, "krb5_cc_resolve", code) }
            code = krb5_cc_initialize(context, ccache, principal)
            if code == 0 { code = krb5_cc_store_cred(context, ccache, &creds) }
            guard code == 0 else {
                krb5_cc_close(context, ccache)
                throw Self.error(context, "krb5_cc_store_cred", code)
            }
            self.context = context
            self.ccache = ccache
        } catch {
            krb5_free_context(context)
            throw error
        }
    }

    deinit {
        krb5_cc_close(context, ccache)
        krb5_free_context(context)
    }

    /// `TYPE:residual`, e.g. `FILE:/tmp/krb5cc_1000`.
    public var ccacheName: String {
        var full: UnsafeMutablePointer<CChar>?
        guard krb5_cc_get_full_name(context, ccache, &full) == 0, let full else { return "(unknown)" }
        defer { krb5_free_string(context, full) }
        return String(cString: full)
    }

    /// The cache's default principal; throws when the cache does not exist or is empty.
    public func clientPrincipal() throws(KerberosError) -> String {
        var principal: krb5_principal?
        let code = krb5_cc_get_principal(context, ccache, &principal)
        guard code == 0, let principal else { throw error("krb5_cc_get_principal", code) }
        defer { krb5_free_principal(context, principal) }
        return try unparse(principal)
    }

    /// Whether the cache holds an unexpired TGT of its client's realm, or an unexpired ticket
    /// for one of `services` (a service ticket alone is enough for a session setup).
    public func hasUsableTicket(for services: [ServicePrincipalName]) throws(KerberosError) -> Bool {
        let client = try clientPrincipal()
        let realm = client.split(separator: "@").last.map(String.init) ?? ""
        let tgt = "krbtgt/\(realm)@\(realm)"
        let wanted = Set(services.map { "\($0.service)/\($0.host)".lowercased() })
        let now = Int64(time(nil))

        var cursor: krb5_cc_cursor?
        var code = krb5_cc_start_seq_get(context, ccache, &cursor)
        guard code == 0 else { throw error("krb5_cc_start_seq_get", code) }
        defer { krb5_cc_end_seq_get(context, ccache, &cursor) }
        var creds = krb5_creds()
        while true {
            code = krb5_cc_next_cred(context, ccache, &cursor, &creds)
            if code != 0 { break }
            defer { krb5_free_cred_contents(context, &creds) }
            guard Int64(creds.times.endtime) > now, let server = try? unparse(creds.server) else { continue }
            if server == tgt { return true }
            let withoutRealm = server.split(separator: "@").first.map { $0.lowercased() } ?? ""
            if wanted.contains(withoutRealm) { return true }
        }
        return false
    }

    /// Builds the AP-REQ cifs.upcall builds: addressless, checksum type 0x8003 with the 24-byte
    /// GSS checksum, a fresh initiator subkey (AP_OPTS_USE_SUBKEY), no mutual authentication.
    /// May ask the KDC for a service ticket (stored in the cache).
    public func apRequest(for service: ServicePrincipalName) throws(KerberosError) -> KerberosAPRequest {
        var serverPrincipal: krb5_principal?
        var code = krb5_sname_to_principal(
            context, service.host, service.service, service.hostBased ? KRB5_NT_SRV_HST : KRB5_NT_UNKNOWN,
            &serverPrincipal)
        guard code == 0, let serverPrincipal else { throw error("krb5_sname_to_principal", code) }
        defer { krb5_free_principal(context, serverPrincipal) }

        var clientPrincipal: krb5_principal?
        code = krb5_cc_get_principal(context, ccache, &clientPrincipal)
        guard code == 0, let clientPrincipal else { throw error("krb5_cc_get_principal", code) }
        defer { krb5_free_principal(context, clientPrincipal) }

        var request = krb5_creds()
        request.client = clientPrincipal
        request.server = serverPrincipal
        var ticket: UnsafeMutablePointer<krb5_creds>?
        code = krb5_get_credentials(context, 0, ccache, &request, &ticket)
        guard code == 0, let ticket else { throw error("krb5_get_credentials", code) }
        defer { krb5_free_creds(context, ticket) }

        var authContext: krb5_auth_context?
        code = krb5_auth_con_init(context, &authContext)
        guard code == 0, let authContext else { throw error("krb5_auth_con_init", code) }
        defer { krb5_auth_con_free(context, authContext) }
        code = krb5_auth_con_setaddrs(context, authContext, nil, nil)
        guard code == 0 else { throw error("krb5_auth_con_setaddrs", code) }
        code = krb5_auth_con_set_req_cksumtype(context, authContext, GSSAuthenticatorChecksum.checksumType)
        guard code == 0 else { throw error("krb5_auth_con_set_req_cksumtype", code) }

        var checksum = GSSAuthenticatorChecksum().encoded().map { CChar(bitPattern: $0) }
        var apRequest = krb5_data()
        code = checksum.withUnsafeMutableBufferPointer { buffer in
            var inData = krb5_data(magic: 0, length: UInt32(buffer.count), data: buffer.baseAddress)
            var mutableAuthContext: krb5_auth_context? = authContext
            return krb5_mk_req_extended(context, &mutableAuthContext, AP_OPTS_USE_SUBKEY, &inData, ticket, &apRequest)
        }
        guard code == 0 else { throw error("krb5_mk_req_extended", code) }
        defer { krb5_free_data_contents(context, &apRequest) }

        var subkey: UnsafeMutablePointer<krb5_keyblock>?
        code = krb5_auth_con_getsendsubkey(context, authContext, &subkey)
        guard code == 0, let subkey else { throw error("krb5_auth_con_getsendsubkey", code) }
        defer { krb5_free_keyblock(context, subkey) }

        let requestBytes = UnsafeRawBufferPointer(start: apRequest.data, count: Int(apRequest.length))
        let keyBytes = UnsafeRawBufferPointer(start: subkey.pointee.contents, count: Int(subkey.pointee.length))
        return KerberosAPRequest(
            apRequest: Array(requestBytes), sessionKey: Secret(Array(keyBytes)), client: try unparse(clientPrincipal))
    }

    // MARK: helpers

    private static func makeContext() throws(KerberosError) -> krb5_context {
        var context: krb5_context?
        let code = krb5_init_context(&context)
        guard code == 0, let context else {
            throw KerberosError(
                function: "krb5_init_context", code: code,
                message: "cannot read the Kerberos configuration (error \(code))")
        }
        return context
    }

    private func unparse(_ principal: krb5_const_principal?) throws(KerberosError) -> String {
        var name: UnsafeMutablePointer<CChar>?
        let code = krb5_unparse_name(context, principal, &name)
        guard code == 0, let name else { throw error("krb5_unparse_name", code) }
        defer { krb5_free_unparsed_name(context, name) }
        return String(cString: name)
    }

    private func error(_ function: String, _ code: krb5_error_code) -> KerberosError {
        Self.error(context, function, code)
    }

    private static func error(_ context: krb5_context, _ function: String, _ code: krb5_error_code) -> KerberosError {
        let text = krb5_get_error_message(context, code)
        defer { krb5_free_error_message(context, text) }
        return KerberosError(
            function: function, code: code, message: text.map { String(cString: $0) } ?? "error \(code)")
    }
}

/// Reads settings without a cache: the default realm and the default cache name.
public enum KerberosDefaults {
    /// The cache libkrb5 would use for this process now (after any KRB5CCNAME change).
    public static func ccacheName() -> String? {
        var context: krb5_context?
        guard krb5_init_context(&context) == 0, let context else { return nil }
        defer { krb5_free_context(context) }
        return krb5_cc_default_name(context).map { String(cString: $0) }
    }
}
