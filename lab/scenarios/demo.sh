#!/bin/bash
# The README's demo (make demo): the toolkit on a real cifs mount in the lab guest. Everything
# between the DEMO markers is shown on the host by lab/demo.sh. It passes only if each step
# worked, so the demo cannot quietly show a broken toolkit.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
lab_start
syslog_start
bin=$SMB3KIT_BIN
for p in smb3-upcall smb3-ifaces smb3-witnessd; do [ -x "$bin/$p" ] || fail "$p not built ($bin)"; done
show() { echo; echo "\$ $*"; "$@" 2>&1; }
echo "=== DEMO BEGIN"
echo "Kernel $(uname -r) in a throw-away qemu guest; Samba $(smbd -V | cut -d' ' -f2), MIT KDC, all on its loopback."

echo; echo "## 1. The witness-capable cifs.ko (CONFIG_CIFS_SWN_UPCALL, built from Debian's linux-source)"
if [ -f "${LAB_WITNESS_KO:-}" ]; then
  for m in $(modinfo -F depends "$LAB_WITNESS_KO" | tr ',' ' '); do modprobe "$m"; done
  insmod "$LAB_WITNESS_KO" || fail "insmod of the witness cifs.ko failed"
  show "$bin/smb3-witnessd" check-kernel || fail "smb3-witnessd check-kernel found no witness support"
else
  modprobe cifs || fail "modprobe cifs failed"
  show "$bin/smb3-witnessd" check-kernel && fail "the stock module unexpectedly has witness support"
fi

echo; echo "## 2. Kerberos: an MIT KDC, Samba with a keytab, request-key pointed at smb3-upcall"
hosts_setup
kdc_setup >/dev/null
ip addr add 127.0.0.2/8 dev lo
samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=1000000000"' krb5 >/dev/null
hosts_server_first
echo "create cifs.spnego * * $bin/smb3-upcall %k" > /etc/request-key.d/cifs.spnego.conf
show cat /etc/request-key.d/cifs.spnego.conf
echo; echo "\$ su $LAB_USER -c kinit   # alice gets a TGT"
kinit_user
desc="ver=0x2;host=$LAB_SMB_HOST;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x$(printf %x "$LAB_UID");pid=0x$(printf %x $$);upcall_target=app"
show "$bin/smb3-upcall" --explain "$desc" || fail "--explain failed"
mkdir -p /mnt/k
show mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "sec=krb5,cruid=$LAB_UID,vers=3.1.1,multichannel,max_channels=2" \
  || fail "Kerberos mount through smb3-upcall failed"
wait_for 20 sh -c 'grep -q "Extra Channels: 1" /proc/fs/cifs/DebugData' || fail "second channel did not come up"
sleep 1
echo; echo "\$ grep smb3-upcall /var/log/messages   # one upcall per channel"
grep 'smb3-upcall' /var/log/messages | sed 's/^.*smb3-upcall/smb3-upcall/'
show sh -c "echo hello > /mnt/k/hello.txt && cat /mnt/k/hello.txt" || fail "I/O through the mount failed"

echo; echo "## 3. Multichannel as the kernel sees it, parsed by smb3-ifaces"
show "$bin/smb3-ifaces" debugdata || fail "smb3-ifaces debugdata failed"
show "$bin/smb3-ifaces" /mnt/k || fail "smb3-ifaces report failed"
echo; echo "## 4. The mount through the cifs ioctls, and a server-side copy"
show "$bin/smb3-ioctl" info /mnt/k || fail "smb3-ioctl info failed"
# 128 MiB written on the server's own directory, not through the mount.
dd if=/dev/urandom of=/srv/share/big bs=1M count=128 status=none || fail "dd failed"
chown "$LAB_USER" /srv/share/big
echo 0 > /proc/fs/cifs/Stats || fail "could not reset /proc/fs/cifs/Stats"
mountpoint -q /dev/pts || { mkdir -p /dev/pts && mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts; } \
  || fail "cannot mount devpts for script(1)"
# script(1) gives the copy a terminal, where it shows its progress line; the range form goes
# through copy_file_range in 32 MiB steps, so the line moves.
echo; echo "\$ smb3-ioctl copy --length 128M /mnt/k/big /mnt/k/big.copy   # on a terminal"
script -qfec "$bin/smb3-ioctl copy --length 128M /mnt/k/big /mnt/k/big.copy" /run/copy.tty > /dev/null \
  || fail "server-side copy failed: $(tail -c 300 /run/copy.tty)"
# The terminal's redraws, one per line: the last progress states and the result.
tr '\r' '\n' < /run/copy.tty | sed 's/\x1b\[K//g' > /run/copy.lines
grep -E '%|^copied' /run/copy.lines | tail -n 3
grep -q '^copied 134217728 bytes .*server-side' /run/copy.lines || fail "the copy did not report a server-side copy of 128 MiB"
cmp /srv/share/big /srv/share/big.copy || fail "the copy differs from the source"
echo; echo "\$ grep -E 'Bytes (read|written)|IOCTLs' /proc/fs/cifs/Stats   # what crossed this client for 128 MiB copied"
grep -E 'Bytes (read|written)|IOCTLs' /proc/fs/cifs/Stats
written=$(grep -o 'Bytes written: *[0-9]*' /proc/fs/cifs/Stats | awk '{s += $3} END {print s + 0}')
[ "$written" -lt $((128 * 1024 * 1024 / 100)) ] || fail "Stats shows $written bytes written for a server-side copy"
rm -f /srv/share/big /srv/share/big.copy
umount /mnt/k

if [ -f "${LAB_WITNESS_KO:-}" ]; then
  echo; echo "## 5. smb3-witnessd: a cluster failover reaches the kernel"
  echo "(Samba's witness server: single-node ctdb + rpcd_witness on 192.0.2.11/.12 inside the guest)"
  # shellcheck source=../guest/witness-server.sh
  . "$LAB_GUEST/witness-server.sh"
  pkill -x smbd
  wait_for 30 sh -c '! pgrep -x smbd' || fail "the Kerberos demo's smbd did not stop"
  # Its progress goes to a file; a failure must still reach the console (fd 4).
  exec 4>&1
  fail() { LAB_RESULT=fail; echo "LAB-FAIL $LAB_SCENARIO: $*" >&4; lab_debug_dump >&4; exit 1; }
  witness_server_start > /run/witness-start.txt 2>&1
  mkdir -p /etc/smb3kit
  printf 'client_name = demoguest\nevents_file = /run/witness-events.jsonl\n' > /etc/smb3kit/witnessd.conf
  "$bin/smb3-witnessd" run > /run/witnessd.out 2>&1 &
  wd=$!
  wait_for 30 "$bin/smb3-witnessd" status || fail "smb3-witnessd did not start"
  mkdir -p /mnt/w
  # Shown with the password masked; the command run is the same.
  echo; echo "\$ mount -t cifs //witnesslab/share /mnt/w -o username=$WITNESS_USER,password=***,vers=3.1.1,witness,echo_interval=5"
  mount -t cifs //witnesslab/share /mnt/w \
    -o "username=$WITNESS_USER,password=$WITNESS_PASSWORD,vers=3.1.1,witness,echo_interval=5" \
    || fail "witness mount failed"
  wait_for 90 sh -c "\"$bin/smb3-witnessd\" status --json | grep -q '\"state\":\"registered\"'" \
    || fail "the daemon did not register: $(tail -n 3 /run/witnessd.out)"
  show "$bin/smb3-witnessd" status
  show sh -c "ss -Htn state established 'dport = :445' | awk '{print \$3, \"->\", \$4}'"
  show net witness client-move --witness-apply-to-all --witness-new-ip="$WITNESS_NODE_IP"
  wait_for 60 sh -c "grep -q '\"event\":\"client-move\"' /run/witness-events.jsonl" || fail "no client-move event"
  wait_for 60 sh -c "ss -Htn state established 'dport = :445' | grep -q '$WITNESS_NODE_IP:445'" \
    || fail "the kernel's connection did not move"
  show sh -c "ss -Htn state established 'dport = :445' | awk '{print \$3, \"->\", \$4}'"
  show sh -c "grep client-move /run/witness-events.jsonl | python3 -m json.tool"
  show sh -c "echo still here > /mnt/w/after-move.txt && cat /mnt/w/after-move.txt" || fail "I/O after the move failed"
  umount /mnt/w
  kill -TERM "$wd"
  witness_server_stop > /dev/null 2>&1
fi
echo "=== DEMO END"
pass
