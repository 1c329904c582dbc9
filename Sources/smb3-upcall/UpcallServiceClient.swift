import SMB3Errors
import SMB3Keyring
import SMB3System
import UpcallRelay

/// The handler's side of the upcall service: read the key's description (only this process,
/// holding request-key's authority, may), send it to the service, and instantiate or negate
/// the key as the reply says.
enum UpcallServiceClient {
    /// How long the service may take: Kerberos with an unreachable KDC retries for a while.
    static let replyTimeoutSeconds = 120

    /// True if the upcall failed, false if the key was instantiated; nil when the service could
    /// not be used (not running, no answer): the caller then has smb3-upcall-full handle the key.
    static func handle(_ invocation: RequestKeyInvocation) -> Bool? {
        // Not running (no socket, nobody listening): the usual case without the service. Asked
        // first, so that the upcall in smb3-upcall-full is then the only one to read the key.
        guard let connection = try? UnixPacketSocket.connected(to: invocation.serviceSocket) else { return nil }
        let keyring = Keyring()
        let serial = KeySerial(rawValue: invocation.keySerial)
        // Without a description, smb3-upcall-full reports why and negates the key.
        guard let description = try? keyring.describe(serial) else { return nil }
        let request = UpcallServiceRequest(
            keySerial: invocation.keySerial, keyDescription: description, options: invocation.options,
            debug: invocation.debug)
        let reply: UpcallServiceReply
        do {
            try connection.setTimeout(seconds: replyTimeoutSeconds)
            try connection.send(request.encoded())
            guard let bytes = try connection.receive(limit: UpcallServiceReply.maximumSize) else {
                throw UpcallServiceMessageError.closed
            }
            reply = try UpcallServiceReply(decoding: bytes)
        } catch {
            RelayLog().write(
                .warning,
                "the upcall service at \(invocation.serviceSocket) gave no answer (\(error)); handling key \(invocation.keySerial) in smb3-upcall-full",
                keySerial: invocation.keySerial)
            return nil
        }
        switch reply {
        case .instantiate(let payload):
            do {
                try keyring.instantiate(serial, payload: payload)
                return false
            } catch {
                let log = RelayLog()
                // The failure code is UpcallKit's UpcallFailure.Code.keyring, as in-process upcalls log it.
                log.write(
                    .error, "cannot hand the token to the kernel: \(error)", keySerial: invocation.keySerial,
                    failure: "keyring")
                negate(invocation, timeoutSeconds: invocation.options.negativeTimeoutSeconds, log: log)
                return true
            }
        case .negate(let timeout):
            // The service has logged why.
            negate(invocation, timeoutSeconds: timeout, log: RelayLog())
            return true
        case .refused:
            // The service would not act for this process (and has logged why): smb3-upcall-full
            // does the upcall in this process, which holds the key's authority itself.
            return nil
        }
    }

    static func negate(_ invocation: RequestKeyInvocation, timeoutSeconds: UInt32, log: RelayLog) {
        do throws(SystemError) {
            try Keyring().negate(KeySerial(rawValue: invocation.keySerial), timeoutSeconds: timeoutSeconds)
        } catch {
            log.write(.warning, "could not negate the key: \(error)", keySerial: invocation.keySerial)
        }
    }
}
