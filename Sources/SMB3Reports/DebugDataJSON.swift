import SMB3DebugData
import SMB3Wire

// The stable JSON form of DebugData, printed by `smb3-ifaces debugdata --json` and read by scripts
// (the lab checks servers[].sessions[].channels[].number and serverInterfaces[].address/.speedBps/
// .rss/.rdma/.connected). Keys are lowerCamelCase and always present; a value the file did not
// print is null. Add keys rather than renaming or removing them. IfacesKitTests'
// JSONSchemaDocumentationTests parses the skeleton below and holds it to the keys encoded here.
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

// The conformances live here, not in SMB3DebugData: the model stays free of presentation, and the
// JSON names and shapes differ from the model's (`isRDMA` is `rdma`, the dialect is `0x311`, a
// channel's tcpStatus is its connection's). Each `encode(to:)` says the report once; mirror types
// would repeat every field and a conversion besides.

extension DebugData: Encodable {
    /// The report as one line of JSON (no trailing newline), keys in the order documented above.
    ///
    /// `witnessRegistrations` is `[]` both when the section is empty and when the kernel has no
    /// witness support. Addresses use RFC 5952 text (`fe80::1`), session ids the kernel's `0x%llx`.
    public func jsonReport() -> String { encodedJSON.rendered() }

    private enum CodingKeys: String, CodingKey {
        case format, cifsVersion, features, servers, witnessRegistrations, diagnostics
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format.rawValue, forKey: .format)
        try container.encodeIfPresent(cifsVersion, forKey: .cifsVersion)
        try container.encode(features, forKey: .features)
        try container.encode(servers, forKey: .servers)
        try container.encode(witnessRegistrations ?? [], forKey: .witnessRegistrations)
        try container.encode(diagnostics, forKey: .diagnostics)
    }
}

extension DebugData.Server: Encodable {
    private enum CodingKeys: String, CodingKey {
        case index, connectionId, hostname, clientGUID, dialect, serverCapabilities, tcpStatus, netNamespace, rdma
        case signed, sessions
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(connectionId, forKey: .connectionId)
        try container.encodeIfPresent(hostname, forKey: .hostname)
        try container.encodeIfPresent(clientGUID, forKey: .clientGUID)
        try container.encodeIfPresent(dialect?.hexString, forKey: .dialect)
        try container.encodeIfPresent(capabilities, forKey: .serverCapabilities)
        try container.encodeIfPresent(tcpStatus?.rawValue, forKey: .tcpStatus)
        try container.encodeIfPresent(netNamespace, forKey: .netNamespace)
        try container.encode(isRDMA, forKey: .rdma)
        try container.encode(isSigned, forKey: .signed)
        try container.encode(sessions, forKey: .sessions)
    }
}

extension DebugData.Session: Encodable {
    private enum CodingKeys: String, CodingKey {
        case index, address, securityType, sessionId, status, encrypted, signed, userId, credentialUserId, channels
        case shares, serverInterfacesLastUpdatedSecondsAgo, serverInterfaces
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(address, forKey: .address)
        try container.encodeIfPresent(securityType?.rawValue, forKey: .securityType)
        try container.encodeIfPresent(sessionIdText, forKey: .sessionId)
        try container.encodeIfPresent(status?.rawValue, forKey: .status)
        try container.encode(isEncrypted, forKey: .encrypted)
        try container.encode(isSigned, forKey: .signed)
        try container.encodeIfPresent(userId, forKey: .userId)
        try container.encodeIfPresent(credentialUserId, forKey: .credentialUserId)
        try container.encode(channels, forKey: .channels)
        try container.encode(shares, forKey: .shares)
        try container.encodeIfPresent(
            serverInterfacesLastUpdatedSecondsAgo, forKey: .serverInterfacesLastUpdatedSecondsAgo)
        try container.encode(serverInterfaces, forKey: .serverInterfaces)
    }

    /// The session id as the kernel prints it (`0x%llx`), for every report of it.
    public var sessionIdText: String? { sessionId.map(prefixedHex) }
}

extension DebugData.Channel: Encodable {
    private enum CodingKeys: String, CodingKey { case number, connectionId, state, primary, tcpStatus }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(number, forKey: .number)
        try container.encodeIfPresent(connectionId, forKey: .connectionId)
        try container.encode(state.rawValue, forKey: .state)
        try container.encode(isPrimary, forKey: .primary)
        try container.encodeIfPresent(connection?.tcpStatus?.rawValue, forKey: .tcpStatus)
    }
}

extension DebugData.Share: Encodable {
    private enum CodingKeys: String, CodingKey {
        case index, ipc, treeName, treeId, capabilities, witness, disconnected
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(isIPC, forKey: .ipc)
        try container.encodeIfPresent(treeName, forKey: .treeName)
        try container.encodeIfPresent(treeId, forKey: .treeId)
        try container.encode(capabilityNames, forKey: .capabilities)
        try container.encode(usesWitness, forKey: .witness)
        try container.encode(isDisconnected, forKey: .disconnected)
    }

    /// The share capabilities in DebugData's words (`DFS`, `CONTINUOUS AVAILABILITY`, …).
    public var capabilityNames: [String] {
        let names: [(DebugData.ShareCapabilities, String)] = [
            (.dfs, "DFS"), (.continuousAvailability, "CONTINUOUS AVAILABILITY"), (.scaleout, "SCALEOUT"),
            (.cluster, "CLUSTER"), (.asymmetric, "ASYMMETRIC"),
        ]
        return names.filter { capabilities.contains($0.0) }.map(\.1)
    }
}

extension DebugData.ServerInterface: Encodable {
    private enum CodingKeys: String, CodingKey {
        case index, address, family, speedBps, speedText, rss, rdma, active, connected, weightCurrent, weightTotal
        case allocatedChannels
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encodeIfPresent(address?.description, forKey: .address)
        try container.encodeIfPresent(address?.family.rawValue, forKey: .family)
        try container.encodeIfPresent(speedBitsPerSecond, forKey: .speedBps)
        try container.encode(speedText, forKey: .speedText)
        try container.encode(isRSSCapable, forKey: .rss)
        try container.encode(isRDMACapable, forKey: .rdma)
        try container.encode(isActive, forKey: .active)
        try container.encode(isConnected, forKey: .connected)
        try container.encodeIfPresent(weightCurrent, forKey: .weightCurrent)
        try container.encodeIfPresent(weightTotal, forKey: .weightTotal)
        try container.encodeIfPresent(allocatedChannels, forKey: .allocatedChannels)
    }
}

extension DebugData.WitnessRegistration: Encodable {
    private enum CodingKeys: String, CodingKey {
        case id, refs, networkName, networkNameNotify, shareName, shareNameNotify, ipAddress, ipAddressText
        case ipAddressNotify
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(references, forKey: .refs)
        try container.encode(networkName, forKey: .networkName)
        try container.encode(networkNameNotify, forKey: .networkNameNotify)
        try container.encode(shareName, forKey: .shareName)
        try container.encode(shareNameNotify, forKey: .shareNameNotify)
        try container.encodeIfPresent(scopedAddress, forKey: .ipAddress)
        try container.encode(ipAddressText, forKey: .ipAddressText)
        try container.encodeIfPresent(ipAddressNotify, forKey: .ipAddressNotify)
    }

    /// The parsed address in RFC 5952 text with its `%scope`; `nil` when the kernel's text did not parse.
    public var scopedAddress: String? {
        guard let address = ipAddress?.description else { return nil }
        guard let scope = ipAddressScopeId else { return address }
        return address + "%" + String(scope)
    }
}

extension DebugData.Diagnostic: Encodable {
    private enum CodingKeys: String, CodingKey { case line, code, detail }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(line, forKey: .line)
        try container.encode(code.rawValue, forKey: .code)
        try container.encode(detail, forKey: .detail)
    }
}
