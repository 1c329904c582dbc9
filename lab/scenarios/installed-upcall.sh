#!/bin/bash
# Issue 14, the installed upcall: the Debian package in a guest that boots systemd.
#   - the package enabled and started smb3-upcall.socket, and left witnessd and ifaces disabled;
#   - smb3-upcall --check-setup: ready with cifs-utils' handler; a second request-key line, a
#     handler that does not exist and a kernel without CONFIG_CIFS_UPCALL are each a problem
#     with its fix; fixed again, ready again;
#   - smb3-upcall --set-handler smb3-upcall: exactly one active cifs.spnego line, ours;
#   - a ticketless mount fails (126) and journalctl -t smb3-upcall KRB5_ERROR=noTicket finds it;
#   - a Kerberos mount: request-key -> smb3-upcall -> smb3-upcall.socket activation -> the
#     service's child; journalctl -t smb3-upcall UPCALL_VIA=service finds it; the service runs
#     with its unit's hardening (NoNewPrivs, the capability bounding set);
#   - smb3-upcall --set-handler cifs.upcall: cifs-utils' line is back, ours is off, and the next
#     mount's upcall is cifs.upcall's; running it again changes nothing.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
# shellcheck source=../guest/installed.sh
. "$LAB_GUEST/installed.sh"
installed_lab_start

step "the package's units: smb3-upcall.socket enabled and listening, the daemons not enabled"
[ "$(systemctl is-enabled smb3-upcall.socket)" = enabled ] || fail "smb3-upcall.socket is not enabled after dpkg -i"
[ "$(systemctl is-active smb3-upcall.socket)" = active ] || fail "smb3-upcall.socket is not active after dpkg -i"
[ -S /run/smb3kit/upcall.sock ] || fail "no socket at /run/smb3kit/upcall.sock"
for u in smb3-witnessd.service smb3-ifaces.service; do
  [ "$(systemctl is-enabled "$u" 2>&1)" = disabled ] || fail "$u is $(systemctl is-enabled "$u" 2>&1) after dpkg -i, not disabled"
  [ "$(systemctl is-active "$u" 2>&1)" = inactive ] || fail "$u was started by dpkg -i"
done
info "after dpkg -i: smb3-upcall.socket enabled+active; smb3-witnessd, smb3-ifaces disabled+inactive"

installed_kerberos
# The kernel's configuration where --check-setup looks for it (the guest's /boot is the host's).
cp "$LAB_KDIR/config" "/boot/config-$(uname -r)" || fail "no kernel config in the lab cache"

# check_setup WANT_EXIT [CHECK=STATUS ...]: runs --check-setup --json, which must exit WANT_EXIT
# and give each named check that status; the text form is shown in the log.
check_setup() {
  local want=$1 rc=0; shift
  /usr/sbin/smb3-upcall --check-setup > /run/check.txt 2>&1 || true
  /usr/sbin/smb3-upcall --check-setup --json > /run/check.json 2> /run/check.err || rc=$?
  cat /run/check.txt
  [ "$rc" = "$want" ] || fail "--check-setup --json exited $rc, expected $want: $(cat /run/check.txt)"
  python3 - /run/check.json "$want" "$@" <<'PY' || fail "--check-setup --json: $(cat /run/check.json)"
import json, sys
d = json.load(open(sys.argv[1]))
checks = {c["name"]: c for c in d["checks"]}
assert d["ready"] == (sys.argv[2] == "0"), d["ready"]
for want in sys.argv[3:]:
    name, status = want.split("=")
    assert name in checks, f"no check {name}: {sorted(checks)}"
    assert checks[name]["status"] == status, checks[name]
    if status == "problem":
        assert checks[name].get("fix"), f"{name}: a problem without a fix: {checks[name]}"
PY
}

step "--check-setup with cifs-utils' handler"
check_setup 0 request-key-program=ok spnego-handler=ok cifs-module=ok krb5-realm=ok upcall-service=ok
grep -q 'cifs.upcall' /run/check.txt || fail "--check-setup does not name cifs.upcall as the handler"

step "--check-setup finds a second handler line, then a handler that does not exist"
echo 'create cifs.spnego * * /usr/sbin/no-such-upcall %k' > /etc/request-key.d/zz-lab.conf
check_setup 1 spnego-handler=problem
sed -i 's|^create|#create|' /etc/request-key.d/cifs.spnego.conf
check_setup 1 spnego-handler=problem
grep -q 'no-such-upcall' /run/check.txt || fail "--check-setup does not name the missing handler"
sed -i 's|^#create|create|' /etc/request-key.d/cifs.spnego.conf
rm /etc/request-key.d/zz-lab.conf

step "--check-setup finds a kernel built without CONFIG_CIFS_UPCALL"
sed -i 's|^CONFIG_CIFS_UPCALL=y|# CONFIG_CIFS_UPCALL is not set|' "/boot/config-$(uname -r)"
check_setup 1 cifs-module=problem
cp "$LAB_KDIR/config" "/boot/config-$(uname -r)"
check_setup 0 spnego-handler=ok cifs-module=ok
info "--check-setup: two handler lines, a missing handler, no CONFIG_CIFS_UPCALL: each a problem with a fix; fixed: ready"

step "smb3-upcall --set-handler smb3-upcall"
/usr/sbin/smb3-upcall --set-handler smb3-upcall || fail "--set-handler smb3-upcall failed"
spnego_lines
[ "$(spnego_lines | wc -l)" = 1 ] || fail "not exactly one active cifs.spnego line: $(spnego_lines)"
spnego_lines | grep -q '/usr/sbin/smb3-upcall %k' || fail "the active line is not smb3-upcall's"
check_setup 0 spnego-handler=ok
grep -q '/usr/sbin/smb3-upcall' /run/check.txt || fail "--check-setup does not name smb3-upcall as the handler"

mkdir -p /mnt/k
opts="sec=krb5,cruid=$LAB_UID,vers=3.1.1"
step "a ticketless mount fails and is found with KRB5_ERROR=noTicket"
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) && fail "a mount without a ticket succeeded"
case "$out" in *"error(126)"*) ;; *) fail "the ticketless mount did not fail with 126: $out" ;; esac
journal_has 20 -t smb3-upcall KRB5_ERROR=noTicket || fail "journalctl -t smb3-upcall KRB5_ERROR=noTicket finds nothing"
info "journalctl -t smb3-upcall KRB5_ERROR=noTicket: $(journalctl -b -q --no-pager -o cat -t smb3-upcall KRB5_ERROR=noTicket | tail -n 1)"

step "a Kerberos mount through request-key, smb3-upcall and the socket-activated service"
kinit_user
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) || fail "the Kerberos mount failed: $out"
grep -q 'Security type: Kerberos' /proc/fs/cifs/DebugData || fail "DebugData shows no Kerberos session"
echo installed > /mnt/k/installed.txt || fail "I/O on the mount failed"
journal_has 20 -t smb3-upcall UPCALL_VIA=service || fail "journalctl -t smb3-upcall UPCALL_VIA=service finds nothing"
info "journalctl -t smb3-upcall UPCALL_VIA=service: $(journalctl -b -q --no-pager -o cat -t smb3-upcall UPCALL_VIA=service | tail -n 1)"
[ "$(systemctl is-active smb3-upcall.service)" = active ] || fail "smb3-upcall.service is not running after the upcall"
pid=$(systemctl show -P MainPID smb3-upcall.service)
grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$pid/status" || fail "the service runs without NoNewPrivileges"
bnd=$(awk '/^CapBnd/ {print $2}' "/proc/$pid/status")
# CAP_SYS_ADMIN CAP_SYS_CHROOT CAP_SETUID CAP_SETGID CAP_SYS_PTRACE CAP_DAC_READ_SEARCH (the unit's)
[ "$bnd" = 00000000002c00c4 ] || fail "the service's capability bounding set is $bnd, not the unit's"
info "smb3-upcall.service (pid $pid): NoNewPrivs 1, CapBnd $bnd, as its unit says"
umount /mnt/k
cifs_wait_idle

step "smb3-upcall --set-handler cifs.upcall: back to cifs-utils"
ours_before=$(journalctl -b -q --no-pager -o cat -t smb3-upcall | wc -l)
/usr/sbin/smb3-upcall --set-handler cifs.upcall || fail "--set-handler cifs.upcall failed"
spnego_lines
[ "$(spnego_lines | wc -l)" = 1 ] || fail "not exactly one active cifs.spnego line: $(spnego_lines)"
spnego_lines | grep -q '/usr/sbin/cifs.upcall %k' || fail "cifs-utils' line is not the active one"
cp -a /etc/request-key.d /run/rk-before
/usr/sbin/smb3-upcall --set-handler cifs.upcall || fail "--set-handler cifs.upcall (again) failed"
diff -r /run/rk-before /etc/request-key.d || fail "a second --set-handler cifs.upcall changed the files"
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) || fail "the Kerberos mount with cifs.upcall failed: $out"
grep -q installed /mnt/k/installed.txt || fail "the file is not there through cifs.upcall's session"
# cifs.upcall logs each upcall at debug level, which journald keeps.
journal_has 20 -t cifs.upcall || fail "cifs.upcall logged nothing for the mount after the switch back"
[ "$(journalctl -b -q --no-pager -o cat -t smb3-upcall | wc -l)" = "$ours_before" ] \
  || fail "smb3-upcall handled an upcall after the switch back: $(journalctl -b -q --no-pager -o cat -t smb3-upcall | tail -n 2)"
umount /mnt/k
cifs_wait_idle
info "--set-handler: smb3-upcall and back to cifs.upcall, one active line each time, idempotent"
pass
