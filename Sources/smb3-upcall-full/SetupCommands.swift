import ArgumentParser
import SMB3Errors
import SMB3Protocol
import SMB3System
import UpcallKit
import UpcallRelay

/// `--set-handler`'s argument.
enum HandlerChoice: String, ExpressibleByArgument, CaseIterable {
    case smb3Upcall = "smb3-upcall"
    case cifsUpcall = "cifs.upcall"
}

/// `--check-setup`: one line per check (or one JSON object); exit 0 when ready, 1 otherwise.
struct CheckSetup {
    let paths: SetupPaths
    let krb5Config: String?
    let serviceSocket: String
    let json: Bool

    func run() throws {
        let checker = SetupChecker(
            system: LiveSetupSystem(), paths: paths, krb5ConfigOption: krb5Config,
            krb5ConfigEnvironment: Environment.get("KRB5_CONFIG"), serviceSocket: serviceSocket)
        let report = checker.run()
        print(json ? report.encodedJSON.rendered() : report.text)
        if !report.ready { throw ExitCode.failure }
    }
}

/// `--set-handler`: switches the cifs.spnego handler, printing each change.
struct SetHandler {
    let choice: HandlerChoice
    let program: String?
    let paths: SetupPaths
    let json: Bool

    func run() throws {
        // Refused before anything is read: a partial switch by a non-root user helps no one.
        // With --root (tests) the files are wherever that is.
        guard !paths.root.isEmpty || Identity.effectiveUID == 0 else {
            fail("--set-handler rewrites files in /etc/request-key.d and /etc/request-key.conf: run it as root")
        }
        let target: SpnegoHandlerSwitch.Target
        switch choice {
        case .smb3Upcall: target = .smb3Upcall(program: try handlerProgram())
        case .cifsUpcall: target = .cifsUpcall
        }
        let report: HandlerSwitchReport
        do throws(SetupFileError) {
            report = try SpnegoHandlerSetter(system: LiveSetupSystem(), paths: paths).run(target)
        } catch {
            fail(error.message)
        }
        print(json ? report.encodedJSON.rendered() : report.text)
        if let warning = report.warning { Console.printError("smb3-upcall: warning: \(warning)") }
    }

    /// The smb3-upcall the request-key line names: `--program`, else the installed handler that
    /// exec'd this program (`<prefix>/sbin/smb3-upcall` for `<prefix>/libexec/smb3kit/smb3-upcall-full`).
    /// A build tree is refused: `.build/debug` is no place for what the kernel runs as root.
    private func handlerProgram() throws -> String {
        if let program {
            guard program.hasPrefix("/") else {
                throw ValidationError("--program needs an absolute path (request-key requires one)")
            }
            // Anything else would be a line --check-setup and --set-handler cifs.upcall could not recognise as ours.
            guard SpnegoHandlerKind(program: program) == .smb3Upcall else {
                throw ValidationError("--program must name a file called smb3-upcall")
            }
            guard ProgramImage.isExecutable(program) else { fail("--program \(program) is not an executable file") }
            return program
        }
        let full: String
        do throws(SystemError) {
            full = try ProgramImage.currentPath()
        } catch {
            fail("\(error)")
        }
        let candidates = UpcallFullProgram.frontCandidates(besideFull: full)
        guard candidates.count > 1, let installed = candidates.dropLast().first(where: ProgramImage.isExecutable) else {
            fail(
                "\(UpcallFullProgram.name) runs from \(full), not from an installed <prefix>/libexec/smb3kit: "
                    + "install SMB3Kit (make install) and run the installed smb3-upcall, or name the handler with --program PATH"
            )
        }
        return installed
    }

    private func fail(_ message: String) -> Never {
        Console.printError("smb3-upcall: \(message)")
        UpcallCommand.exit(withError: ExitCode.failure)
    }
}
