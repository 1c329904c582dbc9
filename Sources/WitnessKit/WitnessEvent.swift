import Logging
import SMB3Protocol

/// One thing that happened to a registration: what the journal, the JSON-lines stream and the
/// metrics report.
public struct WitnessEvent: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case registered
        case unregistered
        case registrationFailed = "registration-failed"
        case serverDropped = "server-dropped"
        case resourceChange = "resource-change"
        case clientMove = "client-move"
        case shareMove = "share-move"
        case ipChange = "ip-change"
    }

    public var kind: Kind
    public var unixTime: Double
    public var registrationID: UInt32
    public var netName: String
    public var shareName: String
    public var serverAddress: String
    public var witnessServer: String?
    public var oldAddress: String?
    public var newAddresses: [String] = []
    public var resourceName: String?
    public var resourceState: String?
    /// Sent to the kernel as NOTIFY (only RESOURCE_CHANGE and CLIENT_MOVE are).
    public var forwarded = false
    /// The kernel's answer to NOTIFY (0 or -errno).
    public var kernelResult: Int32?
    /// From the moment the AsyncNotify reply was complete to the kernel's ack, in ms.
    public var latencyMilliseconds: Double?
    /// The kernel's TCP connections to the old address the daemon aborted so that cifs.ko
    /// reconnects at once (abort_connections); nil when it did not try.
    public var abortedConnections: Int?
    /// Connections to the old address that processes hold, left alone; nil when it did not try.
    public var keptConnections: Int?
    /// Who asked for the failover: the witness server (an AsyncNotify reply) or an
    /// administrator (`smb3-witnessd move`/`drain`).
    public var source: Source = .server
    /// Unix time the failover reached the daemon: the AsyncNotify reply complete, or the admin
    /// request read. With `time` it places the daemon's part on the scenario's clock.
    public var receivedTime: Double?
    /// How long aborting the kernel's connections to the old address took, in ms.
    public var abortMilliseconds: Double?
    public var detail: String?

    public enum Source: String, Sendable {
        case server
        case admin
    }

    public var isFailover: Bool {
        switch kind {
        case .resourceChange, .clientMove, .shareMove, .ipChange: true
        default: false
        }
    }

    /// The event as one JSON line of the events stream (`Encodable` below).
    public var json: JSONValue { encodedJSON }

    /// Log metadata: the journal fields WITNESS_EVENT, WITNESS_REGISTRATION_ID, … once the log
    /// handler has upper-cased the keys and turned the dots into underscores.
    public var logMetadata: Logger.Metadata {
        var fields: Logger.Metadata = [
            "witness.event": "\(kind.rawValue)", "witness.registration_id": "\(registrationID)",
            "witness.net_name": "\(netName)", "witness.share": "\(shareName)",
            "witness.server_address": "\(serverAddress)",
        ]
        if let witnessServer { fields["witness.server"] = "\(witnessServer)" }
        if let oldAddress { fields["witness.old_address"] = "\(oldAddress)" }
        if !newAddresses.isEmpty { fields["witness.new_address"] = "\(newAddresses.joined(separator: ","))" }
        if let resourceName { fields["witness.resource_name"] = "\(resourceName)" }
        if let resourceState { fields["witness.state"] = "\(resourceState)" }
        if isFailover { fields["witness.forwarded"] = forwarded ? "1" : "0" }
        if let kernelResult { fields["witness.kernel_result"] = "\(kernelResult)" }
        if let latencyMilliseconds { fields["witness.latency_ms"] = "\(formatMilliseconds(latencyMilliseconds))" }
        if let abortedConnections { fields["witness.aborted_connections"] = "\(abortedConnections)" }
        if let keptConnections { fields["witness.kept_connections"] = "\(keptConnections)" }
        if isFailover { fields["witness.source"] = "\(source.rawValue)" }
        if let abortMilliseconds { fields["witness.abort_ms"] = "\(formatMilliseconds(abortMilliseconds))" }
        return fields
    }

    /// One line for humans (the journal's MESSAGE).
    public var message: String {
        let subject = "registration \(registrationID) (\\\\\(netName)\\\(shareName) at \(serverAddress))"
        switch kind {
        case .registered:
            return
                "\(subject): registered with witness server \(witnessServer ?? "?")\(detail.map { " (\($0))" } ?? "")"
        case .unregistered: return "\(subject): unregistered\(detail.map { " (\($0))" } ?? "")"
        case .registrationFailed: return "\(subject): registration failed: \(detail ?? "unknown error")"
        case .serverDropped: return "\(subject): the witness server dropped the registration; registering again"
        case .resourceChange, .clientMove, .shareMove, .ipChange:
            var text = "\(subject): \(kind.rawValue)"
            if source == .admin { text += " (admin)" }
            if let resourceName { text += " resource '\(resourceName)'" }
            if let resourceState { text += " \(resourceState)" }
            if !newAddresses.isEmpty { text += " to \(newAddresses.joined(separator: ", "))" }
            if forwarded {
                text += kernelResult == 0 ? ", forwarded to the kernel" : ", kernel refused it (\(kernelResult ?? 0))"
                if let latencyMilliseconds { text += " in \(formatMilliseconds(latencyMilliseconds)) ms" }
                if let abortedConnections, abortedConnections > 0 {
                    text +=
                        "; aborted \(abortedConnections) connection(s) to \(oldAddress ?? serverAddress) so it reconnects now"
                }
                if let keptConnections, keptConnections > 0 {
                    text += "; left \(keptConnections) process connection(s) to \(oldAddress ?? serverAddress) alone"
                }
                if let detail { text += " (\(detail))" }
            } else {
                text += ", reported only (cifs.ko ignores this type)"
            }
            return text
        }
    }
}

// The events stream's JSON: the failover keys only for failovers, `detail` only when there is one.
extension WitnessEvent: Encodable {
    private enum CodingKeys: String, CodingKey {
        case time, event, registrationId, netName, share, serverAddress, witnessServer, oldAddress, newAddresses
        case resourceName, state, forwarded, kernelResult, latencyMs, abortedConnections, keptConnections, detail
        case source, receivedTime, abortMs
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(unixTime, forKey: .time)
        try container.encode(kind.rawValue, forKey: .event)
        try container.encode(registrationID, forKey: .registrationId)
        try container.encode(netName, forKey: .netName)
        try container.encode(shareName, forKey: .share)
        try container.encode(serverAddress, forKey: .serverAddress)
        try container.encodeIfPresent(witnessServer, forKey: .witnessServer)
        if isFailover {
            try container.encodeIfPresent(oldAddress, forKey: .oldAddress)
            try container.encode(newAddresses, forKey: .newAddresses)
            try container.encodeIfPresent(resourceName, forKey: .resourceName)
            try container.encodeIfPresent(resourceState, forKey: .state)
            try container.encode(forwarded, forKey: .forwarded)
            try container.encodeIfPresent(kernelResult, forKey: .kernelResult)
            // Microseconds are plenty; more digits would be noise from the clock.
            try container.encodeIfPresent(latencyMilliseconds.map { ($0 * 1000).rounded() / 1000 }, forKey: .latencyMs)
            try container.encodeIfPresent(abortedConnections, forKey: .abortedConnections)
            try container.encodeIfPresent(keptConnections, forKey: .keptConnections)
            try container.encode(source.rawValue, forKey: .source)
            try container.encodeIfPresent(receivedTime.map { ($0 * 1000).rounded() / 1000 }, forKey: .receivedTime)
            try container.encodeIfPresent(abortMilliseconds.map { ($0 * 1000).rounded() / 1000 }, forKey: .abortMs)
        }
        if let detail { try container.encode(detail, forKey: .detail) }
    }
}

func formatMilliseconds(_ value: Double) -> String {
    let scaled = (value * 10).rounded() / 10
    return String(scaled)
}

/// Where events go; the daemon fans out to the journal, the events file and followers.
public protocol WitnessEventSink: Sendable {
    func record(_ event: WitnessEvent)
}
