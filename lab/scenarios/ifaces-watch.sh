#!/bin/bash
# smb3-ifaces watch (issue 5): with a multichannel mount up, adding a dummy interface in the guest
# must produce a new JSON report line within a second (rtnetlink event, no polling), and the
# Prometheus textfile must be rewritten with the new interface.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
lab_start
syslog_start

ifaces=$SMB3KIT_BIN/smb3-ifaces
[ -x "$ifaces" ] || fail "smb3-ifaces not built ($ifaces missing)"
ip addr add 127.0.0.2/8 dev lo
samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=1000000000"'
check "modprobe cifs failed" modprobe cifs
ntlm_multichannel_mount /mnt/s

step "starting smb3-ifaces watch --interval 60"
"$ifaces" watch --interval 60 --prometheus-file /run/ifaces.prom /mnt/s > /run/watch.out 2> /run/watch.err &
watcher=$!
wait_for 10 test -s /run/watch.out || fail "watch printed no first report: $(head -c 300 /run/watch.err)"
[ "$(wc -l < /run/watch.out)" = 1 ] || fail "watch printed more than one line before any change"
grep -q '"channels":\[{"number":1' /run/watch.out || fail "the first report lacks the channels"
grep -q 'smb3_ifaces_mount_channels{mountpoint="/mnt/s"' /run/ifaces.prom || fail "no Prometheus textfile"

modprobe dummy 2>/dev/null || true
sleep 1
before=$(cut -d' ' -f1 /proc/uptime)
ip link add smb3lab0 type dummy || fail "ip link add (dummy) failed"
ip link set smb3lab0 up
got=
for _ in $(seq 1 60); do
  if tail -n +2 /run/watch.out | grep -q '"name":"smb3lab0"'; then got=1; break; fi
  sleep 0.05
done
after=$(cut -d' ' -f1 /proc/uptime)
[ -n "$got" ] || fail "no report naming smb3lab0 within 3 s: $(tail -c 400 /run/watch.out)"
info "new report naming smb3lab0 $(python3 -c "print(round($after - $before, 2))")s after 'ip link add' (lines: $(wc -l < /run/watch.out))"
grep -q 'smb3_ifaces_local_interface_rx_queues{name="smb3lab0"}' /run/ifaces.prom || fail "the textfile does not list smb3lab0"
python3 -c "import json,sys; [json.loads(l) for l in open('/run/watch.out')]" || fail "a watch line is not JSON"

# Idle: no wakeups while nothing changes (poll sleeps until the 60 s interval).
s1=$(awk '/^voluntary_ctxt_switches/{print $2}' /proc/$watcher/status)
sleep 5
s2=$(awk '/^voluntary_ctxt_switches/{print $2}' /proc/$watcher/status)
info "watch idle: $((s2 - s1)) voluntary context switches in 5 s; RSS $(awk '/^VmRSS/{print $2" "$3}' /proc/$watcher/status)"

# SIGHUP (what the udev rule's `systemctl reload` sends): a fresh report even without a change.
lines=$(wc -l < /run/watch.out)
kill -HUP "$watcher"
wait_for 5 sh -c "[ \$(wc -l < /run/watch.out) -gt $lines ]" || fail "SIGHUP produced no fresh report"
grep -q 'report refreshed (SIGHUP)' /run/watch.err || fail "SIGHUP was not logged as a refresh: $(tail -n 2 /run/watch.err)"
kill -0 "$watcher" || fail "watch exited on SIGHUP"
info "SIGHUP: fresh report line $((lines + 1))"

ip link del smb3lab0
kill "$watcher"
cat /run/watch.err
umount /mnt/s || fail "umount failed"
pass
