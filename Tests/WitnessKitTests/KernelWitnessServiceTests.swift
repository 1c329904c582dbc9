import Logging
import Synchronization
import Testing

@testable import SMB3Protocol
@testable import WitnessKit

/// A kernel that only answers joins (with `join`) and counts them; receive is never used here.
final class FakeKernelChannel: KernelWitnessChannel {
    let joins = Mutex(0)
    let join: KernelWitnessJoin
    init(join: KernelWitnessJoin) { self.join = join }
    func receive() async throws -> [UInt8] { throw CancellationError() }
    func joinWitnessGroup() async throws(KernelWitnessJoinError) -> KernelWitnessJoin {
        joins.withLock { $0 += 1 }
        return join
    }
}

/// The STATUS= lines the service sent.
final class StatusLines: Sendable {
    let lines = Mutex<[String]>([])
}

@Suite("KernelWitnessService")
struct KernelWitnessServiceTests {
    static let cifsFamily: UInt16 = 0x22

    static func make(
        join: KernelWitnessJoin = .joined(familyID: cifsFamily, description: "cifs/cifs_mcgrp_swn")
    )
        -> (KernelWitnessService, WitnessRegistry, FakeKernelChannel, CifsFamilyID, StatusLines)
    {
        let channel = FakeKernelChannel(join: join)
        let registry = WitnessRegistry(
            configuration: WitnessConfiguration(), clientName: "c", platform: RefusingPlatform(),
            sink: CollectingSink(),
            logger: .quiet)
        let family = CifsFamilyID()
        let statuses = StatusLines()
        let service = KernelWitnessService(
            channel: channel, registry: registry, family: family, logger: .quiet,
            status: { text in statuses.lines.withLock { $0.append(text) } })
        return (service, registry, channel, family, statuses)
    }

    /// A REGISTER for `netName` (an address literal: the registry lists it as unsupported at
    /// once, with no network), as the kernel multicasts it.
    static func register(familyID: UInt16, id: UInt32) -> [UInt8] {
        typealias A = SWNGenericNetlink.Attribute
        let address = SWNSocketAddress(host: .ipv4(IPv4Address(192, 0, 2, 12)), port: 445)
        let message = GenericNetlinkMessage(
            command: SWNGenericNetlink.Command.register.rawValue, version: 1,
            attributes: [
                .u32(A.registrationID.rawValue, id), .string(A.netName.rawValue, "192.0.2.12"),
                .string(A.shareName.rawValue, "share"),
                NetlinkAttribute(type: A.ip.rawValue, payload: address.encoded()),
                .flag(A.kerberosAuth.rawValue),
            ])
        return NetlinkMessage(type: familyID, flags: 0, sequence: 0, portID: 0, payload: message.encoded()).encoded()
    }

    static func controller(_ command: GenericNetlinkController.Command, family: String) -> [UInt8] {
        let message = GenericNetlinkMessage(
            command: command.rawValue, version: 2,
            attributes: [.string(GenericNetlinkController.familyNameAttribute, family)])
        return NetlinkMessage(
            type: GenericNetlinkController.familyID, flags: 0, sequence: 0, portID: 0, payload: message.encoded()
        ).encoded()
    }

    @Test func registerMessagesOfTheCifsFamilyReachTheRegistry() async throws {
        let (service, registry, _, family, _) = Self.make()
        #expect(try await service.join())
        #expect(family.current == Self.cifsFamily)
        await service.dispatch(Self.register(familyID: Self.cifsFamily, id: 7))
        // Another family's message with the same layout is not the kernel's witness message.
        await service.dispatch(Self.register(familyID: 0x23, id: 8))
        let status = registry.statusJSON().rendered()
        #expect(status.contains(#""registrationId":7"#))
        #expect(!status.contains(#""registrationId":8"#))
    }

    @Test func theControllerTellsWhenCifsComesAndGoes() async throws {
        let (service, registry, channel, family, statuses) = Self.make()
        await service.dispatch(Self.controller(.newFamily, family: "nfsd"))
        #expect(channel.joins.withLock { $0 } == 0)
        await service.dispatch(Self.controller(.newFamily, family: "cifs"))
        #expect(channel.joins.withLock { $0 } == 1)
        #expect(family.current == Self.cifsFamily)
        #expect(statuses.lines.withLock { $0 } == [KernelWitnessService.listeningStatus])
        await service.dispatch(Self.controller(.deleteFamily, family: "cifs"))
        #expect(family.current == nil)
        #expect(statuses.lines.withLock { $0.last } == KernelWitnessService.waitingStatus)
        // With the family gone, its old id no longer counts.
        await service.dispatch(Self.register(familyID: Self.cifsFamily, id: 9))
        #expect(!registry.statusJSON().rendered().contains("registrationId"))
    }

    @Test func aMissingFamilyMeansWaiting() async throws {
        let (service, _, _, family, _) = Self.make(join: .familyMissing)
        #expect(try await service.join() == false)
        #expect(family.current == nil)
    }

    @Test func malformedDatagramsAreDropped() async throws {
        let (service, registry, _, _, _) = Self.make()
        _ = try await service.join()
        await service.dispatch([1, 2, 3])
        await service.dispatch(
            NetlinkMessage(type: Self.cifsFamily, flags: 0, sequence: 0, portID: 0, payload: [1]).encoded())
        #expect(!registry.statusJSON().rendered().contains("registrationId"))
    }
}

@Suite("Witness events as JSON lines")
struct WitnessEventJSONTests {
    /// Share and server names come from the kernel and the witness server: quotes, backslashes
    /// and control characters are escaped, so every event stays one valid JSON line.
    @Test func namesAreEscaped() {
        let event = WitnessEvent(
            kind: .clientMove, unixTime: 1, registrationID: 3, netName: "srv\"x", shareName: "a\"b\\c\nd\te\u{1}",
            serverAddress: "192.0.2.12", witnessServer: "192.0.2.11")
        let line = event.json.rendered()
        #expect(!line.contains("\n"))
        #expect(line.contains(#""share":"a\"b\\c\nd\te\u0001""#))
        #expect(line.contains(#""netName":"srv\"x""#))
        #expect(event.logMetadata["witness.share"] == "a\"b\\c\nd\te\u{1}")
    }
}
