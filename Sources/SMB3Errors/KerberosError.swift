/// A Kerberos failure, classified so that the log line can say what to do. The one Kerberos
/// error type: SMB3Kerberos throws it with the kind its krb5 code means, UpcallKit decides on the
/// kind, and its fakes throw the same type.
public struct KerberosError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The few causes an admin can act on. `other` is a real kind (a code we do not tell apart),
    /// not a fallback for an unmapped name: every layer uses this one enum.
    public enum Kind: String, Sendable, CaseIterable {
        case noCredentialCache, noTicket, ticketExpired, clockSkew, unknownServicePrincipal
        case unknownClientPrincipal, kdcUnreachable, keytabHasNoKey, keytabMissing, keytabUnreadable, wrongPassword
        case other
    }

    public let kind: Kind
    /// The krb5 or GSS-API function that failed; empty when the upcall itself decided.
    public let function: String
    /// The krb5 error code (`krb5_error_code`), 0 when there is none.
    public let code: Int32
    /// libkrb5's own text, or the upcall's reason.
    public let reason: String

    public init(kind: Kind, function: String = "", code: Int32 = 0, reason: String) {
        self.kind = kind
        self.function = function
        self.code = code
        self.reason = reason
    }

    /// `krb5_cc_retrieve_cred: Matching credential not found`, or the reason alone.
    public var description: String { function.isEmpty ? reason : "\(function): \(reason)" }
}
