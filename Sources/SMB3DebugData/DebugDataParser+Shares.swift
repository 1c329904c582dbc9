import SMB3Wire

// `Shares:` blocks: tree connections (`N) IPC:`, `N) \\server\share Mounts:`) and their detail lines.

extension Key {
    static let shares = Array("Shares:".utf8)
    static let ipc = Array("IPC:".utf8)
    static let mounts = Array(" Mounts:".utf8)
    static let mountsKey = Array("Mounts:".utf8)
    static let type = Array(" Type:".utf8)
    static let devInfo = Array("DevInfo:".utf8)
    static let devInfoSeparated = Array(" DevInfo:".utf8)
    static let attributes = Array("Attributes:".utf8)
    static let pathComponentMax = Array("PathComponentMax:".utf8)
    static let status = Array(" Status:".utf8)
    static let deviceType = Array(" type:".utf8)
    static let serialNumber = Array("Serial Number:".utf8)
    static let encryptedShare = Array("Encrypted".utf8)
    static let nocase = Array("nocase".utf8)
    static let posixExtensions = Array("POSIX Extensions".utf8)
    static let shareCapabilities = Array("Share Capabilities:".utf8)
    static let shareFlags = Array("Share Flags:".utf8)
    static let tid = Array("tid:".utf8)
    static let optimalSectorSize = Array("Optimal sector size:".utf8)
    static let maximalAccess = Array("Maximal Access:".utf8)
    static let witness = Array("Witness".utf8)
    static let nosparse = Array("nosparse".utf8)
    static let dfsOriginFullPath = Array("DFS origin fullpath:".utf8)
}

/// The words of `Share Capabilities:` (`smb2_dump_share_caps()` in `smb2ops.c`).
private let shareCapabilityWords: [(word: [UInt8], capability: DebugData.ShareCapabilities)] = [
    (Array("DFS".utf8), .dfs),
    (Array("CONTINUOUS AVAILABILITY".utf8), .continuousAvailability),
    (Array("SCALEOUT".utf8), .scaleout),
    (Array("CLUSTER".utf8), .cluster),
    (Array("ASYMMETRIC".utf8), .asymmetric),
]

private let sectorFlagWords: [(word: [UInt8], flag: DebugData.SectorFlags)] = [
    (Array("Aligned".utf8), .alignedDevice),
    (Array("Partition Aligned".utf8), .partitionAlignedOnDevice),
    (Array("SSD".utf8), .noSeekPenalty),
    (Array("TRIM-support".utf8), .trimEnabled),
]

extension DebugDataParser {
    // MARK: Shares

    /// The first line of a tree connection: `%s Mounts: %d [Type: %s ]DevInfo: 0x%x Attributes: 0x%x`,
    /// or `none` for a session without an IPC connection.
    mutating func startShare(index: Int, isIPC: Bool, line: ArraySlice<UInt8>) {
        closeShare()
        closeInterface()
        guard session != nil else {
            sink.report(.outOfContext, "share without a session")
            return
        }
        part = .shares
        var newShare = DebugData.Share(index: index, isIPC: isIPC)
        if isIPC && line.elementsEqual(Array("none".utf8)) {
            share = newShare
            closeShare()
            return
        }
        if let mountsKey = DebugDataText.firstRange(of: Key.mounts, in: line) {
            newShare.treeName = DebugDataText.string(
                DebugDataText.trimmed(line[line.startIndex..<mountsKey.lowerBound]))
            let rest = line[mountsKey.lowerBound...]
            newShare.mounts = sink.decimal(Key.mountsKey, in: rest, field: "Mounts")
            if let type = DebugDataText.text(after: Key.type, upTo: Key.devInfoSeparated, in: rest) {
                newShare.nativeFileSystem = DebugDataText.string(type)
            }
            newShare.deviceCharacteristics = sink.hexadecimal(Key.devInfo, in: rest, field: "DevInfo")
            newShare.attributes = sink.hexadecimal(Key.attributes, in: rest, field: "Attributes")
        } else {
            sink.report(.missingField, "Mounts")
            newShare.treeName = DebugDataText.string(line)
        }
        share = newShare
    }

    mutating func recognizeShareLine(_ line: ArraySlice<UInt8>) -> Bool {
        if DebugDataText.hasPrefix(line, Key.pathComponentMax) {
            guard var open = openShare("PathComponentMax") else { return true }
            open.pathComponentMax = sink.decimal(Key.pathComponentMax, in: line, field: "PathComponentMax")
            if let status: Int32 = sink.decimal(Key.status, in: line, field: "Status") {
                open.status = DebugData.TreeConnectStatus(rawValue: status)
            }
            if let type = DebugDataText.word(after: Key.deviceType, in: line), !type.isEmpty {
                open.deviceType = DebugDataText.string(type)
            }
            open.serialNumber = sink.hexadecimal(Key.serialNumber, in: line, field: "Serial Number")
            if let serialKey = DebugDataText.firstRange(of: Key.serialNumber, in: line) {
                let tail = line[serialKey.upperBound...]
                for word in DebugDataText.words(tail) {
                    if word.elementsEqual(Key.encryptedShare) || word.elementsEqual(Key.encrypted) {
                        open.isEncrypted = true
                    } else if word.elementsEqual(Key.nocase) {
                        open.isCaseInsensitive = true
                    }
                }
                if DebugDataText.contains(Key.posixExtensions, in: tail) { open.hasPOSIXExtensions = true }
                // Without dump_share_caps (SMB1) the trailing words land on this line.
                Self.applyShareTrailingFlags(tail, to: &open)
            }
            share = open
        } else if DebugDataText.hasPrefix(line, Key.shareCapabilities) {
            guard var open = openShare("Share Capabilities") else { return true }
            if let words = DebugDataText.text(after: Key.shareCapabilities, upTo: Key.shareFlags, in: line) {
                Self.applyCapabilityWords(words, to: &open)
            }
            open.shareFlags = sink.hexadecimal(Key.shareFlags, in: line, field: "Share Flags", required: false)
            share = open
        } else if DebugDataText.hasPrefix(line, Key.tid) {
            guard var open = openShare("tid") else { return true }
            open.treeId = sink.hexadecimal(Key.tid, in: line, field: "tid")
            open.optimalSectorSize = sink.hexadecimal(
                Key.optimalSectorSize, in: line, field: "Optimal sector size", required: false)
            open.maximalAccess = sink.hexadecimal(Key.maximalAccess, in: line, field: "Maximal Access")
            if let accessKey = DebugDataText.firstRange(of: Key.maximalAccess, in: line) {
                Self.applyShareTrailingFlags(line[accessKey.upperBound...], to: &open)
            }
            share = open
        } else if let rest = DebugDataText.remainder(line, after: Key.dfsOriginFullPath) {
            guard var open = openShare("DFS origin fullpath") else { return true }
            open.dfsOriginFullPath = DebugDataText.string(rest)
            share = open
        } else {
            return recognizeInterfaceLine(line)
        }
        return true
    }

    mutating func openShare(_ field: String) -> DebugData.Share? {
        guard let share else {
            sink.report(.outOfContext, field)
            return nil
        }
        return share
    }

    /// ` Witness`, ` nosparse`, `\tDISCONNECTED ` at the end of a tree connection.
    static func applyShareTrailingFlags(_ tail: ArraySlice<UInt8>, to share: inout DebugData.Share) {
        for word in DebugDataText.words(tail) {
            if word.elementsEqual(Key.witness) {
                share.usesWitness = true
            } else if word.elementsEqual(Key.nosparse) {
                share.noSparse = true
            } else if word.elementsEqual(Key.disconnected) {
                share.isDisconnected = true
            }
        }
    }

    /// ` DFS, CONTINUOUS AVAILABILITY, … None Aligned, Partition Aligned, SSD, TRIM-support,`: each
    /// word ends in a comma except `None`, which the sector words may follow directly.
    static func applyCapabilityWords(_ text: ArraySlice<UInt8>, to share: inout DebugData.Share) {
        for piece in text.split(separator: UInt8(ascii: ",")) {
            var phrase = DebugDataText.trimmed(piece)
            if DebugDataText.hasPrefix(phrase, Key.noneWord)
                && (phrase.count == Key.noneWord.count
                    || phrase.dropFirst(Key.noneWord.count).first.map(DebugDataText.isBlank) == true)
            {
                phrase = DebugDataText.trimmed(phrase.dropFirst(Key.noneWord.count))
            }
            if let match = shareCapabilityWords.first(where: { phrase.elementsEqual($0.word) }) {
                share.capabilities.insert(match.capability)
            } else if let match = sectorFlagWords.first(where: { phrase.elementsEqual($0.word) }) {
                share.sectorFlags.insert(match.flag)
            }
        }
    }
}
