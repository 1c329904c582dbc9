#!/bin/bash
# smb3-upcall reaching gssproxy (issue 3): the user has no credential cache at all; gssproxy
# holds a client keytab for them. request-key runs smb3-upcall with GSS_USE_PROXY=yes, as
# cifs.upcall is run on gssproxy hosts: with no cache and no keytab of its own, smb3-upcall asks
# GSS-API, whose gssproxy interposer (/etc/gss/mech.d/proxymech.conf) gets the ticket from the
# daemon. Proves: the mount works and I/O goes through it; the log says the token came through
# GSS-API; the KDC saw gssproxy's AS exchange for the user; no ccache was created for the user;
# without GSS_USE_PROXY the same mount fails with 126 and names the missing ticket; through the
# upcall service the handler's GSS_USE_PROXY=yes reaches the service's child.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
kerberos_lab_start
samba_setup 127.0.0.1 krb5
U="$SMB3KIT_BIN/smb3-upcall"
[ -x "$U" ] || fail "smb3-upcall not built ($U)"
command -v gssproxy >/dev/null || fail "gssproxy is not installed (lab/setup-host.sh installs it)"
[ -f /etc/gss/mech.d/proxymech.conf ] || fail "no gssproxy interposer in /etc/gss/mech.d"
check "modprobe cifs failed" modprobe cifs
log_lines() { grep 'smb3-upcall' /var/log/messages 2>/dev/null; }

step "gssproxy with a client keytab for $LAB_USER (uid $LAB_UID)"
mkdir -p /var/lib/gssproxy/clients /var/lib/gssproxy/rcache /etc/gssproxy
kadmin.local -q "ktadd -norandkey -k /var/lib/gssproxy/clients/$LAB_UID.keytab $LAB_USER" >/dev/null \
  || fail "ktadd -norandkey $LAB_USER failed"
cat > /etc/gssproxy/gssproxy.conf <<CONF
[gssproxy]
  debug_level = 1
[service/cifs-upcall]
  mechs = krb5
  cred_store = client_keytab:/var/lib/gssproxy/clients/%U.keytab
  cred_store = ccache:MEMORY:gssproxy_%U
  cred_usage = initiate
  allow_any_uid = yes
  euid = 0
CONF
rm -f /etc/gssproxy/24-nfs-server.conf
gssproxy -i -c /etc/gssproxy/gssproxy.conf > /run/gssproxy.out 2>&1 &
GSSPROXY_PID=$!
wait_for 30 test -S /var/lib/gssproxy/default.sock || { cat /run/gssproxy.out; fail "gssproxy did not create its socket"; }
info "gssproxy pid $GSSPROXY_PID, socket /var/lib/gssproxy/default.sock"
su "$LAB_USER" -c 'kdestroy -A' >/dev/null 2>&1; rm -f /tmp/krb5cc_*
mkdir -p /mnt/k
opts="sec=krb5,cruid=$LAB_UID,vers=3.1.1"

step "without GSS_USE_PROXY: no ticket, 126, one line naming it"
echo "create cifs.spnego * * $U -d %k" > /etc/request-key.d/cifs.spnego.conf
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) && fail "mount without any ticket succeeded"
case "$out" in *"error(126)"*) ;; *) fail "expected error 126: $out" ;; esac
sleep 1
log_lines | grep -q "no Kerberos ticket for uid $LAB_UID" || { log_lines | tail -n 3; fail "no log line naming the missing ticket"; }
info "log: $(log_lines | grep 'no Kerberos ticket' | tail -n 1 | sed 's/^.*smb3-upcall\[[0-9]*\]: //')"

step "with GSS_USE_PROXY=yes: the token comes from gssproxy"
echo "create cifs.spnego * * /usr/bin/env GSS_USE_PROXY=yes $U -d %k" > /etc/request-key.d/cifs.spnego.conf
as_before=$(grep -c "AS_REQ.*ISSUE.*$LAB_USER@$LAB_REALM for krbtgt" /run/krb5kdc.log || true)
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) \
  || { log_lines | tail -n 4; cat /run/gssproxy.out; fail "mount through gssproxy failed: $out"; }
sleep 1
log_lines | tail -n 1 | grep 'handed to cifs.ko' | grep -q 'krb5_ccache=GSSAPI' \
  || { log_lines | tail -n 4; fail "the upcall did not hand over a GSS-API token"; }
info "log: $(log_lines | tail -n 1 | sed 's/^.*smb3-upcall\[[0-9]*\]: //')"
grep -q 'Security type: Kerberos' /proc/fs/cifs/DebugData || fail "DebugData does not show a Kerberos session"
echo "through gssproxy" > /mnt/k/gssproxy.txt && [ "$(cat /srv/share/gssproxy.txt)" = "through gssproxy" ] \
  || fail "I/O through the gssproxy-authenticated session failed"
as_after=$(grep -c "AS_REQ.*ISSUE.*$LAB_USER@$LAB_REALM for krbtgt" /run/krb5kdc.log || true)
[ "$as_after" -gt "$as_before" ] || fail "the KDC saw no AS exchange for $LAB_USER (gssproxy's client keytab)"
info "KDC: $((as_after - as_before)) AS exchange(s) for $LAB_USER@$LAB_REALM, made by gssproxy"
ls /tmp/krb5cc_* >/dev/null 2>&1 && fail "a ccache for the user appeared: $(ls /tmp/krb5cc_*)"
umount /mnt/k
cifs_wait_idle

step "the same through the upcall service, whose own environment has no GSS_USE_PROXY"
mkdir -m 0700 -p /run/smb3kit
env -u GSS_USE_PROXY "$U" --serve > /run/upcall-service.out 2>&1 &
service=$!
wait_for 10 test -S /run/smb3kit/upcall.sock || { cat /run/upcall-service.out; fail "the upcall service did not start"; }
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) \
  || { log_lines | tail -n 4; fail "mount through the upcall service and gssproxy failed: $out"; }
sleep 1
log_lines | tail -n 1 | grep 'handed to cifs.ko' | grep 'krb5_ccache=GSSAPI' | grep -q 'upcall_via=service' \
  || { log_lines | tail -n 4; fail "the service's upcall did not hand over a GSS-API token"; }
info "log: $(log_lines | tail -n 1 | sed 's/^.*smb3-upcall\[[0-9]*\]: //')"
umount /mnt/k
cifs_wait_idle
kill "$service"
wait "$service" 2>/dev/null

step "gssproxy stopped: the same handler fails again"
kill "$GSSPROXY_PID"
wait "$GSSPROXY_PID" 2>/dev/null
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) && fail "the mount worked without gssproxy"
info "without gssproxy: $out"
pass
