/// Whether a clone that the server reported as done really shared extents, judged from what the
/// client can observe: the share's free space before and after.
///
/// FSCTL_DUPLICATE_EXTENTS_TO_FILE succeeding does not prove a clone: ksmbd falls back to
/// vfs_copy_file_range when its file system refuses the clone for a reason other than "not
/// supported" (an XFS range not aligned to the block size, for one) and still answers success.
/// A copy allocates the bytes it writes, a clone only metadata, so a drop of the share's free
/// space by a good part of the length tells them apart. Nothing else the client sees differs:
/// the Stats byte counters stay at zero either way, and the data is identical.
public struct CloneCheck: Hashable, Sendable, Encodable {
    /// `noCopySeen`: the free space did not drop by half the length (no proof of sharing: a file
    /// system that accounts space only at its next commit, btrfs for one, hides a copy for a
    /// while); `copied`: it dropped by at least half of it; `unverified`: too short to tell, or
    /// the free space could not be read.
    public enum Verdict: String, Hashable, Sendable, Encodable {
        case noCopySeen, copied, unverified
    }

    /// Below this length a copy's allocation is lost in the noise of metadata and other clients.
    public static let minimumJudgedBytes: UInt64 = 1 << 20

    public let verdict: Verdict
    /// The share's available bytes (fstatfs f_bavail * f_bsize) before and after, when known.
    public let freeBytesBefore: UInt64?
    public let freeBytesAfter: UInt64?
    /// before − after (negative when space was freed, e.g. a replaced destination's blocks).
    public let freeBytesDrop: Int64?

    public init(length: UInt64, freeBytesBefore: UInt64?, freeBytesAfter: UInt64?) {
        self.freeBytesBefore = freeBytesBefore
        self.freeBytesAfter = freeBytesAfter
        guard let freeBytesBefore, let freeBytesAfter else {
            freeBytesDrop = nil
            verdict = .unverified
            return
        }
        let drop =
            freeBytesBefore >= freeBytesAfter
            ? Int64(clamping: freeBytesBefore - freeBytesAfter) : -Int64(clamping: freeBytesAfter - freeBytesBefore)
        freeBytesDrop = drop
        if length < Self.minimumJudgedBytes {
            verdict = .unverified
        } else if drop >= 0 && UInt64(drop) >= length / 2 {
            verdict = .copied
        } else {
            verdict = .noCopySeen
        }
    }

    /// The line `copy --reflink` prints about the check.
    func line(length: UInt64) -> String {
        let drop = freeBytesDrop.map(Self.signedSize) ?? "unknown"
        switch verdict {
        case .noCopySeen:
            return "no copy seen: the share's free space dropped by \(drop) for \(ByteFormat.size(length)) duplicated "
                + "(a copy would take about \(ByteFormat.size(length)); a file system that counts space at its next "
                + "commit, btrfs for one, can hide a copy: check the server's extents to be sure)"
        case .copied:
            return
                "the server copied instead of cloning: the share's free space dropped by \(drop) for \(ByteFormat.size(length)) duplicated"
        case .unverified:
            return freeBytesDrop == nil
                ? "clone not verified: the share's free space could not be read"
                : "clone not verified: \(ByteFormat.size(length)) is too short to tell a copy from a clone by the share's free space (dropped by \(drop))"
        }
    }

    /// The error `copy --reflink` ends with when the server copied: the bytes are all there, but
    /// not shared, which is what --reflink asked for.
    func copiedMessage(source: String, destination: String, length: UInt64) -> String {
        "\(source) → \(destination): FSCTL_DUPLICATE_EXTENTS_TO_FILE succeeded, but the server copied the data "
            + "instead of sharing extents: the share's free space dropped by "
            + "\(freeBytesDrop.map(Self.signedSize) ?? "?") for \(ByteFormat.size(length)) duplicated "
            + "(ksmbd falls back to copy_file_range when its file system cannot clone the range, "
            + "e.g. offsets or a length not aligned to its block size); the destination holds a full copy"
    }

    static func signedSize(_ bytes: Int64) -> String {
        bytes < 0 ? "-" + ByteFormat.size(bytes.magnitude) : ByteFormat.size(UInt64(bytes))
    }
}
