// swift-tools-version:6.1
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")
let logging = Target.Dependency.product(name: "Logging", package: "swift-log")
let serviceLifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let unixSignals = Target.Dependency.product(name: "UnixSignals", package: "swift-service-lifecycle")

let package = Package(
    name: "SMB3Kit",
    platforms: [.macOS(.v13)],
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
    ],
    targets: [
        // Layer 0: the pure protocol model. No I/O, no C imports, no Foundation; DER through SwiftASN1.
        // SMB3Wire (byte reader/writer) stands alone so that UpcallRelay can use it without SwiftASN1.
        .target(name: "SMB3Wire"),
        .target(name: "SMB3Protocol", dependencies: ["SMB3Wire", "SMB3ProcFS", .product(name: "SwiftASN1", package: "swift-asn1")]),
        // What request-key runs the handler with, and the messages that relay it to the upcall
        // service. Pure and small: the request-key handler links it and nothing heavier.
        .target(name: "UpcallRelay", dependencies: ["SMB3Wire"]),
        // The procfs files the upcall decides on (/proc/<pid>/status, environ): pure, small, and
        // beneath SMB3System, which the static request-key handler links without SMB3Protocol.
        .target(name: "SMB3ProcFS"),

        // C shims: a modulemap and pkg-config, nothing else. Each names its Debian package.
        .systemLibrary(name: "CKrb5GSS", pkgConfig: "krb5-gssapi", providers: [.apt(["libkrb5-dev"])]),
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
        .target(name: "SMB3System", dependencies: ["CLinuxShims", "SMB3ProcFS"]),
        .target(name: "SMB3Keyring", dependencies: ["SMB3System", "CKeyutils"]),
        .target(name: "SMB3Netlink", dependencies: ["SMB3Protocol", "SMB3System", "CNetlinkGeneric", "CNetlinkRoute"]),
        .target(name: "SMB3Kerberos", dependencies: ["SMB3Protocol", "SMB3System", "CKrb5GSS"]),
        // The witness daemon's waiting: one poll(2) thread for all its descriptors (non-blocking
        // TCP, netlink, control socket) and a thread for blocking C calls (krb5, NOTIFY acks).
        .target(name: "SMB3EventLoop", dependencies: ["SMB3System"]),
        // gzip (for /proc/config.gz) apart from SMB3System, so that the static smb3-upcall links no zlib.
        .target(name: "SMB3Gzip", dependencies: ["CZlib"]),

        // Feature kits: the logic, written against protocols the kits own. No C imports.
        .target(name: "IoctlKit", dependencies: ["SMB3Protocol"]),
        .target(name: "UpcallKit", dependencies: ["SMB3Protocol", "SMB3ProcFS", "UpcallRelay", logging]),
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
            name: "smb3-upcall", dependencies: ["UpcallRelay", "SMB3Keyring", "SMB3System"],
            linkerSettings: [.unsafeFlags(["-static-executable"])]),
        .executableTarget(
            name: "smb3-upcall-full",
            dependencies: [
                "UpcallKit", "UpcallRelay", "SMB3Protocol", "SMB3Keyring", "SMB3Kerberos", "SMB3System", "SMB3Gzip",
                "SMB3Version", argumentParser, logging,
            ]),
        .executableTarget(
            name: "smb3-ioctl",
            dependencies: ["IoctlKit", "SMB3Protocol", "SMB3System", "SMB3Version", argumentParser, logging]),
        .executableTarget(
            name: "smb3-ifaces",
            dependencies: [
                "IfacesKit", "SMB3Protocol", "SMB3System", "SMB3Netlink", "SMB3Version", argumentParser, logging,
            ]),
        .executableTarget(
            name: "smb3-witnessd",
            dependencies: [
                "WitnessKit", "SMB3Protocol", "SMB3System", "SMB3Netlink", "SMB3Kerberos", "SMB3EventLoop", "SMB3Version",
                argumentParser, logging, serviceLifecycle,
            ]),

        .testTarget(
            name: "SMB3ProtocolTests", dependencies: ["SMB3Protocol", .product(name: "SwiftASN1", package: "swift-asn1")],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "IoctlKitTests", dependencies: ["IoctlKit", "SMB3Protocol"]),
        .testTarget(name: "UpcallKitTests", dependencies: ["UpcallKit", "UpcallRelay", "SMB3Protocol", logging]),
        .testTarget(name: "UpcallRelayTests", dependencies: ["UpcallRelay"]),
        .testTarget(name: "IfacesKitTests", dependencies: ["IfacesKit", "SMB3Protocol"]),
        .testTarget(
            name: "WitnessKitTests",
            dependencies: [
                "WitnessKit", "SMB3Protocol", logging, serviceLifecycle,
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "SMB3EventLoopTests", dependencies: ["SMB3EventLoop", "SMB3System"]),
        .testTarget(name: "SMB3ProcFSTests", dependencies: ["SMB3ProcFS"]),
        .testTarget(name: "SMB3SystemTests", dependencies: ["SMB3System", "SMB3Gzip"]),
        .testTarget(name: "SMB3NetlinkTests", dependencies: ["SMB3Protocol", "CNetlinkGeneric"]),
    ],
    swiftLanguageModes: [.v6]
)
