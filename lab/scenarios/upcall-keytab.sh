#!/bin/bash
# smb3-upcall's keytab path (issue 3): a root mount with username=svc and no ticket of its own.
# The first upcall gets svc's TGT from /etc/krb5.keytab into the private cache
# /run/smb3kit/krb5cc_0_svc; the second channel's upcall reuses it, so the KDC sees exactly one
# AS exchange for svc (counted in the KDC log). --refresh-keytab-cache renews it (what the
# systemd timer runs).
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
kerberos_lab_start
kadmin.local -q "addprinc -randkey svc" >/dev/null || fail "addprinc svc failed"
kadmin.local -q "ktadd -k /etc/krb5.keytab svc" >/dev/null || fail "ktadd svc failed"
# Samba (standalone) maps svc@TEST.LAN to the local account svc.
id svc >/dev/null 2>&1 || useradd -M -s /bin/sh svc
ip addr add 127.0.0.2/8 dev lo
samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=1000000000"' krb5
upcall="$SMB3KIT_BIN/smb3-upcall"
[ -x "$upcall" ] || fail "smb3-upcall not built ($upcall)"
echo "create cifs.spnego * * $upcall -d %k" > /etc/request-key.d/cifs.spnego.conf
check "modprobe cifs failed" modprobe cifs
mkdir -p /mnt/k
hosts_server_first  # for 6.1's extra channel, which comes with an empty host=
as_requests() { grep -c "AS_REQ.*ISSUE.*svc@TEST.LAN for krbtgt" /run/krb5kdc.log; }
handed() { grep 'smb3-upcall' /var/log/messages | grep -c 'handed to cifs.ko'; }

step "root mount as username=svc with multichannel, keytab only"
[ ! -e /tmp/krb5cc_0 ] || fail "root unexpectedly has a ticket"
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "sec=krb5,username=svc,multichannel,max_channels=2,vers=3.1.1" 2>&1) \
  || { grep smb3-upcall /var/log/messages | tail -n 5; fail "keytab mount failed: $out"; }
wait_for 20 sh -c 'grep -q "Extra Channels: 1" /proc/fs/cifs/DebugData' || fail "second channel did not come up"
sleep 1
[ "$(handed)" -eq 2 ] || fail "expected 2 upcalls (2 channels), saw $(handed)"
[ "$(as_requests)" -eq 1 ] || { grep AS_REQ /run/krb5kdc.log; fail "expected 1 AS exchange for svc, the KDC saw $(as_requests)"; }
info "2 channels, 2 upcalls, $(as_requests) AS exchange for svc@TEST.LAN"
[ "$(stat -c '%a %U' /run/smb3kit)" = "700 root" ] || fail "/run/smb3kit is $(stat -c '%a %U' /run/smb3kit), not 700 root"
[ "$(stat -c '%a %U' /run/smb3kit/krb5cc_0_svc)" = "600 root" ] || fail "cache mode is $(stat -c '%a %U' /run/smb3kit/krb5cc_0_svc)"
klist -c /run/smb3kit/krb5cc_0_svc | grep -q 'Default principal: svc@TEST.LAN' || fail "the cache does not hold svc's TGT"
echo keytab > /mnt/k/keytab.txt && [ "$(cat /srv/share/keytab.txt)" = keytab ] || fail "write through the keytab mount failed"
umount /mnt/k

step "--refresh-keytab-cache renews the TGT"
out=$("$upcall" --refresh-keytab-cache svc 2>&1) || fail "refresh failed: $out"
info "$out"
[ "$(as_requests)" -eq 2 ] || fail "refresh did not make an AS exchange ($(as_requests))"
pass
