import SMB3Protocol
import Testing

@testable import SMB3Ioctl

@Suite("smb_mnt_fs_info and smb_mnt_tcon_info")
struct CIFSMountInfoTests {
    /// Each field gets a distinct value whose bytes show where it landed.
    static let sample = CIFSMountInfo(
        protocolID: 0x0311, treeConnectFlags: 0x0102, volumeSerialNumber: 0x0A0B_0C0D,
        volumeCreationTimeLow: 0x1112_1314,
        shareCapabilities: 0x0000_0008, shareFlags: 0x0000_8030, sectorFlags: 0x3, optimalSectorSize: 512,
        maximumBytesPerChunk: 1_048_576, fileSystemAttributes: 0x0001_006F, maximumPathComponentLength: 255,
        deviceType: 7, deviceCharacteristics: 0x20, maximalAccess: 0x001F_01FF, posixCapabilities: 0x0102_0304_0506_0708
    )

    @Test func fieldOffsetsMatchTheKernelLayout() {
        let bytes = Self.sample.encoded(byteOrder: .little)
        #expect(bytes.count == 64)
        func u32(_ offset: Int) -> UInt32 {
            bytes[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) }
        }
        #expect(CIFSMountInfo.offsets["version"] == 0 && u32(0) == 1)
        #expect(CIFSMountInfo.offsets["protocol_id"] == 4 && bytes[4] == 0x11 && bytes[5] == 0x03)
        #expect(CIFSMountInfo.offsets["tcon_flags"] == 6 && bytes[6] == 0x02 && bytes[7] == 0x01)
        #expect(CIFSMountInfo.offsets["vol_serial_number"] == 8 && u32(8) == 0x0A0B_0C0D)
        #expect(CIFSMountInfo.offsets["vol_create_time"] == 12 && u32(12) == 0x1112_1314)
        #expect(CIFSMountInfo.offsets["share_caps"] == 16 && u32(16) == 8)
        #expect(CIFSMountInfo.offsets["share_flags"] == 20 && u32(20) == 0x8030)
        #expect(CIFSMountInfo.offsets["sector_flags"] == 24 && u32(24) == 3)
        #expect(CIFSMountInfo.offsets["optimal_sector_size"] == 28 && u32(28) == 512)
        #expect(CIFSMountInfo.offsets["max_bytes_chunk"] == 32 && u32(32) == 1_048_576)
        #expect(CIFSMountInfo.offsets["fs_attributes"] == 36 && u32(36) == 0x0001_006F)
        #expect(CIFSMountInfo.offsets["max_path_component"] == 40 && u32(40) == 255)
        #expect(CIFSMountInfo.offsets["device_type"] == 44 && u32(44) == 7)
        #expect(CIFSMountInfo.offsets["device_characteristics"] == 48 && u32(48) == 0x20)
        #expect(CIFSMountInfo.offsets["maximal_access"] == 52 && u32(52) == 0x001F_01FF)
        #expect(CIFSMountInfo.offsets["cifs_posix_caps"] == 56 && Array(bytes[56..<64]) == [8, 7, 6, 5, 4, 3, 2, 1])
    }

    @Test func roundTrips() throws {
        for order in [ByteOrder.little, .big] {
            let bytes = Self.sample.encoded(byteOrder: order)
            #expect(try CIFSMountInfo(parsing: bytes[...], byteOrder: order) == Self.sample)
        }
    }

    @Test func rejectsWrongSizesAndVersions() {
        let bytes = Self.sample.encoded()
        #expect(throws: CIFSABIError(.truncated, "")) { try CIFSMountInfo(parsing: bytes.dropLast()) }
        #expect(throws: CIFSABIError(.trailingBytes, "")) { try CIFSMountInfo(parsing: (bytes + [0])[...]) }
        var other = Self.sample
        other.version = 2
        #expect(throws: CIFSABIError(.invalidValue, "")) { try CIFSMountInfo(parsing: other.encoded()[...]) }
    }

    @Test func namesDialectCachingAndReflink() {
        #expect(Self.sample.dialectName == "SMB 3.1.1")
        #expect(Self.sample.cachingPolicy == "NO_CACHING")
        #expect(!Self.sample.supportsBlockRefcounting)
        var refs = Self.sample
        refs.fileSystemAttributes |= 0x0800_0000
        #expect(refs.supportsBlockRefcounting)
        refs.protocolID = 0x0999
        #expect(refs.dialectName == "unknown 0x999")
    }

    /// The lab share (Samba 4.22.6): attributes 0x0001006f.
    @Test func namesFileSystemAttributesAndKeepsUnknownBits() {
        #expect(
            CIFSNames.fileSystemAttributes.names(of: 0x0001_006F) == [
                "CASE_SENSITIVE_SEARCH", "CASE_PRESERVED_NAMES", "UNICODE_ON_DISK", "PERSISTENT_ACLS", "VOLUME_QUOTAS",
                "SUPPORTS_SPARSE_FILES", "SUPPORTS_OBJECT_IDS",
            ])
        #expect(CIFSNames.shareFlags.names(of: 0x8000_0001) == ["DFS", "0x80000000"])
        #expect(CIFSNames.sectorFlags.names(of: 0) == [])
    }

    @Test func treeConnectInfoLayout() throws {
        let info = CIFSTreeConnectInfo(treeID: 0x95F2_4738, sessionID: 0x0011_2233_47F7_2376)
        let bytes = info.encoded(byteOrder: .little)
        #expect(bytes == [0x38, 0x47, 0xF2, 0x95, 0x76, 0x23, 0xF7, 0x47, 0x33, 0x22, 0x11, 0x00])
        #expect(try CIFSTreeConnectInfo(parsing: bytes[...], byteOrder: .little) == info)
        #expect(throws: CIFSABIError(.truncated, "")) { try CIFSTreeConnectInfo(parsing: bytes.dropLast()) }
        #expect(throws: CIFSABIError(.trailingBytes, "")) { try CIFSTreeConnectInfo(parsing: (bytes + [1])[...]) }
    }
}
