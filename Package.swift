// swift-tools-version:6.1
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let inMemoryLogging = Target.Dependency.product(name: "InMemoryLogging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")

let package = Package(
    name: "SMB3Kit",
    products: [
        .executable(name: "smb3-upcall", targets: ["smb3-upcall"]),
        .executable(name: "smb3-upcall-full", targets: ["smb3-upcall-full"]),
        .executable(name: "smb3-ioctl", targets: ["smb3-ioctl"]),
        .executable(name: "smb3-ifaces", targets: ["smb3-ifaces"]),
        .executable(name: "smb3-witnessd", targets: ["smb3-witnessd"]),
        .library(name: "SMB3Protocol", targets: ["SMB3Protocol"]),
        .library(name: "UpcallRelay", targets: ["UpcallRelay"]),
        // For the fuzz package (Fuzz/): the association and witnessd.conf parsers.
        .library(name: "WitnessKit", targets: ["WitnessKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // SHA-512, HMAC-SHA256, AES-GCM (GMAC) and, in CryptoExtras since 4.x, AES-CMAC: SMB2 signing.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // Layer 0: the pure protocol model. No I/O, no C imports, no Foundation; DER through SwiftASN1.
        // One module per subject ("room"); nothing in a room imports a room beside it except as drawn:
        //   SMB3Wire ← SMB3DebugData, SMB3Ioctl, SMB3NTLM, SMB3HostSetup,
        //              SMB3DCERPC ← SMB3Witness ← SMB3NetlinkCodec (the kernel's SWN messages carry MS-SWN states),
        //              SMB3DCERPC ← SMB3FSRVP (MS-FSRVP stubs: remote shadow copies over \pipe\FssagentRpc),
        //              SMB3SpnegoKey ← SMB3SPNEGO (+ SwiftASN1),
        //              SMB3SMB2 (the SMB2/3 client's messages, NTSTATUS, credits) ← SMB3SMB2Security
        //              (+ swift-crypto: pre-auth hash, key derivation, signing; outside the umbrella, for
        //              swift-crypto brings Foundation)
        //   SMB3DebugData, SMB3Ioctl ← SMB3Reports (presentation: JSON values, flag names)
        //   every room ← SMB3Protocol (the umbrella that re-exports them all, for kits and executables)
        // SMB3Wire (bytes, hex, UTF-16LE, IP addresses, Secret) stands alone so that UpcallRelay can use it.
        .target(name: "SMB3Wire"),
        .target(name: "SMB3DebugData", dependencies: ["SMB3Wire"]),
        .target(name: "SMB3Ioctl", dependencies: ["SMB3Wire"]),
        .target(name: "SMB3NetlinkCodec", dependencies: ["SMB3Witness", "SMB3Wire"]),
        .target(name: "SMB3DCERPC", dependencies: ["SMB3Wire"]),
        .target(name: "SMB3Witness", dependencies: ["SMB3DCERPC", "SMB3Wire"]),
        .target(name: "SMB3NTLM", dependencies: ["SMB3Wire"]),
        .target(name: "SMB3SpnegoKey", dependencies: ["SMB3Wire"]),
        .target(
            name: "SMB3SPNEGO",
            dependencies: ["SMB3SpnegoKey", "SMB3Wire", .product(name: "SwiftASN1", package: "swift-asn1")]),
        .target(name: "SMB3HostSetup"),
        .target(name: "SMB3SMB2", dependencies: ["SMB3Wire"]),
        .target(name: "SMB3FSRVP", dependencies: ["SMB3DCERPC", "SMB3Wire"]),
        .target(
            name: "SMB3SMB2Security",
            dependencies: [
                "SMB3SMB2", "SMB3Wire", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ]),
        .target(name: "SMB3Reports", dependencies: ["SMB3DebugData", "SMB3Ioctl", "SMB3Wire"]),
        .target(
            name: "SMB3Protocol",
            dependencies: [
                "SMB3Wire", "SMB3ProcFS", "SMB3DebugData", "SMB3Ioctl", "SMB3NetlinkCodec", "SMB3DCERPC", "SMB3Witness",
                "SMB3NTLM", "SMB3SpnegoKey", "SMB3SPNEGO", "SMB3HostSetup", "SMB3Reports", "SMB3SMB2", "SMB3FSRVP",
            ]),
        // What request-key runs the handler with, and the messages that relay it to the upcall
        // service. Pure and small: the request-key handler links it and nothing heavier.
        .target(name: "UpcallRelay", dependencies: ["SMB3Wire"]),
        // The procfs files the upcall decides on (/proc/<pid>/status, environ, /proc/keys) and the mount
        // table: pure, small, and beneath SMB3System, which the static request-key handler links without
        // SMB3Protocol. /proc/fs/cifs/DebugData is SMB3DebugData, apart, so that this stays small.
        .target(name: "SMB3ProcFS"),
        // The one error vocabulary: Errno and SystemError (platform failures), pure so that kits and
        // their fakes use the same types the platform throws.
        .target(name: "SMB3Errors"),

        // C shims: a modulemap and pkg-config, nothing else. Each names its Debian package.
        .systemLibrary(name: "CKrb5GSS", pkgConfig: "krb5-gssapi", providers: [.apt(["libkrb5-dev"])]),
        .systemLibrary(name: "CLibcrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CKeyutils", pkgConfig: "libkeyutils", providers: [.apt(["libkeyutils-dev"])]),
        .systemLibrary(
            name: "CNetlinkGeneric", pkgConfig: "libnl-genl-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-genl-3-dev"])]),
        .systemLibrary(
            name: "CNetlinkRoute", pkgConfig: "libnl-route-3.0",
            providers: [.apt(["libnl-3-dev", "libnl-route-3-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // static inline wrappers for what Swift cannot import (variadic syscall(), macros).
        .target(name: "CLinuxShims"),

        // Platform layer: the only targets that make syscalls, ioctls, keyctl, netlink or GSS calls.
        // SMB3System and SMB3Keyring depend on no Swift package: the request-key handler links them.
        .target(name: "SMB3System", dependencies: ["CLinuxShims", "SMB3ProcFS", "SMB3Errors"]),
        .target(name: "SMB3Keyring", dependencies: ["SMB3System", "SMB3Errors", "CKeyutils"]),
        .target(
            name: "SMB3Netlink", dependencies: ["SMB3Protocol", "SMB3System", "SMB3Errors", "CNetlinkGeneric"]),
        // rtnetlink through libnl-route, apart from SMB3Netlink so that smb3-witnessd does not map
        // libnl-route (about 400 KiB of its resident pages at start) for code it never calls.
        .target(name: "SMB3RouteNetlink", dependencies: ["SMB3Netlink", "SMB3System", "CNetlinkRoute"]),
        .target(name: "SMB3Kerberos", dependencies: ["SMB3Protocol", "SMB3Errors", "SMB3System", "CKrb5GSS"]),
        // The one swift-log backend (journald/syslog through SMB3System's SystemLog), apart from
        // SMB3System so that the static smb3-upcall, which links SMB3System, links no swift-log.
        .target(name: "SMB3Logging", dependencies: ["SMB3System", logging]),
        // The witness daemon's waiting: one poll(2) thread for all its descriptors (non-blocking
        // TCP, netlink, control socket) and a thread for blocking C calls (krb5, NOTIFY acks).
        .target(name: "SMB3EventLoop", dependencies: ["SMB3System", "SMB3Errors"]),
        // gzip (for /proc/config.gz) apart from SMB3System, so that the static smb3-upcall links no zlib.
        .target(name: "SMB3Gzip", dependencies: ["CZlib"]),

        // Feature kits: the logic, written against protocols the kits own. No C imports.
        .target(name: "IoctlKit", dependencies: ["SMB3Protocol", "SMB3Errors"]),
        // `smb3-ioctl snapshot`: an SMB2 client for one named pipe (IPC$, \pipe\FssagentRpc) and
        // MS-FSRVP over it. Apart from IoctlKit because it brings swift-crypto (signing).
        .target(name: "ShadowCopyKit", dependencies: ["SMB3Protocol", "SMB3SMB2Security"]),
        // Platform: AES-CCM from libcrypto for the SMB2 pipe client (swift-crypto has none).
        .target(name: "SMB3AESCCM", dependencies: ["CLibcrypto", "SMB3SMB2", "SMB3SMB2Security"]),
        .target(name: "UpcallKit", dependencies: ["SMB3Protocol", "SMB3Errors", "SMB3ProcFS", "UpcallRelay", logging]),
        .target(name: "IfacesKit", dependencies: ["SMB3Protocol", logging]),
        .target(name: "WitnessKit", dependencies: ["SMB3Protocol", logging, serviceLifecycle, unixSignals]),

        // Version string shared by every executable.
        .target(name: "SMB3Version"),

        // Executables only wire things together.
        // What request-key runs: passes the key to the upcall service, or execs smb3-upcall-full.
        // Kept small on purpose: its start-up is paid on every session setup.
        // Fully static (glibc and libkeyutils too): no dynamic loader at all. Under emulation an empty
        // program so linked starts in 14 ms against 60 ms with dynamic glibc (README, Benchmarks).
        // The linker warns about getaddrinfo/getpwuid_r in static binaries: SMB3System has them,
        // this program never calls them (it resolves no names and looks up no users).
        .executableTarget(
            name: "smb3-upcall", dependencies: ["UpcallRelay", "SMB3Keyring", "SMB3System", "SMB3Errors"],
            linkerSettings: [.unsafeFlags(["-static-executable"])]),
        .executableTarget(
            name: "smb3-upcall-full",
            dependencies: [
                "UpcallKit", "UpcallRelay", "SMB3Protocol", "SMB3Errors", "SMB3Keyring", "SMB3Kerberos", "SMB3System",
                "SMB3Gzip",
                "SMB3Logging", "SMB3Version", argumentParser, logging,
            ]),
        .executableTarget(
            name: "smb3-ioctl",
            dependencies: [
                "IoctlKit", "ShadowCopyKit", "SMB3AESCCM", "SMB3Protocol", "SMB3Errors", "SMB3Kerberos", "SMB3Reports",
                "SMB3SMB2Security", "SMB3System",
                "SMB3Version", argumentParser, logging,
            ]),
        .executableTarget(
            name: "smb3-ifaces",
            dependencies: [
                "IfacesKit", "SMB3Protocol", "SMB3Errors", "SMB3System", "SMB3Netlink", "SMB3RouteNetlink",
                "SMB3Logging",
                "SMB3Version",
                argumentParser, logging,
            ]),
        .executableTarget(
            name: "smb3-witnessd",
            dependencies: [
                "WitnessKit", "SMB3Protocol", "SMB3Errors", "SMB3System", "SMB3Netlink", "SMB3Kerberos",
                "SMB3EventLoop", "SMB3Logging",
                "SMB3Version", argumentParser, logging, serviceLifecycle, unixSignals,
            ]),

        // Model tests mirror the rooms; SMB3ProtocolTests keeps the lab captures (Fixtures/, written by
        // lab/capture-fixtures.sh and replayed by Fuzz/run.sh) and the tests that read them.
        .testTarget(
            name: "SMB3ProtocolTests", dependencies: ["SMB3Protocol"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "SMB3WireTests", dependencies: ["SMB3Wire", "SMB3Protocol"]),
        .testTarget(name: "SMB3IoctlTests", dependencies: ["SMB3Ioctl", "SMB3Protocol"]),
        // Fixture helpers shared by test targets; no product links it.
        .target(name: "SMB3TestSupport", path: "Tests/SMB3TestSupport"),
        .testTarget(
            name: "SMB3NetlinkCodecTests", dependencies: ["SMB3NetlinkCodec", "SMB3Protocol", "SMB3TestSupport"]),
        .testTarget(name: "SMB3DCERPCTests", dependencies: ["SMB3DCERPC", "SMB3Protocol", "SMB3TestSupport"]),
        .testTarget(name: "SMB3FSRVPTests", dependencies: ["SMB3FSRVP", "SMB3Protocol", "SMB3TestSupport"]),
        .testTarget(name: "SMB3WitnessTests", dependencies: ["SMB3Witness", "SMB3Protocol", "SMB3TestSupport"]),
        .testTarget(name: "SMB3NTLMTests", dependencies: ["SMB3NTLM", "SMB3Protocol"]),
        .testTarget(name: "SMB3SpnegoKeyTests", dependencies: ["SMB3SpnegoKey", "SMB3Protocol"]),
        .testTarget(
            name: "SMB3SPNEGOTests",
            dependencies: ["SMB3SPNEGO", "SMB3Protocol", .product(name: "SwiftASN1", package: "swift-asn1")]),
        .testTarget(name: "SMB3SMB2Tests", dependencies: ["SMB3SMB2", "SMB3SPNEGO", "SMB3Wire", "SMB3TestSupport"]),
        .testTarget(
            name: "SMB3SMB2SecurityTests",
            dependencies: ["SMB3SMB2Security", "SMB3SMB2", "SMB3Wire", "SMB3TestSupport"]),
        .testTarget(name: "SMB3HostSetupTests", dependencies: ["SMB3HostSetup", "SMB3Protocol"]),
        .testTarget(name: "SMB3ReportsTests", dependencies: ["SMB3Reports", "SMB3Protocol"]),
        .testTarget(
            name: "ShadowCopyKitTests",
            dependencies: ["ShadowCopyKit", "SMB3Protocol", "SMB3SMB2", "SMB3SMB2Security", "SMB3TestSupport"]),
        .testTarget(
            name: "SMB3AESCCMTests",
            dependencies: ["SMB3AESCCM", "SMB3SMB2", "SMB3SMB2Security", "SMB3TestSupport", "SMB3Wire"]),
        .testTarget(name: "IoctlKitTests", dependencies: ["IoctlKit", "SMB3Protocol", "SMB3Errors"]),
        .testTarget(name: "SMB3ErrorsTests", dependencies: ["SMB3Errors"]),
        .testTarget(
            name: "UpcallKitTests",
            dependencies: [
                "UpcallKit", "UpcallRelay", "SMB3Protocol", "SMB3ProcFS", "SMB3Errors", logging, inMemoryLogging,
            ]),
        .testTarget(name: "UpcallRelayTests", dependencies: ["UpcallRelay"]),
        // Golden/ is read through #filePath, as the fixtures of SMB3ProtocolTests are.
        .testTarget(
            name: "IfacesKitTests", dependencies: ["IfacesKit", "SMB3Protocol", logging, inMemoryLogging],
            exclude: ["Golden"]),
        .testTarget(
            name: "WitnessKitTests",
            dependencies: [
                "WitnessKit", "SMB3Protocol", "SMB3DCERPC", "SMB3System", logging, serviceLifecycle,
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "SMB3EventLoopTests", dependencies: ["SMB3EventLoop", "SMB3System", "SMB3Errors"]),
        .testTarget(name: "SMB3ProcFSTests", dependencies: ["SMB3ProcFS"]),
        .testTarget(name: "SMB3SystemTests", dependencies: ["SMB3System", "SMB3Errors", "SMB3Gzip", "CLinuxShims"]),
        .testTarget(name: "SMB3LoggingTests", dependencies: ["SMB3Logging", "SMB3System", logging]),
        // The programs' command lines, parsed with parseAsRoot: @testable import of the executable
        // targets (SwiftPM builds them with -enable-testing in debug).
        .testTarget(
            name: "CLITests",
            dependencies: ["smb3-ioctl", "smb3-ifaces", "smb3-upcall-full", "UpcallRelay", argumentParser]),
        .testTarget(name: "SMB3NetlinkTests", dependencies: ["SMB3Protocol", "CNetlinkGeneric"]),
    ],
    swiftLanguageModes: [.v6]
)

// Every Swift target: existentials spelled `any`, and members visible only from modules a file
// imports itself (so a file's imports say what it uses, and Package.swift can match them).
for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .enableUpcomingFeature("ExistentialAny"), .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
