import ArgumentParser
import SMB3Netlink
import SMB3Protocol
import SMB3Version

@main
struct WitnessDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smb3-witnessd",
        abstract: "Witness (MS-SWN) registration daemon for cifs.ko mounts with the 'witness' option.",
        discussion: """
            'run' (the default) listens for the kernel's witness registrations on generic netlink, registers \
            each with the cluster's witness service over DCE/RPC, and forwards failover notifications \
            (RESOURCE_CHANGE, CLIENT_MOVE) to cifs.ko. It needs CAP_NET_ADMIN in the initial network namespace. \
            'status', 'events' and 'metrics' ask a running daemon over its control socket.
            """,
        version: SMB3KitVersion.string,
        subcommands: [Run.self, Status.self, Events.self, Metrics.self, CheckKernel.self],
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
            if json {
                print(
                    JSONValue.object([
                        ("family", .string(resolved.name)), ("familyId", .uint(UInt64(resolved.id))),
                        ("group", .string(resolved.multicastGroup)),
                        ("groupId", .uint(UInt64(resolved.multicastGroupID))),
                        ("witnessSupport", .bool(true)),
                    ]).rendered())
            } else {
                print(
                    "family \(resolved.name) id \(resolved.id), group \(resolved.multicastGroup) id \(resolved.multicastGroupID): witness support present"
                )
            }
        } catch {
            let hint =
                error.isNotFound
                ? "cifs.ko is not loaded or was built without CONFIG_CIFS_SWN_UPCALL" : error.description
            if json {
                print(
                    JSONValue.object([("family", .string(Self.family)), ("witnessSupport", .bool(false))]).rendered())
            }
            throw ValidationErrorLine("no witness support: \(hint)")
        }
    }
}

/// A one-line failure: printed as `Error: …` and exit status 1.
struct ValidationErrorLine: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
