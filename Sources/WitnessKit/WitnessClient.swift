import SMB3Protocol

/// The MS-SWN calls over an `RPCConnection`, and the endpoint-mapper lookup before them.
public struct WitnessClient: Sendable {
    public let connection: RPCConnection
    public let address: String

    /// Looks up the witness port with ept_map on :135, then connects and binds with `authentication`.
    public static func connect(
        platform: some WitnessPlatform, address: String, authentication: RPCAuthentication, timeoutSeconds: Int32
    ) async throws -> WitnessClient {
        let port = try await witnessPort(platform: platform, address: address, timeoutSeconds: timeoutSeconds)
        let connection = try await RPCConnection.open(
            platform: platform, address: address, port: port, interface: WitnessRPC.interface,
            authentication: authentication, timeoutSeconds: timeoutSeconds)
        return WitnessClient(connection: connection, address: address)
    }

    public static func witnessPort(
        platform: some WitnessPlatform, address: String, timeoutSeconds: Int32
    ) async throws
        -> UInt16
    {
        let mapper = try await RPCConnection.open(
            platform: platform, address: address, port: EndpointMapper.port, interface: EndpointMapper.interface,
            authentication: nil, timeoutSeconds: timeoutSeconds)
        defer { mapper.close() }
        let reply = try await mapper.call(
            opnum: EndpointMapper.mapOpnum, stub: EndpointMapper.mapRequest(for: WitnessRPC.interface),
            timeoutSeconds: Double(timeoutSeconds))
        guard let port = try EndpointMapper.ports(fromMapResponse: reply).first else {
            throw WitnessFailure(
                "the endpoint mapper on \(address) knows no witness endpoint (is rpcd_witness running?)")
        }
        return port
    }

    public func interfaceList(timeoutSeconds: Double) async throws -> [WitnessInterface] {
        let stub = try await connection.call(
            opnum: WitnessRPC.Opnum.getInterfaceList.rawValue, stub: [], timeoutSeconds: timeoutSeconds)
        let (interfaces, status) = try WitnessResponse.interfaceList(stub)
        guard status == WitnessStatus.success else { throw WitnessCallError(call: "GetInterfaceList", status: status) }
        return interfaces
    }

    public enum Registered: Sendable {
        case v2(WitnessContextHandle)
        case v1(WitnessContextHandle)
        public var handle: WitnessContextHandle {
            switch self {
            case .v1(let handle), .v2(let handle): handle
            }
        }
    }

    /// RegisterEx, falling back to Register (V1) where the server predates it (WS2012).
    public func register(
        netName: String, shareName: String?, ipAddress: String, clientComputerName: String, ipNotification: Bool,
        keepAliveTimeout: UInt32, timeoutSeconds: Double
    ) async throws -> Registered {
        do {
            let stub = try await connection.call(
                opnum: WitnessRPC.Opnum.registerEx.rawValue,
                stub: WitnessRPC.registerExRequest(
                    netName: netName, shareName: shareName, ipAddress: ipAddress,
                    clientComputerName: clientComputerName, ipNotification: ipNotification,
                    keepAliveTimeout: keepAliveTimeout), timeoutSeconds: timeoutSeconds)
            let (handle, status) = try WitnessResponse.register(stub)
            if let handle { return .v2(handle) }
            guard status == WitnessStatus.revisionMismatch || status == WitnessStatus.procedureNumberOutOfRange else {
                throw WitnessCallError(call: "RegisterEx", status: status)
            }
        } catch let error as DCERPCError where error.faultStatus == DCERPCFaultStatus.operationRangeError {
            // No opnum 4: a V1-only server.
        }
        let stub = try await connection.call(
            opnum: WitnessRPC.Opnum.register.rawValue,
            stub: WitnessRPC.registerRequest(
                netName: netName, ipAddress: ipAddress, clientComputerName: clientComputerName),
            timeoutSeconds: timeoutSeconds)
        let (handle, status) = try WitnessResponse.register(stub)
        guard let handle else { throw WitnessCallError(call: "Register", status: status) }
        return .v1(handle)
    }

    /// One long poll, held without a task: `handler` gets the notification, or nil with the
    /// status for TIMEOUT / NOT_FOUND, or the error.
    public func asyncNotify(
        _ handle: WitnessContextHandle, timeoutSeconds: Double?,
        handler: @escaping @Sendable (Result<(WitnessNotification?, UInt32), any Error>) -> Void
    ) {
        connection.call(
            opnum: WitnessRPC.Opnum.asyncNotify.rawValue, stub: WitnessRPC.handleRequest(handle),
            timeoutSeconds: timeoutSeconds
        ) { reply in
            handler(Result { try WitnessResponse.asyncNotify(try reply.get()) })
        }
    }

    public func unregister(_ handle: WitnessContextHandle, timeoutSeconds: Double) async throws -> UInt32 {
        let stub = try await connection.call(
            opnum: WitnessRPC.Opnum.unregister.rawValue, stub: WitnessRPC.handleRequest(handle),
            timeoutSeconds: timeoutSeconds)
        return try WitnessResponse.status(stub)
    }
}

public struct WitnessCallError: Error, CustomStringConvertible, Sendable {
    public let call: String
    public let status: UInt32
    public var description: String { "\(call) returned \(WitnessStatus.name(status))" }
}

public struct WitnessFailure: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Which witness interface to register with (MS-SWN 3.2.4.1): available, flagged
/// INTERFACE_WITNESS, in a usable family, preferably not the SMB server's own address so the
/// witness survives that node. Single-node clusters flag none: `fallback` decides then.
public enum WitnessInterfacePolicy: String, Sendable, CaseIterable {
    /// Spec only: no INTERFACE_WITNESS interface means no registration.
    case strict
    /// Then any available interface, another node's address first.
    case anyAvailable = "any-available"
    /// Then the SMB server's own address.
    case serverAddress = "server-address"

    public func choose(from interfaces: [WitnessInterface], serverAddress: String) -> String? {
        func address(_ interface: WitnessInterface) -> String? {
            interface.ipv4?.description ?? interface.ipv6?.description
        }
        let available = interfaces.filter { $0.state == .available && address($0) != nil }
        let witness = available.filter { $0.flags.contains(.interfaceWitness) }
        if let other = witness.first(where: { address($0) != serverAddress }) ?? witness.first { return address(other) }
        switch self {
        case .strict: return nil
        case .anyAvailable:
            let other = available.first { address($0) != serverAddress } ?? available.first
            return other.flatMap(address) ?? serverAddress
        case .serverAddress: return serverAddress
        }
    }
}
