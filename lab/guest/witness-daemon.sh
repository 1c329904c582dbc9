# shellcheck shell=bash
# smb3-witnessd inside the lab guest: start it, read its state, and the checks the witness
# scenarios share (witness-failover, witness-krb5). Sourced after witness-server.sh; the
# scenario starts with witness_daemon_lab_start.

# witness_daemon_lab_start: the guest and syslog, t_start (guest uptime at the start, for the
# scenario's total), W (the daemon binary, checked), EVENTS (the events_file the scenario's
# witnessd.conf names) and the directories for both.
witness_daemon_lab_start() {
  lab_start
  syslog_start
  t_start=$(lab_uptime)
  W="$SMB3KIT_BIN/smb3-witnessd"
  [ -x "$W" ] || fail "smb3-witnessd not built ($SMB3KIT_BIN)"
  EVENTS=/run/witness/events.jsonl
  mkdir -p /run/witness /etc/smb3kit
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

# check_client_move: `net witness client-move` to the node address; the daemon forwards
# CLIENT_MOVE, the kernel acks it, its SMB connection moves there, I/O still works, and the
# kernel's re-REGISTER for the new address is registered again.
check_client_move() {
  local t0 ev n
  n=$(($(events_of client-move) + 1))
  info "SMB connection before: $(server_conn)"
  t0=$(lab_uptime)
  net witness client-move --witness-apply-to-all --witness-new-ip="$WITNESS_NODE_IP" | head -n 3
  wait_event client-move "$n" 60 || wfail "no client-move event: $(tail -n 5 "$EVENTS")"
  ev=$(last_event client-move)
  info "event: $ev"
  [ "$(json_field "$ev" forwarded)" = True ] || wfail "CLIENT_MOVE was not forwarded"
  [ "$(json_field "$ev" kernelResult)" = 0 ] || wfail "the kernel refused CLIENT_MOVE: $ev"
  # abort_connections (default yes): the kernel's socket to the old address was destroyed, so
  # cifs.ko reconnects now instead of after its 7 s receive timeout.
  [ "$(json_field "$ev" abortedConnections)" -ge 1 ] 2>/dev/null \
    || wfail "the daemon aborted none of the kernel's connections to the old address: $ev"
  wait_for 60 sh -c "ss -Htn state established 'dport = :445' | grep -q '$WITNESS_NODE_IP:445'" \
    || wfail "the SMB connection did not move to $WITNESS_NODE_IP: $(server_conn)"
  info "SMB connection after: $(server_conn) ($(_witness_since "$t0")s after net witness client-move)"
  info "client-move latency (AsyncNotify reply -> kernel ack): $(json_field "$ev" latencyMs) ms"
  mount_io after-move || wfail "I/O on the witness mount failed after the move"
  # The kernel re-registers with the new address; the daemon follows.
  wait_for 90 sh -c "\"$W\" status --json | grep -q '\"serverAddress\":\"$WITNESS_NODE_IP\",[^}]*\"state\":\"registered\"'" \
    || wfail "no registration for the moved-to address $WITNESS_NODE_IP: $("$W" status)"
}

# check_umount_unregisters: umount sends UNREGISTER; the daemon unregisters and Samba forgets it.
check_umount_unregisters() {
  local n
  n=$(($(events_of unregistered) + 1))
  umount /mnt/w || wfail "umount failed"
  wait_event unregistered "$n" 60 || wfail "no unregistered event after umount"
  info "event: $(last_event unregistered)"
  wait_for 60 sh -c '! net witness list 2>/dev/null | grep -q labclient' || wfail "Samba still lists the registration after umount"
  wait_for 30 sh -c "! \"$W\" status --json | grep -q registrationId" || wfail "status still lists a registration"
}
