import Logging
import SMB3Keyring
import SMB3Protocol
import SMB3Errors
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
    /// The service's own options (its command line): they, not the handler's, decide paths and
    /// credential choices (UpcallServiceGate).
    let options: UpcallOptions
    let logger: Logger

    func run() throws {
        try? ProcessMemory.setDumpable(false)
        let listener: UnixPacketSocket
        if let passed = UnixPacketSocket.passedBySystemd() {
            listener = passed
        } else {
            let directory = String(socketPath[..<(socketPath.lastIndex(of: "/") ?? socketPath.startIndex)])
            if !directory.isEmpty { try PrivateDirectory.prepare(directory) }
            listener = try UnixPacketSocket.listening(at: socketPath, mode: 0o600)
        }
        let handlers = HandlerProgram.installed()
        if handlers.isEmpty { logger.warning("no smb3-upcall found beside \(UpcallFullProgram.name): every request will be refused") }
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
                    // The worker serves this connection only: it must not be able to accept
                    // another user's request, nor leave the socket to code it runs later.
                    listener.closeInWorker()
                    started()
                    return serve(connection, handlers: handlers)
                }
            } catch {
                logger.error("\(error)")
                started = false
            }
            // Workers that ended since: a crash is worth a line (a refusal or failure logged itself).
            for (pid, ending) in ForkedChild.reapEnded() {
                if case .killed = ending { logger.error("upcall worker \(pid) \(ending)") }
            }
            // A worker that ended without a connection (EMFILE, say): do not spin.
            if !started { usleep(100_000) }
        }
    }

    /// In the worker: check the peer, then one request, one upcall, one reply. The exit status
    /// is for the journal.
    func serve(_ connection: UnixPacketSocket, handlers: [FileIdentity]) -> Int32 {
        // The request is read first even from a peer about to be refused, so that it gets the
        // refusal rather than a reset connection.
        let bytes: [UInt8]?
        do {
            try connection.setTimeout(seconds: 10)
            bytes = try connection.receive(limit: UpcallServiceRequest.maximumSize)
        } catch {
            logger.error("cannot read an upcall request: \(error)")
            return 1
        }
        guard let bytes else { return 1 }
        let peer = Self.inspectPeer(connection, handlers: handlers)
        if let why = UpcallServiceGate.refusal(of: peer, allCapabilities: Capabilities.allKnown()) {
            return refuse(connection, peer: peer, why: why)
        }
        let request: UpcallServiceRequest
        do {
            request = try UpcallServiceRequest(decoding: bytes)
        } catch {
            logger.error("bad upcall request from pid \(peer.pid): \(error)")
            return 1
        }
        // The key as the kernel has it, not as the request says.
        let described = try? Keyring().describe(KeySerial(rawValue: request.keySerial))
        let entry = (try? KernelFile.read("/proc/keys", limit: ProcKeyEntry.maximumSize)).flatMap {
            ProcKeyEntry.find(serial: request.keySerial, in: $0)
        }
        if let why = UpcallServiceGate.refusal(of: request, described: described, entry: entry) {
            return refuse(connection, peer: peer, why: why)
        }
        let (upcallOptions, ignored) = UpcallServiceGate.options(for: request, service: options)
        var upcallLogger = UpcallCommand.logger(debug: request.debug, echoToTerminal: false)
        upcallLogger[metadataKey: "upcall.via"] = "service"
        if !ignored.isEmpty {
            upcallLogger.notice(
                "the handler's \(ignored.joined(separator: ", ")) differ from the service's and are not used: set them on smb3-upcall --serve (systemctl edit smb3-upcall.service)")
        }
        let key = RelayedKey(serial: request.keySerial, description: request.keyDescription)
        let system = LiveUpcallSystem(relayedKey: key, keeping: [connection.descriptor])
        var upcall = Upcall(system: system, options: upcallOptions, logger: upcallLogger)
        let failure = upcall.handle(keySerial: request.keySerial)
        let reply = key.reply ?? .negate(timeoutSeconds: upcallOptions.negativeTimeoutSeconds)
        do {
            try connection.send(reply.encoded())
        } catch {
            upcallLogger.error("cannot reply to the handler of key \(request.keySerial): \(error)")
            return 1
        }
        return failure == nil ? 0 : 1
    }

    /// One warning line with the peer's pid and why, and the refusal (no key material).
    private func refuse(_ connection: UnixPacketSocket, peer: UpcallServiceGate.Peer, why: String) -> Int32 {
        logger.warning("refused an upcall request from pid \(peer.pid): \(why)", metadata: ["peer.pid": "\(peer.pid)"])
        try? connection.send(UpcallServiceReply.refused.encoded())
        return 1
    }

    /// What the kernel says about the connected process: uid and pid (SO_PEERCRED), and through
    /// a pidfd (SO_PEERPIDFD where the kernel has it, so a recycled pid cannot stand in) its
    /// status and program.
    static func inspectPeer(_ connection: UnixPacketSocket, handlers: [FileIdentity]) -> UpcallServiceGate.Peer {
        guard let (pid, uid) = try? connection.peerCredentials() else {
            return .init(uid: UInt32.max, pid: 0, status: nil, runsHandler: false, program: "(unknown)")
        }
        var peer = UpcallServiceGate.Peer(uid: uid, pid: pid, status: nil, runsHandler: false, program: "(unknown)")
        let handle: ProcessHandle
        do throws(SystemError) {
            if let pidfd = connection.peerPidfd() {
                handle = try ProcessHandle(pidfd: pidfd, pid: pid)
            } else {
                handle = try ProcessHandle(task: pid)
            }
        } catch {
            return peer
        }
        peer.status = try? handle.status()
        peer.program = (try? handle.programPath()) ?? "(unknown)"
        if let program = try? handle.executable() { peer.runsHandler = handlers.contains(program) }
        // Read from a process that still runs, so from the one that connected.
        if !handle.isRunning { peer.status = nil }
        return peer
    }
}

/// The handler programs the service accepts requests from.
enum HandlerProgram {
    static func installed() -> [FileIdentity] {
        guard let path = try? ProgramImage.currentPath() else { return [] }
        return UpcallFullProgram.frontCandidates(besideFull: path).compactMap(FileIdentity.of(path:))
    }
}
