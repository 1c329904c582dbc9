import SMB3Protocol
import Testing

@testable import SMB3Ioctl

@Suite("File information classes")
struct CIFSFileInfoTests {
    // 2026-11-25T14:56:07.8627164Z, from the lab (query file-basic on a Samba 4.22.6 share).
    static let labTime = NTTime(rawValue: 134_400_921_678_627_164)

    @Test func ntTimeToISO8601() {
        #expect(Self.labTime.iso8601 == "2026-11-25T14:56:07.8627164Z")
        #expect(NTTime(rawValue: NTTime.unixEpoch).iso8601 == "1970-01-01T00:00:00Z")
        #expect(NTTime(rawValue: 0).iso8601 == "1601-01-01T00:00:00Z")
        #expect(NTTime(rawValue: UInt64.max).iso8601 == "60056-05-28T05:36:10.9551615Z")
        #expect(NTTime(rawValue: NTTime.unixEpoch - 1).iso8601 == "1969-12-31T23:59:59.9999999Z")
        // 2000-02-29 (leap day) 12:00:00 UTC = Unix 951825600.
        #expect(NTTime(unixSeconds: 951_825_600)?.iso8601 == "2000-02-29T12:00:00Z")
        #expect(NTTime(unixSeconds: -11_644_473_601) == nil)  // before 1601
    }

    @Test func gmtTokensRoundTrip() throws {
        let time = try #require(NTTime(gmtToken: "@GMT-2024.01.31-23.59.58"))
        #expect(time.gmtToken == "@GMT-2024.01.31-23.59.58")
        #expect(time.unixSeconds == 1_706_745_598)
        #expect(NTTime(gmtToken: "@GMT-2024.02.30-00.00.00") == nil)  // no such day
        #expect(NTTime(gmtToken: "@GMT-2024.01.31-24.00.00") == nil)
        #expect(NTTime(gmtToken: "@GMT-2024.01.31-23.59.5") == nil)
        #expect(NTTime(gmtToken: "GMT-2024.01.31-23.59.58x") == nil)
        #expect(NTTime(gmtToken: "@GMT-2024/01.31-23.59.58") == nil)
    }

    @Test func basicInformationLayout() throws {
        let info = FileBasicInformation(
            creationTime: NTTime(rawValue: 1), lastAccessTime: NTTime(rawValue: 2), lastWriteTime: NTTime(rawValue: 3),
            changeTime: NTTime(rawValue: 4), attributes: 0x20)
        let bytes = info.encoded()
        #expect(bytes.count == 40)
        #expect(bytes[0] == 1 && bytes[8] == 2 && bytes[16] == 3 && bytes[24] == 4 && bytes[32] == 0x20)
        #expect(try FileBasicInformation(parsing: bytes[...]) == info)
        #expect(try FileBasicInformation(parsing: bytes.prefix(36)) == info)  // Reserved omitted
        #expect(throws: CIFSABIError(.truncated, "")) { try FileBasicInformation(parsing: bytes.prefix(35)) }
        #expect(throws: CIFSABIError(.trailingBytes, "")) { try FileBasicInformation(parsing: (bytes + [0])[...]) }
    }

    @Test func standardInformationLayout() throws {
        let info = FileStandardInformation(
            allocationSize: 4096, endOfFile: 6, numberOfLinks: 1, deletePending: 0, directory: 1)
        let bytes = info.encoded()
        #expect(bytes.count == 24)
        #expect(
            bytes[0..<8] == [0, 0x10, 0, 0, 0, 0, 0, 0] && bytes[8] == 6 && bytes[16] == 1 && bytes[20] == 0
                && bytes[21] == 1)
        #expect(try FileStandardInformation(parsing: bytes[...]) == info)
        #expect(try FileStandardInformation(parsing: bytes.prefix(22)) == info)
        #expect(throws: CIFSABIError(.truncated, "")) { try FileStandardInformation(parsing: bytes.prefix(21)) }
    }

    @Test func scalarClassesNeedExactSizes() throws {
        #expect(try FileInfoScalar.indexNumber([10, 0, 0, 0, 0, 0, 0, 0][...]) == 10)
        #expect(try FileInfoScalar.eaSize([4, 0, 0, 0][...]) == 4)
        #expect(try FileInfoScalar.accessFlags([0x80, 0, 2, 0][...]) == 0x0002_0080)
        #expect(try FileInfoScalar.mode([0x80, 0, 0, 0][...]) == 0x80)
        #expect(try FileInfoScalar.alignmentRequirement([1, 0, 0, 0][...]) == 1)
        #expect(try FileInfoScalar.currentByteOffset([UInt8](repeating: 0, count: 8)[...]) == 0)
        #expect(throws: CIFSABIError(.truncated, "")) { try FileInfoScalar.indexNumber([1, 2, 3][...]) }
        #expect(throws: CIFSABIError(.trailingBytes, "")) { try FileInfoScalar.eaSize([1, 2, 3, 4, 5][...]) }
    }

    @Test func fullSizeLayout() throws {
        // The lab share: 1010584 / 715668 / 715668 units of 2 × 512 bytes.
        let info = FileFsFullSizeInformation(
            totalAllocationUnits: 1_010_584, callerAvailableAllocationUnits: 715_668,
            actualAvailableAllocationUnits: 715_668,
            sectorsPerAllocationUnit: 2, bytesPerSector: 512)
        let bytes = info.encoded()
        #expect(bytes.count == 32 && bytes[24] == 2 && bytes[28] == 0 && bytes[29] == 2)
        #expect(try FileFsFullSizeInformation(parsing: bytes[...]) == info)
        #expect(info.bytesPerAllocationUnit == 1024)
        #expect(throws: CIFSABIError(.truncated, "")) { try FileFsFullSizeInformation(parsing: bytes.dropLast()) }
    }

    @Test func compressionLayout() throws {
        let info = FileCompressionInformation(
            compressedFileSize: 6, compressionFormat: 2, compressionUnitShift: 16, chunkShift: 12, clusterShift: 9)
        let bytes = info.encoded()
        #expect(bytes.count == 16 && bytes[8] == 2 && bytes[10] == 16 && bytes[11] == 12 && bytes[12] == 9)
        #expect(try FileCompressionInformation(parsing: bytes[...]) == info)
    }

    @Test func allInformationLayoutAndName() throws {
        let basic = FileBasicInformation(
            creationTime: Self.labTime, lastAccessTime: Self.labTime, lastWriteTime: Self.labTime,
            changeTime: Self.labTime,
            attributes: 0x80)
        let info = FileAllInformation(
            basic: basic,
            standard: FileStandardInformation(
                allocationSize: 4096, endOfFile: 6, numberOfLinks: 1, deletePending: 0, directory: 0),
            indexNumber: 10, eaSize: 0, accessFlags: 0x0012_0089, currentByteOffset: 0, mode: 0x20,
            alignmentRequirement: 0,
            name: "\\small.txt")
        let bytes = info.encoded()
        #expect(bytes.count == 100 + 20)
        #expect(bytes[64] == 10 && bytes[76] == 0x89 && bytes[88] == 0x20 && bytes[96] == 20)
        #expect(try FileAllInformation(parsing: bytes[...]) == info)
        #expect(try FileAllInformation(parsing: (bytes + [0, 0, 0, 0])[...]) == info)  // padding
        #expect(throws: CIFSABIError(.trailingBytes, "")) {
            try FileAllInformation(parsing: (bytes + [UInt8](repeating: 0, count: 8))[...])
        }
        var long = bytes
        long[96] = 22
        #expect(throws: CIFSABIError(.invalidLength, "")) { try FileAllInformation(parsing: long[...]) }
        #expect(throws: CIFSABIError(.truncated, "")) { try FileAllInformation(parsing: bytes.prefix(99)) }
    }

    @Test func streamsChainAndDisplayNames() throws {
        let info = FileStreamInformation(streams: [
            .init(name: "::$DATA", size: 6, allocationSize: 4096),
            .init(name: ":extra:$DATA", size: 3, allocationSize: 0),
        ])
        let bytes = info.encoded()
        #expect(try FileStreamInformation(parsing: bytes[...]) == info)
        #expect(info.streams.map(\.displayName) == ["::$DATA", "extra"])
        #expect(try FileStreamInformation(parsing: [][...]).streams.isEmpty)
    }

    @Test func streamsRejectBadOffsets() throws {
        let two = FileStreamInformation(streams: [
            .init(name: "::$DATA", size: 6, allocationSize: 4096), .init(name: ":x:$DATA", size: 3, allocationSize: 0),
        ]).encoded()
        var overlapping = two
        overlapping[0] = 8  // NextEntryOffset into its own header
        #expect(throws: CIFSABIError(.invalidLength, "")) { try FileStreamInformation(parsing: overlapping[...]) }
        var past = two
        past[0] = 0xF0
        #expect(throws: CIFSABIError(.invalidLength, "")) { try FileStreamInformation(parsing: past[...]) }
        var longName = two
        longName[4] = 0xFF
        #expect(throws: CIFSABIError(.invalidLength, "")) { try FileStreamInformation(parsing: longName[...]) }
        var odd = two
        odd[4] = 13
        #expect(throws: CIFSABIError.self) { try FileStreamInformation(parsing: odd[...]) }
    }

    @Test func loneSurrogatesAreRejected() {
        var bytes = FileStreamInformation(streams: [.init(name: "ab", size: 0, allocationSize: 0)]).encoded()
        bytes[24] = 0x00
        bytes[25] = 0xD8  // a high surrogate followed by "b"
        #expect(throws: CIFSABIError(.invalidUTF16, "")) { try FileStreamInformation(parsing: bytes[...]) }
    }
}
