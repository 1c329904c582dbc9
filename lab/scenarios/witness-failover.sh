#!/bin/bash
# Issue 6 end to end: smb3-witnessd between the witness-enabled cifs.ko and Samba's
# rpcd_witness (single-node ctdb) inside the guest.
#   1. a `witness` NTLM mount: REGISTER reaches the daemon, which registers with the witness
#      service (`net witness list`) and shows it in `smb3-witnessd status`;
#   2. `net witness client-move`: CLIENT_MOVE forwarded, the kernel's TCP connection moves
#      to the new address (ss), the mount keeps reading and writing, latency reported;
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
lab_start
syslog_start
t_start=$(lab_uptime)
W="$SMB3KIT_BIN/smb3-witnessd"
[ -x "$W" ] || fail "smb3-witnessd not built ($SMB3KIT_BIN)"
EVENTS=/run/witness/events.jsonl
ECHO=5
mkdir -p /run/witness /etc/smb3kit

witness_server_start
witness_module_load

cat > /etc/smb3kit/witnessd.conf <<CONF
# lab: short keepalive so TIMEOUT re-polls happen during the run
keepalive_timeout = 20
auth_level = ${WITNESS_AUTH_LEVEL:-privacy}
client_name = labclient
connect_timeout = 10
max_backoff = 4
events_file = $EVENTS
CONF

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

daemon_start() {
  "$W" run --debug >> /run/witness/daemon.out 2>&1 &
  WPID=$!
  wait_for 30 "$W" status || wfail "smb3-witnessd did not answer on its control socket: $(tail -n 5 /run/witness/daemon.out)"
}
status_json() { "$W" status --json 2>/dev/null; }
# What the daemon knows, for failure messages (lab_debug_dump shows the server side).
daemon_dump() {
  echo "----- smb3-witnessd status -----"; "$W" status 2>&1
  echo "----- smb3-witnessd output (tail) -----"; tail -n 40 /run/witness/daemon.out
  echo "----- syslog smb3-witnessd (tail) -----"; grep smb3-witnessd /var/log/messages 2>/dev/null | tail -n 30
  echo "----- events (tail) -----"; tail -n 10 "$EVENTS" 2>/dev/null
}
wfail() { daemon_dump; fail "$@"; }
# registration_state ID: the state of registration ID in `status --json`, or nothing.
registration_state() {
  status_json | python3 -c 'import json,sys
d = json.load(sys.stdin)
for r in d["registrations"]:
    if r["registrationId"] == int(sys.argv[1]): print(r["state"], r.get("witnessServer") or "-", r["serverAddress"])' "$1"
}
any_registered() { status_json | grep -q '"state":"registered"'; }
# events_of TYPE: event lines of that type so far.
events_of() { grep -c "\"event\":\"$1\"" "$EVENTS" 2>/dev/null || true; }
wait_event() {  # wait_event TYPE COUNT SECONDS
  # grep -c prints 0 when nothing matches (and nothing when the file is missing: not yet).
  wait_for "$3" sh -c "[ \$(grep -c '\"event\":\"$1\"' $EVENTS 2>/dev/null) -ge $2 ]"
}
last_event() { grep "\"event\":\"$1\"" "$EVENTS" | tail -n 1; }
listed() { net witness list 2>/dev/null | grep -q labclient; }
# Samba force-unregisters 5 s after an UNAVAILABLE or a move (witness-mswn.md §1.6); the
# pending AsyncNotify then gets NOT_FOUND and the daemon registers again. Wait for both, so
# the next event is sent to a live registration.
wait_dropped_and_back() {  # wait_dropped_and_back DROPPED_COUNT_BEFORE
  if wait_event server-dropped $(($1 + 1)) 30; then
    info "Samba dropped the registration (forced unregister); the daemon registers again"
  else
    info "no forced unregister from Samba within 30 s"
  fi
  wait_for 90 any_registered || wfail "the daemon did not register again after the server dropped it"
  wait_for 30 listed || wfail "the server does not list the new registration"
}
server_conn() { ss -Htn state established "dport = :445" | awk '{print $4}' | sort -u | tr '\n' ' '; }
mount_io() {
  local payload="io $1 $(date +%s%N)"
  echo "$payload" > "/mnt/w/io-$1.txt" && sync && [ "$(cat "/mnt/w/io-$1.txt")" = "$payload" ] \
    && [ "$(cat "$WITNESS_SHARE_PATH/io-$1.txt")" = "$payload" ]
}
json_field() { python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get(sys.argv[2]))' "$1" "$2"; }

step "start smb3-witnessd"
daemon_start
"$W" status

step "1. witness mount of //$WITNESS_NAME/$WITNESS_SHARE (NTLM, echo_interval=$ECHO)"
mkdir -p /mnt/w
opts="username=$WITNESS_USER,password=$WITNESS_PASSWORD,vers=3.1.1,witness,echo_interval=$ECHO"
out=$(mount -t cifs "//$WITNESS_NAME/$WITNESS_SHARE" /mnt/w -o "$opts" 2>&1) || wfail "witness mount failed: $out"
t_mount=$(lab_uptime)
wait_for 90 any_registered || wfail "no registration reached 'registered': $("$W" status)"
info "registered $(_witness_since "$t_mount")s after the mount"
"$W" status
REG=$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["registrations"][0]["registrationId"])')
info "status: $(registration_state "$REG")"
wait_for 30 listed || wfail "net witness list does not show the daemon's registration"
net witness list | grep labclient | head -n 3
grep -q "Passw0rd" /run/witness/daemon.out /var/log/messages "$EVENTS" 2>/dev/null && wfail "the password appeared in a log"
mount_io before-move || wfail "I/O on the witness mount failed before any event"

step "2. client-move to $WITNESS_NODE_IP"
info "SMB connection before: $(server_conn)"
t0=$(lab_uptime)
net witness client-move --witness-apply-to-all --witness-new-ip="$WITNESS_NODE_IP" | head -n 3
wait_event client-move 1 60 || wfail "no client-move event: $(tail -n 5 "$EVENTS")"
ev=$(last_event client-move)
info "event: $ev"
[ "$(json_field "$ev" forwarded)" = True ] || wfail "CLIENT_MOVE was not forwarded"
[ "$(json_field "$ev" kernelResult)" = 0 ] || wfail "the kernel refused CLIENT_MOVE: $ev"
wait_for 60 sh -c "ss -Htn state established 'dport = :445' | grep -q '$WITNESS_NODE_IP:445'" \
  || wfail "the SMB connection did not move to $WITNESS_NODE_IP: $(server_conn)"
info "SMB connection after: $(server_conn) ($(_witness_since "$t0")s after net witness client-move)"
info "client-move latency (AsyncNotify reply -> kernel ack): $(json_field "$ev" latencyMs) ms"
mount_io after-move || wfail "I/O on the witness mount failed after the move"
# The kernel re-registers with the new address; the daemon follows.
wait_for 90 sh -c "\"$W\" status --json | grep -q '\"serverAddress\":\"$WITNESS_NODE_IP\",[^}]*\"state\":\"registered\"'" \
  || wfail "no registration for the moved-to address $WITNESS_NODE_IP: $("$W" status)"
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
umount /mnt/w || wfail "umount failed"
wait_event unregistered 1 60 || wfail "no unregistered event after umount"
info "event: $(last_event unregistered)"
wait_for 60 sh -c '! net witness list 2>/dev/null | grep -q labclient' || wfail "Samba still lists the registration after umount"
wait_for 30 sh -c "! \"$W\" status --json | grep -q registrationId" || wfail "status still lists a registration"
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
