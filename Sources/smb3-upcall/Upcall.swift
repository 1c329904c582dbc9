import ArgumentParser
import SMB3Protocol
import SMB3System
import SMB3Version

@main
struct Upcall: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smb3-upcall",
        abstract: "Request-key handler for cifs.spnego keys (SPNEGO/Kerberos session setup for cifs.ko).",
        discussion: """
            The kernel runs this through /sbin/request-key when a cifs mount needs a Kerberos \
            session-setup blob. It is meant as a drop-in for cifs-utils' cifs.upcall; see \
            /etc/request-key.d/smb3kit.spnego.conf to enable it.

            Use --explain to check how a key description would be understood.
            """,
        version: SMB3KitVersion.string)

    @Argument(help: "The key serial number request-key passes as %k.")
    var keySerial: Int32?

    @Option(name: .customLong("explain"), help: ArgumentHelp(
        "Parse a key description and print its fields, without touching any key.", valueName: "description"))
    var explainDescription: String?

    func run() throws {
        if let explainDescription {
            do {
                let key = try KeyDescription(parsing: explainDescription)
                print(Self.explanation(of: key))
            } catch {
                throw ValidationError("key description rejected: \(error.reason)")
            }
            return
        }
        guard keySerial != nil else { throw ValidationError("missing KEY_SERIAL (or --explain DESCRIPTION)") }
        // The Kerberos exchange lands with its own issue; until then fail loudly rather than pretend.
        Console.printError("smb3-upcall: handling keys is not implemented in this build yet; use cifs.upcall")
        throw ExitCode(69)  // EX_UNAVAILABLE
    }

    static func explanation(of key: KeyDescription) -> String {
        var lines = [
            "host:          \(key.host)",
            "address:       \(key.address)",
            "mechanism:     \(key.mechanism)",
            "uid:           \(key.uid)",
            "creduid:       \(key.credUID)",
            "user:          \(key.user ?? "(none)")",
            "pid:           \(key.pid)",
            "upcall_target: \(key.effectiveUpcallTarget)\(key.upcallTarget == nil ? " (not sent; app assumed)" : "")",
        ]
        for field in key.extraFields { lines.append("unknown field: \(field.name)=\(field.value) (ignored)") }
        return lines.joined(separator: "\n")
    }
}
