import SMB3Protocol
import SMB3TestSupport
import Testing

@testable import SMB3NetlinkCodec

@Suite("inet_diag (SOCK_DESTROY of the kernel's SMB connections)")
struct InetDiagTests {
    /// A dump captured from a Linux 6.12 host: one ESTABLISHED TCP socket 127.0.0.1:58152 ->
    /// 127.0.0.1:56237 (inet_diag_msg plus the kernel's default attributes), then NLMSG_DONE.
    /// The request was built by Python's struct module, independently of InetDiag.
    static let capturedDump = hexBytes(
        "7c0000001400020007000000b133000002010000e328dbad7f000001000000000000000000000000"
            + "7f00000100000000000000000000000000000000010000000000000000000000000000000000000000"
            + "000000d70a0d00050008000000000008000f00000000000c00150001000000000000000600160052000000"
            + "140000000300020007000000b133000000000000")

    @Test func decodesACapturedDump() throws {
        let (sockets, done) = try InetDiag.parseDump(Self.capturedDump)
        #expect(done)
        #expect(sockets.count == 1)
        let socket = try #require(sockets.first)
        #expect(socket.family == InetDiag.familyIPv4 && socket.state == InetDiag.stateEstablished)
        #expect(socket.id.sourcePort == 58152 && socket.id.destinationPort == 56237)
        #expect(socket.destination == .ipv4(IPv4Address(127, 0, 0, 1)))
        #expect(socket.id.cookie == (1, 0))
        // idiag_uid and idiag_inode, the last two fields of inet_diag_msg.
        #expect(socket.uid == 0 && socket.inode == 854_743)
    }

    static func socket(port: UInt16, uid: UInt32, inode: UInt32) -> InetDiag.Socket {
        var id = InetDiag.SocketID()
        id.sourcePort = port
        id.destinationPort = 445
        return InetDiag.Socket(
            family: InetDiag.familyIPv4, state: InetDiag.stateEstablished, id: id, uid: uid, inode: inode)
    }

    /// The kernel's socket is root's and in no process's descriptor table; a process's socket
    /// is either in a table or carries another uid; one without an inode is nobody's to abort.
    @Test func theCensusKeepsWhatProcessesHold() {
        let kernel = Self.socket(port: 50001, uid: 0, inode: 100)
        let rootProcess = Self.socket(port: 50002, uid: 0, inode: 101)
        let userProcess = Self.socket(port: 50003, uid: 1000, inode: 102)
        let userButUnheld = Self.socket(port: 50004, uid: 65534, inode: 103)
        let noInode = Self.socket(port: 50005, uid: 0, inode: 0)
        let census = InetDiag.ConnectionCensus(
            [kernel, rootProcess, userProcess, userButUnheld, noInode], heldInodes: [101, 102, 999])
        #expect(census.kernel == [kernel])
        #expect(census.heldByProcesses == [rootProcess])
        #expect(census.otherOwners == [userProcess, userButUnheld, noInode])
        #expect(census.kept == 4)
        // Nothing held: only root's sockets with an inode count as the kernel's.
        #expect(
            InetDiag.ConnectionCensus([kernel, rootProcess, userButUnheld], heldInodes: []).kernel == [
                kernel, rootProcess,
            ])
        #expect(InetDiag.ConnectionCensus([], heldInodes: [1]).kernel.isEmpty)
    }

    /// inet_diag_req_v2 after the netlink header: family, IPPROTO_TCP, ext 0, pad, the states
    /// mask, then the 48-byte id with the ports big-endian and INET_DIAG_NOCOOKIE.
    @Test func dumpRequestLayout() {
        let request = InetDiag.dumpRequest(family: InetDiag.familyIPv4, destinationPort: 445, sequence: 9)
        #expect(request.count == NetlinkMessage.headerSize + InetDiag.requestSize)
        #expect(Array(request[0..<4]) == [72, 0, 0, 0])
        #expect(Array(request[4..<8]) == [20, 0, 0x01, 0x03])  // SOCK_DIAG_BY_FAMILY, REQUEST|DUMP
        #expect(Array(request[16..<24]) == [2, 6, 0, 0, 2, 0, 0, 0])
        #expect(Array(request[24..<28]) == [0, 0, 0x01, 0xBD])  // any source port, destination 445
        #expect(Array(request[64..<72]) == [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
    }

    @Test func destroyRequestNamesTheDumpedSocket() throws {
        let socket = try #require(try InetDiag.parseDump(Self.capturedDump).sockets.first)
        let request = InetDiag.destroyRequest(socket, sequence: 10)
        #expect(Array(request[4..<8]) == [21, 0, 0x05, 0x00])  // SOCK_DESTROY, REQUEST|ACK
        // The id goes back exactly as the dump gave it (the kernel matches the cookie).
        #expect(Array(request[24..<72]) == Array(Self.capturedDump[20..<68]))
        #expect(Array(request[20..<24]) == [2, 0, 0, 0])  // that socket's state only
    }

    @Test func errorsAndTruncationAreReported() {
        let eperm = NetlinkMessage(
            type: NetlinkMessage.errorType, flags: 0, sequence: 1, portID: 0,
            payload: [0xFF, 0xFF, 0xFF, 0xFF] + Array(repeating: 0, count: 16))
        #expect(throws: InetDiag.ParseError.kernel(errno: -1)) { try InetDiag.parseDump(eperm.encoded()) }
        let short = NetlinkMessage(type: InetDiag.sockDiagByFamily, flags: 0, sequence: 1, portID: 0, payload: [2, 1])
        #expect(throws: InetDiag.ParseError.truncatedMessage(length: 2)) { try InetDiag.parseDump(short.encoded()) }
        #expect(throws: InetDiag.ParseError.self) { try InetDiag.parseDump(Array(Self.capturedDump.prefix(30))) }
        let ack = NetlinkMessage(
            type: NetlinkMessage.errorType, flags: 0, sequence: 1, portID: 0, payload: Array(repeating: 0, count: 20))
        #expect((try? InetDiag.parseAck(ack.encoded())) == 0)
    }
}
