import SMB3Protocol

/// libFuzzer entry point: netlink datagrams as the daemon receives them from cifs_mcgrp_swn.
/// Splitting, the generic header, the attributes and the SWN event must throw, never trap;
/// whatever parses as an event re-encodes its address to the kernel's 128-byte form.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSWNNetlink(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    guard let messages = try? NetlinkMessage.split(bytes) else { return 0 }
    for message in messages {
        _ = message.errorCode
        guard let generic = try? GenericNetlinkMessage(parsing: message.payload) else { continue }
        for attribute in generic.attributes {
            _ = attribute.string
            _ = attribute.u32
        }
        if let event = try? SWNKernelEvent(parsing: generic) {
            switch event {
            case .register(let registration), .unregister(let registration):
                precondition(registration.address.encoded().count == SWNSocketAddress.storageSize)
            }
        }
        // Our own encoding of what we parsed parses back to the same message.
        let reencoded = generic.encoded()
        precondition((try? GenericNetlinkMessage(parsing: reencoded)) == generic, "generic netlink round trip")
    }
    return 0
}
