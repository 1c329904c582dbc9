import SMB3Wire

// `Server interfaces:` blocks, `MIDs:` and the `--` that ends a session.

extension Key {
    static let serverInterfaces = Array("Server interfaces:".utf8)
    static let lastUpdated = Array("Last updated:".utf8)
    static let speed = Array("Speed:".utf8)
    static let bps = Array("bps".utf8)
    static let unknownSpeed = Array("Unknown".utf8)
    static let capabilities = Array("Capabilities:".utf8)
    static let rdmaWord = Array("rdma".utf8)
    static let rssWord = Array("rss".utf8)
    static let noneWord = Array("None".utf8)
    static let ipv4 = Array("IPv4:".utf8)
    static let ipv6 = Array("IPv6:".utf8)
    static let forCleanup = Array("[for-cleanup]".utf8)
    static let weight = Array("Weight (cur,total):".utf8)
    static let allocatedChannels = Array("Allocated channels:".utf8)
    static let connected = Array("[CONNECTED]".utf8)

    static let mids = Array("MIDs:".utf8)
    static let sessionEnd = Array("--".utf8)
}

extension DebugDataParser {
    // MARK: Server interfaces

    /// `N)\tSpeed: %zu bps` (6.1) or `N)\tSpeed: 10Gbps` (6.12).
    mutating func startInterface(index: Int, speed: ArraySlice<UInt8>) {
        closeShare()
        closeInterface()
        guard session != nil else {
            sink.report(.outOfContext, "interface without a session")
            return
        }
        part = .interfaces
        var newInterface = DebugData.ServerInterface(index: index, speedText: DebugDataText.string(speed))
        let words = DebugDataText.words(speed)
        if words.count == 2, let number = words.first, let unit = words.last, unit.elementsEqual(Key.bps) {
            evidenceFor6_1 = true
            if let bps = DebugDataText.decimal(number, as: UInt64.self) {
                newInterface.speedBitsPerSecond = bps
            } else {
                sink.report(.invalidNumber, "Speed: \(DebugDataText.excerpt(number))")
            }
        } else if speed.elementsEqual(Key.unknownSpeed) {
            evidenceFor6_12 = true
        } else if let known = DebugData.interfaceSpeedNames.first(where: { speed.elementsEqual($0.name.utf8) }) {
            evidenceFor6_12 = true
            newInterface.speedBitsPerSecond = known.bitsPerSecond
        } else {
            sink.report(.unknownValue, "Speed: \(DebugDataText.excerpt(speed))")
        }
        interface = newInterface
    }

    mutating func recognizeInterfaceLine(_ line: ArraySlice<UInt8>) -> Bool {
        if DebugDataText.hasPrefix(line, Key.serverInterfaces) {
            closeShare()
            guard var open = openSession("Server interfaces") else { return true }
            open.declaredServerInterfaceCount = sink.decimal(Key.serverInterfaces, in: line, field: "Server interfaces")
            open.serverInterfacesLastUpdatedSecondsAgo = sink.decimal(
                Key.lastUpdated, in: line, field: "Last updated", required: false)
            session = open
            part = .interfaces
        } else if let rest = DebugDataText.remainder(line, after: Key.capabilities) {
            guard var open = openInterface("Capabilities") else { return true }
            for word in DebugDataText.words(rest) {
                if word.elementsEqual(Key.rdmaWord) {
                    open.isRDMACapable = true
                } else if word.elementsEqual(Key.rssWord) {
                    open.isRSSCapable = true
                } else if word.elementsEqual(Key.noneWord) {
                    evidenceFor6_12 = true
                }
            }
            interface = open
        } else if let rest = DebugDataText.remainder(line, after: Key.ipv4) {
            guard var open = openInterface("IPv4") else { return true }
            open.address = DebugData.IPAddress(ipv4Text: rest)
            if open.address == nil { sink.report(.invalidAddress, "IPv4: \(DebugDataText.excerpt(rest))") }
            interface = open
        } else if let rest = DebugDataText.remainder(line, after: Key.ipv6) {
            guard var open = openInterface("IPv6") else { return true }
            open.address = DebugData.IPAddress(ipv6Text: rest)
            if open.address == nil { sink.report(.invalidAddress, "IPv6: \(DebugDataText.excerpt(rest))") }
            interface = open
        } else if line.elementsEqual(Key.forCleanup) {
            guard var open = openInterface("[for-cleanup]") else { return true }
            open.isActive = false
            interface = open
        } else if let rest = DebugDataText.remainder(line, after: Key.weight) {
            guard var open = openInterface("Weight") else { return true }
            // "(%zu,%zu)"
            let inner = rest.filter { $0 != UInt8(ascii: "(") && $0 != UInt8(ascii: ")") }
            let parts = inner[...].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            if parts.count == 2, let first = parts.first, let last = parts.last,
                let current = DebugDataText.decimal(DebugDataText.trimmed(first), as: UInt64.self),
                let total = DebugDataText.decimal(DebugDataText.trimmed(last), as: UInt64.self)
            {
                open.weightCurrent = current
                open.weightTotal = total
            } else {
                sink.report(.invalidNumber, "Weight (cur,total): \(DebugDataText.excerpt(rest))")
            }
            interface = open
        } else if DebugDataText.hasPrefix(line, Key.allocatedChannels) {
            guard var open = openInterface("Allocated channels") else { return true }
            open.allocatedChannels = sink.decimal(Key.allocatedChannels, in: line, field: "Allocated channels")
            interface = open
        } else if line.elementsEqual(Key.connected) {
            guard var open = openInterface("[CONNECTED]") else { return true }
            open.isConnected = true
            interface = open
        } else if DebugDataText.hasPrefix(line, Key.mids) {
            closeShare()
            closeInterface()
            part = .mids
        } else if line.elementsEqual(Key.sessionEnd) {
            closeSession()
            part = .server
        } else {
            return false
        }
        return true
    }

    mutating func openInterface(_ field: String) -> DebugData.ServerInterface? {
        guard let interface else {
            sink.report(.outOfContext, field)
            return nil
        }
        return interface
    }
}
