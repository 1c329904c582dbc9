import SMB3Protocol

/// The SMB2 responses a pipe client decodes, in the order `bodyCommands` gives them: a leading
/// byte picks one for the body-only half of the input.
let bodyCommands: [SMB2Command] = [
    .negotiate, .sessionSetup, .logoff, .treeConnect, .treeDisconnect, .create, .close, .read, .write, .ioctl,
]

func decode(_ message: SMB2Message) {
    switch message.header.command {
    case .negotiate: _ = try? SMB2NegotiateResponse(parsing: message)
    case .sessionSetup: _ = try? SMB2SessionSetupResponse(parsing: message)
    case .logoff, .treeDisconnect: try? SMB2EmptyBody.parse(message, command: message.header.command)
    case .treeConnect: _ = try? SMB2TreeConnectResponse(parsing: message)
    case .create: _ = try? SMB2CreateResponse(parsing: message)
    case .close: _ = try? SMB2CloseResponse(parsing: message)
    case .read: _ = try? SMB2ReadResponse(parsing: message)
    case .write: _ = try? SMB2WriteResponse(parsing: message)
    case .ioctl: _ = try? SMB2IoctlResponse(parsing: message)
    default: break
    }
    _ = try? SMB2ErrorResponse(parsing: message)
    try? message.requireSuccess(allowing: [.moreProcessingRequired, .bufferOverflow])
}

/// libFuzzer entry point: the input as a transport frame (one SMB2 message or a compound), every
/// message decoded by its command and as an ERROR response; then the input less its first byte as
/// the body of the response that byte picks, behind a valid header, so the fuzzer reaches every
/// body decoder without first finding a header.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSMB2Responses(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    _ = try? SMB2TransformHeader(parsing: bytes)
    if let messages = try? SMB2Message.messages(inFrame: bytes) {
        for message in messages { decode(message) }
    }
    if let selector = bytes.first {
        let command = bodyCommands[Int(selector) % bodyCommands.count]
        let header = SMB2Header(command: command, flags: .serverToRedirector)
        decode(SMB2Message(header: header, body: Array(bytes.dropFirst())))
    }
    return 0
}
