import SMB3Protocol

let offer = SMB2NegotiateRequest(
    clientGUID: Array(repeating: 1, count: 16),
    contexts: SMB2NegotiateRequest.standardContexts(salt: Array(repeating: 2, count: 32)))

/// libFuzzer entry point: a NEGOTIATE response body (behind a valid response header) decoded,
/// its negotiate contexts walked and checked against the client's offer, as the client does
/// before it trusts the dialect, cipher and signing algorithm.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSMB2Negotiate(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    let message = SMB2Message(
        header: SMB2Header(command: .negotiate, flags: .serverToRedirector), body: bytes)
    if let response = try? SMB2NegotiateResponse(parsing: message) {
        try? response.validate(against: offer)
        _ = response.cipher
        _ = response.signingAlgorithm
        _ = response.preauthHashAlgorithm
    }
    return 0
}
