#!/bin/bash
# Issue 14, the installed keytab refresh: smb3-upcall-keytab@svc.timer from the package is
# enabled and scheduled; its service (with the unit's sandbox in force) gets svc's TGT from
# /etc/krb5.keytab into /run/smb3kit/krb5cc_0_svc when the timer fires, and again, with one AS
# exchange, on `systemctl start`; a root mount as username=svc through smb3-upcall then uses that cache (no further
# AS exchange).
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
# shellcheck source=../guest/installed.sh
. "$LAB_GUEST/installed.sh"
installed_lab_start
installed_kerberos
kadmin.local -q "addprinc -randkey svc" >/dev/null || fail "addprinc svc failed"
kadmin.local -q "ktadd -k /etc/krb5.keytab svc" >/dev/null || fail "ktadd svc failed"
id svc >/dev/null 2>&1 || useradd -M -s /bin/sh svc
as_requests() { grep -c "AS_REQ.*ISSUE.*svc@TEST.LAN for krbtgt" /run/krb5kdc.log; }
cache=/run/smb3kit/krb5cc_0_svc

step "systemctl enable --now smb3-upcall-keytab@svc.timer"
# The packaged timer spreads a fleet's KDC load: every elapse, the first after boot too, comes
# up to RandomizedDelaySec=5min late, i.e. up to 6 min after boot, and this guest is younger
# than that. A runtime drop-in takes the spread out for this test; the service is the package's.
delay=$(systemctl show -P RandomizedDelayUSec smb3-upcall-keytab@svc.timer)
[ "$delay" = 5min ] || fail "the packaged timer's RandomizedDelaySec is $delay, not 5min"
mkdir -p /run/systemd/system/smb3-upcall-keytab@svc.timer.d
printf '[Timer]\nRandomizedDelaySec=0\n' > /run/systemd/system/smb3-upcall-keytab@svc.timer.d/lab.conf
systemctl daemon-reload
systemctl enable --now smb3-upcall-keytab@svc.timer 2>&1 || fail "enabling the keytab timer failed"
[ "$(systemctl is-active smb3-upcall-keytab@svc.timer)" = active ] || fail "the timer is not active"
# OnBootSec=1min is past in this guest (or soon), so enabling the timer refreshes at once.
info "uptime $(lab_uptime) s; the timer's first elapse at monotonic $(systemctl show -P NextElapseUSecMonotonic smb3-upcall-keytab@svc.timer)"
step "the timer's first run (the unit's sandbox in force) gets svc's TGT"
wait_for 60 sh -c "[ \"\$(systemctl show -P Result smb3-upcall-keytab@svc.service)\" = success ] && [ -s $cache ] \
  && [ \"\$(systemctl is-active smb3-upcall-keytab@svc.service)\" = inactive ]" \
  || { journalctl -b -q --no-pager -u smb3-upcall-keytab@svc.service | tail -n 10; fail "the timer did not run the keytab service successfully"; }
[ "$(systemctl show -P LastTriggerUSecMonotonic smb3-upcall-keytab@svc.timer)" != 0 ] || fail "the timer has not triggered"
klist -c "$cache" | grep -q 'Default principal: svc@TEST.LAN' || fail "$cache does not hold svc's TGT"
klist -c "$cache" | grep -q 'krbtgt/TEST.LAN@TEST.LAN' || fail "$cache has no TGT"
[ "$(stat -c '%a %U' "$cache")" = "600 root" ] || fail "the cache is $(stat -c '%a %U' "$cache")"
first=$(klist -c "$cache" | awk '/krbtgt\/TEST.LAN@TEST.LAN/ {print $1, $2; exit}')
journalctl -b -q --no-pager -u smb3-upcall-keytab@svc.service | tail -n 3
# After the run, the next one is due OnUnitActiveSec=1h later.
wait_for 30 sh -c '[ "$(systemctl show -P NextElapseUSecMonotonic smb3-upcall-keytab@svc.timer)" != infinity ]' \
  || fail "the timer has no next elapse after its run"
systemctl list-timers --all --no-pager smb3-upcall-keytab@svc.timer
info "smb3-upcall-keytab@svc.timer ran once and is scheduled again: next elapse at monotonic $(systemctl show -P NextElapseUSecMonotonic smb3-upcall-keytab@svc.timer)"

step "systemctl start smb3-upcall-keytab@svc.service renews it"
before=$(as_requests)
# The new TGT's start time must differ from the first's (klist shows whole seconds).
wait_for 10 sh -c '[ "$(date +%s)" -gt '"$(date +%s)"' ]'
systemctl start smb3-upcall-keytab@svc.service \
  || { journalctl -b -q --no-pager -u smb3-upcall-keytab@svc.service | tail -n 10; fail "the keytab service failed"; }
[ "$(systemctl show -P Result smb3-upcall-keytab@svc.service)" = success ] || fail "the keytab service's result is not success"
[ "$(as_requests)" -eq $((before + 1)) ] || fail "the refresh made $(($(as_requests) - before)) AS exchanges, not 1"
second=$(klist -c "$cache" | awk '/krbtgt\/TEST.LAN@TEST.LAN/ {print $1, $2; exit}')
[ "$first" != "$second" ] || fail "the TGT was not renewed (valid from $first both times)"
info "the timer's run and systemctl start each refreshed $cache (TGT valid from $first, then $second), one AS exchange for the start"

step "a root mount as username=svc uses the refreshed cache"
/usr/sbin/smb3-upcall --set-handler smb3-upcall >/dev/null || fail "--set-handler smb3-upcall failed"
mkdir -p /mnt/k
n=$(as_requests)
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "sec=krb5,username=svc,vers=3.1.1" 2>&1) \
  || fail "the keytab mount failed: $out"
echo keytab > /mnt/k/keytab.txt || fail "I/O on the keytab mount failed"
[ "$(as_requests)" -eq "$n" ] || fail "the mount made an AS exchange instead of using the refreshed cache"
umount /mnt/k
cifs_wait_idle
/usr/sbin/smb3-upcall --set-handler cifs.upcall >/dev/null || fail "--set-handler cifs.upcall failed"
info "the mount used the timer service's cache: no AS exchange"
pass
