import SMB3DebugData
import SMB3Wire

// The stable JSON form of DebugData, printed by `smb3-ifaces debugdata --json` and read by scripts
// (the lab checks servers[].sessions[].channels[].number and serverInterfaces[].address/.speedBps/
// .rss/.rdma/.connected). Keys are lowerCamelCase and always present; a value the file did not
// print is null. Add keys rather than renaming or removing them.
//
// {"format":"6.1"|"6.12"|"undetermined","cifsVersion":…,"features":[…],
//  "servers":[{"index","connectionId","hostname","clientGUID","dialect":"0x311","serverCapabilities",
//              "tcpStatus","netNamespace","rdma","signed",
//    "sessions":[{"index","address","securityType","sessionId":"0x…","status","encrypted","signed",
//                 "userId","credentialUserId",
//      "channels":[{"number","connectionId","state","primary","tcpStatus"}],
//      "shares":[{"index","ipc","treeName","treeId","capabilities":[…],"witness","disconnected"}],
//      "serverInterfacesLastUpdatedSecondsAgo",
//      "serverInterfaces":[{"index","address","family","speedBps","speedText","rss","rdma","active",
//                           "connected","weightCurrent","weightTotal","allocatedChannels"}]}]}],
//  "witnessRegistrations":[{"id","refs","networkName","networkNameNotify","shareName","shareNameNotify",
//                           "ipAddress","ipAddressText","ipAddressNotify"}],
//  "diagnostics":[{"line","code","detail"}]}

extension DebugData {
    /// The report as one line of JSON (no trailing newline), keys in the order documented above.
    ///
    /// `witnessRegistrations` is `[]` both when the section is empty and when the kernel has no
    /// witness support. Addresses use RFC 5952 text (`fe80::1`), session ids the kernel's `0x%llx`.
    public func jsonReport() -> String { jsonValue.rendered() }

    var jsonValue: JSONValue {
        .object([
            ("format", .string(format.rawValue)),
            ("cifsVersion", .optionalString(cifsVersion)),
            ("features", .array(features.map(JSONValue.string))),
            ("servers", .array(servers.map(\.jsonValue))),
            ("witnessRegistrations", .array((witnessRegistrations ?? []).map(\.jsonValue))),
            ("diagnostics", .array(diagnostics.map(\.jsonValue))),
        ])
    }
}

extension DebugData.Server {
    var jsonValue: JSONValue {
        .object([
            ("index", .int(Int64(index))),
            ("connectionId", .uint(connectionId)),
            ("hostname", .optionalString(hostname)),
            ("clientGUID", .optionalString(clientGUID)),
            ("dialect", .optionalString(dialect?.hexString)),
            ("serverCapabilities", .optionalUInt(capabilities.map(UInt64.init))),
            ("tcpStatus", .optionalInt(tcpStatus.map { Int64($0.rawValue) })),
            ("netNamespace", .optionalUInt(netNamespace.map(UInt64.init))),
            ("rdma", .bool(isRDMA)),
            ("signed", .bool(isSigned)),
            ("sessions", .array(sessions.map(\.jsonValue))),
        ])
    }
}

extension DebugData.Session {
    var jsonValue: JSONValue {
        .object([
            ("index", .int(Int64(index))),
            ("address", .string(address)),
            ("securityType", .optionalString(securityType?.rawValue)),
            ("sessionId", .optionalString(sessionId.map { "0x" + String($0, radix: 16) })),
            ("status", .optionalInt(status.map { Int64($0.rawValue) })),
            ("encrypted", .bool(isEncrypted)),
            ("signed", .bool(isSigned)),
            ("userId", .optionalUInt(userId.map(UInt64.init))),
            ("credentialUserId", .optionalUInt(credentialUserId.map(UInt64.init))),
            ("channels", .array(channels.map(\.jsonValue))),
            ("shares", .array(shares.map(\.jsonValue))),
            ("serverInterfacesLastUpdatedSecondsAgo", .optionalUInt(serverInterfacesLastUpdatedSecondsAgo)),
            ("serverInterfaces", .array(serverInterfaces.map(\.jsonValue))),
        ])
    }
}

extension DebugData.Channel {
    var jsonValue: JSONValue {
        .object([
            ("number", .int(Int64(number))),
            ("connectionId", .optionalUInt(connectionId)),
            ("state", .string(state.rawValue)),
            ("primary", .bool(isPrimary)),
            ("tcpStatus", .optionalInt(connection?.tcpStatus.map { Int64($0.rawValue) })),
        ])
    }
}

extension DebugData.Share {
    var jsonValue: JSONValue {
        var words: [String] = []
        let capabilityNames: [(DebugData.ShareCapabilities, String)] = [
            (.dfs, "DFS"), (.continuousAvailability, "CONTINUOUS AVAILABILITY"), (.scaleout, "SCALEOUT"),
            (.cluster, "CLUSTER"), (.asymmetric, "ASYMMETRIC"),
        ]
        for (capability, name) in capabilityNames where capabilities.contains(capability) { words.append(name) }
        return .object([
            ("index", .int(Int64(index))),
            ("ipc", .bool(isIPC)),
            ("treeName", .optionalString(treeName)),
            ("treeId", .optionalUInt(treeId.map(UInt64.init))),
            ("capabilities", .array(words.map(JSONValue.string))),
            ("witness", .bool(usesWitness)),
            ("disconnected", .bool(isDisconnected)),
        ])
    }
}

extension DebugData.ServerInterface {
    var jsonValue: JSONValue {
        .object([
            ("index", .int(Int64(index))),
            ("address", .optionalString(address?.description)),
            ("family", .optionalString(address?.family.rawValue)),
            ("speedBps", .optionalUInt(speedBitsPerSecond)),
            ("speedText", .string(speedText)),
            ("rss", .bool(isRSSCapable)),
            ("rdma", .bool(isRDMACapable)),
            ("active", .bool(isActive)),
            ("connected", .bool(isConnected)),
            ("weightCurrent", .optionalUInt(weightCurrent)),
            ("weightTotal", .optionalUInt(weightTotal)),
            ("allocatedChannels", .optionalUInt(allocatedChannels.map(UInt64.init))),
        ])
    }
}

extension DebugData.WitnessRegistration {
    var jsonValue: JSONValue {
        var address = ipAddress?.description
        if let scope = ipAddressScopeId, let text = address { address = text + "%" + String(scope) }
        return .object([
            ("id", .uint(UInt64(id))),
            ("refs", .optionalUInt(references.map(UInt64.init))),
            ("networkName", .string(networkName)),
            ("networkNameNotify", .bool(networkNameNotify)),
            ("shareName", .string(shareName)),
            ("shareNameNotify", .bool(shareNameNotify)),
            ("ipAddress", .optionalString(address)),
            ("ipAddressText", .string(ipAddressText)),
            ("ipAddressNotify", ipAddressNotify.map(JSONValue.bool) ?? .null),
        ])
    }
}

extension DebugData.Diagnostic {
    var jsonValue: JSONValue {
        .object([
            ("line", .int(Int64(line))),
            ("code", .string(code.rawValue)),
            ("detail", .string(detail)),
        ])
    }
}
