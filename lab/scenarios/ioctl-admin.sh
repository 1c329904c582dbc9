#!/bin/bash
# smb3-ioctl, the commands beyond copy/info/query (issue 4): keys on an encrypted share (root gets
# them, a normal user gets the permission message), notify sees a file created in the watched
# directory, O_DIRECT read/write/cp-unbuffered reach the server every time (Stats), cache=none is
# explained, fsctl passthrough equals smbinfo getcompression, set-integrity/compression answer
# with a named errno, and shutdown (confirmation refused off a terminal; --yes works, later I/O fails).
# ioctl-admin:ksmbd: the same against ksmbd (keys on a sealed mount of [share]; ksmbd does not
# implement CHANGE_NOTIFY, so notify must say that the server does not support it).
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
. "$LAB_GUEST/ksmbd-server.sh"
lab_start
syslog_start
lab_server_start lo
server=${LAB_SERVER:-samba}
enc=enc
if [ "$server" = samba ]; then
  cat >> "$LAB_SMB_CONF" <<EOF
[enc]
  path = /srv/share
  read only = no
  server smb encrypt = required
EOF
  smbcontrol smbd reload-config || warn "smbcontrol reload-config failed"
else
  # ksmbd encrypts a session whose client asks (seal) and offers a cipher.
  enc=share
fi

tool=$SMB3KIT_BIN/smb3-ioctl
[ -x "$tool" ] || fail "smb3-ioctl not built ($tool missing)"
check "modprobe cifs failed" modprobe cifs
opts="username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1"
mkdir -p /mnt/s /mnt/e /mnt/cn
out=$(mount -t cifs //127.0.0.1/share /mnt/s -o "$opts" 2>&1) || fail "mount of [share] failed: $out"
mib=$((1024 * 1024))
stats_reset() { echo 0 > /proc/fs/cifs/Stats || fail "could not reset /proc/fs/cifs/Stats"; }
stats_sum() { grep -o "Bytes $1: *[0-9]*" /proc/fs/cifs/Stats | awk '{s += $3} END {print s + 0}'; }
as_user() { su -s /bin/sh "$LAB_USER" -c "$*"; }

# ---------------------------------------------------------------- keys
step "keys on an encrypted share"
out=$(mount -t cifs "//127.0.0.1/$enc" /mnt/e -o "$opts,seal,nosharesock" 2>&1) || fail "sealed mount of [$enc] failed: $out"
echo secret > /srv/share/e.txt
"$tool" keys /mnt/e/e.txt > /run/keys.txt 2> /run/keys.err || fail "keys as root exited $?: $(cat /run/keys.err)"
sed 's/\(Key: \|key: \).*/\1<redacted in the log>/' /run/keys.txt
"$tool" keys --json /mnt/e/e.txt > /run/keys.json || fail "keys --json failed"
sid=$("$tool" info --json /mnt/e | python3 -c 'import json,sys; print(hex(json.load(sys.stdin)["sessionId"]))')
"$tool" keys --json --session "$sid" /mnt/e > /run/keys2.json || fail "keys --session $sid failed"
python3 - /run/keys.json /run/keys2.json "$sid" <<'EOF' || fail "keys output is wrong"
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert a["full"] is True and a["cipherName"] in ("AES-128-CCM", "AES-128-GCM", "AES-256-CCM", "AES-256-GCM"), a["cipherName"]
n = 32 if a["cipherName"].startswith("AES-256") else 16
assert len(a["serverInKey"]) == 2 * n and len(a["serverOutKey"]) == 2 * n and len(a["sessionKey"]) >= 32, a
assert a["serverInKey"] != a["serverOutKey"] and set(a["serverInKey"]) != {"0"}
assert a == b and a["sessionId"] == int(sys.argv[3], 16), (a["sessionId"], sys.argv[3])
sid = a["sessionId"].to_bytes(8, "little").hex()
assert a["wireshark"] == f'"{sid}","{a["sessionKey"]}","{a["serverOutKey"]}","{a["serverInKey"]}"'
print("keys:", a["cipherName"], "session", hex(a["sessionId"]))
EOF
smbinfo keys /mnt/e/e.txt > /run/smbinfo-keys.txt 2>&1
python3 - /run/keys.json /run/smbinfo-keys.txt <<'EOF' || fail "keys differ from smbinfo keys"
import json, sys
a = json.load(open(sys.argv[1]))
ref = dict(l.split(": ", 1) for l in open(sys.argv[2]).read().splitlines() if ": " in l)
assert ref["ServerIn  Key"].replace(" ", "") == a["serverInKey"] and ref["ServerOut key"].replace(" ", "") == a["serverOutKey"]
assert ref["Session Key"].replace(" ", "") == a["sessionKey"]
print("keys equal smbinfo keys")
EOF
as_user "$tool keys /mnt/e/e.txt" > /dev/null 2> /run/keys-user.err; rc=$?
cat /run/keys-user.err
[ "$rc" -eq 1 ] && grep -q 'needs CAP_SYS_ADMIN' /run/keys-user.err || fail "keys as $LAB_USER: exit $rc, $(cat /run/keys-user.err)"
"$tool" keys /mnt/s > /dev/null 2> /run/keys-plain.err; rc=$?
[ "$rc" -eq 1 ] && grep -q 'not encrypted' /run/keys-plain.err || fail "keys on a plain share: exit $rc, $(cat /run/keys-plain.err)"
info "keys: root gets them (equal to smbinfo keys, --session $sid too); $LAB_USER: $(cat /run/keys-user.err); plain share: $(cat /run/keys-plain.err)"
umount /mnt/e

# ---------------------------------------------------------------- notify
mkdir -p /srv/share/watch && chown "$LAB_USER" /srv/share/watch
if [ "$server" = ksmbd ]; then
  step "notify against ksmbd (no CHANGE_NOTIFY): refused clearly"
  timeout 120 "$tool" notify --count 1 /mnt/s/watch > /run/notify.out 2> /run/notify.err; rc=$?
  cat /run/notify.out /run/notify.err
  [ "$rc" -eq 1 ] || fail "notify against ksmbd exited $rc, expected 1: $(cat /run/notify.err)"
  grep -q 'the server does not support change notification' /run/notify.err || fail "notify against ksmbd does not say why: $(cat /run/notify.err)"
  info "notify (ksmbd): $(cat /run/notify.err)"
else
  step "notify sees a file created in the watched directory"
  "$tool" notify --json --count 1 /mnt/s/watch > /run/notify.json 2> /run/notify.err &
  npid=$!
  for i in $(seq 1 20); do
    sleep 2
    kill -0 "$npid" 2>/dev/null || break
    touch "/mnt/s/watch/new-$i.txt"
  done
  kill -0 "$npid" 2>/dev/null && { kill -9 "$npid"; fail "notify saw nothing within 40s: $(cat /run/notify.err)"; }
  wait "$npid" || fail "notify exited $?: $(cat /run/notify.err)"
  cat /run/notify.json
  grep -q '"action":"added","actionCode":1,"name":"new-[0-9]*.txt"' /run/notify.json || fail "notify did not report the new file"
  info "notify: $(head -n1 /run/notify.json)"
fi

# ---------------------------------------------------------------- unbuffered I/O
step "write/read/cp-unbuffered with O_DIRECT"
stats_reset
"$tool" write --size 64M /mnt/s/direct > /run/w.txt 2>&1 || fail "write exited $?: $(cat /run/w.txt)"
written=$(stats_sum written)
cat /run/w.txt
[ "$(stat -c %s /srv/share/direct)" -eq $((64 * mib)) ] || fail "direct file has $(stat -c %s /srv/share/direct) bytes"
[ "$written" -ge $((64 * mib)) ] || fail "Stats shows only $written bytes written after an O_DIRECT write of 64 MiB"
python3 - /srv/share/direct <<'EOF' || fail "O_DIRECT write content is wrong"
import sys
block = bytes(i % 251 for i in range(1 << 20))
data = open(sys.argv[1], "rb").read()
assert all(data[o:o + len(block)] == block for o in range(0, len(data), len(block)))
EOF
for pass_ in 1 2; do
  stats_reset
  "$tool" read /mnt/s/direct > /run/r.txt 2>&1 || fail "read exited $?: $(cat /run/r.txt)"
  read_bytes=$(stats_sum read)
  [ "$read_bytes" -ge $((64 * mib)) ] || fail "read pass $pass_: Stats shows only $read_bytes bytes read"
done
cat /run/r.txt
grep -q '^read 67108864 bytes .* O_DIRECT' /run/r.txt || fail "unexpected read report: $(cat /run/r.txt)"
stats_reset
"$tool" cp-unbuffered --block-size 256K /mnt/s/direct /mnt/s/direct2 > /run/c.txt 2>&1 || fail "cp-unbuffered exited $?: $(cat /run/c.txt)"
[ "$(stats_sum read)" -ge $((64 * mib)) ] && [ "$(stats_sum written)" -ge $((64 * mib)) ] || fail "cp-unbuffered did not go through the server both ways"
cmp /srv/share/direct /srv/share/direct2 || fail "cp-unbuffered copy differs"
info "O_DIRECT: $(tail -n1 /run/w.txt); twice $(tail -n1 /run/r.txt) (server reads each time); $(tail -n1 /run/c.txt)"
out=$(mount -t cifs //127.0.0.1/share /mnt/cn -o "$opts,cache=none,nosharesock" 2>&1) || fail "cache=none mount failed: $out"
"$tool" read /mnt/cn/direct > /run/cn.txt 2>&1 || fail "read on cache=none exited $?"
grep -q 'cache=none' /run/cn.txt || fail "read on a cache=none mount does not say so: $(cat /run/cn.txt)"
info "cache=none: $(head -n1 /run/cn.txt)"
umount /mnt/cn
rm -f /srv/share/direct /srv/share/direct2

# ---------------------------------------------------------------- fsctl, integrity, compression
step "fsctl FSCTL_GET_COMPRESSION vs smbinfo getcompression; set-integrity; compression"
# FSCTL_GET_COMPRESSION has FILE_ANY_ACCESS, so the kernel opens with GENERIC_ALL (kernel-interfaces.md §3.2).
echo data > /srv/share/c.txt && chown "$LAB_USER" /srv/share/c.txt && chmod 777 /srv/share/c.txt
smbinfo getcompression /mnt/s/c.txt > /run/smbinfo.txt 2>&1
"$tool" fsctl --json --out-size 2 /mnt/s/c.txt 0x9003c > /run/fsctl.json 2> /run/fsctl.err; rc=$?
"$tool" fsctl --out-size 2 /mnt/s/c.txt 0x9003c
cat /run/smbinfo.txt /run/fsctl.json /run/fsctl.err
if grep -q 'syscall failed' /run/smbinfo.txt; then
  errno=$(grep -o 'Errno [0-9]*' /run/smbinfo.txt | cut -d' ' -f2)
  name=$(python3 -c "import errno,sys; n = errno.errorcode[int(sys.argv[1])]; print('EOPNOTSUPP' if n == 'ENOTSUP' else n)" "$errno")
  [ "$rc" -eq 1 ] && grep -q "($name)" /run/fsctl.err || fail "smbinfo getcompression failed with $name; fsctl: exit $rc, $(cat /run/fsctl.err)"
  fsctl_result="both fail with $name"
else
  [ "$rc" -eq 0 ] || fail "smbinfo getcompression worked, fsctl exited $rc: $(cat /run/fsctl.err)"
  python3 - /run/smbinfo.txt /run/fsctl.json <<'PYEOF' || fail "fsctl differs from smbinfo getcompression"
import json, sys
ref = int(open(sys.argv[1]).read().split("Compression: ")[1].split()[0])
ours = json.load(open(sys.argv[2]))
assert ours["length"] == 2 and int.from_bytes(bytes.fromhex(ours["output"]), "little") == ref, (ref, ours)
PYEOF
  fsctl_result="equal to smbinfo getcompression ($(cat /run/smbinfo.txt))"
fi
as_user "$tool fsctl /mnt/s/c.txt 0x9003c" > /dev/null 2> /run/fsctl-user.err; rc=$?
[ "$rc" -eq 1 ] && grep -q '(EPERM)' /run/fsctl-user.err || fail "fsctl as $LAB_USER: exit $rc, $(cat /run/fsctl-user.err)"
info "fsctl: $fsctl_result; as $LAB_USER: $(cat /run/fsctl-user.err)"
for cmd in "set-integrity /mnt/s/c.txt" "compression get /mnt/s/c.txt" "compression set --on /mnt/s/c.txt"; do
  # shellcheck disable=SC2086
  "$tool" $cmd > /run/o.txt 2> /run/o.err; rc=$?
  case "$rc" in
    0) info "$cmd: $(cat /run/o.txt)" ;;
    1) grep -q '(E[A-Z]*)' /run/o.err || fail "$cmd failed without naming the errno: $(cat /run/o.err)"; info "$cmd: exit 1: $(cat /run/o.err)" ;;
    *) fail "$cmd exited $rc: $(cat /run/o.err)" ;;
  esac
done
"$tool" compression get /mnt/s/c.txt | grep -q '^Compressed: ' || fail "compression get printed nothing sensible"

# ---------------------------------------------------------------- shutdown (last: it breaks the mount)
step "shutdown"
"$tool" shutdown --noflush /mnt/s < /dev/null > /dev/null 2> /run/sd.err; rc=$?
[ "$rc" -eq 2 ] && grep -q -- '--yes' /run/sd.err || fail "shutdown without --yes off a terminal: exit $rc, $(cat /run/sd.err)"
as_user "$tool shutdown --noflush --yes /mnt/s" > /dev/null 2> /run/sd-user.err; rc=$?
[ "$rc" -eq 1 ] && grep -q '(EPERM)' /run/sd-user.err || fail "shutdown as $LAB_USER: exit $rc, $(cat /run/sd-user.err)"
ls /mnt/s > /dev/null || fail "the mount broke before the shutdown"
"$tool" shutdown --noflush --yes /mnt/s > /run/sd.txt 2>&1 || fail "shutdown --yes exited $?: $(cat /run/sd.txt)"
cat /run/sd.txt
if ls /mnt/s/c.txt > /run/after.txt 2>&1 && cat /mnt/s/c.txt >> /run/after.txt 2>&1; then
  fail "I/O still works after shutdown: $(cat /run/after.txt)"
fi
info "shutdown: without --yes: $(cat /run/sd.err); as $LAB_USER: $(cat /run/sd-user.err); after --yes: $(tr '\n' ' ' < /run/after.txt)"
umount /mnt/s || umount -l /mnt/s || warn "umount after shutdown failed"
pass
