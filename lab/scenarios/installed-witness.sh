#!/bin/bash
# Issue 14, the installed witness daemon: `systemctl start smb3-witnessd` (the package's unit:
# CAP_NET_ADMIN only, ProtectSystem=strict, ...) against Samba's witness server (single-node
# ctdb + rpcd_witness in the guest) and the witness-capable cifs.ko:
#   - STATUS text in `systemctl status`; a witness mount is registered;
#   - `systemctl reload` re-reads /etc/smb3kit/witnessd.conf (a new events_file gets the next event);
#   - `net witness client-move`: forwarded, the kernel's connection aborted and moved, I/O goes
#     on, journalctl WITNESS_EVENT=client-move finds it; a connection of another user survives;
#   - `systemctl stop` unregisters: the witness server no longer lists the client.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
# shellcheck source=../guest/witness-server.sh
. "$LAB_GUEST/witness-server.sh"
# shellcheck source=../guest/witness-daemon.sh
. "$LAB_GUEST/witness-daemon.sh"
# shellcheck source=../guest/installed.sh
. "$LAB_GUEST/installed.sh"
installed_lab_start
W=/usr/sbin/smb3-witnessd
EVENTS=/var/lib/smb3-witnessd/events.jsonl
mkdir -p /run/witness
wfail() { systemctl status --no-pager smb3-witnessd; journalctl -b -q --no-pager -u smb3-witnessd | tail -n 30; fail "$@"; }

# The Kerberos scenarios' smbd holds port 445; the cluster's smbd takes over.
if pgrep -x smbd >/dev/null; then
  pkill -x smbd
  wait_for 30 sh -c '! pgrep -x smbd' || fail "the earlier smbd did not stop"
  rm -f "$LAB_STATE/kerberos"
fi
installed_cifs
grep -q '^Features:.*WITNESS' /proc/fs/cifs/DebugData || fail "the loaded cifs.ko has no witness support"
witness_server_start

step "systemctl start smb3-witnessd (the package's unit and configuration file)"
[ -f /etc/smb3kit/witnessd.conf ] || fail "the package did not install /etc/smb3kit/witnessd.conf"
cat >> /etc/smb3kit/witnessd.conf <<CONF
# lab
client_name = labclient
max_backoff = 4
CONF
systemctl start smb3-witnessd || wfail "smb3-witnessd did not start"
systemctl status --no-pager smb3-witnessd | sed -n '1,6p'
systemctl status --no-pager smb3-witnessd | grep -q 'Status: "listening for cifs.ko witness registrations"' \
  || wfail "systemctl status shows no STATUS text saying the daemon listens"
pid=$(systemctl show -P MainPID smb3-witnessd)
bnd=$(awk '/^CapBnd/ {print $2}' "/proc/$pid/status")
[ "$bnd" = 0000000000001000 ] || wfail "the daemon's capability bounding set is $bnd, not CAP_NET_ADMIN alone"
# The unit's sandbox (ProcSubset=pid, @system-service) lets it read its smaps and madvise.
wait_for 30 sh -c 'journalctl -b -q --no-pager -o cat -t smb3-witnessd | grep -q "start-up pages"' \
  || wfail "the daemon did not report its start-up page release"
release=$(journalctl -b -q --no-pager -o cat -t smb3-witnessd | grep 'start-up pages' | tail -n 1)
echo "$release" | grep -q "^released [0-9]* KiB of start-up pages" || wfail "the start-up page release failed: $release"
info "$release; VmRSS now $(awk '/^VmRSS/ {print $2, $3}' "/proc/$pid/status")"

step "a witness mount registers"
mkdir -p /mnt/w
out=$(mount -t cifs "//$WITNESS_NAME/$WITNESS_SHARE" /mnt/w \
  -o "username=$WITNESS_USER,password=$WITNESS_PASSWORD,vers=3.1.1,witness,echo_interval=5" 2>&1) || wfail "witness mount failed: $out"
wait_for 120 any_registered || wfail "the daemon did not register: $("$W" status 2>&1)"
wait_for 60 listed || wfail "the witness server does not list labclient"
"$W" status
# The mount is soft (cifs.ko's default): status names it, as the unit's sandbox (PrivateMounts,
# ProcSubset=pid) sees it in its own mount table.
"$W" status --json | grep -q '"softMounts":\["/mnt/w"\]' \
  || wfail "status --json does not name the soft mount /mnt/w: $("$W" status --json)"
"$W" status | grep -q '^  mounted soft at /mnt/w: ' || wfail "status does not name the soft mount: $("$W" status)"
mount_io before || wfail "I/O on the witness mount failed"

step "systemctl reload: a new events_file"
echo "events_file = /var/lib/smb3-witnessd/reloaded.jsonl" >> /etc/smb3kit/witnessd.conf
systemctl reload smb3-witnessd || wfail "systemctl reload failed"
journal_has 30 -t smb3-witnessd -g 'configuration reloaded' || wfail "no 'configuration reloaded' in the journal"
[ "$(systemctl show -P MainPID smb3-witnessd)" = "$pid" ] || wfail "reload restarted the daemon"
EVENTS=/var/lib/smb3-witnessd/reloaded.jsonl

step "net witness client-move"
user_conn_open nobody setpriv --reuid=65534 --regid=65534 --clear-groups
kernel_ports=$(kernel_conn_ports)
[ -n "$kernel_ports" ] || wfail "no kernel connection to $WITNESS_PUBLIC_IP:445 before the move"
net witness client-move --witness-apply-to-all --witness-new-ip="$WITNESS_NODE_IP" | head -n 3
wait_event client-move 1 90 || wfail "no client-move event in the reloaded events_file $EVENTS"
ev=$(last_event client-move)
info "event: $ev"
[ "$(json_field "$ev" forwarded)" = True ] || wfail "CLIENT_MOVE was not forwarded"
[ "$(json_field "$ev" kernelResult)" = 0 ] || wfail "the kernel refused CLIENT_MOVE: $ev"
[ "$(json_field "$ev" abortedConnections)" -ge 1 ] 2>/dev/null || wfail "no kernel connection was aborted: $ev"
wait_for 60 sh -c "ss -Htn state established 'dport = :445' | grep -q '$WITNESS_NODE_IP:445'" \
  || wfail "the SMB connection did not move to $WITNESS_NODE_IP: $(server_conn)"
user_conn_alive nobody || wfail "the daemon aborted another user's connection to the old address"
user_conn_close nobody
mount_io after-move || wfail "I/O on the witness mount failed after the move"
journal_has 30 -t smb3-witnessd WITNESS_EVENT=client-move || wfail "journalctl WITNESS_EVENT=client-move finds nothing"
info "journalctl -t smb3-witnessd WITNESS_EVENT=client-move: $(journalctl -b -q --no-pager -o cat -t smb3-witnessd WITNESS_EVENT=client-move | tail -n 1)"
wait_for 90 sh -c "\"$W\" status --json | grep -q '\"serverAddress\":\"$WITNESS_NODE_IP\",[^}]*\"state\":\"registered\"'" \
  || wfail "no registration for the moved-to address: $("$W" status)"

step "systemctl stop unregisters"
systemctl stop smb3-witnessd || wfail "systemctl stop failed"
wait_for 60 sh -c '! net witness list 2>/dev/null | grep -q labclient' || wfail "the witness server still lists labclient after stop"
journal_has 30 -t smb3-witnessd -g 'unregistering every registration' || wfail "no unregister line in the journal"
[ "$(systemctl show -P Result smb3-witnessd)" = success ] || wfail "the daemon's stop result is $(systemctl show -P Result smb3-witnessd)"
info "systemctl stop: unregistered, the server lists no registration, result success"
umount /mnt/w
pass
