import Logging
import SMB3Errors
import SMB3Keyring
import SMB3Protocol
import SMB3System
import UpcallKit
import UpcallRelay

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
    /// The socket is root's alone; the peer checks (UpcallServiceGate) come on top.
    static let socketMode: UInt32 = 0o600

    func run() throws -> Never {
        try? ProcessMemory.setDumpable(false)
        let listener: UnixPacketSocket
        if let passed = UnixPacketSocket.passedBySystemd() {
            listener = passed
        } else {
            let directory = String(socketPath[..<(socketPath.lastIndex(of: "/") ?? socketPath.startIndex)])
            if !directory.isEmpty { try PrivateDirectory.prepare(directory) }
            listener = try UnixPacketSocket.listening(at: socketPath, mode: Self.socketMode)
        }
        let handlers = HandlerProgram.installed()
        if handlers.isEmpty {
            logger.warning("no smb3-upcall found beside \(UpcallFullProgram.name): every request will be refused")
        }
        UpcallWarmUp.run()
        logger.info("serving cifs.spnego upcalls on \(socketPath)")
        ServiceManagerNotifier.notify("READY=1\nSTATUS=serving upcalls on \(socketPath)")
        let worker = UpcallServiceWorker(host: LiveUpcallServiceHost(), options: options, logger: logger)
        UpcallServiceLoop(pool: PreforkedWorkers(listener: listener), logger: logger).run { socket in
            worker.serve(LiveUpcallServiceConnection(socket: socket, handlers: handlers))
        }
    }
}

extension PreforkedWorkers: UpcallWorkerPool {}

/// The worker's system: keyctl, /proc/keys, the kernel's capabilities, and the live upcall
/// system replying through the relayed key.
struct LiveUpcallServiceHost: UpcallServiceHost {
    func allCapabilities() -> UInt64 { Capabilities.allKnown() }

    func describeKey(_ serial: Int32) -> String? { try? Keyring().describe(KeySerial(rawValue: serial)) }

    func procKeysEntry(_ serial: Int32) -> ProcKeyEntry? {
        (try? KernelFile.read("/proc/keys", limit: ProcKeyEntry.maximumSize)).flatMap {
            ProcKeyEntry.find(serial: serial, in: $0)
        }
    }

    func upcallSystem(relaying key: RelayedKey, over connection: LiveUpcallServiceConnection) -> LiveUpcallSystem {
        LiveUpcallSystem(relayedKey: key, keeping: [connection.socket.descriptor])
    }

    func upcallLogger(debug: Bool) -> Logger { UpcallCommand.logger(debug: debug, echoToTerminal: false) }
}

/// A handler's connection to the service, in the worker that serves it.
struct LiveUpcallServiceConnection: UpcallServiceConnection {
    let socket: UnixPacketSocket
    /// The handler programs the service accepts requests from.
    let handlers: [FileIdentity]

    func receiveRequest(timeoutSeconds: Int, limit: Int) throws -> [UInt8]? {
        try socket.setTimeout(seconds: timeoutSeconds)
        return try socket.receive(limit: limit)
    }

    func send(_ message: [UInt8]) throws { try socket.send(message) }

    /// What the kernel says about the connected process: uid and pid (SO_PEERCRED), and through
    /// a pidfd (SO_PEERPIDFD where the kernel has it, so a recycled pid cannot stand in) its
    /// status and program.
    func inspectPeer() -> UpcallServiceGate.Peer {
        guard let (pid, uid) = try? socket.peerCredentials() else {
            return .init(uid: UInt32.max, pid: 0, status: nil, runsHandler: false, program: "(unknown)")
        }
        var peer = UpcallServiceGate.Peer(uid: uid, pid: pid, status: nil, runsHandler: false, program: "(unknown)")
        let handle: ProcessHandle
        do throws(SystemError) {
            if let pidfd = socket.peerPidfd() {
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
