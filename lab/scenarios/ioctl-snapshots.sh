#!/bin/bash
# smb3-ioctl snapshots (issue 4): a Samba share with vfs_shadow_copy2 and three snapshots; the
# list must equal cifs-utils' `smbinfo list-snapshots` on the same file, and the NT time we print
# must open the snapshot through the snapshot= mount option (the old content comes back).
# ioctl-snapshots:ksmbd: ksmbd does not implement FSCTL_SRV_ENUMERATE_SNAPSHOTS; only the last part
# runs, and the tool must say that the server does not support snapshot enumeration.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
. "$LAB_GUEST/ksmbd-server.sh"
lab_start
syslog_start
lab_server_start lo

tool=$SMB3KIT_BIN/smb3-ioctl
[ -x "$tool" ] || fail "smb3-ioctl not built ($tool missing)"
export TZ=UTC
check "modprobe cifs failed" modprobe cifs
opts="username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1"

samba_snapshots() {

# Snapshots are directories named by their @GMT token under .snapshots (shadow_copy2's default layout).
mkdir -p /srv/snap
for t in 2024.01.01-10.00.00 2024.06.30-23.15.01 2025.02.28-08.30.59; do
  mkdir -p "/srv/snap/.snapshots/@GMT-$t"
  echo "content at $t" > "/srv/snap/.snapshots/@GMT-$t/f"
done
echo "live content" > /srv/snap/f
chown -R "$LAB_USER" /srv/snap
cat >> "$LAB_SMB_CONF" <<EOF
[snap]
  path = /srv/snap
  read only = no
  vfs objects = shadow_copy2
  shadow:mountpoint = /srv/snap
  shadow:snapdir = .snapshots
  shadow:sort = desc
  shadow:format = @GMT-%Y.%m.%d-%H.%M.%S
EOF
smbcontrol smbd reload-config || warn "smbcontrol reload-config failed (new connections read smb.conf anyway)"

mkdir -p /mnt/snap /mnt/old
out=$(mount -t cifs //127.0.0.1/snap /mnt/snap -o "$opts" 2>&1) || fail "mount of [snap] failed: $out"

step "smb3-ioctl snapshots vs smbinfo list-snapshots"
smbinfo list-snapshots /mnt/snap/f > /run/smbinfo.txt 2>&1
cat /run/smbinfo.txt
tail -n 30 /var/log/samba/log.127.0.0.1 2>/dev/null
"$tool" snapshots /mnt/snap/f > /run/ours.txt 2> /run/ours.err || fail "snapshots exited $?: $(cat /run/ours.err)"
cat /run/ours.txt
grep -q '^Number of snapshots: 3 ' /run/ours.txt || fail "expected 3 snapshots: $(head -n1 /run/ours.txt)"
# smbinfo prints the same lines (our header and entry lines are byte-identical by design).
diff /run/smbinfo.txt /run/ours.txt || fail "snapshots output differs from smbinfo list-snapshots"
"$tool" snapshots --json /mnt/snap > /run/ours.json || fail "snapshots on the directory failed"
cat /run/ours.json
python3 - /run/ours.json <<'EOF' || fail "snapshots JSON is wrong"
import json, sys
r = json.load(open(sys.argv[1]))
gmt = sorted(s["gmt"] for s in r["snapshots"])
assert gmt == ["@GMT-2024.01.01-10.00.00", "@GMT-2024.06.30-23.15.01", "@GMT-2025.02.28-08.30.59"], gmt
for s in r["snapshots"]:
    assert s["utc"].replace("-", ".").startswith(s["gmt"][5:15]), s
EOF
info "snapshots equal smbinfo: $(grep -c GMT: /run/ours.txt) entries"

step "mount the middle snapshot with snapshot=<NT time from smb3-ioctl>"
nt=$(python3 -c 'import json,sys; print([s["snapshotMountOption"] for s in json.load(open(sys.argv[1]))["snapshots"] if s["gmt"] == "@GMT-2024.06.30-23.15.01"][0])' /run/ours.json)
out=$(mount -t cifs //127.0.0.1/snap /mnt/old -o "$opts,snapshot=$nt,ro" 2>&1) || fail "snapshot=$nt mount failed: $out"
got=$(cat /mnt/old/f) || fail "cannot read f in the snapshot mount"
[ "$got" = "content at 2024.06.30-23.15.01" ] || fail "snapshot=$nt shows '$got'"
info "snapshot=$nt opens @GMT-2024.06.30-23.15.01: f = '$got'"
umount /mnt/old /mnt/snap
}
[ "${LAB_SERVER:-samba}" = samba ] && samba_snapshots

step "[share] ($(findmnt -no FSTYPE /srv/share) under ${LAB_SERVER:-samba}, no snapshots): both fail alike"
mkdir -p /mnt/s
out=$(mount -t cifs //127.0.0.1/share /mnt/s -o "$opts" 2>&1) || fail "mount of [share] failed: $out"
echo x > /srv/share/x
smbinfo list-snapshots /mnt/s/x > /run/smbinfo.txt 2>&1
"$tool" snapshots /mnt/s/x > /dev/null 2> /run/ours.err; rc=$?
cat /run/smbinfo.txt /run/ours.err
[ "$rc" -eq 1 ] || fail "snapshots without shadow_copy2 exited $rc, expected 1"
grep -q 'Errno 95' /run/smbinfo.txt && grep -q '(EOPNOTSUPP)' /run/ours.err || fail "expected EOPNOTSUPP from both"
grep -q 'the server does not support snapshot enumeration on this share (it refused FSCTL_SRV_ENUMERATE_SNAPSHOTS)' /run/ours.err \
  || fail "snapshots does not say that the server does not support snapshot enumeration: $(cat /run/ours.err)"
info "no snapshots on [share] (${LAB_SERVER:-samba}): $(cat /run/ours.err)"
umount /mnt/s
pass
