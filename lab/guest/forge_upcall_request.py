#!/usr/bin/env python3
"""Sends the upcall service a well-formed request that no kernel made (upcall-hardening):
what a root process without capabilities, or any program that is not the handler, could try.

  forge_upcall_request.py SOCKET SERIAL DESCRIPTION

Prints one line: "reply=instantiate payload=N", "reply=negate timeout=N", "reply=refused",
"reply=closed" or "reply=error ...". The format is UpcallServiceRequest/Reply (big-endian):
magic "SMUQ", flags u8, serial i32, negative timeout u32, u16-prefixed description, then three
absent optional strings.
"""
import socket
import struct
import sys


def request(serial: int, description: str) -> bytes:
    text = description.encode()
    return (struct.pack(">IBiI", 0x534D5551, 0, serial, 1) + struct.pack(">H", len(text)) + text
            + bytes([0, 0, 0]))


def main() -> int:
    path, serial, description = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.settimeout(60)
    try:
        sock.connect(path)
        sock.send(request(serial, description))
        reply = sock.recv(300 * 1024)
    except OSError as error:
        print(f"reply=error {error}")
        return 0
    if not reply:
        print("reply=closed")
    elif reply[:4] != b"SMUR" or len(reply) < 5:
        print(f"reply=error unknown reply {reply[:8].hex()}")
    elif reply[4] == 1:
        (count,) = struct.unpack(">I", reply[5:9])
        print(f"reply=instantiate payload={count}")
    elif reply[4] == 2:
        (timeout,) = struct.unpack(">I", reply[5:9])
        print(f"reply=negate timeout={timeout}")
    elif reply[4] == 3:
        print("reply=refused")
    else:
        print(f"reply=error kind {reply[4]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
