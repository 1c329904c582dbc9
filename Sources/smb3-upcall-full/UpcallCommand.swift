import ArgumentParser
import Logging
import SMB3Logging
import SMB3Protocol
import SMB3System
import SMB3Version
import UpcallKit
import UpcallRelay

/// smb3-upcall-full: smb3-upcall (what request-key runs) execs this for everything but relaying a
/// key to the upcall service. Its help, man page and messages speak as smb3-upcall.
@main
enum UpcallMain {
    static func main() {
        // It will hold session keys and TGTs, and may become a user who could otherwise ptrace it.
        try? ProcessMemory.setDumpable(false)
        // request-key's invocations skip the reflective parser (see RequestKeyInvocation).
        if var invocation = RequestKeyInvocation(arguments: Array(CommandLine.arguments.dropFirst())) {
            invocation.options.gssProxyEnabled = Environment.get("GSS_USE_PROXY") == "yes"
            let failed = UpcallCommand.handle(invocation)
            // Straight out: ArgumentParser's exit(withError:) builds its help model first.
            ProcessExit.now(failed ? 1 : 0)
        }
        UpcallCommand.main()
    }
}

struct UpcallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "smb3-upcall",
        abstract: "Request-key handler for cifs.spnego keys (Kerberos session setup for cifs.ko).",
        discussion: """
            The kernel runs this through /sbin/request-key when a cifs mount with sec=krb5 needs a \
            session-setup blob. It takes the same options as cifs-utils' cifs.upcall. Make it the \
            cifs.spnego handler, or give the keys back to cifs-utils' cifs.upcall, with one command \
            (as root):

              smb3-upcall --set-handler smb3-upcall
              smb3-upcall --set-handler cifs.upcall

            The first makes 'create  cifs.spnego  *  *  <sbindir>/smb3-upcall %k' active in \
            /etc/request-key.d/smb3kit.spnego.conf and disables every other active 'create \
            cifs.spnego' line in /etc/request-key.conf and /etc/request-key.d/*.conf by putting \
            '#smb3kit-disabled# ' in front of it; the second comments our line out and removes \
            those markers, restoring the lines exactly. Each change is printed (file:line, before \
            and after); running either twice changes nothing the second time. \
            smb3-upcall --check-setup says whether this host can do Kerberos cifs mounts (keyutils' \
            request-key, exactly one cifs.spnego handler, cifs.ko with CONFIG_CIFS_UPCALL, the \
            krb5.conf default realm and its KDCs, the upcall service) and, for each problem, the \
            fix: the hint behind "mount error(126)" (no or a failing handler) and "mount error(95)" \
            or "(38)" (a kernel without CONFIG_CIFS_UPCALL).

            Credentials: the cache named by KRB5CCNAME in the environment of the process that \
            triggered the mount (unless -E), else the libkrb5 default cache of the user (creduid=, \
            or uid= with -l); if it holds no valid ticket and the mount has username=, a TGT is \
            obtained from the keytab (-K, or the default keytab); if there is still none and \
            GSS_USE_PROXY=yes is set, GSS-API is asked (reaching gssproxy). --gssapi always uses \
            GSS-API. With upcall_target=app (or none), the caller's namespaces are joined first; with \
            upcall_target=mount they are not.

            sec=krb5 and sec=mskrb5 get a SPNEGO token naming the krb5 or the MS-krb5 OID. sec=iakerb \
            (kernels 6.14+, backported to 6.1.y and 6.12.y) is refused with a clear message: an IAKerb \
            blob needs a multi-round-trip exchange through the server (RFC draft IAKERB), which the \
            one-shot cifs.spnego upcall cannot carry; mount with sec=krb5 instead.

            With the upcall service running (smb3-upcall.socket, which starts smb3-upcall --serve), \
            this handler only reads the key and passes it to the service, where a process forked for \
            the request does the rest; that saves most of a handler's start-up. Without it, or with \
            --no-service, or if the service gives no answer, the handler execs smb3-upcall-full \
            (installed in libexec/smb3kit), which handles the key in the same process.

            On failure the key is negated for --negative-timeout seconds (1 by default) so a retry \
            is not blocked, and one line saying what failed goes to the journal (identifier \
            smb3-upcall). Use --explain to see what an upcall would do for a key description.

            Exit status: 0 key instantiated (or --explain or --set-handler succeeded, or \
            --check-setup found no problem), 1 upcall failed (or --check-setup found a problem, or \
            --set-handler failed), 64 usage error or rejected description.
            """)

    @Flag(
        name: .customShort("c"), help: ArgumentHelp("Ignored, for compatibility with cifs.upcall.", visibility: .hidden)
    )
    var ignoredC = false

    @Flag(name: [.customShort("d"), .long], help: "Log debug detail.")
    var debug = false

    @Flag(
        name: [.customShort("E"), .customLong("no-env-probe")],
        help: "Do not read KRB5CCNAME from the caller's environment.")
    var noEnvironmentProbe = false

    @Option(
        name: [.customShort("k"), .customLong("krb5conf")], help: ArgumentHelp("krb5.conf to use.", valueName: "path"))
    var krb5Config: String?

    @Option(
        name: [.customShort("K"), .customLong("keytab")],
        help: ArgumentHelp("Keytab for the username= fallback.", valueName: "path"))
    var keytab: String?

    @Flag(
        name: [.customShort("l"), .customLong("legacy-uid")], help: "Use uid= instead of creduid= to find credentials.")
    var legacyUID = false

    @Flag(name: [.customShort("t"), .customLong("trust-dns")], help: "Also try the server name from reverse DNS.")
    var trustDNS = false

    @Option(
        name: [.customShort("e"), .customLong("expire")],
        help: ArgumentHelp("Accepted for compatibility (dns_resolver keys).", valueName: "seconds"))
    var expire: UInt32?

    @Flag(help: "Get the token through GSS-API (as with gssproxy) instead of building it from a credential cache.")
    var gssapi = false

    @Option(help: ArgumentHelp("Seconds a failed key stays negative.", valueName: "seconds"))
    var negativeTimeout: UInt32 = 1

    @Flag(name: [.customShort("v"), .long], help: "Print the version and exit.")
    var version = false

    @Option(
        name: .customLong("explain"),
        help: ArgumentHelp(
            "Dry run: parse a key description and show the uid, namespaces, cache, principals and keytab an upcall would use.",
            valueName: "description"))
    var explainDescription: String?

    @Flag(help: "With --explain, --check-setup or --set-handler, print JSON.")
    var json = false

    @Flag(
        help: ArgumentHelp(
            "Say whether this host can do Kerberos cifs mounts (request-key, the cifs.spnego handler, cifs.ko, krb5.conf, the upcall service) and how to fix each problem; exit 1 if there is one."
        ))
    var checkSetup = false

    @Option(
        help: ArgumentHelp(
            "Make smb3-upcall or cifs-utils' cifs.upcall the cifs.spnego handler in /etc/request-key.d (as root), printing each change.",
            valueName: "smb3-upcall|cifs.upcall"))
    var setHandler: HandlerChoice?

    @Option(
        help: ArgumentHelp(
            "With --set-handler smb3-upcall: the handler the request-key line names (default: the installed smb3-upcall running this).",
            valueName: "path"))
    var program: String?

    // Tests only: read and write below this directory instead of / (not the KDC names or the socket).
    @Option(
        help: ArgumentHelp(
            "Root directory for --check-setup and --set-handler (tests).", valueName: "dir", visibility: .hidden))
    var root: String = ""

    @Option(
        help: ArgumentHelp(
            "Get a TGT for USER from the keytab into root's keytab cache now (what smb3-upcall-keytab@.timer runs), then exit.",
            valueName: "user"))
    var refreshKeytabCache: String?

    @Option(
        help: ArgumentHelp(
            "Directory for root's keytab TGTs, reused by later upcalls (empty: keep them in memory only).",
            valueName: "dir"))
    var keytabCacheDir: String = UpcallOptions.defaultKeytabCacheDirectory

    @Flag(help: "Handle the key in the handler's process even when the upcall service is running.")
    var noService = false

    @Option(help: ArgumentHelp("Where the upcall service listens.", valueName: "path"))
    var serviceSocket: String = UpcallService.defaultSocketPath

    @Flag(help: "Run the upcall service (what smb3-upcall.service starts): handle the keys that handlers pass to it.")
    var serve = false

    @Argument(help: "The key serial number request-key passes as %k.")
    var keySerial: Int32?

    var options: UpcallOptions {
        var options = UpcallOptions()
        options.legacyUID = legacyUID
        options.noEnvironmentProbe = noEnvironmentProbe
        options.keytab = keytab
        options.krb5Config = krb5Config
        options.trustDNS = trustDNS
        options.negativeTimeoutSeconds = negativeTimeout
        options.keytabCacheDirectory = keytabCacheDir.isEmpty ? nil : keytabCacheDir
        options.forceGSSAPI = gssapi
        options.gssProxyEnabled = Environment.get("GSS_USE_PROXY") == "yes"
        return options
    }

    func run() throws {
        if version {
            print(SMB3KitVersion.string)
            return
        }
        if let user = refreshKeytabCache {
            try KeytabCacheRefresh(user: user, options: options).run()
            return
        }
        if let explainDescription {
            try Explain(description: explainDescription, options: options, json: json).run()
            return
        }
        if checkSetup || setHandler != nil {
            guard keySerial == nil else { throw ValidationError("--check-setup and --set-handler take no KEY_SERIAL") }
            guard !(checkSetup && setHandler != nil) else {
                throw ValidationError("give --check-setup or --set-handler, not both")
            }
            guard program == nil || setHandler == .smb3Upcall else {
                throw ValidationError("--program goes with --set-handler smb3-upcall")
            }
            let paths = SetupPaths(root: root)
            if let setHandler {
                try SetHandler(choice: setHandler, program: program, paths: paths, json: json).run()
            } else {
                try CheckSetup(paths: paths, krb5Config: krb5Config, serviceSocket: serviceSocket, json: json).run()
            }
            return
        }
        if serve {
            guard keySerial == nil else { throw ValidationError("--serve takes no KEY_SERIAL") }
            try UpcallServer(socketPath: serviceSocket, options: options, logger: Self.logger(debug: debug)).run()
        }
        guard let keySerial else { throw ValidationError("missing KEY_SERIAL (or --explain DESCRIPTION)") }
        // --no-service and --service-socket concern smb3-upcall, which exec'd this program.
        let invocation = RequestKeyInvocation(keySerial: keySerial, options: options, debug: debug)
        if Self.handle(invocation) { throw ExitCode.failure }
    }

    /// Runs one upcall in this process (smb3-upcall has asked the service already, if it runs);
    /// true if it failed (the key is then negated and the reason logged).
    static func handle(_ invocation: RequestKeyInvocation) -> Bool {
        var upcall = Upcall(
            system: LiveUpcallSystem(), options: invocation.options, logger: logger(debug: invocation.debug))
        return upcall.handle(keySerial: invocation.keySerial) != nil
    }

    /// The journal (identifier smb3-upcall), echoed to a terminal when run by hand.
    static func logger(debug: Bool, echoToTerminal: Bool = Console.standardErrorIsTerminal) -> Logger {
        let level: Logger.Level = debug ? .debug : .info
        return Logger(label: "smb3-upcall") { _ in
            SystemLogHandler(
                identifier: "smb3-upcall", logLevel: level,
                destination: echoToTerminal ? .systemLogEchoedToStandardError : .systemLog)
        }
    }
}
