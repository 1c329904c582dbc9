import SMB3Errors
import SMB3System
import WitnessKit

#if canImport(Glibc)
import Glibc
import SMB3Reports
#endif

/// The control socket: root-only (0600), one request line per connection.
enum ControlServer {
    static func listen(path: String) throws(SystemError) -> UnixListener {
        if let slash = path.lastIndex(of: "/"), slash != path.startIndex {
            mkdir(String(path[..<slash]), 0o700)
        }
        return try UnixListener(path: path, mode: 0o600)
    }

    static func serve(_ listener: UnixListener, registry: WitnessRegistry, sink: DaemonEventSink) {
        BackgroundThread.detach {
            while true {
                guard let connection = try? listener.accept() else { continue }
                BackgroundThread.detach(stackSize: 256 * 1024) {
                    guard let line = try? connection.readLine(), let request = ControlRequest(rawValue: line) else {
                        connection.write("error: unknown request (status, status-json, metrics, events)\n")
                        return
                    }
                    switch request {
                    case .status: connection.write(registry.statusText())
                    case .statusJSON: connection.write(registry.statusJSON().rendered() + "\n")
                    case .metrics: connection.write(registry.metricsText())
                    case .events: sink.addFollower(connection)
                    }
                }
            }
        }
    }
}
