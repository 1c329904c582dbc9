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
printf '127.0.0.1 %s smb localhost\n::1 localhost\n' "$LAB_SMB_HOST" > /etc/hosts
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
if [ -x "$bin/smb3-ioctl" ] && "$bin/smb3-ioctl" --help 2>&1 | grep -qE "^ +info "; then
  echo; echo "## 4. The mount through the cifs ioctls"
  show "$bin/smb3-ioctl" info /mnt/k || fail "smb3-ioctl info failed"
fi
umount /mnt/k
echo "=== DEMO END"
pass
