import SMB3Protocol

/// The shadow copies this user created with `snapshot create`, kept because FSRVP cannot list or
/// find them again: GetShareMapping and DeleteShareMapping take the shadow copy set id and the
/// shadow copy id, and no call enumerates them. One line per shadow copy, tab-separated:
/// `server share set-id copy-id exposed-share creation-filetime`.
public struct ShadowCopyRecord: Sendable, Hashable, Encodable {
    public var server: String
    public var share: String
    public var setID: String
    public var copyID: String
    public var exposedShare: String
    public var creationTime: UInt64

    public init(server: String, share: String, mapping: FSRVPShareMapping) {
        self.server = server
        self.share = share
        setID = mapping.setID.description
        copyID = mapping.copyID.description
        exposedShare = mapping.shadowCopyShareName
        creationTime = mapping.creationTime
    }

    init?(line: Substring) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 6, FSRVPGUID(fields[2]) != nil, FSRVPGUID(fields[3]) != nil,
            let time = UInt64(fields[5]), !fields[0].isEmpty, !fields[1].isEmpty
        else { return nil }
        server = String(fields[0])
        share = String(fields[1])
        setID = String(fields[2])
        copyID = String(fields[3])
        exposedShare = String(fields[4])
        creationTime = time
    }

    var line: String { [server, share, setID, copyID, exposedShare, String(creationTime)].joined(separator: "\t") }

    /// Parses the file; lines that do not parse (a hand edit) are skipped.
    public static func parse(_ text: String) -> [ShadowCopyRecord] {
        text.split(separator: "\n").compactMap { ShadowCopyRecord(line: $0) }
    }

    public static func render(_ records: [ShadowCopyRecord]) -> String {
        records.map { $0.line + "\n" }.joined()
    }
}

/// Where the records live (the executable's file under the user's home).
public protocol ShadowCopyRecordStore {
    func load() throws -> [ShadowCopyRecord]
    func save(_ records: [ShadowCopyRecord]) throws
}
