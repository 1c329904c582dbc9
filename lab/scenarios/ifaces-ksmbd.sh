#!/bin/bash
# smb3-ifaces against ksmbd (issue 17, item 5). ksmbd lists the interfaces of the initial network
# namespace, skips loopback, sets RSS_CAPABLE for more than one tx queue, takes the speed from
# ethtool and, for IPv6, the first usable address of each interface: the global one when there is
# one (the kernel keeps an interface's addresses sorted by scope), else the link-local one. So the
# guest gets two veth pairs: ksmbd0 (4 tx queues; 192.0.2.1/24, 2001:db8:5::1/64 and its
# link-local) and ksmbd1 (1 tx queue; 198.51.100.1/24 and only its link-local IPv6) stay with
# ksmbd, their peers client0/client1 (.2 addresses) go into the network namespace "client", where
# the mount is made (multichannel,max_channels=4). The report must list exactly
# what ksmbd advertised (the raw FSCTL reply, decoded here independently), both paths (FSCTL,
# DebugData) must agree, the kernel must have opened extra channels, and the link-local address
# must be named by the finding linkLocalServerInterface, as the kernel's own failure shows
# ("failed to open extra channel on iface:fe80...").
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
. "$LAB_GUEST/ksmbd-server.sh"
lab_start
syslog_start

ifaces=$SMB3KIT_BIN/smb3-ifaces
[ -x "$ifaces" ] || fail "smb3-ifaces not built ($ifaces missing)"

step "veth pairs ksmbd0 (4 tx queues), ksmbd1 (1) <-> client0, client1 in netns client"
ip netns add client || fail "ip netns add failed"
ip link add ksmbd0 numtxqueues 4 numrxqueues 4 type veth peer name client0 netns client \
  || fail "ip link add veth ksmbd0 failed"
ip link add ksmbd1 type veth peer name client1 netns client || fail "ip link add veth ksmbd1 failed"
ip addr add 192.0.2.1/24 dev ksmbd0
ip -6 addr add 2001:db8:5::1/64 dev ksmbd0
ip addr add 198.51.100.1/24 dev ksmbd1
ip link set ksmbd0 up
ip link set ksmbd1 up
ip -n client link set lo up
ip -n client addr add 192.0.2.2/24 dev client0
ip -n client -6 addr add 2001:db8:5::2/64 dev client0
ip -n client addr add 198.51.100.2/24 dev client1
ip -n client link set client0 up
ip -n client link set client1 up
# Until duplicate address detection ends, IPv6 addresses are tentative and ksmbd skips them.
for d in ksmbd0 ksmbd1; do
  wait_for 60 sh -c "[ -z \"\$(ip -6 addr show dev $d tentative)\" ] && ip -6 addr show dev $d scope link | grep -q fe80" \
    || fail "$d's IPv6 addresses are still tentative after 60s: $(ip -6 addr show dev $d)"
  ip addr show dev "$d"
  info "$d: $(cat /sys/class/net/$d/speed 2>/dev/null || echo '?') Mb/s, $(find /sys/class/net/$d/queues -name 'tx-*' | wc -l) tx queues; IPv6 in kernel order: $(ip -6 addr show dev $d | awk '/inet6/ {print $2}' | tr '\n' ' ')"
done

ksmbd_start
check "modprobe cifs failed" modprobe cifs
mkdir -p /mnt/k
dd=/proc/fs/cifs/DebugData
step "mounting //192.0.2.1/share from netns client with multichannel,max_channels=4"
# nsenter --net keeps this mount namespace (ip netns exec would make a private one that dies with it).
out=$(nsenter --net=/run/netns/client mount -t cifs //192.0.2.1/share /mnt/k \
  -o "username=$LAB_USER,password=$LAB_NTLM_PW,multichannel,max_channels=4,vers=3.1.1" 2>&1) \
  || fail "multichannel mount from netns client failed: $out"
wait_for 60 grep -q 'Channel: 2 ' "$dd" || fail "the kernel did not open a second channel within 60s"
wait_for 30 sh -c 'dmesg | grep -q "open extra channel on iface:fe80"' \
  || warn "no 'failed to open extra channel on iface:fe80' in dmesg within 30s"
echo "----- DebugData (cat -A) -----"; cat -A "$dd"
dmesg | grep -i 'CIFS' | tail -n 20

# The raw FSCTL reply, fetched without our code (python's ioctl, CIFS_QUERY_INFO = _IOWR(0xCF, 7, 24))
# and decoded here (MS-SMB2 2.2.32.5): what ksmbd advertised, independently of smb3-ifaces.
step "the raw FSCTL_QUERY_NETWORK_INTERFACE_INFO reply"
python3 - /mnt/k > /run/advertised.json <<'PY' || fail "raw FSCTL through python failed: $(cat /run/advertised.json)"
import fcntl, ipaddress, json, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
buf = bytearray(struct.pack("<6I", 0x001401FC, 0, 0, 1, 16384, 0) + bytes(16384))
fcntl.ioctl(fd, 0xC018CF07, buf, True)
n = struct.unpack_from("<I", buf, 16)[0]
raw, off, out = bytes(buf[24:24 + n]), 0, []
print("FSCTL-REPLY-HEX", raw.hex(), file=sys.stderr)
while off + 152 <= len(raw):
    nxt, idx, cap, _, speed, fam = struct.unpack_from("<IIIIQH", raw, off)
    if fam == 2:
        addr = str(ipaddress.IPv4Address(raw[off + 28:off + 32]))
    elif fam == 0x17:
        addr = str(ipaddress.IPv6Address(raw[off + 32:off + 48]))
    else:
        addr = None
    out.append({"address": addr, "speedBps": speed or 1000000000, "rss": bool(cap & 1), "rdma": bool(cap & 2), "ifIndex": idx})
    if nxt == 0:
        break
    off += nxt
print(json.dumps(out))
PY
cat /run/advertised.json
info "ksmbd advertised: $(cat /run/advertised.json)"
python3 - /run/advertised.json <<'PY' || fail "ksmbd's list is not what ksmbd0 should give: $(cat /run/advertised.json)"
import json, sys
adv = json.load(open(sys.argv[1]))
addrs = [a["address"] for a in adv]
assert "192.0.2.1" in addrs and "198.51.100.1" in addrs and "2001:db8:5::1" in addrs, addrs
assert not any(a.startswith("127.") or a == "::1" for a in addrs), "loopback advertised: %s" % addrs
by = {a["address"]: a for a in adv}
# ksmbd0 has 4 tx queues (RSS_CAPABLE), ksmbd1 one.
assert by["192.0.2.1"]["rss"] and by["2001:db8:5::1"]["rss"] and not by["198.51.100.1"]["rss"], adv
ll = [a for a in adv if a["address"].startswith("fe80:")]
assert len(ll) == 1 and not ll[0]["rss"], "ksmbd1's link-local not advertised once: %s" % addrs
PY

step "smb3-ifaces --json (FSCTL as root) and --from-debugdata"
"$ifaces" --json /mnt/k > /run/fsctl.json 2> /run/fsctl.err || fail "smb3-ifaces --json exited $?: $(head -c 300 /run/fsctl.err)"
"$ifaces" --json --from-debugdata /mnt/k > /run/dd.json 2> /run/dd.err || fail "smb3-ifaces --from-debugdata exited $?: $(head -c 300 /run/dd.err)"
"$ifaces" /mnt/k | tee /run/text.txt
cat /run/fsctl.json; echo
python3 - /run/advertised.json /run/fsctl.json /run/dd.json <<'PY' || fail "smb3-ifaces does not list exactly what ksmbd advertised"
import json, sys
adv = json.load(open(sys.argv[1]))
want = sorted((a["address"], a["speedBps"], a["rss"], a["rdma"]) for a in adv)
for path in sys.argv[2:]:
    d = json.load(open(path))
    m = d["mounts"][0]
    got = sorted((i["address"], i["speedBps"], i["rss"], i["rdma"]) for i in m["serverInterfaces"])
    assert got == want, "%s (%s): %s != %s" % (path, d["source"], got, want)
    chans = m["channels"]
    assert len(chans) >= 2 and all(c["state"] == "connected" for c in chans), chans
    ll = [a["address"] for a in adv if a["address"].startswith("fe80:")]
    found = [f for f in d["findings"] if f["code"] == "linkLocalServerInterface"]
    assert len(found) == len(ll) and all(a in f["message"] for a, f in zip(ll, found)), (ll, found)
    assert "give the server a global address on that interface or restrict its interfaces" in found[0]["fix"], found
    print(d["source"], "lists", len(got), "interfaces exactly;", len(chans), "channels;", found[0]["message"])
PY
grep -q 'the client cannot open a channel to fe80:' /run/text.txt || fail "the text report lacks the link-local finding"
info "smb3-ifaces: $(grep -m1 'cannot open a channel' /run/text.txt)"
info "kernel: $(dmesg | grep -m1 'open extra channel on iface:fe80' || echo 'no fe80 attempt logged')"
umount /mnt/k
pass
