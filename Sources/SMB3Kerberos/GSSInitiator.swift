import CKrb5GSS
import SMB3Protocol

/// A GSS-API failure: both status codes and the library's text for them.
public struct GSSError: Error, Hashable, Sendable, CustomStringConvertible {
    public let function: String
    public let major: UInt32
    public let minor: UInt32
    public let message: String
    public var description: String { "\(function): \(message)" }
}

/// The GSS-API route to a session-setup token, for credentials only GSS can reach: gssproxy
/// (GSS_USE_PROXY=yes in the environment), or whatever the configured mechanism glue finds.
public enum GSSInitiator {
    /// `gss_init_sec_context` for `cifs@<host>` with the krb5 mechanism, no flags and no channel
    /// bindings, as cifs.upcall asks. Returns the RFC 1964 initial context token and the
    /// session key (GSS_C_INQ_SSPI_SESSION_KEY: the initiator subkey, all of it).
    public static func initialToken(host: String) throws(GSSError) -> (token: [UInt8], sessionKey: Secret) {
        var minor: OM_uint32 = 0
        var name: gss_name_t?
        var nameText = Array("cifs@\(host)".utf8)  // the exact length, no NUL (cifs.upcall sends 2 more)
        var major = nameText.withUnsafeMutableBytes { raw in
            var buffer = gss_buffer_desc(length: raw.count, value: raw.baseAddress)
            return gss_import_name(&minor, &buffer, smb3_gss_nt_hostbased_service(), &name)
        }
        guard smb3_gss_error(major) == 0, let name else { throw GSSError("gss_import_name", major, minor) }
        defer {
            var releaseMinor: OM_uint32 = 0
            var releasable: gss_name_t? = name
            gss_release_name(&releaseMinor, &releasable)
        }

        var context: gss_ctx_id_t?
        var output = gss_buffer_desc(length: 0, value: nil)
        major = gss_init_sec_context(
            &minor, nil, &context, name, smb3_gss_mech_krb5(), 0, 0, nil, nil, nil, &output, nil, nil)
        defer {
            var releaseMinor: OM_uint32 = 0
            gss_release_buffer(&releaseMinor, &output)
            if context != nil { gss_delete_sec_context(&releaseMinor, &context, nil) }
        }
        guard smb3_gss_error(major) == 0, let value = output.value else {
            throw GSSError("gss_init_sec_context", major, minor)
        }
        let token = Array(UnsafeRawBufferPointer(start: value, count: output.length))

        var keys: gss_buffer_set_t?
        major = gss_inquire_sec_context_by_oid(&minor, context, smb3_gss_inq_sspi_session_key(), &keys)
        defer {
            var releaseMinor: OM_uint32 = 0
            if keys != nil { gss_release_buffer_set(&releaseMinor, &keys) }
        }
        guard smb3_gss_error(major) == 0, let keys, keys.pointee.count >= 1, let elements = keys.pointee.elements,
            let keyValue = elements[0].value
        else { throw GSSError("gss_inquire_sec_context_by_oid", major, minor) }
        let key = Array(UnsafeRawBufferPointer(start: keyValue, count: elements[0].length))
        return (token, Secret(key))
    }
}

extension GSSError {
    /// The error for a failed call, with the library's text for both status codes.
    init(_ function: String, _ major: OM_uint32, _ minor: OM_uint32) {
        // "Unspecified GSS failure. Minor code may provide more information" says nothing the
        // minor code's text does not.
        let message = [Self.statusText(major, GSS_C_GSS_CODE), Self.statusText(minor, GSS_C_MECH_CODE)]
            .filter { !$0.isEmpty && $0 != "Unknown error" && !$0.hasPrefix("Unspecified GSS failure") }
            .joined(separator: ": ")
        self.init(
            function: function, major: major, minor: minor,
            message: message.isEmpty ? "major status 0x\(String(major, radix: 16)), minor \(minor)" : message)
    }

    private static func statusText(_ status: OM_uint32, _ type: Int32) -> String {
        guard status != 0 else { return "" }
        var minor: OM_uint32 = 0
        var context: OM_uint32 = 0
        var text = gss_buffer_desc(length: 0, value: nil)
        _ = gss_display_status(&minor, status, type, nil, &context, &text)
        defer { gss_release_buffer(&minor, &text) }
        guard let value = text.value else { return "status \(status)" }
        return String(decoding: UnsafeRawBufferPointer(start: value, count: text.length), as: UTF8.self)
    }
}
