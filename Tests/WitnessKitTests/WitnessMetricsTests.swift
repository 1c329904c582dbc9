import Testing
import WitnessKit

@Suite struct WitnessMetricsTests {
    /// The whole exposition for a sample status: every family, every state and event kind (zeros
    /// included), reconnects summed over registrations.
    @Test func prometheusTextOfAStatus() {
        let status = WitnessDaemonStatus(
            startedAt: 0,
            registrations: [
                .init(
                    registrationId: 1, netName: "lab", share: "s", serverAddress: "192.0.2.1", ipNotify: true,
                    state: "registered", reconnects: 2),
                .init(
                    registrationId: 2, netName: "lab", share: "t", serverAddress: "192.0.2.1", ipNotify: true,
                    state: "retrying", reconnects: 1),
                .init(
                    registrationId: 3, netName: "lab", share: "u", serverAddress: "192.0.2.2", ipNotify: false,
                    state: "registered"),
            ],
            events: .init([.registered: 3, .clientMove: 1]), kernelRejections: 4)
        #expect(
            status.prometheusText == """
                # HELP smb3_witnessd_registrations Kernel witness registrations by state.
                # TYPE smb3_witnessd_registrations gauge
                smb3_witnessd_registrations{state="connecting"} 0
                smb3_witnessd_registrations{state="registered"} 2
                smb3_witnessd_registrations{state="retrying"} 1
                smb3_witnessd_registrations{state="unsupported"} 0
                # HELP smb3_witnessd_events_total Witness events by type.
                # TYPE smb3_witnessd_events_total counter
                smb3_witnessd_events_total{type="registered"} 3
                smb3_witnessd_events_total{type="unregistered"} 0
                smb3_witnessd_events_total{type="registration-failed"} 0
                smb3_witnessd_events_total{type="server-dropped"} 0
                smb3_witnessd_events_total{type="resource-change"} 0
                smb3_witnessd_events_total{type="client-move"} 1
                smb3_witnessd_events_total{type="share-move"} 0
                smb3_witnessd_events_total{type="ip-change"} 0
                # HELP smb3_witnessd_reconnects_total Re-registrations after errors.
                # TYPE smb3_witnessd_reconnects_total counter
                smb3_witnessd_reconnects_total 3
                # HELP smb3_witnessd_kernel_rejections_total NOTIFY messages the kernel refused.
                # TYPE smb3_witnessd_kernel_rejections_total counter
                smb3_witnessd_kernel_rejections_total 4

                """)
    }
}
