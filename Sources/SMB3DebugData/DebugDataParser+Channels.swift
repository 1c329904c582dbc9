import SMB3Wire

// `Extra Channels:` blocks: `Channel: N ConnectionId:` lines and their state words.

extension Key {
    static let channel = Array("Channel:".utf8)
    static let disabled = Array("DISABLED".utf8)
}

extension DebugDataParser {
    // MARK: Channels

    /// `Channel: %d ConnectionId: 0x%llx` or `Channel: %d DISABLED`.
    mutating func startChannel(_ line: ArraySlice<UInt8>) {
        closeChannel()
        guard session != nil else {
            sink.report(.outOfContext, "Channel")
            return
        }
        part = .channels
        let number: Int = sink.decimal(Key.channel, in: line, field: "Channel") ?? 0
        var newChannel = DebugData.Channel(number: number, connection: nil)
        if DebugDataText.containsWord(Key.disabled, in: line) {
            newChannel.isDisabled = true
        } else if let id: UInt64 = sink.hexadecimal(Key.connectionId, in: line, field: "ConnectionId") {
            newChannel.connection = DebugData.Connection(connectionId: id)
        }
        channel = newChannel
        applyChannelFlags(line)
    }

    /// `\tDISCONNECTED ` and `\t[RECONNECTING] ` follow the last line printed for a channel.
    mutating func applyChannelFlags(_ line: ArraySlice<UInt8>) {
        guard var open = channel else { return }
        for word in DebugDataText.words(line) {
            if word.elementsEqual(Key.disconnected) {
                open.needsReconnect = true
            } else if word.elementsEqual(Key.reconnecting) {
                open.isReconnecting = true
            }
        }
        channel = open
    }
}
