#!/bin/bash
# Scenarios B + C (lab-recipe.md §7, §8): MIT KDC and a keytab'd Samba in the guest; the
# REFERENCE handler (cifs-utils' /usr/sbin/cifs.upcall) behind a logging wrapper named in
# /etc/request-key.d/cifs.spnego.conf. A mount without a ticket must fail with 126
# (ENOKEY), the same mount after kinit must succeed with Security type Kerberos.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
kerberos_lab_start
samba_setup lo krb5
upcall_wrapper_install
check "modprobe cifs failed" modprobe cifs
mkdir -p /mnt/k
opts="sec=krb5,cruid=$LAB_UID,vers=3.1.1"

step "mount without a ticket (must fail with 126)"
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1); rc=$?
echo "$out"
[ "$rc" -ne 0 ] || fail "mount without a Kerberos ticket succeeded"
case "$out" in
  *"error(126)"*) info "no ticket: mount.cifs exit $rc, $out" ;;
  *) fail "mount without a ticket failed, but not with error 126: $out" ;;
esac
[ "$(upcall_descs | wc -l)" -ge 1 ] || fail "the upcall handler was not called for the ticketless mount"

step "kinit $LAB_USER, then mount with sec=krb5"
kinit_user
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) || fail "sec=krb5 mount failed after kinit: $out"
grep -q 'Security type: Kerberos' /proc/fs/cifs/DebugData || fail "DebugData does not show Security type: Kerberos"
grep -qE "Cred User: $LAB_UID\$" /proc/fs/cifs/DebugData || fail "DebugData does not show Cred User: $LAB_UID"
grep -E 'Security type|User:' /proc/fs/cifs/DebugData
grep cifs /proc/mounts
cat /run/upcall.log
[ "$(upcall_descs | wc -l)" -eq 2 ] || fail "expected 2 upcalls (one per session setup), saw $(upcall_descs | wc -l)"
desc=$(cat "$(upcall_descs | tail -n1)")
case "$desc" in
  "cifs.spnego;0;0;"*";ver=0x2;host=$LAB_SMB_HOST;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x$(printf %x "$LAB_UID");user=root;pid=0x"*) ;;
  *) fail "unexpected key description: $desc" ;;
esac
if [ "$LAB_KERNEL" = 6.12 ]; then
  case "$desc" in *";upcall_target=app") ;; *) fail "6.12 description lacks ;upcall_target=app: $desc" ;; esac
fi
info "handler saw: $desc"
echo hello > /mnt/k/hello.txt || fail "write through the krb5 mount failed"
[ "$(cat /srv/share/hello.txt)" = hello ] || fail "write through the krb5 mount did not reach the share"
umount /mnt/k || fail "umount failed"
pass
