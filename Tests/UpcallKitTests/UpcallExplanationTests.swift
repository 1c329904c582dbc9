import SMB3Protocol
import Testing
import UpcallKit

@Suite struct UpcallExplanationTests {
    static let explanation = UpcallExplanation(
        host: "srv.example", address: "192.0.2.1", mechanism: "krb5", uid: 1000, gid: nil, upcallTarget: "app",
        upcallTargetSent: false, namespaces: "stay in the mount's namespaces", callerNamespacesDiffering: nil,
        environmentProbe: "off", ccache: "FILE:/tmp/krb5cc_1000", ccachePrincipal: nil, ticketPresent: false,
        servicePrincipals: ["cifs/srv.example"], keytab: "(default keytab)", keytabUser: "SRV$",
        verdict: "no usable ticket; would try keytab (default) for SRV$", unknownFields: ["x=1"])

    /// One value, two forms: keys in declaration order with null for unknowns (scripts see every key).
    @Test func jsonHasEveryKeyInOrder() {
        #expect(
            Self.explanation.encodedJSON.rendered()
                == #"{"host":"srv.example","address":"192.0.2.1","mechanism":"krb5","uid":1000,"gid":null,"#
                + #""upcallTarget":"app","upcallTargetSent":false,"namespaces":"stay in the mount's namespaces","#
                + #""callerNamespacesDiffering":null,"environmentProbe":"off","ccache":"FILE:/tmp/krb5cc_1000","#
                + #""ccachePrincipal":null,"ticketPresent":false,"servicePrincipals":["cifs/srv.example"],"#
                + #""keytab":"(default keytab)","keytabUser":"SRV$","#
                + #""verdict":"no usable ticket; would try keytab (default) for SRV$","unknownFields":["x=1"]}"#)
    }

    @Test func textNamesTheSameFacts() {
        #expect(
            Self.explanation.text.split(separator: "\n").map(String.init) == [
                "server:             srv.example (192.0.2.1), sec=krb5",
                "credentials of:     uid 1000, no passwd entry (gid nogroup)",
                "upcall_target:      app (not sent by this kernel; app assumed)",
                "namespaces:         stay in the mount's namespaces",
                "environment probe:  off",
                "credential cache:   FILE:/tmp/krb5cc_1000 (absent or empty)",
                "usable ticket:      no",
                "service principals: cifs/srv.example",
                "keytab fallback:    (default keytab) for SRV$",
                "unknown field:      x=1 (ignored)",
                "verdict:            no usable ticket; would try keytab (default) for SRV$",
            ])
    }
}
