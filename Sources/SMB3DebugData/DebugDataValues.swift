import SMB3Wire

// Values that DebugData prints as numbers or words. Each is a RawRepresentable struct with named
// static members, so a value this code does not know (a newer kernel's) still parses and round-trips.

extension DebugData {
    /// Which generation of the DebugData format printed the file.
    ///
    /// 6.12-style files carry `ClientGUID:`, a `credits,echo,oplock` triple, `Server capabilities:` and
    /// named interface speeds (`10Gbps`); 6.1-style files carry a single credits value and `Speed: N bps`.
    /// A file with no connection shows neither and stays ``undetermined``.
    public struct Format: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The format of Debian's 6.1.y kernels (and mainline before ~6.5).
        public static let kernel6_1 = Format(rawValue: "6.1")
        /// The format of Debian's 6.12.y kernels (and mainline since ~6.5).
        public static let kernel6_12 = Format(rawValue: "6.12")
        /// No line told the formats apart.
        public static let undetermined = Format(rawValue: "undetermined")

        public var description: String { rawValue }
    }

    /// `TCP status: %d`. The corresponding kernel enum is `statusEnum` (`cifsglob.h`).
    public struct TCPStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `CifsNew`.
        public static let new = TCPStatus(rawValue: 0)
        /// `CifsGood`: connected.
        public static let good = TCPStatus(rawValue: 1)
        /// `CifsExiting`.
        public static let exiting = TCPStatus(rawValue: 2)
        /// `CifsNeedReconnect`.
        public static let needReconnect = TCPStatus(rawValue: 3)
        /// `CifsNeedNegotiate`.
        public static let needNegotiate = TCPStatus(rawValue: 4)
        /// `CifsInNegotiate`.
        public static let inNegotiate = TCPStatus(rawValue: 5)

        public var description: String {
            switch self {
            case .new: "New"
            case .good: "Good"
            case .exiting: "Exiting"
            case .needReconnect: "NeedReconnect"
            case .needNegotiate: "NeedNegotiate"
            case .inNegotiate: "InNegotiate"
            default: "TCPStatus(\(rawValue))"
            }
        }
    }

    /// `Session Status: %d`. The corresponding kernel enum is `ses_status_enum` (`cifsglob.h`).
    public struct SessionStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `SES_NEW`.
        public static let new = SessionStatus(rawValue: 0)
        /// `SES_GOOD`.
        public static let good = SessionStatus(rawValue: 1)
        /// `SES_EXITING`.
        public static let exiting = SessionStatus(rawValue: 2)
        /// `SES_NEED_RECON`.
        public static let needReconnect = SessionStatus(rawValue: 3)
        /// `SES_IN_SETUP`.
        public static let inSetup = SessionStatus(rawValue: 4)

        public var description: String {
            switch self {
            case .new: "New"
            case .good: "Good"
            case .exiting: "Exiting"
            case .needReconnect: "NeedReconnect"
            case .inSetup: "InSetup"
            default: "SessionStatus(\(rawValue))"
            }
        }
    }

    /// A share's `Status: %d`. The corresponding kernel enum is `tid_status_enum` (`cifsglob.h`).
    public struct TreeConnectStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }

        /// `TID_NEW`.
        public static let new = TreeConnectStatus(rawValue: 0)
        /// `TID_GOOD`.
        public static let good = TreeConnectStatus(rawValue: 1)
        /// `TID_EXITING`.
        public static let exiting = TreeConnectStatus(rawValue: 2)
        /// `TID_NEED_RECON`.
        public static let needReconnect = TreeConnectStatus(rawValue: 3)
        /// `TID_NEED_TCON`.
        public static let needTreeConnect = TreeConnectStatus(rawValue: 4)
        /// `TID_IN_TCON`.
        public static let inTreeConnect = TreeConnectStatus(rawValue: 5)
        /// `TID_NEED_FILES_INVALIDATE`.
        public static let needFilesInvalidate = TreeConnectStatus(rawValue: 6)
        /// `TID_IN_FILES_INVALIDATE`.
        public static let inFilesInvalidate = TreeConnectStatus(rawValue: 7)

        public var description: String {
            switch self {
            case .new: "New"
            case .good: "Good"
            case .exiting: "Exiting"
            case .needReconnect: "NeedReconnect"
            case .needTreeConnect: "NeedTreeConnect"
            case .inTreeConnect: "InTreeConnect"
            case .needFilesInvalidate: "NeedFilesInvalidate"
            case .inFilesInvalidate: "InFilesInvalidate"
            default: "TreeConnectStatus(\(rawValue))"
            }
        }
    }

    /// `Dialect 0x%x`: the SMB2 dialect revision (MS-SMB2 §2.2.3).
    public struct Dialect: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// SMB 2.0.2.
        public static let smb2_0_2 = Dialect(rawValue: 0x0202)
        /// SMB 2.1.
        public static let smb2_1 = Dialect(rawValue: 0x0210)
        /// SMB 3.0.
        public static let smb3_0 = Dialect(rawValue: 0x0300)
        /// SMB 3.0.2.
        public static let smb3_0_2 = Dialect(rawValue: 0x0302)
        /// SMB 3.1.1.
        public static let smb3_1_1 = Dialect(rawValue: 0x0311)

        /// The value as the kernel prints it, e.g. `0x311`.
        public var hexString: String { prefixedHex(rawValue) }

        public var description: String {
            switch self {
            case .smb2_0_2: "2.0.2"
            case .smb2_1: "2.1"
            case .smb3_0: "3.0"
            case .smb3_0_2: "3.0.2"
            case .smb3_1_1: "3.1.1"
            default: hexString
            }
        }
    }

    /// `Security type: %s`, as printed by `get_security_type_str()`.
    public struct SecurityType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// NTLMSSP without SPNEGO (the usual `sec=ntlmssp` mount).
        public static let rawNTLMSSP = SecurityType(rawValue: "RawNTLMSSP")
        /// Kerberos through SPNEGO (`sec=krb5`).
        public static let kerberos = SecurityType(rawValue: "Kerberos")
        /// Legacy NTLMv2.
        public static let ntlmv2 = SecurityType(rawValue: "NTLMv2")
        /// IAKerb.
        public static let iakerb = SecurityType(rawValue: "IAKerb")
        /// What the kernel prints for any other value.
        public static let unknown = SecurityType(rawValue: "Unknown")

        public var description: String { rawValue }
    }

    /// A channel's state in one word, derived from `DISABLED`, `DISCONNECTED` and `[RECONNECTING]`.
    public struct ChannelState: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// No flag was printed.
        public static let connected = ChannelState(rawValue: "connected")
        /// `DISCONNECTED`: the channel needs a reconnect.
        public static let disconnected = ChannelState(rawValue: "disconnected")
        /// `[RECONNECTING]`: a reconnect is in progress.
        public static let reconnecting = ChannelState(rawValue: "reconnecting")
        /// `DISABLED`: the channel has no connection.
        public static let disabled = ChannelState(rawValue: "disabled")

        public var description: String { rawValue }
    }

    /// The capability words of a share line, with the values of `SMB2_SHARE_CAP_*` (MS-SMB2 §2.2.10).
    public struct ShareCapabilities: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// ` DFS,`.
        public static let dfs = ShareCapabilities(rawValue: 0x08)
        /// ` CONTINUOUS AVAILABILITY,`.
        public static let continuousAvailability = ShareCapabilities(rawValue: 0x10)
        /// ` SCALEOUT,`.
        public static let scaleout = ShareCapabilities(rawValue: 0x20)
        /// ` CLUSTER,`.
        public static let cluster = ShareCapabilities(rawValue: 0x40)
        /// ` ASYMMETRIC,`.
        public static let asymmetric = ShareCapabilities(rawValue: 0x80)
    }

    /// The sector words of a share line, with the values of `SSINFO_FLAGS_*` (MS-FSCC §2.5.10).
    public struct SectorFlags: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// ` Aligned,`.
        public static let alignedDevice = SectorFlags(rawValue: 0x1)
        /// ` Partition Aligned,`.
        public static let partitionAlignedOnDevice = SectorFlags(rawValue: 0x2)
        /// ` SSD,` (no seek penalty).
        public static let noSeekPenalty = SectorFlags(rawValue: 0x4)
        /// ` TRIM-support,`.
        public static let trimEnabled = SectorFlags(rawValue: 0x8)
    }

    /// 6.12's interface speed names (`smb_speed_to_str()` in `cifs_debug.c`) and the speeds they stand for.
    ///
    /// The kernel picks a name when `bps / 1000 / 1000` equals one of the ethtool `SPEED_*` values, so
    /// each name maps back to exactly that many megabits; anything else prints as `Unknown`.
    public static let interfaceSpeedNames: [(name: String, bitsPerSecond: UInt64)] = [
        ("10Mbps", 10_000_000),
        ("100Mbps", 100_000_000),
        ("1Gbps", 1_000_000_000),
        ("2.5Gbps", 2_500_000_000),
        ("5Gbps", 5_000_000_000),
        ("10Gbps", 10_000_000_000),
        ("14Gbps", 14_000_000_000),
        ("20Gbps", 20_000_000_000),
        ("25Gbps", 25_000_000_000),
        ("40Gbps", 40_000_000_000),
        ("50Gbps", 50_000_000_000),
        ("56Gbps", 56_000_000_000),
        ("100Gbps", 100_000_000_000),
        ("200Gbps", 200_000_000_000),
        ("400Gbps", 400_000_000_000),
        ("800Gbps", 800_000_000_000),
    ]
}
