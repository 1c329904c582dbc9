#!/bin/bash
# smb3-ifaces report (issue 5): Samba advertises THREE interfaces with distinct speeds and
# capabilities (127.0.0.1 10G RSS, 127.0.0.2 1G, 127.0.0.3 25G RDMA). A mount with
# multichannel,max_channels=2 must show all three exactly, both channels, and the finding that a
# third channel is possible; the FSCTL path (root) and the DebugData path must agree. Then a mount
# without multichannel must get the "multichannel not enabled" finding.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
lab_start
syslog_start

ifaces=$SMB3KIT_BIN/smb3-ifaces
[ -x "$ifaces" ] || fail "smb3-ifaces not built ($ifaces missing)"

ip addr add 127.0.0.2/8 dev lo
ip addr add 127.0.0.3/8 dev lo
samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=1000000000" "127.0.0.3;speed=25000000000,capability=RDMA"'

# The checker: expected interfaces come from smb.conf's "interfaces =" line (one source of truth).
cat > /run/check_report.py <<'PY'
import json, re, shlex, sys

def expected(conf):
    for line in open(conf, encoding="utf-8"):
        m = re.match(r"\s*interfaces\s*=\s*(.*)$", line)
        if m:
            break
    out = {}
    for tok in shlex.split(m.group(1)):
        addr, _, opts = tok.partition(";")
        speed, caps = None, set()
        for kv in filter(None, opts.split(",")):
            k, _, v = kv.partition("=")
            if k == "speed": speed = int(v)
            elif k == "capability": caps.add(v.upper())
        out[addr] = {"speedBps": speed, "rss": "RSS" in caps, "rdma": "RDMA" in caps}
    return out

def main():
    conf, path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    doc = json.load(open(path, encoding="utf-8"))
    for key in ("source", "mounts", "local", "findings"):
        if key not in doc: return f"JSON lacks '{key}'"
    if len(doc["mounts"]) != 1: return f"expected 1 mount, JSON has {len(doc['mounts'])}"
    m = doc["mounts"][0]
    if not m.get("foundInDebugData"): return "the mount was not found in DebugData"
    want = expected(conf)
    got = {i["address"]: i for i in m["serverInterfaces"]}
    if sorted(got) != sorted(want): return f"server interfaces {sorted(got)} != smb.conf {sorted(want)}"
    for addr, w in want.items():
        for k, v in w.items():
            if got[addr].get(k) != v: return f"{addr}: {k} {got[addr].get(k)!r} != {v!r}"
    if not doc["local"] or not any(l.get("name") == "lo" for l in doc["local"]): return "local[] lacks lo"
    for l in doc["local"]:
        for k in ("name", "speedBps", "rssQueues", "rdma"):
            if k not in l: return f"local[] entry lacks {k}"
    codes = [f["code"] for f in doc["findings"]]
    chans = m["channels"]
    if mode == "multichannel":
        if [c["number"] for c in chans] != [1, 2]: return f"channels {[c['number'] for c in chans]} != [1, 2]"
        for c in chans:
            if c["state"] != "connected": return f"channel {c['number']} is {c['state']}"
            # cifs puts both channels on the RSS interface (the RDMA one is skipped for a TCP session).
            if c["serverAddress"] != "127.0.0.1": return f"channel {c['number']} on {c['serverAddress']}, not 127.0.0.1"
        third = [f for f in doc["findings"] if f["code"] == "maxChannelsTooLow"]
        if not third or "third channel is possible" not in third[0]["message"]:
            return f"no 'third channel is possible' finding (findings: {codes})"
        if "multichannelNotEnabled" in codes: return "multichannelNotEnabled on a multichannel mount"
        return (f"source={doc['source']}: 3 interfaces exact, channels 1,2 on 127.0.0.1; "
                f"finding: {third[0]['message']} -> {third[0]['fix']}")
    if len(chans) != 1: return f"expected 1 channel without multichannel, JSON has {len(chans)}"
    off = [f for f in doc["findings"] if f["code"] == "multichannelNotEnabled"]
    if not off: return f"no multichannelNotEnabled finding (findings: {codes})"
    return f"source={doc['source']}: 1 channel; finding: {off[0]['message']} -> {off[0]['fix']}"

r = main()
print(r)
sys.exit(0 if r.startswith("source=") else 1)
PY

# same_interfaces A.json B.json: both reports list the same server interfaces (address, speed, rss, rdma).
same_interfaces() {
  python3 - "$1" "$2" <<'PY'
import json, sys
def key(p):
    d = json.load(open(p))
    return sorted((i["address"], i["speedBps"], i["rss"], i["rdma"]) for m in d["mounts"] for i in m["serverInterfaces"])
a, b = key(sys.argv[1]), key(sys.argv[2])
print("same" if a == b else f"differ: {a} vs {b}")
sys.exit(0 if a == b else 1)
PY
}

check "modprobe cifs failed" modprobe cifs
mkdir -p /mnt/s
dd=/proc/fs/cifs/DebugData
step "mounting //127.0.0.1/share with multichannel,max_channels=2"
out=$(mount -t cifs //127.0.0.1/share /mnt/s \
  -o "username=$LAB_USER,password=$LAB_NTLM_PW,multichannel,max_channels=2,vers=3.1.1" 2>&1) \
  || fail "multichannel mount failed: $out"
wait_for 30 grep -q 'Channel: 2 ' "$dd" || fail "the kernel did not open a second channel within 30s"
wait_for 30 grep -q 'Server interfaces: 3' "$dd" || fail "DebugData does not list 3 server interfaces"
echo "----- DebugData (cat -A) -----"; cat -A "$dd"
grep cifs /proc/mounts

step "smb3-ifaces (text) on /mnt/s"
"$ifaces" /mnt/s || fail "smb3-ifaces (text) exited $?"
step "smb3-ifaces --json --from-debugdata /mnt/s"
"$ifaces" --json --from-debugdata /mnt/s > /run/mc-dd.json 2> /run/mc-dd.err \
  || fail "smb3-ifaces --from-debugdata exited $?: $(head -c 300 /run/mc-dd.err)"
cat /run/mc-dd.json; echo
verdict=$(python3 /run/check_report.py "$LAB_SMB_CONF" /run/mc-dd.json multichannel) || fail "DebugData path: $verdict"
info "DebugData path: $verdict"
grep -q '"source":"debugdata"' /run/mc-dd.json || fail "--from-debugdata did not say source debugdata"

step "smb3-ifaces --json /mnt/s as root (FSCTL_QUERY_NETWORK_INTERFACE_INFO through CIFS_QUERY_INFO)"
"$ifaces" --json /mnt/s > /run/mc-fsctl.json 2> /run/mc-fsctl.err || fail "smb3-ifaces --json exited $?: $(head -c 300 /run/mc-fsctl.err)"
cat /run/mc-fsctl.json; echo; cat /run/mc-fsctl.err
if grep -q '"source":"fsctl"' /run/mc-fsctl.json; then
  verdict=$(python3 /run/check_report.py "$LAB_SMB_CONF" /run/mc-fsctl.json multichannel) || fail "FSCTL path: $verdict"
  info "FSCTL path: $verdict"
  agree=$(same_interfaces /run/mc-dd.json /run/mc-fsctl.json) || fail "FSCTL and DebugData paths $agree"
  info "FSCTL and DebugData paths list the same server interfaces"
else
  warn "FSCTL path not used: $(head -c 300 /run/mc-fsctl.err)"
fi

# The raw reply, fetched without our code (python's ioctl, CIFS_QUERY_INFO = _IOWR(0xCF, 7, 24)), for the
# captured-bytes unit test (NetworkInterfaceInfoCapturedTests) and as a check of the entry count.
python3 - /mnt/s > /run/fsctl.hex <<'PY' || warn "raw FSCTL through python failed: $(cat /run/fsctl.hex)"
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
buf = bytearray(struct.pack("<6I", 0x001401FC, 0, 0, 1, 16384, 0) + bytes(16384))
fcntl.ioctl(fd, 0xC018CF07, buf, True)
n = struct.unpack_from("<I", buf, 16)[0]
print(bytes(buf[24:24 + n]).hex())
PY
echo "FSCTL-REPLY-HEX $(cat /run/fsctl.hex)"
[ "$(($(tr -d '\n' < /run/fsctl.hex | wc -c) / 2))" = 456 ] || warn "raw FSCTL reply is not 3 x 152 bytes"

step "smb3-ifaces --prometheus /mnt/s"
"$ifaces" --prometheus /mnt/s > /run/mc.prom 2>/dev/null || fail "smb3-ifaces --prometheus exited $?"
cat /run/mc.prom
grep -q '^smb3_ifaces_server_interface_speed_bps{mountpoint="/mnt/s",server="127.0.0.1",share="share",address="127.0.0.3",rss="0",rdma="1"} 25000000000$' /run/mc.prom \
  || fail "the Prometheus output lacks the 25G RDMA interface"

umount /mnt/s || fail "umount failed"
cifs_wait_idle

step "mounting //127.0.0.1/share without multichannel"
out=$(mount -t cifs //127.0.0.1/share /mnt/s -o "username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1" 2>&1) \
  || fail "single-channel mount failed: $out"
wait_for 30 grep -q 'Server interfaces: 3' "$dd" || warn "DebugData lists no server interfaces for the single-channel mount"
"$ifaces" /mnt/s || fail "smb3-ifaces (text) exited $?"
"$ifaces" --json --from-debugdata /mnt/s > /run/sc.json 2> /run/sc.err || fail "smb3-ifaces --json exited $?: $(head -c 300 /run/sc.err)"
cat /run/sc.json; echo
verdict=$(python3 /run/check_report.py "$LAB_SMB_CONF" /run/sc.json single) || fail "single-channel: $verdict"
info "single-channel mount: $verdict"
umount /mnt/s || fail "umount failed"

step "smb3-ifaces on a path that is not a cifs mount point exits 1"
"$ifaces" /proc >/dev/null 2>&1; rc=$?
[ "$rc" = 1 ] || fail "smb3-ifaces /proc exited $rc, expected 1"
pass
