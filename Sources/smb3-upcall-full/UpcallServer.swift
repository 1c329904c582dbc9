import Logging
import SMB3Protocol
import SMB3System
import UpcallKit
import UpcallRelay

#if canImport(Glibc)
import Glibc
#endif

/// `smb3-upcall --serve`: the upcall service. request-key still runs `smb3-upcall KEY` for each
/// key; that handler reads the description and sends it here, and a worker forked from this
/// process accepts it, runs the upcall (namespaces, uid switch, Kerberos), replies with the
/// payload and exits.
///
/// Why: a fresh handler process pays for loading and starting a 30 MB static binary and
/// libkrb5 on every upcall, which under emulation costs more than the Kerberos work itself. A
/// worker forked from the warmed-up server (see UpcallWarmUp) starts with all of that done.
/// Each request still gets a process of its own, so one upcall's setns and setuid never reach
/// another's, and the server itself never changes namespace or identity.
struct UpcallServer {
    let socketPath: String
    let logger: Logger

    func run() throws {
        ForkedChild.reapAutomatically()
        let listener: UnixPacketSocket
        if let passed = UnixPacketSocket.passedBySystemd() {
            listener = passed
        } else {
            let directory = String(socketPath[..<(socketPath.lastIndex(of: "/") ?? socketPath.startIndex)])
            if !directory.isEmpty { try PrivateDirectory.prepare(directory) }
            listener = try UnixPacketSocket.listening(at: socketPath, mode: 0o600)
        }
        UpcallWarmUp.run()
        logger.info("serving cifs.spnego upcalls on \(socketPath)")
        ServiceManagerNotifier.notify("READY=1\nSTATUS=serving upcalls on \(socketPath)")
        // One worker waits in accept ahead of demand; as soon as it has a connection the server
        // forks the next, so no upcall waits for a fork.
        while true {
            let started: Bool
            do {
                started = try ForkedChild.runUntilStarted { started in
                    let connection: UnixPacketSocket
                    do {
                        connection = try listener.accept()
                    } catch {
                        logger.error("\(error)")
                        return 1
                    }
                    started()
                    return Self.serve(connection, logger: logger)
                }
            } catch {
                logger.error("\(error)")
                started = false
            }
            // A worker that ended without a connection (EMFILE, say): do not spin.
            if !started { usleep(100_000) }
        }
    }

    /// In the worker: one request, one upcall, one reply. The exit status is for the journal.
    static func serve(_ connection: UnixPacketSocket, logger: Logger) -> Int32 {
        // Only request-key's handlers, which run as root, may ask.
        do {
            let uid = try connection.peerUID()
            guard uid == 0 else {
                logger.warning("refused an upcall request from uid \(uid): only root's handler may ask")
                return 1
            }
        } catch {
            logger.warning("\(error)")
            return 1
        }
        let request: UpcallServiceRequest
        do {
            try connection.setTimeout(seconds: 10)
            guard let bytes = try connection.receive(limit: UpcallServiceRequest.maximumSize) else { return 1 }
            request = try UpcallServiceRequest(decoding: bytes)
        } catch {
            logger.error("bad upcall request: \(error)")
            return 1
        }
        let key = RelayedKey(serial: request.keySerial, description: request.keyDescription)
        var upcallLogger = UpcallCommand.logger(debug: request.debug, echoToTerminal: false)
        upcallLogger[metadataKey: "upcall.via"] = "service"
        var upcall = Upcall(system: LiveUpcallSystem(relayedKey: key), options: request.options, logger: upcallLogger)
        let failure = upcall.handle(keySerial: request.keySerial)
        let reply = key.reply ?? .negate(timeoutSeconds: request.options.negativeTimeoutSeconds)
        do {
            try connection.send(reply.encoded())
        } catch {
            upcallLogger.error("cannot reply to the handler of key \(request.keySerial): \(error)")
            return 1
        }
        return failure == nil ? 0 : 1
    }
}
