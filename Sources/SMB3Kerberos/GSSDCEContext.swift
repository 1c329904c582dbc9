import CKrb5GSS

#if canImport(Glibc)
    import Glibc
#endif

/// Initiator credentials from MIT's credential store (`gss_acquire_cred_from`): a client keytab
/// MIT gets (and renews) a TGT from on demand, the ccache it keeps tickets in, and optionally
/// which principal. All nil means the process's default credentials. One per context: the
/// integrity-only option below changes the handle.
public final class GSSCredential: @unchecked Sendable {
    fileprivate let handle: gss_cred_id_t?

    public init(principal: String?, clientKeytab: String?, ccache: String?) throws(GSSError) {
        let store = [("client_keytab", clientKeytab), ("ccache", ccache)].compactMap { key, value in
            value.map { (key, $0) }
        }
        var minor: OM_uint32 = 0
        var name: gss_name_t?
        if let principal {
            var text = Array(principal.utf8)
            let major = text.withUnsafeMutableBytes { raw in
                var buffer = gss_buffer_desc(length: raw.count, value: raw.baseAddress)
                return gss_import_name(&minor, &buffer, smb3_gss_krb5_nt_principal_name(), &name)
            }
            guard smb3_gss_error(major) == 0 else { throw GSSError("gss_import_name(\(principal))", major, minor) }
        }
        defer { releaseName(&name) }

        // strdup'd so the C strings outlive the call; freed below.
        let keys = store.map { strdup($0.0) }
        let values = store.map { strdup($0.1) }
        defer { for pointer in keys + values { free(pointer) } }
        var elements = zip(keys, values).map { gss_key_value_element_desc(key: $0, value: $1) }
        var acquired: gss_cred_id_t?
        let major = elements.withUnsafeMutableBufferPointer { elementBuffer in
            var storeSet = gss_key_value_set_desc(
                count: OM_uint32(elementBuffer.count), elements: elementBuffer.baseAddress)
            var mech = smb3_gss_mech_krb5().pointee
            return withUnsafeMutablePointer(to: &mech) { mechPointer in
                var mechs = gss_OID_set_desc(count: 1, elements: mechPointer)
                return gss_acquire_cred_from(
                    &minor, name, gssIndefinite, &mechs, gss_cred_usage_t(GSS_C_INITIATE), &storeSet,
                    &acquired, nil, nil)
            }
        }
        guard smb3_gss_error(major) == 0 else { throw GSSError("gss_acquire_cred_from", major, minor) }
        handle = acquired
    }

    /// MIT puts CONF and INTEG into every AP-REQ unless told not to. A DCE/RPC server at
    /// integrity then sizes its signatures for sealing (Samba: the reply fails with fault
    /// 0x1), so an integrity-only context must not announce confidentiality.
    fileprivate func suppressConfidentialityFlag() throws(GSSError) {
        var minor: OM_uint32 = 0
        var handle = self.handle
        var empty = gss_buffer_desc(length: 0, value: nil)
        let major = gss_set_cred_option(&minor, &handle, smb3_gss_krb5_cred_no_ci_flags(), &empty)
        guard smb3_gss_error(major) == 0 else { throw GSSError("gss_set_cred_option(NO_CI_FLAGS)", major, minor) }
    }

    deinit {
        var minor: OM_uint32 = 0
        var releasable = handle
        if releasable != nil { gss_release_cred(&minor, &releasable) }
    }
}

/// A krb5 GSS-API initiator context in DCE style (GSS_C_DCE_STYLE), as DCE/RPC auth type 16
/// uses it: three legs (AP-REQ, the server's AP-REP, our AP-REP), then per-PDU protection with
/// `gss_wrap_iov` (privacy) or `gss_get_mic` (integrity). Not thread-safe: its owner serialises
/// calls, which the per-direction sequence numbers need anyway.
public final class GSSDCEContext: @unchecked Sendable {
    private var context: gss_ctx_id_t?
    private var target: gss_name_t?
    private let credential: GSSCredential
    private let requestedFlags: OM_uint32
    public private(set) var isEstablished = false

    /// `service@host` as a host-based service name: MIT maps it to `service/host@REALM`.
    public init(service: String, host: String, credential: GSSCredential, confidentiality: Bool) throws(GSSError) {
        self.credential = credential
        var flags = OM_uint32(GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_INTEG_FLAG)
        flags |= OM_uint32(GSS_C_DCE_STYLE)
        if confidentiality { flags |= OM_uint32(GSS_C_CONF_FLAG) } else { try credential.suppressConfidentialityFlag() }
        requestedFlags = flags
        var minor: OM_uint32 = 0
        var text = Array("\(service)@\(host)".utf8)
        var name: gss_name_t?
        let major = text.withUnsafeMutableBytes { raw in
            var buffer = gss_buffer_desc(length: raw.count, value: raw.baseAddress)
            return gss_import_name(&minor, &buffer, smb3_gss_nt_hostbased_service(), &name)
        }
        guard smb3_gss_error(major) == 0 else { throw GSSError("gss_import_name(\(service)@\(host))", major, minor) }
        target = name
    }

    deinit {
        var minor: OM_uint32 = 0
        if context != nil { gss_delete_sec_context(&minor, &context, nil) }
        releaseName(&target)
    }

    /// One leg of the exchange: nil for the first. Returns the token to send (possibly empty);
    /// `isEstablished` tells whether the context is complete afterwards.
    public func step(_ input: [UInt8]?) throws(GSSError) -> [UInt8] {
        var minor: OM_uint32 = 0
        var output = gss_buffer_desc(length: 0, value: nil)
        var returnedFlags: OM_uint32 = 0
        var inputBytes = input ?? []
        let major = inputBytes.withUnsafeMutableBytes { raw in
            var inputBuffer = gss_buffer_desc(length: raw.count, value: raw.baseAddress)
            return withUnsafeMutablePointer(to: &inputBuffer) { inputPointer in
                gss_init_sec_context(
                    &minor, credential.handle, &context, target, smb3_gss_mech_krb5(), requestedFlags, 0, nil,
                    input == nil ? nil : inputPointer, nil, &output, &returnedFlags, nil)
            }
        }
        defer { gss_release_buffer(&minor, &output) }
        guard smb3_gss_error(major) == 0 else { throw GSSError("gss_init_sec_context", major, minor) }
        let token = output.value.map { Array(UnsafeRawBufferPointer(start: $0, count: output.length)) } ?? []
        if major == OM_uint32(GSS_S_COMPLETE) {
            // A context without the protection we asked for would silently weaken the level.
            let needed = requestedFlags & OM_uint32(GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG)
            guard returnedFlags & needed == needed else {
                throw GSSError(
                    function: "gss_init_sec_context", major: major, minor: 0,
                    message: "the context lacks the requested integrity/confidentiality")
            }
            isEstablished = true
        }
        return token
    }

    /// The size of the `gss_wrap_iov` header token for `dataLength` bytes of sealed data.
    public func wrapTokenSize(dataLength: Int) throws(GSSError) -> Int {
        var minor: OM_uint32 = 0
        var iov = [
            gss_iov_buffer_desc(
                type: OM_uint32(GSS_IOV_BUFFER_TYPE_HEADER), buffer: gss_buffer_desc(length: 0, value: nil)),
            gss_iov_buffer_desc(
                type: OM_uint32(GSS_IOV_BUFFER_TYPE_DATA), buffer: gss_buffer_desc(length: dataLength, value: nil)),
        ]
        let major = iov.withUnsafeMutableBufferPointer { buffers in
            gss_wrap_iov_length(
                &minor, context, 1, gss_qop_t(GSS_C_QOP_DEFAULT), nil, buffers.baseAddress, Int32(buffers.count))
        }
        guard smb3_gss_error(major) == 0 else { throw GSSError("gss_wrap_iov_length", major, minor) }
        return iov[0].buffer.length
    }

    /// The size of a MIC token (independent of the data length for krb5).
    public func micTokenSize() throws(GSSError) -> Int {
        var minor: OM_uint32 = 0
        var iov = [
            gss_iov_buffer_desc(
                type: OM_uint32(GSS_IOV_BUFFER_TYPE_DATA), buffer: gss_buffer_desc(length: 0, value: nil)),
            gss_iov_buffer_desc(
                type: OM_uint32(GSS_IOV_BUFFER_TYPE_MIC_TOKEN), buffer: gss_buffer_desc(length: 0, value: nil)),
        ]
        let major = iov.withUnsafeMutableBufferPointer { buffers in
            gss_get_mic_iov_length(
                &minor, context, gss_qop_t(GSS_C_QOP_DEFAULT), buffers.baseAddress, Int32(buffers.count))
        }
        guard smb3_gss_error(major) == 0 else { throw GSSError("gss_get_mic_iov_length", major, minor) }
        return iov[1].buffer.length
    }

    /// Seals `pdu[data]` in place; with `signed`, the bytes of `signed` around `data` are
    /// covered by the checksum too (DCE/RPC header signing). Returns the header token.
    public func wrap(
        _ pdu: inout [UInt8], data: Range<Int>, signed: Range<Int>?, tokenSize: Int
    ) throws(GSSError)
        -> [UInt8]
    {
        var token = [UInt8](repeating: 0, count: tokenSize)
        var minor: OM_uint32 = 0
        var sealed: Int32 = 0
        let major = Self.withIOVecs(&pdu, data: data, signed: signed, header: &token) { iov, count in
            gss_wrap_iov(&minor, context, 1, gss_qop_t(GSS_C_QOP_DEFAULT), &sealed, iov, count)
        }
        guard smb3_gss_error(major) == 0 else { throw GSSError("gss_wrap_iov", major, minor) }
        guard sealed != 0 else {
            throw GSSError(function: "gss_wrap_iov", major: major, minor: 0, message: "the data was not sealed")
        }
        return token
    }

    /// Verifies and unseals `pdu[data]` in place against `token`.
    public func unwrap(_ pdu: inout [UInt8], data: Range<Int>, signed: Range<Int>?, token: [UInt8]) throws(GSSError) {
        var header = token
        var minor: OM_uint32 = 0
        var sealed: Int32 = 0
        var qop: gss_qop_t = 0
        let major = Self.withIOVecs(&pdu, data: data, signed: signed, header: &header) { iov, count in
            gss_unwrap_iov(&minor, context, &sealed, &qop, iov, count)
        }
        guard smb3_gss_error(major) == 0 else { throw GSSError("gss_unwrap_iov", major, minor) }
        guard sealed != 0 else {
            throw GSSError(function: "gss_unwrap_iov", major: major, minor: 0, message: "the reply was not sealed")
        }
    }

    public func mic(_ message: [UInt8]) throws(GSSError) -> [UInt8] {
        var minor: OM_uint32 = 0
        var output = gss_buffer_desc(length: 0, value: nil)
        var bytes = message
        let major = bytes.withUnsafeMutableBytes { raw in
            var input = gss_buffer_desc(length: raw.count, value: raw.baseAddress)
            return gss_get_mic(&minor, context, gss_qop_t(GSS_C_QOP_DEFAULT), &input, &output)
        }
        defer { gss_release_buffer(&minor, &output) }
        guard smb3_gss_error(major) == 0, let value = output.value else { throw GSSError("gss_get_mic", major, minor) }
        return Array(UnsafeRawBufferPointer(start: value, count: output.length))
    }

    public func verifyMIC(_ message: [UInt8], token: [UInt8]) throws(GSSError) {
        var minor: OM_uint32 = 0
        var qop: gss_qop_t = 0
        var bytes = message
        var tokenBytes = token
        let major = bytes.withUnsafeMutableBytes { raw in
            tokenBytes.withUnsafeMutableBytes { rawToken in
                var input = gss_buffer_desc(length: raw.count, value: raw.baseAddress)
                var tokenBuffer = gss_buffer_desc(length: rawToken.count, value: rawToken.baseAddress)
                return gss_verify_mic(&minor, context, &input, &tokenBuffer, &qop)
            }
        }
        guard smb3_gss_error(major) == 0 else { throw GSSError("gss_verify_mic", major, minor) }
    }

    /// Runs a `gss_(un)wrap_iov` call over the PDU's iovecs; both buffers stay pinned for it.
    private static func withIOVecs(
        _ pdu: inout [UInt8], data: Range<Int>, signed: Range<Int>?, header: inout [UInt8],
        _ call: (UnsafeMutablePointer<gss_iov_buffer_desc>?, Int32) -> OM_uint32
    ) -> OM_uint32 {
        pdu.withUnsafeMutableBytes { pduBytes in
            header.withUnsafeMutableBytes { headerBytes in
                var iov = iovecs(pdu: pduBytes, data: data, signed: signed, header: headerBytes)
                return iov.withUnsafeMutableBufferPointer { call($0.baseAddress, Int32($0.count)) }
            }
        }
    }

    /// HEADER (the token), SIGN_ONLY before the data, DATA (sealed in place), SIGN_ONLY after.
    private static func iovecs(
        pdu: UnsafeMutableRawBufferPointer, data: Range<Int>, signed: Range<Int>?, header: UnsafeMutableRawBufferPointer
    ) -> [gss_iov_buffer_desc] {
        // DATA stays DATA even when empty (GetInterfaceList has no stub): without a DATA buffer
        // MIT treats the call as integrity-only and silently does not seal.
        func buffer(_ type: Int32, _ range: Range<Int>) -> gss_iov_buffer_desc {
            guard !range.isEmpty || type == GSS_IOV_BUFFER_TYPE_DATA, let base = pdu.baseAddress else {
                return gss_iov_buffer_desc(
                    type: OM_uint32(GSS_IOV_BUFFER_TYPE_EMPTY), buffer: gss_buffer_desc(length: 0, value: nil))
            }
            return gss_iov_buffer_desc(
                type: OM_uint32(type), buffer: gss_buffer_desc(length: range.count, value: base + range.lowerBound))
        }
        let before = signed.map { $0.lowerBound..<data.lowerBound } ?? 0..<0
        let after = signed.map { data.upperBound..<$0.upperBound } ?? 0..<0
        return [
            gss_iov_buffer_desc(
                type: OM_uint32(GSS_IOV_BUFFER_TYPE_HEADER),
                buffer: gss_buffer_desc(length: header.count, value: header.baseAddress)),
            buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, before),
            buffer(GSS_IOV_BUFFER_TYPE_DATA, data),
            buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, after),
        ]
    }
}

/// GSS_C_INDEFINITE, a cast macro Swift does not import.
private let gssIndefinite: OM_uint32 = 0xffff_ffff

private func releaseName(_ name: inout gss_name_t?) {
    var minor: OM_uint32 = 0
    if name != nil { gss_release_name(&minor, &name) }
}
