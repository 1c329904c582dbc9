#!/usr/bin/python3
"""MS-SWN client checks against the Samba witness server of lab/guest/witness-server.sh.

Runs inside the lab guest with python3-samba (Samba 4.22). Prints the facts the host should
see as "LAB-INFO ..." lines (lab/guest/lib.sh protocol); on a failure prints one
"witness-rpc error: ..." line and exits 1.

  witness_rpc.py epm-port IP          ept_map of the witness interface on IP:135, prints the port
  witness_rpc.py interfaces IP        GetInterfaceList over ncacn_ip_tcp:IP[sign]
  witness_rpc.py roundtrip IP SMBIP   RegisterEx for SMBIP, `net witness list`, a CLIENT_MOVE
                                      from `net witness client-move` while AsyncNotify is pending,
                                      UnRegister

Credentials and names: $WITNESS_USER / $WITNESS_PASSWORD / $WITNESS_DOMAIN, $WITNESS_NETNAME,
$WITNESS_SHARE, $WITNESS_MOVE_IP (defaults match witness-server.sh).
"""
import ipaddress
import os
import struct
import subprocess
import sys
import time
import uuid

from samba import param, credentials, ndr
from samba.dcerpc import epmapper, misc, witness

WITNESS_UUID = "ccd8c074-d0e5-4a40-92b4-d074faa6ba28"  # MS-SWN, interface version 1.1
NDR_UUID = "8a885d04-1ceb-11c9-9fe8-08002b104860"      # NDR 2.0 transfer syntax
ERROR_NOT_FOUND = 0x490

USER = os.environ.get("WITNESS_USER", "witnesstest")
PASSWORD = os.environ.get("WITNESS_PASSWORD", "Passw0rd!")
DOMAIN = os.environ.get("WITNESS_DOMAIN", "WITNESSLAB")
NETNAME = os.environ.get("WITNESS_NETNAME", "WITNESSLAB")
SHARE = os.environ.get("WITNESS_SHARE", "share")
MOVE_IP = os.environ.get("WITNESS_MOVE_IP", "192.0.2.11")
CLIENT = "labclient"


def info(msg):
    print(f"LAB-INFO {msg}", flush=True)


def die(msg):
    print(f"witness-rpc error: {msg}", flush=True)
    sys.exit(1)


def lp_creds(anonymous=False):
    lp = param.LoadParm()
    lp.load(os.environ.get("WITNESS_SMB_CONF", "/etc/samba/smb.conf"))
    creds = credentials.Credentials()
    creds.guess(lp)
    if anonymous:
        creds.set_anonymous()
    else:
        creds.set_username(USER)
        creds.set_password(PASSWORD)
        creds.set_domain(DOMAIN)
    return lp, creds


def floor(lhs, rhs):
    return struct.pack("<H", len(lhs)) + lhs + struct.pack("<H", len(rhs)) + rhs


def map_tower(ip):
    """The 5-floor ncacn_ip_tcp tower for the witness interface (C706 appendix L, MS-RPCE 2.2.1.1)."""
    t = struct.pack("<H", 5)
    # Samba's epm_Map matches the whole syntax id, minor version included: witness is 1.1
    # (witness.idl version(1.1); rpcd_witness --list-interfaces shows /0x00010001).
    t += floor(b"\x0d" + uuid.UUID(WITNESS_UUID).bytes_le + struct.pack("<H", 1), struct.pack("<H", 1))
    t += floor(b"\x0d" + uuid.UUID(NDR_UUID).bytes_le + struct.pack("<H", 2), struct.pack("<H", 0))
    t += floor(b"\x0b", struct.pack("<H", 0))             # ncacn (connection oriented)
    t += floor(b"\x07", struct.pack(">H", 0))             # TCP port, big endian
    t += floor(b"\x09", ipaddress.IPv4Address(ip).packed)  # IPv4
    # epm_twr_t is the only tower type with NDR (un)pack in python: tower_length, then the
    # tower as a [subcontext(4)] (its own uint32 size), then the floors.
    return ndr.ndr_unpack(epmapper.epm_twr_t, struct.pack("<II", len(t), len(t)) + t)


def tower_port(twr):
    """Parses the TCP and IP floors out of a returned tower (raw bytes, no union decoding)."""
    b = ndr.ndr_pack(twr)[8:]
    (n,), off, port, ip = struct.unpack_from("<H", b), 2, None, None
    for _ in range(n):
        (ll,) = struct.unpack_from("<H", b, off)
        lhs = b[off + 2: off + 2 + ll]
        off += 2 + ll
        (rl,) = struct.unpack_from("<H", b, off)
        rhs = b[off + 2: off + 2 + rl]
        off += 2 + rl
        if lhs[:1] == b"\x07":
            (port,) = struct.unpack(">H", rhs)
        elif lhs[:1] == b"\x09":
            ip = str(ipaddress.IPv4Address(rhs))
    return port, ip


def epm_port(ip):
    lp, creds = lp_creds(anonymous=True)
    epm = epmapper.epmapper(f"ncacn_ip_tcp:{ip}[135]", lp, creds)
    handle = misc.policy_handle()
    _, towers, result = epm.epm_Map(misc.GUID(), map_tower(ip), handle, 4)
    if result != 0 or not towers:
        die(f"ept_map of the witness interface on {ip}:135: status {result:#x}, {len(towers or [])} towers")
    ports = [tower_port(t.twr) for t in towers if t is not None and t.twr is not None]
    ports = [p for p in ports if p[0]]
    if not ports:
        die(f"ept_map on {ip}:135 returned no TCP tower for the witness interface")
    return ports


def connect(ip):
    lp, creds = lp_creds()
    conn = witness.witness(f"ncacn_ip_tcp:{ip}[sign]", lp, creds)
    conn.request_timeout = 180  # AsyncNotify is a long poll, and TCG is slow
    return conn


def state_name(s):
    return {1: "AVAILABLE", 0xFF: "UNAVAILABLE", 0: "UNKNOWN"}.get(s, f"{s:#x}")


def cmd_interfaces(ip):
    conn = connect(ip)
    lst = conn.GetInterfaceList()
    ifaces = list(lst.interfaces)[: lst.num_interfaces]
    info(f"GetInterfaceList: {lst.num_interfaces} interfaces")
    for i, e in enumerate(ifaces):
        info(f"  [{i}] group={e.group_name} version={e.version:#x} state={e.state}({state_name(e.state)})"
             f" ipv4={e.ipv4} ipv6={e.ipv6} flags={e.flags:#x}")
    if not ifaces:
        die("GetInterfaceList returned no interfaces")
    return ifaces


def net_witness(*args):
    p = subprocess.run(["net", "witness", *args], capture_output=True, text=True, timeout=120)
    return p.returncode, (p.stdout + p.stderr).strip()


def cmd_roundtrip(ip, smb_ip):
    conn = connect(ip)
    handle = conn.RegisterEx(witness.WITNESS_V2, NETNAME, SHARE, smb_ip, CLIENT,
                             witness.WITNESS_REGISTER_IP_NOTIFICATION, 30)
    info(f"RegisterEx({NETNAME}, {SHARE}, {smb_ip}, {CLIENT}, IP_NOTIFICATION, 30): ok")

    rc, out = net_witness("list")
    print("---- net witness list ----\n" + out + "\n----", flush=True)
    if rc != 0:
        die(f"net witness list failed ({rc}): {out[-300:]}")
    if CLIENT not in out or smb_ip not in out:
        die(f"net witness list does not show the registration of {CLIENT} for {smb_ip}")
    rows = [l.strip() for l in out.splitlines() if CLIENT in l]
    info(f"net witness list: {rows[0] if rows else out.splitlines()[-1]}")

    # The move is sent from a background shell a few seconds after AsyncNotify is on the wire.
    mover = subprocess.Popen(
        ["sh", "-c", "sleep 4; exec net witness client-move --witness-apply-to-all "
                     f"--witness-new-ip={MOVE_IP}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    t0 = time.monotonic()
    resp = conn.AsyncNotify(handle)
    dt = time.monotonic() - t0
    mout, _ = mover.communicate(timeout=120)
    print("---- net witness client-move ----\n" + (mout or "").strip() + "\n----", flush=True)
    if mover.returncode != 0:
        die(f"net witness client-move failed ({mover.returncode}): {(mout or '')[-300:]}")
    if resp is None:
        die("AsyncNotify returned no response")
    msgs = list(resp.messages)[: resp.num]
    info(f"AsyncNotify after {dt:.1f}s: type={resp.type} length={resp.length} num={resp.num}")
    if resp.type != witness.WITNESS_NOTIFY_CLIENT_MOVE:
        die(f"AsyncNotify returned type {resp.type}, expected CLIENT_MOVE ({witness.WITNESS_NOTIFY_CLIENT_MOVE})")
    addrs = []
    for m in msgs:
        for a in list(m.addr)[: m.num]:
            addrs.append((a.flags, a.ipv4))
            info(f"  CLIENT_MOVE flags={a.flags:#x} ipv4={a.ipv4}")
    if (witness.WITNESS_IPADDR_V4 | witness.WITNESS_IPADDR_ONLINE, MOVE_IP) not in addrs:
        die(f"CLIENT_MOVE does not carry {MOVE_IP} with flags V4|ONLINE: {addrs}")

    # Samba forcibly unregisters 5 s after a move to another IP, so NOT_FOUND is fine too.
    try:
        conn.UnRegister(handle)
        info("UnRegister: ok")
    except Exception as e:  # WERRORError(code, text)
        code = e.args[0] if e.args else None
        if code != ERROR_NOT_FOUND:
            die(f"UnRegister failed: {e}")
        info("UnRegister: WERR_NOT_FOUND (the server had already dropped it after the move)")


def main():
    if len(sys.argv) < 3:
        die(__doc__)
    cmd, ip = sys.argv[1], sys.argv[2]
    try:
        if cmd == "epm-port":
            for port, tip in epm_port(ip):
                print(f"{port} {tip}", flush=True)
        elif cmd == "interfaces":
            cmd_interfaces(ip)
        elif cmd == "roundtrip":
            cmd_roundtrip(ip, sys.argv[3])
        else:
            die(f"unknown command {cmd}")
    except SystemExit:
        raise
    except Exception as e:  # NTSTATUSError, WERRORError, RuntimeError from the bindings
        die(f"{cmd} {ip}: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
