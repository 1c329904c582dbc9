import SMB3Wire

// `Witness registrations:` (6.12 with CONFIG_CIFS_SWN_UPCALL): one `Id: … Network name: …` line each.

extension Key {
    static let witnessRegistrations = Array("Witness registrations:".utf8)
    static let id = Array("Id:".utf8)
    static let refs = Array("Refs:".utf8)
    static let networkName = Array("Network name: '".utf8)
    static let shareName = Array(" Share name: '".utf8)
    static let ipAddress = Array(" Ip address:".utf8)
    static let notifyYes = Array("(y)".utf8)
    static let notifyNo = Array("(n)".utf8)
    static let quotedNotifyYes = Array("'(y)".utf8)
    static let quotedNotifyNo = Array("'(n)".utf8)
}

extension DebugDataParser {
    // MARK: Witness registrations

    /// `Id: %u Refs: %u Network name: '%s'(y|n) Share name: '%s'(y|n) Ip address: <addr|(unknown)|(no live tcon)>[(y|n)]`
    mutating func parseWitnessRegistration(_ line: ArraySlice<UInt8>) {
        if data.witnessRegistrations == nil { data.witnessRegistrations = [] }
        guard let id: UInt32 = sink.decimal(Key.id, in: line, field: "Id") else { return }
        let references: UInt32? = sink.decimal(Key.refs, in: line, field: "Refs")
        guard let networkKey = DebugDataText.firstRange(of: Key.networkName, in: line),
            let shareKey = DebugDataText.firstRange(of: Key.shareName, in: line[networkKey.upperBound...]),
            let ipKey = DebugDataText.firstRange(of: Key.ipAddress, in: line[shareKey.upperBound...]),
            let network = Self.quotedName(line[networkKey.upperBound..<shareKey.lowerBound]),
            let share = Self.quotedName(line[shareKey.upperBound..<ipKey.lowerBound])
        else {
            sink.report(.missingField, "Witness registration names")
            return
        }
        var address = DebugDataText.trimmed(line[ipKey.upperBound...])
        var addressNotify: Bool? = nil
        if address.count > Key.notifyYes.count, DebugDataText.hasSuffix(address, Key.notifyYes) {
            addressNotify = true
        } else if address.count > Key.notifyNo.count, DebugDataText.hasSuffix(address, Key.notifyNo) {
            addressNotify = false
        }
        if addressNotify != nil { address = address.dropLast(Key.notifyYes.count) }
        var registration = DebugData.WitnessRegistration(
            id: id, references: references, networkName: network.name, networkNameNotify: network.notify,
            shareName: share.name, shareNameNotify: share.notify, ipAddressText: DebugDataText.string(address),
            ipAddressNotify: addressNotify)
        // "%pI4" or "%pI6" with an optional "%%%u" scope id; anything else is left as text.
        let addressParts = address.split(separator: UInt8(ascii: "%"), maxSplits: 1, omittingEmptySubsequences: false)
        if let host = addressParts.first {
            registration.ipAddress =
                DebugData.IPAddress(ipv4Text: host) ?? DebugData.IPAddress(ipv6Text: host)
            if addressParts.count == 2, let scope = addressParts.last {
                registration.ipAddressScopeId = DebugDataText.decimal(scope, as: UInt32.self)
            }
        }
        data.witnessRegistrations?.append(registration)
    }

    /// `%s'(y)` or `%s'(n)`: the text up to the closing quote and its notify flag.
    static func quotedName(_ text: ArraySlice<UInt8>) -> (name: String, notify: Bool)? {
        if DebugDataText.hasSuffix(text, Key.quotedNotifyYes) {
            return (DebugDataText.string(text.dropLast(Key.quotedNotifyYes.count)), true)
        }
        if DebugDataText.hasSuffix(text, Key.quotedNotifyNo) {
            return (DebugDataText.string(text.dropLast(Key.quotedNotifyNo.count)), false)
        }
        return nil
    }
}
