import SMB3Protocol

/// What `smb3-witnessd status` reports: one value, rendered as JSON (`status --json`, through
/// `JSONValueEncoder`) and as text, so both say the same facts.
///
/// {"startedAt","registrations":[{"registrationId","netName","share","serverAddress","ipNotify","state",
///   "authentication","witnessServer","protocolVersion","registeredSince","kernelRepeats","reconnects",
///   "lastError","lastEvent","kernelConnection":{"address","tcpStatus","instance"}|null,"softMounts":[…]|null}],"events":{"registered",…,"ip-change"},"kernelRejections"}
public struct WitnessDaemonStatus: Sendable, Encodable {
    /// When the daemon started (Unix time).
    public var startedAt: Double
    /// By registration id.
    public var registrations: [Registration]
    /// Events since the start, for every kind (zero included).
    public var events: EventCounts
    /// NOTIFY messages the kernel refused.
    public var kernelRejections: Int

    public init(startedAt: Double, registrations: [Registration], events: EventCounts, kernelRejections: Int) {
        self.startedAt = startedAt
        self.registrations = registrations
        self.events = events
        self.kernelRejections = kernelRejections
    }

    /// One kernel registration and how its witness registration is doing.
    public struct Registration: Sendable, Encodable {
        public var registrationId: UInt32
        public var netName: String
        public var share: String
        public var serverAddress: String
        public var ipNotify: Bool
        /// `connecting`, `registered`, `retrying` or `unsupported`.
        public var state: String
        /// `ntlm` or `krb5`; `nil` when the kernel sent no usable credentials.
        public var authentication: String?
        public var witnessServer: String?
        public var protocolVersion: String?
        public var registeredSince: Double?
        public var kernelRepeats: Int
        public var reconnects: Int
        public var lastError: String?
        public var lastEvent: WitnessEvent?
        /// Where cifs.ko is connected for it now (DebugData); nil when the kernel does not say.
        public var kernelConnection: KernelConnection?
        /// Mount points of this share (in the daemon's mount namespace) that are mounted `soft`,
        /// where a request that races a failover's reconnect can fail with EAGAIN; nil when the
        /// mount table could not be read.
        public var softMounts: [String]?

        public init(
            registrationId: UInt32, netName: String, share: String, serverAddress: String, ipNotify: Bool,
            state: String, authentication: String? = nil, witnessServer: String? = nil, protocolVersion: String? = nil,
            registeredSince: Double? = nil, kernelRepeats: Int = 0, reconnects: Int = 0, lastError: String? = nil,
            lastEvent: WitnessEvent? = nil, kernelConnection: KernelConnection? = nil, softMounts: [String]? = nil
        ) {
            self.registrationId = registrationId
            self.netName = netName
            self.share = share
            self.serverAddress = serverAddress
            self.ipNotify = ipNotify
            self.state = state
            self.authentication = authentication
            self.witnessServer = witnessServer
            self.protocolVersion = protocolVersion
            self.registeredSince = registeredSince
            self.kernelRepeats = kernelRepeats
            self.reconnects = reconnects
            self.lastError = lastError
            self.lastEvent = lastEvent
            self.kernelConnection = kernelConnection
            self.softMounts = softMounts
        }
    }

    /// Events by kind, encoded as an object with every kind in `WitnessEvent.Kind.allCases` order.
    public struct EventCounts: Sendable, Encodable {
        public var counts: [WitnessEvent.Kind: Int]

        public init(_ counts: [WitnessEvent.Kind: Int]) { self.counts = counts }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: KindKey.self)
            for kind in WitnessEvent.Kind.allCases {
                try container.encode(counts[kind] ?? 0, forKey: KindKey(stringValue: kind.rawValue))
            }
        }

        private struct KindKey: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    /// The human-readable form; not a stable format: scripts use `status --json`.
    public var text: String {
        if registrations.isEmpty { return "no witness registrations\n" }
        var text = ""
        for registration in registrations {
            text +=
                "registration \(registration.registrationId): \\\\\(registration.netName)\\\(registration.share) at \(registration.serverAddress)\n"
            text += "  state: \(registration.state)"
            if let authentication = registration.authentication { text += ", auth \(authentication)" }
            if let witness = registration.witnessServer { text += ", witness server \(witness)" }
            if let version = registration.protocolVersion { text += " (\(version))" }
            text += "\n  kernel repeats: \(registration.kernelRepeats), reconnects: \(registration.reconnects)\n"
            if let connection = registration.kernelConnection {
                text += "  kernel connected now to \(connection.address)"
                if let status = connection.tcpStatus { text += " (TCP \(status)" }
                if let instance = connection.instance {
                    text += connection.tcpStatus == nil ? " (" : ", "
                    text += "instance \(instance)"
                }
                if connection.tcpStatus != nil || connection.instance != nil { text += ")" }
                text += "\n"
            }
            if let softMounts = registration.softMounts, !softMounts.isEmpty {
                text += "  mounted soft at \(softMounts.joined(separator: ", ")): a request that races a failover's"
                text += " reconnect can fail with EAGAIN (mount with hard where applications must not see one)\n"
            }
            if let error = registration.lastError { text += "  last error: \(error)\n" }
            if let event = registration.lastEvent { text += "  last event: \(event.message)\n" }
        }
        return text
    }
}

extension WitnessDaemonStatus {
    /// `smb3-witnessd metrics`: the same facts as Prometheus text exposition.
    public var prometheusText: String {
        var out = PrometheusText()
        out.family("smb3_witnessd_registrations", "Kernel witness registrations by state.")
        let phases: [RegistrationMachine.Phase] = [.connecting, .registered, .retrying, .unsupported]
        for phase in phases {
            let count = registrations.filter { $0.state == phase.rawValue }.count
            out.sample("smb3_witnessd_registrations", ["state": phase.rawValue], count)
        }
        out.family("smb3_witnessd_events_total", "Witness events by type.", type: .counter)
        for kind in WitnessEvent.Kind.allCases {
            out.sample("smb3_witnessd_events_total", ["type": kind.rawValue], events.counts[kind] ?? 0)
        }
        out.family("smb3_witnessd_reconnects_total", "Re-registrations after errors.", type: .counter)
        out.sample("smb3_witnessd_reconnects_total", registrations.reduce(0) { $0 + $1.reconnects })
        out.family(
            "smb3_witnessd_kernel_rejections_total", "NOTIFY messages the kernel refused.", type: .counter)
        out.sample("smb3_witnessd_kernel_rejections_total", kernelRejections)
        return out.text
    }
}
