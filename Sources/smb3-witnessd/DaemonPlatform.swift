import SMB3Netlink
import SMB3Protocol
import SMB3System
import Synchronization
import WitnessKit

extension TCPStream: RPCByteStream {}

/// The witness logic's view of the system: TCP, the kernel's NOTIFY, clocks and threads.
final class DaemonPlatform: WitnessPlatform {
    let sockets: SWNNetlinkSockets
    /// The cifs family id; it changes when cifs.ko is reloaded.
    let familyID = Mutex<UInt16?>(nil)

    init(sockets: SWNNetlinkSockets) { self.sockets = sockets }

    func connect(address: String, port: UInt16, timeoutSeconds: Int32) throws -> any RPCByteStream {
        try TCPStream(address: address, port: port, timeoutSeconds: timeoutSeconds)
    }

    func notifyKernel(_ notify: SWNNotify) throws -> Int32 {
        guard let family = familyID.withLock({ $0 }) else {
            throw WitnessFailure("the cifs generic-netlink family is gone (cifs.ko unloaded?)")
        }
        return try sockets.sendRequest { sequence in notify.encoded(familyID: family, sequence: sequence) }
    }

    func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    func monotonicSeconds() -> Double { SystemClock.monotonicSeconds() }
    func fileTime() -> UInt64 { SystemClock.fileTime() }
    func unixTime() -> Double { SystemClock.unixTime() }
    func spawn(name: String, _ body: @escaping @Sendable () -> Void) { BackgroundThread.detach(body) }
}

