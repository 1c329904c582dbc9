import SMB3Protocol

/// An FSRVP call that the server answered with a non-zero return value.
public struct FSRVPCallFailure: Error, CustomStringConvertible {
    public let opnum: FSRVPRPC.Opnum
    public let status: FSRVPStatus

    public var description: String {
        let meaning = status.meaning.map { ": \($0)" } ?? ""
        return "\(opnum.callName) failed with \(status)\(meaning)"
    }
}

extension FSRVPRPC.Opnum {
    /// The name MS-FSRVP gives the call.
    public var callName: String {
        switch self {
        case .getSupportedVersion: "GetSupportedVersion"
        case .setContext: "SetContext"
        case .startShadowCopySet: "StartShadowCopySet"
        case .addToShadowCopySet: "AddToShadowCopySet"
        case .commitShadowCopySet: "CommitShadowCopySet"
        case .exposeShadowCopySet: "ExposeShadowCopySet"
        case .recoveryCompleteShadowCopySet: "RecoveryCompleteShadowCopySet"
        case .abortShadowCopySet: "AbortShadowCopySet"
        case .isPathSupported: "IsPathSupported"
        case .isPathShadowCopied: "IsPathShadowCopied"
        case .getShareMapping: "GetShareMapping"
        case .deleteShareMapping: "DeleteShareMapping"
        case .prepareShadowCopySet: "PrepareShadowCopySet"
        }
    }
}

/// The DCE/RPC side of FSRVP over an open `\pipe\FssagentRpc`: bind without RPC-level
/// authentication (the SMB session authenticates the caller, as Windows does on ncacn_np), then one
/// request PDU per call and its response PDUs.
public final class FSRVPClient<Platform: SMB2PipePlatform> {
    let session: SMB2PipeSession<Platform>
    let pipe: SMB2FileID
    var callID: UInt32 = 1
    var maxTransmitFragment = 4280

    public init(session: SMB2PipeSession<Platform>, pipe: SMB2FileID) {
        self.session = session
        self.pipe = pipe
    }

    /// bind to FileServerVssAgent v1.0 with NDR20.
    public func bind() throws {
        let packet = DCERPCPacket(
            type: .bind, flags: [.firstFragment, .lastFragment], callID: nextCallID(),
            body: DCERPCBody.bind(interface: FSRVPRPC.interface))
        let reply = try DCERPCPacket(parsing: try session.transceive(pipe, packet.encoded()))
        let ack = try DCERPCBindAck(parsing: reply)
        guard let result = ack.results.first else { throw DCERPCError.truncated("bind_ack results") }
        guard result.result == 0 else {
            throw DCERPCError.contextRejected(result: result.result, reason: result.reason)
        }
        maxTransmitFragment = Int(ack.maxReceiveFragment)
    }

    func nextCallID() -> UInt32 {
        defer { callID &+= 1 }
        return callID
    }

    /// One call: the request (fragmented if the stub needs it) and the response stub, reassembled.
    public func call(_ call: FSRVPCall) throws -> [UInt8] {
        let id = nextCallID()
        // request header (16) + alloc_hint, context, opnum (8).
        let room = max(maxTransmitFragment - 24, 8)
        var offset = 0
        var reply: [UInt8] = []
        repeat {
            let end = min(offset + room, call.stub.count)
            var flags: DCERPCPacketFlags = []
            if offset == 0 { flags.insert(.firstFragment) }
            if end == call.stub.count { flags.insert(.lastFragment) }
            var body = DCERPCBody.request(opnum: call.opnum.rawValue, stub: Array(call.stub[offset..<end]))
            // alloc_hint is the whole stub's size, the same in every fragment.
            let hint = UInt32(call.stub.count)
            body.replaceSubrange(
                0..<4, with: [UInt8(hint & 0xFF), UInt8(hint >> 8 & 0xFF), UInt8(hint >> 16 & 0xFF), UInt8(hint >> 24)])
            let packet = DCERPCPacket(type: .request, flags: flags, callID: id, body: body)
            offset = end
            if flags.contains(.lastFragment) {
                reply = try session.transceive(pipe, packet.encoded())
            } else {
                try session.write(pipe, packet.encoded())
            }
        } while offset < call.stub.count
        var stub: [UInt8] = []
        var fragment = try DCERPCPacket(parsing: reply)
        while true {
            guard fragment.callID == id else { throw DCERPCError.unexpectedPacket("reply to call \(fragment.callID)") }
            switch try DCERPCReply(parsing: fragment) {
            case .fault(let status): throw DCERPCError.fault(status: status)
            case .response(let part):
                stub += part
                guard stub.count <= FSRVPClient.maximumStub else { throw DCERPCError.tooLarge(stub.count) }
            }
            if fragment.flags.contains(.lastFragment) { return stub }
            fragment = try DCERPCPacket(parsing: try session.readPDU(pipe))
        }
    }

    /// No FSRVP response comes near this; a longer one is a broken server.
    static var maximumStub: Int { 1 << 20 }

    // MARK: The calls

    public func getSupportedVersion() throws -> (minimum: UInt32, maximum: UInt32) {
        let reply = try FSRVPResponse.supportedVersion(try call(.getSupportedVersion()))
        try Self.require(reply.status, .getSupportedVersion)
        return (reply.minimum, reply.maximum)
    }

    public func setContext(_ context: FSRVPContext) throws {
        try Self.require(try FSRVPResponse.status(try call(.setContext(context))), .setContext)
    }

    public func startShadowCopySet(clientSetID: FSRVPGUID) throws -> FSRVPGUID {
        let reply = try FSRVPResponse.guid(try call(.startShadowCopySet(clientSetID: clientSetID)))
        try Self.require(reply.status, .startShadowCopySet)
        return reply.id
    }

    public func addToShadowCopySet(clientCopyID: FSRVPGUID, setID: FSRVPGUID, shareName: String) throws -> FSRVPGUID {
        let reply = try FSRVPResponse.guid(
            try call(.addToShadowCopySet(clientCopyID: clientCopyID, setID: setID, shareName: shareName)))
        try Self.require(reply.status, .addToShadowCopySet)
        return reply.id
    }

    public func prepareShadowCopySet(setID: FSRVPGUID, timeoutMilliseconds: UInt32) throws {
        let stub = try call(.prepareShadowCopySet(setID: setID, timeoutMilliseconds: timeoutMilliseconds))
        try Self.require(try FSRVPResponse.status(stub), .prepareShadowCopySet)
    }

    public func commitShadowCopySet(setID: FSRVPGUID, timeoutMilliseconds: UInt32) throws {
        let stub = try call(.commitShadowCopySet(setID: setID, timeoutMilliseconds: timeoutMilliseconds))
        try Self.require(try FSRVPResponse.status(stub), .commitShadowCopySet)
    }

    public func exposeShadowCopySet(setID: FSRVPGUID, timeoutMilliseconds: UInt32) throws {
        let stub = try call(.exposeShadowCopySet(setID: setID, timeoutMilliseconds: timeoutMilliseconds))
        try Self.require(try FSRVPResponse.status(stub), .exposeShadowCopySet)
    }

    public func recoveryCompleteShadowCopySet(setID: FSRVPGUID) throws {
        let stub = try call(.recoveryCompleteShadowCopySet(setID: setID))
        try Self.require(try FSRVPResponse.status(stub), .recoveryCompleteShadowCopySet)
    }

    public func abortShadowCopySet(setID: FSRVPGUID) throws {
        try Self.require(try FSRVPResponse.status(try call(.abortShadowCopySet(setID: setID))), .abortShadowCopySet)
    }

    /// IsPathSupported: the answer and the owner machine, or the server's refusal as the status.
    public func isPathSupported(
        shareName: String
    ) throws -> (
        supported: Bool, ownerMachineName: String?, status: FSRVPStatus
    ) {
        try FSRVPResponse.pathSupported(try call(.isPathSupported(shareName: shareName)))
    }

    public func isPathShadowCopied(shareName: String) throws -> (present: Bool, compatibility: Int32) {
        let reply = try FSRVPResponse.pathShadowCopied(try call(.isPathShadowCopied(shareName: shareName)))
        try Self.require(reply.status, .isPathShadowCopied)
        return (reply.present, reply.compatibility)
    }

    public func getShareMapping(copyID: FSRVPGUID, setID: FSRVPGUID, shareName: String) throws -> FSRVPShareMapping {
        let reply = try FSRVPResponse.shareMapping(
            try call(.getShareMapping(copyID: copyID, setID: setID, shareName: shareName)))
        try Self.require(reply.status, .getShareMapping)
        guard let mapping = reply.mapping else { throw DCERPCError.ndr("GetShareMapping succeeded without a mapping") }
        return mapping
    }

    public func deleteShareMapping(setID: FSRVPGUID, copyID: FSRVPGUID, shareName: String) throws {
        let stub = try call(.deleteShareMapping(setID: setID, copyID: copyID, shareName: shareName))
        try Self.require(try FSRVPResponse.status(stub), .deleteShareMapping)
    }

    static func require(_ status: FSRVPStatus, _ opnum: FSRVPRPC.Opnum) throws {
        guard status.isSuccess else { throw FSRVPCallFailure(opnum: opnum, status: status) }
    }
}
