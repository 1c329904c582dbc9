// The umbrella of the protocol model: one import for kits, executables, fuzzers and tests, while each
// room stays its own module with its own dependencies (Package.swift draws the graph).
@_exported import SMB3DCERPC
@_exported import SMB3DebugData
@_exported import SMB3FSRVP
@_exported import SMB3HostSetup
@_exported import SMB3Ioctl
@_exported import SMB3NTLM
@_exported import SMB3NetlinkCodec
@_exported import SMB3ProcFS
@_exported import SMB3Reports
@_exported import SMB3SMB2
@_exported import SMB3SPNEGO
@_exported import SMB3SpnegoKey
@_exported import SMB3Wire
@_exported import SMB3Witness
