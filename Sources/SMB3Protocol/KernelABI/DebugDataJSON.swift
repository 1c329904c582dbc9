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
    public func jsonReport() -> String {
        var output = ""
        jsonValue.write(to: &output)
        return output
    }

    var jsonValue: DebugDataJSONValue {
        .object([
            ("format", .string(format.rawValue)),
            ("cifsVersion", .optionalString(cifsVersion)),
            ("features", .array(features.map(DebugDataJSONValue.string))),
            ("servers", .array(servers.map(\.jsonValue))),
            ("witnessRegistrations", .array((witnessRegistrations ?? []).map(\.jsonValue))),
            ("diagnostics", .array(diagnostics.map(\.jsonValue))),
        ])
    }
}

extension DebugData.Server {
    var jsonValue: DebugDataJSONValue {
        .object([
            ("index", .integer(Int64(index))),
            ("connectionId", .unsigned(connectionId)),
            ("hostname", .optionalString(hostname)),
            ("clientGUID", .optionalString(clientGUID)),
            ("dialect", .optionalString(dialect?.hexString)),
            ("serverCapabilities", .optionalUnsigned(capabilities.map(UInt64.init))),
            ("tcpStatus", .optionalInteger(tcpStatus.map { Int64($0.rawValue) })),
            ("netNamespace", .optionalUnsigned(netNamespace.map(UInt64.init))),
            ("rdma", .bool(isRDMA)),
            ("signed", .bool(isSigned)),
            ("sessions", .array(sessions.map(\.jsonValue))),
        ])
    }
}

extension DebugData.Session {
    var jsonValue: DebugDataJSONValue {
        .object([
            ("index", .integer(Int64(index))),
            ("address", .string(address)),
            ("securityType", .optionalString(securityType?.rawValue)),
            ("sessionId", .optionalString(sessionId.map { "0x" + String($0, radix: 16) })),
            ("status", .optionalInteger(status.map { Int64($0.rawValue) })),
            ("encrypted", .bool(isEncrypted)),
            ("signed", .bool(isSigned)),
            ("userId", .optionalUnsigned(userId.map(UInt64.init))),
            ("credentialUserId", .optionalUnsigned(credentialUserId.map(UInt64.init))),
            ("channels", .array(channels.map(\.jsonValue))),
            ("shares", .array(shares.map(\.jsonValue))),
            ("serverInterfacesLastUpdatedSecondsAgo", .optionalUnsigned(serverInterfacesLastUpdatedSecondsAgo)),
            ("serverInterfaces", .array(serverInterfaces.map(\.jsonValue))),
        ])
    }
}

extension DebugData.Channel {
    var jsonValue: DebugDataJSONValue {
        .object([
            ("number", .integer(Int64(number))),
            ("connectionId", .optionalUnsigned(connectionId)),
            ("state", .string(state.rawValue)),
            ("primary", .bool(isPrimary)),
            ("tcpStatus", .optionalInteger(connection?.tcpStatus.map { Int64($0.rawValue) })),
        ])
    }
}

extension DebugData.Share {
    var jsonValue: DebugDataJSONValue {
        var words: [String] = []
        let capabilityNames: [(DebugData.ShareCapabilities, String)] = [
            (.dfs, "DFS"), (.continuousAvailability, "CONTINUOUS AVAILABILITY"), (.scaleout, "SCALEOUT"),
            (.cluster, "CLUSTER"), (.asymmetric, "ASYMMETRIC"),
        ]
        for (capability, name) in capabilityNames where capabilities.contains(capability) { words.append(name) }
        return .object([
            ("index", .integer(Int64(index))),
            ("ipc", .bool(isIPC)),
            ("treeName", .optionalString(treeName)),
            ("treeId", .optionalUnsigned(treeId.map(UInt64.init))),
            ("capabilities", .array(words.map(DebugDataJSONValue.string))),
            ("witness", .bool(usesWitness)),
            ("disconnected", .bool(isDisconnected)),
        ])
    }
}

extension DebugData.ServerInterface {
    var jsonValue: DebugDataJSONValue {
        .object([
            ("index", .integer(Int64(index))),
            ("address", .optionalString(address?.description)),
            ("family", .optionalString(address?.family.rawValue)),
            ("speedBps", .optionalUnsigned(speedBitsPerSecond)),
            ("speedText", .string(speedText)),
            ("rss", .bool(isRSSCapable)),
            ("rdma", .bool(isRDMACapable)),
            ("active", .bool(isActive)),
            ("connected", .bool(isConnected)),
            ("weightCurrent", .optionalUnsigned(weightCurrent)),
            ("weightTotal", .optionalUnsigned(weightTotal)),
            ("allocatedChannels", .optionalUnsigned(allocatedChannels.map(UInt64.init))),
        ])
    }
}

extension DebugData.WitnessRegistration {
    var jsonValue: DebugDataJSONValue {
        var address = ipAddress?.description
        if let scope = ipAddressScopeId, let text = address { address = text + "%" + String(scope) }
        return .object([
            ("id", .unsigned(UInt64(id))),
            ("refs", .optionalUnsigned(references.map(UInt64.init))),
            ("networkName", .string(networkName)),
            ("networkNameNotify", .bool(networkNameNotify)),
            ("shareName", .string(shareName)),
            ("shareNameNotify", .bool(shareNameNotify)),
            ("ipAddress", .optionalString(address)),
            ("ipAddressText", .string(ipAddressText)),
            ("ipAddressNotify", ipAddressNotify.map(DebugDataJSONValue.bool) ?? .null),
        ])
    }
}

extension DebugData.Diagnostic {
    var jsonValue: DebugDataJSONValue {
        .object([
            ("line", .integer(Int64(line))),
            ("code", .string(code.rawValue)),
            ("detail", .string(detail)),
        ])
    }
}

/// A minimal JSON tree whose objects keep their key order, so the output is byte-stable.
enum DebugDataJSONValue {
    case null
    case bool(Bool)
    case integer(Int64)
    case unsigned(UInt64)
    case string(String)
    case array([DebugDataJSONValue])
    case object([(String, DebugDataJSONValue)])

    static func optionalString(_ value: String?) -> DebugDataJSONValue { value.map(Self.string) ?? .null }
    static func optionalInteger(_ value: Int64?) -> DebugDataJSONValue { value.map(Self.integer) ?? .null }
    static func optionalUnsigned(_ value: UInt64?) -> DebugDataJSONValue { value.map(Self.unsigned) ?? .null }

    func write(to output: inout String) {
        switch self {
        case .null: output += "null"
        case .bool(let value): output += value ? "true" : "false"
        case .integer(let value): output += String(value)
        case .unsigned(let value): output += String(value)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let elements):
            output += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { output += "," }
                element.write(to: &output)
            }
            output += "]"
        case .object(let members):
            output += "{"
            for (position, (key, value)) in members.enumerated() {
                if position > 0 { output += "," }
                Self.writeString(key, to: &output)
                output += ":"
                value.write(to: &output)
            }
            output += "}"
        }
    }

    /// RFC 8259 §7: quote, backslash and control characters are escaped; everything else is UTF-8 as is.
    private static func writeString(_ value: String, to output: inout String) {
        output += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case "\u{08}": output += "\\b"
            case "\u{0C}": output += "\\f"
            case "\u{00}"..."\u{1F}", "\u{7F}":
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}
