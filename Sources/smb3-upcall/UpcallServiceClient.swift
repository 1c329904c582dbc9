import Logging
import SMB3Keyring
import SMB3Protocol
import SMB3System
import UpcallKit

/// The handler's side of the upcall service: read the key's description (only this process,
/// holding request-key's authority, may), send it to the service, and instantiate or negate
/// the key as the reply says. Kept free of the logger and argument parser on the way that
/// works, since this process's start-up is the cost the service exists to avoid.
enum UpcallServiceClient {
    /// How long the service may take: Kerberos with an unreachable KDC retries for a while.
    static let replyTimeoutSeconds = 120

    /// True if the upcall failed, false if the key was instantiated; nil when the service could
    /// not be used (not running, no answer): the caller then handles the key in this process.
    static func handle(_ invocation: RequestKeyInvocation) -> Bool? {
        // Not running (no socket, nobody listening): the usual case without the service. Asked
        // first, so that the upcall in this process is then the only one to read the key.
        guard let connection = try? UnixPacketSocket.connected(to: invocation.serviceSocket) else { return nil }
        let keyring = Keyring()
        let serial = KeySerial(rawValue: invocation.keySerial)
        // Without a description, the upcall in this process reports why and negates the key.
        guard let description = try? keyring.describe(serial) else { return nil }
        let request = UpcallServiceRequest(
            keySerial: invocation.keySerial, keyDescription: description, options: invocation.options, debug: invocation.debug)
        let reply: UpcallServiceReply
        do {
            try connection.setTimeout(seconds: replyTimeoutSeconds)
            try connection.send(request.encoded())
            guard let bytes = try connection.receive(limit: UpcallServiceReply.maximumSize) else {
                throw UpcallServiceMessageError.closed
            }
            reply = try UpcallServiceReply(decoding: bytes)
        } catch {
            UpcallCommand.logger(debug: invocation.debug).warning(
                "the upcall service at \(invocation.serviceSocket) gave no answer (\(error)); handling key \(invocation.keySerial) in this process",
                metadata: ["key.serial": "\(invocation.keySerial)"])
            return nil
        }
        switch reply {
        case .instantiate(let payload):
            do {
                try keyring.instantiate(serial, payload: payload)
                return false
            } catch {
                let logger = UpcallCommand.logger(debug: invocation.debug)
                logger.error(
                    "cannot hand the token to the kernel: \(error)",
                    metadata: ["key.serial": "\(invocation.keySerial)", "upcall.failure": "\(UpcallFailure.Code.keyring.rawValue)"])
                negate(serial, timeoutSeconds: invocation.options.negativeTimeoutSeconds, keyring: keyring, logger: logger)
                return true
            }
        case .negate(let timeout):
            // The service has logged why.
            negate(serial, timeoutSeconds: timeout, keyring: keyring, logger: nil)
            return true
        }
    }

    private static func negate(_ serial: KeySerial, timeoutSeconds: UInt32, keyring: Keyring, logger: Logger?) {
        do throws(SystemError) {
            try keyring.negate(serial, timeoutSeconds: timeoutSeconds)
        } catch {
            (logger ?? UpcallCommand.logger(debug: false)).warning(
                "could not negate the key: \(error)", metadata: ["key.serial": "\(serial)"])
        }
    }
}
