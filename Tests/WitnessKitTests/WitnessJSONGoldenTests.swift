import Foundation
import Logging
import SMB3Protocol
import Testing

@testable import WitnessKit

/// The daemon's JSON (`status --json`, the events stream), byte for byte as it was printed before
/// the reports became Encodable types: key order, nulls, the keys a failover adds and number forms
/// (`1.0` for a whole time) are what the lab scripts read.
@Suite struct WitnessJSONGoldenTests {
    static func fullFailover() -> WitnessEvent {
        var event = WitnessEvent(
            kind: .resourceChange, unixTime: 1_700_000_000.25, registrationID: 7, netName: "srv", shareName: "data",
            serverAddress: "192.0.2.12", witnessServer: "192.0.2.11")
        event.oldAddress = "192.0.2.12"
        event.newAddresses = ["192.0.2.13", "2001:db8::1"]
        event.resourceName = "SRV"
        event.resourceState = "unavailable"
        event.forwarded = true
        event.kernelResult = -22
        event.latencyMilliseconds = 1.23456
        event.abortedConnections = 1
        event.keptConnections = 2
        event.detail = "why"
        return event
    }

    @Test func eventsKeepTheirKeysAndNulls() {
        #expect(
            Self.fullFailover().json.rendered()
                == #"{"time":1700000000.25,"event":"resource-change","registrationId":7,"netName":"srv","share":"data","serverAddress":"192.0.2.12","witnessServer":"192.0.2.11","oldAddress":"192.0.2.12","newAddresses":["192.0.2.13","2001:db8::1"],"resourceName":"SRV","state":"unavailable","forwarded":true,"kernelResult":-22,"latencyMs":1.235,"abortedConnections":1,"keptConnections":2,"source":"server","receivedTime":null,"abortMs":null,"detail":"why"}"#
        )
        let bare = WitnessEvent(
            kind: .ipChange, unixTime: 1, registrationID: 3, netName: "n", shareName: "s", serverAddress: "a")
        #expect(
            bare.json.rendered()
                == #"{"time":1.0,"event":"ip-change","registrationId":3,"netName":"n","share":"s","serverAddress":"a","witnessServer":null,"oldAddress":null,"newAddresses":[],"resourceName":null,"state":null,"forwarded":false,"kernelResult":null,"latencyMs":null,"abortedConnections":null,"keptConnections":null,"source":"server","receivedTime":null,"abortMs":null}"#
        )
        var registered = WitnessEvent(
            kind: .registered, unixTime: 2, registrationID: 4, netName: "n", shareName: "s", serverAddress: "a",
            witnessServer: "w")
        #expect(
            registered.json.rendered()
                == #"{"time":2.0,"event":"registered","registrationId":4,"netName":"n","share":"s","serverAddress":"a","witnessServer":"w"}"#
        )
        registered.kind = .registrationFailed
        registered.witnessServer = nil
        registered.detail = "d"
        #expect(
            registered.json.rendered()
                == #"{"time":2.0,"event":"registration-failed","registrationId":4,"netName":"n","share":"s","serverAddress":"a","witnessServer":null,"detail":"d"}"#
        )
    }

    @Test func statusKeepsItsKeysAndText() {
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: RefusingPlatform(),
            sink: CollectingSink(), logger: .quiet)
        #expect(
            registry.statusJSON().rendered()
                == #"{"startedAt":1700000000.0,"registrations":[],"events":{"registered":0,"unregistered":0,"registration-failed":0,"server-dropped":0,"resource-change":0,"client-move":0,"share-move":0,"ip-change":0},"kernelRejections":0}"#
        )
        #expect(registry.statusText() == "no witness registrations\n")
        registry.handle(.register(WitnessRegistryTests.registration(id: 2, net: "192.0.2.12")))
        registry.handle(.register(WitnessRegistryTests.registration(id: 1, credentials: .kerberos)))
        #expect(
            registry.statusJSON().rendered()
                == #"{"startedAt":1700000000.0,"registrations":[{"registrationId":1,"netName":"witnesslab","share":"share","serverAddress":"192.0.2.12","ipNotify":true,"state":"connecting","authentication":"krb5","witnessServer":null,"protocolVersion":null,"registeredSince":null,"kernelRepeats":0,"reconnects":0,"lastError":null,"lastEvent":null,"kernelConnection":null,"softMounts":null},{"registrationId":2,"netName":"192.0.2.12","share":"share","serverAddress":"192.0.2.12","ipNotify":true,"state":"unsupported","authentication":"ntlm","witnessServer":null,"protocolVersion":null,"registeredSince":null,"kernelRepeats":0,"reconnects":0,"lastError":"the share was mounted by address (192.0.2.12); MS-SWN needs the server's name (mount //NAME/share)","lastEvent":null,"kernelConnection":null,"softMounts":null}],"events":{"registered":0,"unregistered":0,"registration-failed":1,"server-dropped":0,"resource-change":0,"client-move":0,"share-move":0,"ip-change":0},"kernelRejections":0}"#
        )
        #expect(
            registry.statusText() == #"""
                registration 1: \\witnesslab\share at 192.0.2.12
                  state: connecting, auth krb5
                  kernel repeats: 0, reconnects: 0
                registration 2: \\192.0.2.12\share at 192.0.2.12
                  state: unsupported, auth ntlm
                  kernel repeats: 0, reconnects: 0
                  last error: the share was mounted by address (192.0.2.12); MS-SWN needs the server's name (mount //NAME/share)

                """#)
        registry.shutdown()
    }
}

/// `smb3-witnessd check-kernel --json`, as the executable built it before the report moved here.
@Suite struct KernelWitnessSupportTests {
    @Test func presentAndMissing() {
        let present = KernelWitnessSupport(family: "cifs", familyId: 33, group: "cifs_mcgrp_swn", groupId: 9)
        #expect(
            present.encodedJSON.rendered()
                == #"{"family":"cifs","familyId":33,"group":"cifs_mcgrp_swn","groupId":9,"witnessSupport":true}"#)
        #expect(present.text == "family cifs id 33, group cifs_mcgrp_swn id 9: witness support present")
        let missing = KernelWitnessSupport(missingFamily: "cifs")
        #expect(missing.encodedJSON.rendered() == #"{"family":"cifs","witnessSupport":false}"#)
    }
}

@Suite struct AddressLiteralTests {
    @Test func addressesAreLiteralsAndNamesAreNot() {
        for literal in ["192.0.2.12", "2001:db8::1", "fe80::1%eth0", "[2001:db8::1]", "::ffff:192.0.2.1"] {
            #expect(WitnessRegistry.isAddressLiteral(literal), "\(literal)")
        }
        for name in ["witnesslab", "fs1.test.lan", "1.2.3", "cluster-01", "1.2.3.4.example"] {
            #expect(!WitnessRegistry.isAddressLiteral(name), "\(name)")
        }
    }
}
