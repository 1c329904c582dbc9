import ArgumentParser
import SMB3Netlink
import SMB3Protocol
import SMB3Version
import WitnessKit

@main
struct WitnessDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smb3-witnessd",
        abstract: "Witness (MS-SWN) registration daemon for cifs.ko mounts with the 'witness' option.",
        discussion: """
            'run' (the default) listens for the kernel's witness registrations on generic netlink, registers \
            each with the cluster's witness service over DCE/RPC, and forwards failover notifications \
            (RESOURCE_CHANGE, CLIENT_MOVE) to cifs.ko. It needs CAP_NET_ADMIN in the initial network namespace. \
            'status', 'events' and 'metrics' ask a running daemon over its control socket; 'move' and \
            'drain' have it move registrations to another interface of their cluster.
            """,
        version: SMB3KitVersion.string,
        subcommands: [Run.self, Status.self, Events.self, Metrics.self, Move.self, Drain.self, CheckKernel.self],
        defaultSubcommand: Run.self)
}

/// Whether the running kernel's cifs.ko has witness support (CONFIG_CIFS_SWN_UPCALL).
struct CheckKernel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-kernel",
        abstract: "Check that the generic-netlink family 'cifs' and its group 'cifs_mcgrp_swn' exist.")

    static let family = SWNGenericNetlink.familyName
    static let group = SWNGenericNetlink.multicastGroup

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() throws {
        do {
            let resolved = try GenericNetlinkFamily.resolve(family: Self.family, group: Self.group)
            let support = KernelWitnessSupport(
                family: resolved.name, familyId: resolved.id, group: resolved.multicastGroup,
                groupId: resolved.multicastGroupID)
            print(json ? support.encodedJSON.rendered() : support.text)
        } catch {
            let hint =
                error.isNotFound
                ? "cifs.ko is not loaded or was built without CONFIG_CIFS_SWN_UPCALL" : error.description
            if json { print(KernelWitnessSupport(missingFamily: Self.family).encodedJSON.rendered()) }
            throw ValidationErrorLine("no witness support: \(hint)")
        }
    }
}

/// A one-line failure: printed as `Error: …` and exit status 1.
struct ValidationErrorLine: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
