// swift-tools-version:6.1
// Fuzz targets for the SMB3Protocol, UpcallRelay and WitnessKit parsers, one executable each. Build and run with ./run.sh;
// a plain `swift build` here links no libFuzzer main and is not meant to be used.
import PackageDescription

let smb3Protocol = Target.Dependency.product(name: "SMB3Protocol", package: "SMB3Kit")
let upcallRelay = Target.Dependency.product(name: "UpcallRelay", package: "SMB3Kit")
let witnessKit = Target.Dependency.product(name: "WitnessKit", package: "SMB3Kit")

let package = Package(
    name: "Fuzz",
    dependencies: [.package(name: "SMB3Kit", path: "..")],
    targets: [
        .executableTarget(name: "FuzzDebugData", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzKeyDescription", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzSpnegoToken", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzCIFSQueryInfo", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzSnapshotArray", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzSecurityDescriptor", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzCIFSNotify", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzCIFSKeyDump", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzCIFSMountInfo", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzNetworkInterfaceInfo", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzSWNNetlink", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzDCERPCPDU", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzWitnessResponses", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzWitnessNotification", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzNTLMChallenge", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzInetDiag", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzUpcallService", dependencies: [upcallRelay]),
        .executableTarget(name: "FuzzRPCAssociation", dependencies: [smb3Protocol, witnessKit]),
        .executableTarget(name: "FuzzWitnessConfiguration", dependencies: [smb3Protocol, witnessKit]),
        .executableTarget(name: "FuzzProcessStatus", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzMemoryMappings", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzProcKeys", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzKrb5Profile", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzSMB2Responses", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzSMB2Negotiate", dependencies: [smb3Protocol]),
        .executableTarget(name: "FuzzFSRVPResponses", dependencies: [smb3Protocol]),
    ],
    swiftLanguageModes: [.v6]
)
