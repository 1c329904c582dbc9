import SMB3Ioctl
import SMB3Wire

// Flag words as text for reports: smbinfo's forms.

extension CIFSFlagTable {
    /// The names of the set bits, then `0x…` for bits without a name, so an unknown bit from a newer
    /// server is never lost.
    public func names(of flags: UInt64) -> [String] {
        var result: [String] = []
        var remaining = flags
        for entry in entries where entry.value != 0 && flags & entry.value == entry.value {
            result.append(entry.name)
            remaining &= ~entry.value
        }
        if remaining != 0 { result.append(prefixedHex(remaining)) }
        return result
    }
}

/// `0x` and eight lowercase hex digits, as smbinfo prints flag words.
public func cifsHex32(_ value: UInt32) -> String { "0x" + zeroPaddedHex(value, digits: 8) }
