#!/bin/bash
# Issue 14, the installed interface reporter: smb3-ifaces.service from the package (Type=notify,
# its sandbox in force) reports a multichannel mount; `ip link add ... type dummy` reaches udevd,
# the package's rule 90-smb3-ifaces.rules reloads the service (SIGHUP), and the service
# re-reports with the journal field IFACES_REASON=SIGHUP; removing the link does it again.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
# shellcheck source=../guest/installed.sh
. "$LAB_GUEST/installed.sh"
installed_lab_start
installed_kerberos
[ -f /lib/udev/rules.d/90-smb3-ifaces.rules ] || fail "the package did not install the udev rule"
[ "$(systemctl is-active systemd-udevd)" = active ] || fail "udevd is not running"

ntlm_multichannel_mount /mnt/i

step "systemctl start smb3-ifaces.service"
systemctl start smb3-ifaces.service || { journalctl -b -q --no-pager -u smb3-ifaces.service | tail; fail "smb3-ifaces.service did not start"; }
pid=$(systemctl show -P MainPID smb3-ifaces.service)
status=$(systemctl show -P StatusText smb3-ifaces.service)
[ "$status" = "watching 1 mount(s)" ] || fail "the service's status is '$status'"
journal_has 20 -t smb3-ifaces IFACES_REASON=start IFACES_MOUNTS=1 || fail "no journal entry IFACES_REASON=start IFACES_MOUNTS=1"
info "smb3-ifaces.service ready (pid $pid): $status"

reloads() { journalctl -b -q --no-pager -t smb3-ifaces IFACES_REASON=SIGHUP | wc -l; }
step "ip link add smb3lab0 type dummy: udevd runs the rule, the service re-reports"
modprobe dummy 2>/dev/null || true
n=$(reloads)
ip link add smb3lab0 type dummy || fail "ip link add failed"
wait_for 30 sh -c "[ \$(journalctl -b -q --no-pager -t smb3-ifaces IFACES_REASON=SIGHUP | wc -l) -gt $n ]" \
  || fail "no IFACES_REASON=SIGHUP entry after a NIC was added (the udev rule did not reload the service)"
info "after ip link add: $(journalctl -b -q --no-pager -o cat -t smb3-ifaces IFACES_REASON=SIGHUP | tail -n 1)"
[ "$(systemctl show -P MainPID smb3-ifaces.service)" = "$pid" ] || fail "the rule restarted the service instead of reloading it"

step "ip link del smb3lab0: the rule fires again"
n=$(reloads)
ip link del smb3lab0 || fail "ip link del failed"
wait_for 30 sh -c "[ \$(journalctl -b -q --no-pager -t smb3-ifaces IFACES_REASON=SIGHUP | wc -l) -gt $n ]" \
  || fail "no IFACES_REASON=SIGHUP entry after the NIC was removed"
[ "$(systemctl is-active smb3-ifaces.service)" = active ] || fail "the service is not running any more"
journalctl -b -q --no-pager -u smb3-ifaces.service | tail -n 8
# node-exporter is not installed here, so its textfile directory is missing: three reports (start
# and two reloads) fail to write the textfile, and the journal says so once, as a warning.
textfile=$(journalctl -b -q --no-pager -o cat -u smb3-ifaces.service | grep -c 'Prometheus textfile\|\.prom\.' || true)
[ "$textfile" = 1 ] || fail "expected one line about the missing textfile directory, got $textfile: $(journalctl -b -q --no-pager -o cat -u smb3-ifaces.service | grep 'Prometheus textfile\|\.prom\.' | head -n 3)"
journal_has 5 -u smb3-ifaces.service -p warning --grep 'cannot write the Prometheus textfile' \
  || fail "the missing textfile directory was not logged as a warning"
info "missing textfile directory logged once: $(journalctl -b -q --no-pager -o cat -u smb3-ifaces.service --grep 'Prometheus textfile')"
errors=$(journalctl -b -q --no-pager -u smb3-ifaces.service -p err | wc -l)
[ "$errors" = 0 ] || fail "smb3-ifaces.service logged errors: $(journalctl -b -q --no-pager -u smb3-ifaces.service -p err | tail -n 3)"
info "udev add and remove each reloaded smb3-ifaces.service (pid $pid throughout), no errors logged"
systemctl stop smb3-ifaces.service
umount /mnt/i
cifs_wait_idle
pass
