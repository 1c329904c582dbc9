import SMB3Protocol

/// libFuzzer entry point: the NTLMSSP CHALLENGE a witness server sends in bind_ack, parsed
/// and then answered (AUTHENTICATE built) as the daemon would.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNTLMChallenge(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    _ = try? NTLMChallengeMessage(parsing: bytes)
    var context = NTLMClientContext(workstation: "fuzz")
    _ = context.negotiate()
    _ = try? context.authenticate(
        challenge: bytes, credentials: NTLMCredentials(userName: "u", domainName: "d", password: "p"),
        clientChallenge: Array(repeating: 1, count: 8), exportedSessionKey: Secret(Array(repeating: 2, count: 16)),
        timestamp: 0)
    return 0
}
