import SMB3Protocol

/// libFuzzer entry point: the DER decoders for SPNEGO (NegTokenInit, NegTokenResp) and krb5 initial tokens, and the
/// cifs_spnego_msg payload decoder. Decoding may throw but must never trap; what decodes must
/// encode back to the same bytes (DER has one encoding per value).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpnegoToken(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    if let token = try? SpnegoInitialToken(parsing: bytes), token.mechanismTypes.count == 1 {
        // Only tokens without reqFlags re-encode identically; those are what the upcall builds.
        if let encoded = try? token.encoded(), encoded.count == bytes.count {
            precondition(encoded == bytes, "SPNEGO token re-encoded differently")
        }
    }
    if let token = try? SpnegoResponseToken(parsing: bytes) {
        precondition((try? token.encoded()) == bytes, "NegTokenResp re-encoded differently")
    }
    if let token = try? KerberosInitialContextToken(parsing: bytes) {
        precondition((try? token.encoded()) == bytes, "krb5 token re-encoded differently")
    }
    if let payload = try? SpnegoUpcallPayload(parsing: bytes) {
        precondition(payload.encoded() == bytes, "payload re-encoded differently")
    }
    return 0
}
