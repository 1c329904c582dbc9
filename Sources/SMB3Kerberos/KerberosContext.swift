import CKrb5GSS
import SMB3System

/// An MIT krb5 error: the code and libkrb5's message for it.
public struct KerberosError: Error, Hashable, Sendable, CustomStringConvertible {
    public let function: String
    public let code: Int32
    public let message: String
    public var description: String { "\(function) failed: \(message)" }
}

/// An owned `krb5_context`; freed when it goes out of scope. One per task, never shared.
public struct KerberosContext: ~Copyable {
    private let context: krb5_context

    /// The corresponding C function is `krb5_init_context(3)`; it reads KRB5_CONFIG or /etc/krb5.conf.
    public init() throws(KerberosError) {
        var context: krb5_context?
        let code = krb5_init_context(&context)
        guard code == 0, let context else {
            throw KerberosError(function: "krb5_init_context", code: code, message: "error \(code)")
        }
        self.context = context
    }

    deinit { krb5_free_context(context) }

    /// The default credential cache name for the current process (e.g. `FILE:/tmp/krb5cc_1000`).
    public func defaultCCacheName() -> String? {
        guard let name = krb5_cc_default_name(context) else { return nil }
        return String(cString: name)
    }

    /// The realm a bare principal gets (`default_realm` in krb5.conf).
    public func defaultRealm() throws(KerberosError) -> String {
        var realm: UnsafeMutablePointer<CChar>?
        let code = krb5_get_default_realm(context, &realm)
        guard code == 0, let realm else { throw error("krb5_get_default_realm", code) }
        defer { krb5_free_default_realm(context, realm) }
        return String(cString: realm)
    }

    private func error(_ function: String, _ code: krb5_error_code) -> KerberosError {
        let text = krb5_get_error_message(context, code)
        defer { krb5_free_error_message(context, text) }
        return KerberosError(function: function, code: code, message: text.map { String(cString: $0) } ?? "error \(code)")
    }
}
