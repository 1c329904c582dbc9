import SMB3Protocol
import Testing

@testable import SMB3Ioctl

@Suite("Security descriptors, quota entries, snapshots, keys, notify records, clone ranges")
struct CIFSSecurityTests {
    static let owner = SecurityIdentifier(
        authority: 5, subAuthorities: [21, 2_317_631_195, 3_845_429_183, 2_602_282_570, 1000])
    static let group = SecurityIdentifier(authority: 22, subAuthorities: [2, 0])
    static let everyone = SecurityIdentifier(authority: 1, subAuthorities: [0])

    /// The lab file's descriptor (Samba 4.22.6, smbinfo secdesc on the same file gave the same values).
    static let labDescriptor = SecurityDescriptor(
        control: 0x9004, owner: owner, group: group,
        dacl: AccessControlList(entries: [
            AccessControlEntry(kind: .accessAllowed, flags: 0, mask: 0x0012_019F, sid: owner),
            AccessControlEntry(kind: .accessAllowed, flags: 0, mask: 0x0012_0089, sid: group),
            AccessControlEntry(kind: .accessAllowed, flags: 0, mask: 0x0012_0089, sid: everyone),
        ]))

    @Test func sidStrings() {
        #expect(Self.owner.description == "S-1-5-21-2317631195-3845429183-2602282570-1000")
        #expect(Self.everyone.description == "S-1-1-0")
        #expect(SecurityIdentifier(authority: 1 << 40, subAuthorities: [7]).description == "S-1-0x10000000000-7")
        #expect(Self.owner.encodedSize == 28)
    }

    @Test func sidRejectsTooManySubAuthorities() {
        var reader = WireReader([1, 16, 0, 0, 0, 0, 0, 5] + [UInt8](repeating: 0, count: 64))
        #expect(throws: CIFSABIError(.invalidValue, "")) { try SecurityIdentifier(reading: &reader) }
    }

    @Test func descriptorRoundTripsAndHasTheSelfRelativeLayout() throws {
        let bytes = Self.labDescriptor.encoded()
        #expect(bytes[0] == 1 && bytes[2] == 0x04 && bytes[3] == 0x90)
        #expect(bytes[4] == 20)  // owner right after the header
        #expect(bytes[12] == 0)  // no SACL
        let parsed = try SecurityDescriptor(parsing: bytes[...])
        #expect(parsed == Self.labDescriptor)
        #expect(SecurityDescriptor.controlNames.names(of: 0x9004) == ["SR", "PD", "DP"])
    }

    @Test func descriptorRejectsBadOffsetsAndSizes() {
        var bytes = Self.labDescriptor.encoded()
        bytes[4] = 4  // owner inside the header
        #expect(throws: CIFSABIError(.invalidLength, "")) { try SecurityDescriptor(parsing: bytes[...]) }
        bytes = Self.labDescriptor.encoded()
        bytes[16] = 0xFF
        bytes[17] = 0xFF  // DACL offset past the end
        #expect(throws: CIFSABIError(.invalidLength, "")) { try SecurityDescriptor(parsing: bytes[...]) }
        bytes = Self.labDescriptor.encoded()
        let dacl = Int(bytes[16])
        bytes[dacl + 4] = 9  // AceCount 9 with three ACEs
        #expect(throws: CIFSABIError.self) { try SecurityDescriptor(parsing: bytes[...]) }
        bytes = Self.labDescriptor.encoded()
        #expect(throws: CIFSABIError(.truncated, "")) { try SecurityDescriptor(parsing: bytes.prefix(19)) }
        bytes[0] = 2
        #expect(throws: CIFSABIError(.invalidValue, "")) { try SecurityDescriptor(parsing: bytes[...]) }
    }

    @Test func nonBasicACEsKeepTheirBody() throws {
        let label = AccessControlEntry(kind: AccessControlEntry.Kind(rawValue: 0x11), flags: 0, rawBody: [1, 2, 3, 4])
        let descriptor = SecurityDescriptor(
            control: 0x8004, owner: nil, group: nil, dacl: AccessControlList(entries: [label]))
        let parsed = try SecurityDescriptor(parsing: descriptor.encoded()[...])
        #expect(parsed.dacl?.entries.first?.rawBody == [1, 2, 3, 4])
        #expect(parsed.dacl?.entries.first?.kind.description == "MANDATORY_LABEL")
        #expect(AccessControlEntry.Kind(rawValue: 0x40).description == "Unknown")
    }

    @Test func quotaEntriesChain() throws {
        let entries = [
            QuotaEntry(changeTime: NTTime(rawValue: 5), used: 4096, threshold: .max, limit: .max, sid: Self.owner),
            QuotaEntry(
                changeTime: NTTime(rawValue: 6), used: 0, threshold: 1 << 20, limit: 2 << 20, sid: Self.everyone),
        ]
        let bytes = QuotaEntry.encode(entries)
        #expect(try QuotaEntry.parse(bytes[...]) == entries)
        #expect(bytes[4] == 28 && bytes[40] == 1)  // SidLength, then the SID at 40
        var badSid = bytes
        badSid[4] = 27  // SidLength one short of the SID
        #expect(throws: CIFSABIError.self) { try QuotaEntry.parse(badSid[...]) }
        #expect(QuotaEntry.queryInput == [0, 1] + [UInt8](repeating: 0, count: 14))
    }

    @Test func snapshotArrayDecodesTokens() throws {
        let times = [
            try #require(NTTime(gmtToken: "@GMT-2024.01.01-10.00.00")),
            try #require(NTTime(gmtToken: "@GMT-2024.06.30-23.15.01")),
        ]
        let array = SnapshotArray(numberOfSnapshots: 2, numberOfSnapshotsReturned: 2, arraySize: 102, snapshots: times)
        let bytes = array.encoded(byteOrder: .little)
        #expect(bytes.count == 12 + 102)
        #expect(bytes[12] == UInt8(ascii: "@") && bytes[13] == 0)
        #expect(try SnapshotArray(parsing: bytes[...], byteOrder: .little) == array)
        // The size probe: only the header comes back.
        let probe = try SnapshotArray(parsing: bytes.prefix(12), byteOrder: .little)
        #expect(probe.numberOfSnapshots == 2 && probe.arraySize == 102 && probe.snapshots.isEmpty)
        var bad = bytes
        bad[14] = UInt8(ascii: "X")
        #expect(throws: CIFSABIError(.invalidValue, "")) { try SnapshotArray(parsing: bad[...], byteOrder: .little) }
        let request = SnapshotArray.request(numberOfSnapshots: 2, arraySize: 102, byteOrder: .little)
        #expect(request.count == 12 + 102 + 2 && request[0] == 2 && request[8] == 102)
    }

    @Test func keyDumpLayouts() throws {
        let legacy = CIFSKeyDebugInfo(
            sessionID: 0x1122, cipher: 2, sessionKey: Secret([UInt8](repeating: 1, count: 16)),
            encryptionKey: Secret([UInt8](repeating: 2, count: 16)),
            decryptionKey: Secret([UInt8](repeating: 3, count: 16)))
        let bytes = legacy.encoded(byteOrder: .little)
        #expect(bytes.count == 58 && bytes[8] == 2 && bytes[10] == 1 && bytes[26] == 2 && bytes[42] == 3)
        #expect(try CIFSKeyDebugInfo(parsing: bytes[...], byteOrder: .little) == legacy)

        let full = CIFSFullKeyDebugInfo(
            sessionID: 0x47F7_2376, cipher: 4, sessionKey: Secret([UInt8](repeating: 9, count: 32)),
            serverInKey: Secret([UInt8](repeating: 8, count: 32)),
            serverOutKey: Secret([UInt8](repeating: 7, count: 32)))
        let fullBytes = full.encoded(bufferSize: 200, byteOrder: .little)
        #expect(
            fullBytes[0] == 200 && fullBytes[4] == 0x76 && fullBytes[12] == 4 && fullBytes[14] == 32
                && fullBytes[17] == 9)
        #expect(try CIFSFullKeyDebugInfo(parsing: fullBytes[...], byteOrder: .little) == full)
        var lying = fullBytes
        lying[14] = 200  // key lengths beyond in_size
        #expect(throws: CIFSABIError(.invalidLength, "")) {
            try CIFSFullKeyDebugInfo(parsing: lying[...], byteOrder: .little)
        }
        let request = CIFSFullKeyDebugInfo.request(sessionID: 5, bufferSize: 1024, byteOrder: .little)
        #expect(request.count == 1024 && request[0] == 0 && request[1] == 4 && request[4] == 5)
        #expect("\(full.sessionKey)" == "<redacted 32 bytes>")
    }

    @Test func notifyLayoutsAndRecords() throws {
        #expect(CIFSNotifyRequest(filter: .all, watchTree: true).encoded(byteOrder: .little) == [0xFF, 0x0F, 0, 0, 1])
        let info = CIFSNotifyInfoRequest(filter: [.fileName, .size], watchTree: false, dataLength: 16)
        var buffer = info.encoded(byteOrder: .little)
        #expect(buffer.count == 25 && buffer[0] == 9 && buffer[4] == 0 && buffer[5] == 16)
        let records = [
            CIFSNotifyRecord(action: .added, fileName: "new.txt"),
            CIFSNotifyRecord(action: .renamedNewName, fileName: "ü"),
        ]
        let encoded = CIFSNotifyRecord.encode(records)
        #expect(try CIFSNotifyRecord.parse(encoded[...]) == records)
        #expect(records[1].action.description == "renamed-to")
        buffer[5] = 17
        #expect(throws: CIFSABIError(.invalidLength, "")) { try info.replyData(from: buffer, byteOrder: .little) }
        buffer[5] = 4
        #expect(try info.replyData(from: buffer, byteOrder: .little).count == 4)
        var overlap = encoded
        overlap[0] = 4
        #expect(throws: CIFSABIError(.invalidLength, "")) { try CIFSNotifyRecord.parse(overlap[...]) }
    }

    @Test func cloneRangeLayout() throws {
        let range = CIFSCloneRange(sourceDescriptor: 3, sourceOffset: 0x100, length: 0, destinationOffset: 0x200)
        let bytes = range.encoded(byteOrder: .little)
        #expect(bytes.count == 32 && bytes[0] == 3 && bytes[9] == 1 && bytes[16] == 0 && bytes[25] == 2)
        #expect(try CIFSCloneRange(parsing: bytes[...], byteOrder: .little) == range)
        #expect(throws: CIFSABIError(.trailingBytes, "")) { try CIFSCloneRange(parsing: (bytes + [0])[...]) }
    }
}
