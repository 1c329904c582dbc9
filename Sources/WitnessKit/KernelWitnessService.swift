import Logging
import SMB3Protocol
import ServiceLifecycle
import Synchronization

/// The cifs generic-netlink family id: it changes when cifs.ko is reloaded. The kernel
/// listener writes it; NOTIFY reads it.
public final class CifsFamilyID: Sendable {
    private let id = Mutex<UInt16?>(nil)
    public init() {}
    public var current: UInt16? { id.withLock { $0 } }
    func set(_ value: UInt16?) { id.withLock { $0 = value } }
}

/// What joining `cifs_mcgrp_swn` gave.
public enum KernelWitnessJoin: Sendable, Equatable {
    /// Joined; `description` says which family and group ids, for the log.
    case joined(familyID: UInt16, description: String)
    /// No 'cifs' family (cifs.ko not loaded, or without CONFIG_CIFS_SWN_UPCALL): the
    /// controller's NEWFAMILY will say when it comes.
    case familyMissing
}

/// Why joining failed otherwise.
public enum KernelWitnessJoinError: Error, Sendable, CustomStringConvertible {
    /// The group carries NTLM passwords: joining it needs CAP_NET_ADMIN.
    case permissionDenied
    case failed(String)

    public var description: String {
        switch self {
        case .permissionDenied:
            "joining cifs_mcgrp_swn was refused: smb3-witnessd needs CAP_NET_ADMIN (the group carries NTLM passwords)"
        case .failed(let text): text
        }
    }
}

/// The kernel's side of the witness contract, as the platform provides it.
public protocol KernelWitnessChannel: Sendable {
    /// The next datagram on the listener (cifs_mcgrp_swn and the controller's notify group),
    /// from the kernel only. Suspends without holding a thread; throws CancellationError when
    /// the task is cancelled.
    func receive() async throws -> [UInt8]
    /// Resolves 'cifs' and joins cifs_mcgrp_swn.
    func joinWitnessGroup() async throws(KernelWitnessJoinError) -> KernelWitnessJoin
}

/// Reads the kernel's witness messages and hands REGISTER/UNREGISTER to the registry; follows
/// cifs.ko coming and going through the generic-netlink controller's NEWFAMILY/DELFAMILY.
public struct KernelWitnessService: Service, CustomStringConvertible {
    let channel: any KernelWitnessChannel
    let registry: WitnessRegistry
    let family: CifsFamilyID
    let logger: Logger
    /// A systemd STATUS= line.
    let status: @Sendable (String) -> Void

    public static let listeningStatus = "listening for cifs.ko witness registrations"
    public static let waitingStatus = "waiting for cifs.ko with witness support"

    public var description: String { "KernelWitnessService" }

    public init(
        channel: any KernelWitnessChannel, registry: WitnessRegistry, family: CifsFamilyID, logger: Logger,
        status: @escaping @Sendable (String) -> Void
    ) {
        self.channel = channel
        self.registry = registry
        self.family = family
        self.logger = logger
        self.status = status
    }

    /// Joins the witness group: true when joined, false when the family does not exist yet.
    public func join() async throws(KernelWitnessJoinError) -> Bool {
        switch try await channel.joinWitnessGroup() {
        case .joined(let id, let description):
            family.set(id)
            logger.info("joined \(description)")
            return true
        case .familyMissing:
            logger.info("cifs.ko is not loaded or lacks CONFIG_CIFS_SWN_UPCALL; waiting for the 'cifs' family")
            return false
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var datagram: [UInt8]
                do {
                    datagram = try await channel.receive()
                } catch is CancellationError {
                    return
                } catch {
                    // ENOBUFS after a burst: the kernel repeats REGISTER every echo interval anyway.
                    logger.warning("netlink receive: \(error); continuing")
                    continue
                }
                // A REGISTER carries the mount's password in plain text: zeroed once handled.
                defer { Secret.zero(&datagram) }
                await dispatch(datagram)
            }
        }
    }

    /// Handles one datagram: every copy of its bytes made here (each message's payload, each
    /// attribute's) is zeroed before it is dropped. Indices, not `for … in`, so that no second
    /// reference keeps a buffer alive unzeroed.
    func dispatch(_ datagram: [UInt8]) async {
        var messages: [NetlinkMessage]
        do {
            messages = try NetlinkMessage.split(datagram)
        } catch {
            logger.warning("malformed netlink datagram (\(datagram.count) bytes): \(error)")
            return
        }
        defer { for index in messages.indices { messages[index].zeroPayload() } }
        for index in messages.indices {
            let type = messages[index].type
            guard var generic = try? GenericNetlinkMessage(parsing: messages[index].payload) else {
                logger.debug("ignoring netlink message type \(type) without a generic header")
                continue
            }
            defer { generic.zeroAttributes() }
            if type == GenericNetlinkController.familyID {
                await controllerMessage(generic)
            } else if type == family.current {
                do {
                    registry.handle(try SWNKernelEvent(parsing: generic))
                } catch {
                    logger.warning("malformed witness message from the kernel: \(error)")
                }
            }
        }
    }

    /// NEWFAMILY / DELFAMILY for "cifs": cifs.ko was loaded or removed.
    private func controllerMessage(_ message: GenericNetlinkMessage) async {
        guard message.attribute(GenericNetlinkController.familyNameAttribute)?.string == SWNGenericNetlink.familyName
        else { return }
        switch GenericNetlinkController.Command(rawValue: message.command) {
        case .newFamily:
            do {
                if try await join() { status(Self.listeningStatus) }
            } catch {
                logger.warning("\(error)")
            }
        case .deleteFamily:
            family.set(nil)
            logger.info("the 'cifs' generic-netlink family went away (cifs.ko unloaded); waiting for it")
            status(Self.waitingStatus)
        case nil:
            break
        }
    }
}
