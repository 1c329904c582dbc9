import SMB3Errors
import SMB3Keyring
import SMB3System
import UpcallRelay

/// smb3-upcall, the program request-key runs for every cifs.spnego key: a key goes to the upcall
/// service when it runs; everything else (no service, --no-service, help, --explain, --serve)
/// is done by smb3-upcall-full, exec'd in this process. This program links neither libkrb5 nor
/// the protocol model nor the argument parser: its start-up is paid on every session setup.
@main
enum UpcallFront {
    static func main() {
        // It receives a session key from the service before it hands it to the kernel.
        try? ProcessMemory.setDumpable(false)
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard var invocation = RequestKeyInvocation(arguments: arguments) else {
            execFull(forwarding: arguments, serviceTried: false, keyOnFailure: nil)
        }
        guard invocation.useService else {
            execFull(forwarding: arguments, serviceTried: false, keyOnFailure: invocation)
        }
        invocation.options.gssProxyEnabled = Environment.get("GSS_USE_PROXY") == "yes"
        if let failed = UpcallServiceClient.handle(invocation) { ProcessExit.now(failed ? 1 : 0) }
        execFull(forwarding: arguments, serviceTried: true, keyOnFailure: invocation)
    }

    /// Replaces this process with smb3-upcall-full. If that cannot be done, says why (and for a
    /// key, negates it so that the mount fails now instead of waiting for request-key's timeout).
    static func execFull(
        forwarding arguments: [String], serviceTried: Bool, keyOnFailure: RequestKeyInvocation?
    ) -> Never {
        var reasons: [String] = []
        do throws(SystemError) {
            let candidates = UpcallFullProgram.candidates(besideFront: try ProgramImage.currentPath())
            let failures = ProgramImage.replaceWithFirstExecutable(of: candidates) {
                UpcallFullProgram.arguments(programPath: $0, forwarding: arguments, serviceTried: serviceTried)
            }
            reasons = failures.map { "\($0)" }
            if reasons.isEmpty { reasons.append("not found at \(candidates.joined(separator: " or "))") }
        } catch {
            reasons.append("\(error)")
        }
        let message = "cannot run \(UpcallFullProgram.name): \(reasons.joined(separator: "; ")); reinstall SMB3Kit"
        guard let invocation = keyOnFailure else {
            Console.printError("smb3-upcall: \(message)")
            ProcessExit.now(1)
        }
        let log = RelayLog()
        log.write(.error, message, keySerial: invocation.keySerial)
        UpcallServiceClient.negate(invocation, timeoutSeconds: invocation.options.negativeTimeoutSeconds, log: log)
        ProcessExit.now(1)
    }
}

/// The few lines this program logs, with the identifier and fields of smb3-upcall-full's.
/// SystemLog directly, not swift-log: this static program links no Swift package. The lines
/// are those SMB3Logging's SystemLogHandler writes for smb3-upcall-full.
struct RelayLog {
    private let log = SystemLog(identifier: "smb3-upcall")

    func write(_ priority: SystemLog.Priority, _ message: String, keySerial: Int32, failure: String? = nil) {
        var fields = [("KEY_SERIAL", "\(keySerial)")]
        if let failure { fields.append(("UPCALL_FAILURE", failure)) }
        log.write(priority, message, fields: fields)
        // An admin running the handler by hand sees the line too.
        if Console.standardErrorIsTerminal {
            Console.printError(log.echoLine(level: "\(priority)", message, fields: fields))
        }
    }
}
