#!/bin/bash
# Issue 6 end to end: smb3-witnessd between the witness-enabled cifs.ko and Samba's
# rpcd_witness (single-node ctdb) inside the guest.
#   1. a `witness` NTLM mount: REGISTER reaches the daemon, which registers with the witness
#      service (`net witness list`) and shows it in `smb3-witnessd status`;
#   2. `net witness client-move`: CLIENT_MOVE forwarded, the kernel's TCP connection moves
#      to the new address (ss), the mount keeps reading and writing, latency reported; the
#      daemon aborts only the kernel's connection: user-space connections to the old
#      address:445 (one as root, one as nobody) survive;
#   3. a RESOURCE_CHANGE (force-response, UNAVAILABLE): forwarded, the kernel reconnects;
#   4. share-move and a forced IP_CHANGE: decoded and reported, not forwarded;
#   5. the witness server (samba-dcerpcd + rpcd_witness) restarted: the daemon re-registers;
#   6. the daemon SIGKILLed and restarted: the registration is back within one echo interval;
#   7. umount: UNREGISTER handled, the server no longer lists the registration.
# WITNESS_AUTH_LEVEL (privacy by default, or integrity) picks the DCE/RPC auth level.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
# shellcheck source=../guest/witness-server.sh
. "$LAB_GUEST/witness-server.sh"
# shellcheck source=../guest/witness-daemon.sh
. "$LAB_GUEST/witness-daemon.sh"
ECHO=5
witness_scenario_start single "# step 3 aborts again soon after step 2's move (default 10 s between aborts)" "abort_interval = 2"

# The witness service dies and comes back: samba-dcerpcd's process group (it and its rpcd_*
# workers) SIGKILLed as in a crash, then started again (witness-server.sh).
witness_dcerpcd_restart() {
  kill -KILL -- "-$WITNESS_DCERPCD_PID" 2>/dev/null || kill -KILL "$WITNESS_DCERPCD_PID"
  # pgrep -x: a -f pattern would match the polling shell's own command line.
  wait_for 30 sh -c '! pgrep -x rpcd_witness' || fail "rpcd_witness did not exit"
  witness_dcerpcd_start
  witness_epm_wait
  info "witness server restarted (samba-dcerpcd pid $WITNESS_DCERPCD_PID, witness port $WITNESS_EPM_PORT)"
}

"$W" status

step "1. witness mount of //$WITNESS_NAME/$WITNESS_SHARE (NTLM, echo_interval=$ECHO)"
witness_mount "echo_interval=$ECHO"
"$W" status
info "status: $(registration_state "$REG")"
wait_for 30 listed || wfail "net witness list does not show the daemon's registration"
net witness list | grep labclient | head -n 3
grep -q "Passw0rd" /run/witness/daemon.out /var/log/messages "$EVENTS" 2>/dev/null && wfail "the password appeared in a log"
mount_io before-move || wfail "I/O on the witness mount failed before any event"

step "2. client-move to $WITNESS_NODE_IP"
info "SMB connection before: $(server_conn)"
t0=$(lab_uptime)
check_client_move
"$W" status

step "3. RESOURCE_CHANGE (UNAVAILABLE) forced by the server"
inst_before=$(grep -m1 -o 'Instance: [0-9]*' /proc/fs/cifs/DebugData)
dropped=$(events_of server-dropped)
net witness force-response --witness-apply-to-all \
  --witness-forced-response='{"result":0,"response":{"type":1,"messages":[{"type":255,"name":"lab-resource"}]}}' | head -n 2
wait_event resource-change 1 60 || wfail "no resource-change event"
ev=$(last_event resource-change)
info "event: $ev"
[ "$(json_field "$ev" forwarded)" = True ] && [ "$(json_field "$ev" kernelResult)" = 0 ] || wfail "RESOURCE_CHANGE not accepted by the kernel: $ev"
[ "$(json_field "$ev" resourceName)" = lab-resource ] && [ "$(json_field "$ev" state)" = unavailable ] || wfail "RESOURCE_CHANGE decoded wrongly: $ev"
[ "$(json_field "$ev" abortedConnections)" -ge 1 ] 2>/dev/null || wfail "UNAVAILABLE did not abort the kernel's connection: $ev"
wait_for 60 sh -c "! grep -m1 -q '$inst_before\$' /proc/fs/cifs/DebugData" \
  || warn "DebugData instance did not change after RESOURCE_CHANGE ($inst_before)"
info "reconnect: $inst_before -> $(grep -m1 -o 'Instance: [0-9]*' /proc/fs/cifs/DebugData)"
mount_io after-resource-change || wfail "I/O on the witness mount failed after RESOURCE_CHANGE"

step "4. share-move and IP_CHANGE: reported, not forwarded"
wait_dropped_and_back "$dropped"
dropped=$(events_of server-dropped)
net witness share-move --witness-apply-to-all --witness-new-ip="$WITNESS_PUBLIC_IP" | head -n 2
wait_event share-move 1 60 || wfail "no share-move event"
ev=$(last_event share-move)
info "event: $ev"
[ "$(json_field "$ev" forwarded)" = False ] || wfail "SHARE_MOVE was forwarded to the kernel"
wait_dropped_and_back "$dropped"
net witness force-response --witness-apply-to-all \
  --witness-forced-response="{\"result\":0,\"response\":{\"type\":4,\"messages\":[[{\"flags\":9,\"ipv4\":\"$WITNESS_NODE_IP\"},{\"flags\":17,\"ipv4\":\"$WITNESS_PUBLIC_IP\"}]]}}" | head -n 2
wait_event ip-change 1 60 || wfail "no ip-change event"
ev=$(last_event ip-change)
info "event: $ev"
[ "$(json_field "$ev" forwarded)" = False ] || wfail "IP_CHANGE was forwarded to the kernel"
case "$ev" in *"\"$WITNESS_NODE_IP\",\"$WITNESS_PUBLIC_IP (offline)\""*) ;; *) wfail "IP_CHANGE addresses decoded wrongly: $ev" ;; esac

step "5. witness server restarted while registered"
wait_for 90 any_registered || wfail "not registered before the server restart"
# Polls stay cheap (grep, no python): under TCG each poll costs real time.
before=$(events_of registration-failed)
witness_dcerpcd_restart
t0=$(lab_uptime)
wait_for 120 sh -c "[ \$(grep -c '\"event\":\"registration-failed\"' $EVENTS) -gt $before ]" \
  || wfail "the daemon did not notice the witness server going away"
info "connection loss noticed: $(last_event registration-failed)"
wait_for 120 any_registered || wfail "the daemon did not re-register after the server restart"
wait_for 30 listed || wfail "the restarted server does not list the re-registration"
info "re-registered $(_witness_since "$t0")s after the witness server restart"

step "6. daemon killed with SIGKILL and restarted"
kill -9 "$WPID"
wait "$WPID" 2>/dev/null
t0=$(lab_uptime)
daemon_start
wait_for $((ECHO * 6 + 30)) any_registered || wfail "no registration came back after the restart: $("$W" status)"
gap=$(_witness_since "$t0")
info "registration back ${gap}s after the restart (echo_interval=$ECHO)"
"$W" status

step "7. umount: UNREGISTER"
"$W" metrics | grep -E '^smb3_witnessd_(events_total|registrations)' | grep -v ' 0$'
check_umount_unregisters
grep -q "Passw0rd" /run/witness/daemon.out /var/log/messages "$EVENTS" 2>/dev/null && wfail "the password appeared in a log"

step "SIGHUP reloads witnessd.conf, SIGTERM exits"
sed -i 's/^keepalive_timeout = .*/keepalive_timeout = 25/' /etc/smb3kit/witnessd.conf
kill -HUP "$WPID"
wait_for 20 grep -q 'configuration reloaded from /etc/smb3kit/witnessd.conf' /var/log/messages \
  || wfail "SIGHUP did not reload the configuration"
"$W" status > /dev/null || wfail "smb3-witnessd stopped answering after SIGHUP"
info "SIGHUP: $(grep -m1 'configuration reloaded' /var/log/messages | sed 's/^.*smb3-witnessd/smb3-witnessd/')"
kill -TERM "$WPID"
wait_for 20 sh -c "! kill -0 $WPID" || wfail "smb3-witnessd did not exit on SIGTERM"
info "events reported: $(wc -l < "$EVENTS")"
grep -E 'smb3-witnessd' /var/log/messages | tail -n 12
witness_server_stop
info "total scenario time $(_witness_since "$t_start")s"
pass
