import SMB3Protocol

/// What `smb3-witnessd check-kernel` reports: whether cifs.ko's generic-netlink family and its
/// witness multicast group exist, with their ids when they do.
///
/// {"family","familyId","group","groupId","witnessSupport":true} when present;
/// {"family","witnessSupport":false} when not (the ids do not exist then).
public struct KernelWitnessSupport: Sendable, Encodable {
    public var family: String
    public var familyId: UInt16?
    public var group: String?
    public var groupId: UInt32?

    /// The family and group were resolved.
    public init(family: String, familyId: UInt16, group: String, groupId: UInt32) {
        self.family = family
        self.familyId = familyId
        self.group = group
        self.groupId = groupId
    }

    /// The family or group is missing: no witness support.
    public init(missingFamily family: String) { self.family = family }

    public var witnessSupport: Bool { familyId != nil && groupId != nil }

    private enum CodingKeys: String, CodingKey { case family, familyId, group, groupId, witnessSupport }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(family, forKey: .family)
        if witnessSupport {
            try container.encodeIfPresent(familyId, forKey: .familyId)
            try container.encodeIfPresent(group, forKey: .group)
            try container.encodeIfPresent(groupId, forKey: .groupId)
        }
        try container.encode(witnessSupport, forKey: .witnessSupport)
    }

    /// The line printed without `--json` when support is present.
    public var text: String {
        guard let familyId, let group, let groupId else { return "family \(family): no witness support" }
        return "family \(family) id \(familyId), group \(group) id \(groupId): witness support present"
    }
}
