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
  # In a group guest an earlier scenario's events are kept apart: counts start at zero.
  [ ! -e "$EVENTS" ] || mv "$EVENTS" "$EVENTS.before-$LAB_SCENARIO"
}

# witness_scenario_start single|cluster [WITNESSD_CONF_LINE...]: the opening the witness
# scenarios share: the guest, the witness server (Samba with single-node ctdb, witness-server.sh,
# or the two-node cluster, witness-cluster.sh, started once per guest), the witness cifs.ko,
# witnessd.conf (the lab's short timers, auth_level WITNESS_AUTH_LEVEL or privacy, client_name
# labclient, plus the lines given) and the daemon, answering on its control socket.
witness_scenario_start() {
  local server=$1
  shift
  witness_daemon_lab_start
  case "$server" in
    single) witness_server_start ;;
    cluster) witness_cluster_start ;;
    *) fail "witness_scenario_start: unknown server '$server' (single | cluster)" ;;
  esac
  witness_module_load
  {
    echo "# lab: short keepalive so TIMEOUT re-polls happen during the run"
    echo "keepalive_timeout = 20"
    echo "auth_level = ${WITNESS_AUTH_LEVEL:-privacy}"
    echo "client_name = labclient"
    echo "connect_timeout = 10"
    echo "max_backoff = 4"
    printf '%s\n' "$@"
    echo "events_file = $EVENTS"
  } > /etc/smb3kit/witnessd.conf
  step "start smb3-witnessd"
  daemon_start
}

# witness_mount [EXTRA_OPTIONS]: the NTLM `witness` mount of //$WITNESS_NAME/$WITNESS_SHARE on
# /mnt/w and the daemon's registration for it in state registered. Sets T_MOUNT (guest uptime
# right after the mount) and REG (the registration's id).
witness_mount() {
  local opts="username=$WITNESS_USER,password=$WITNESS_PASSWORD,vers=3.1.1,witness${1:+,$1}" out
  mkdir -p /mnt/w
  out=$(mount -t cifs "//$WITNESS_NAME/$WITNESS_SHARE" /mnt/w -o "$opts" 2>&1) || wfail "witness mount failed: $out"
  T_MOUNT=$(lab_uptime)
  wait_for 120 any_registered || wfail "no registration reached 'registered': $("$W" status)"
  info "registered $(_witness_since "$T_MOUNT")s after the mount"
  REG=$(status_json | python3 -c 'import json,sys; print(json.load(sys.stdin)["registrations"][0]["registrationId"])')
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

# user_conn_open NAME [RUNNER...]: a user-space TCP connection to the mounted address
# ($WITNESS_PUBLIC_IP:445), held open by a background python3 run through RUNNER (e.g.
# setpriv for another uid). Its local port goes to /run/witness/uc-NAME.port.
user_conn_open() {
  local name=$1
  shift
  rm -f "/run/witness/uc-$name.port"
  "$@" "$WITNESS_PYTHON" -c 'import socket, sys, time
s = socket.create_connection((sys.argv[1], 445), timeout=30)
print(s.getsockname()[1], flush=True)
while True:
    time.sleep(3600)' "$WITNESS_PUBLIC_IP" > "/run/witness/uc-$name.port" 2> "/run/witness/uc-$name.err" &
  echo $! > "/run/witness/uc-$name.pid"
  wait_for 30 test -s "/run/witness/uc-$name.port" \
    || wfail "no user-space connection ($name) to $WITNESS_PUBLIC_IP:445: $(cat "/run/witness/uc-$name.err")"
}
# user_conn_alive NAME: its connection is still ESTABLISHED (not aborted) and its process lives.
user_conn_alive() {
  kill -0 "$(cat "/run/witness/uc-$1.pid")" 2>/dev/null \
    && ss -Htn state established "( sport = :$(cat "/run/witness/uc-$1.port") )" | grep -q "$WITNESS_PUBLIC_IP:445"
}
user_conn_close() { kill "$(cat "/run/witness/uc-$1.pid")" 2>/dev/null; }
# kernel_conn_ports: local ports of the ESTABLISHED connections to $WITNESS_PUBLIC_IP:445 that
# no process holds (ss -p shows no users): the kernel's.
kernel_conn_ports() {
  ss -Htnp state established "( dst $WITNESS_PUBLIC_IP and dport = :445 )" | awk '!/users:/ { n = split($3, a, ":"); print a[n] }' | sort -n | tr '\n' ' '
}

# check_client_move: `net witness client-move` to the node address; the daemon forwards
# CLIENT_MOVE, the kernel acks it, its SMB connection moves there, I/O still works, and the
# kernel's re-REGISTER for the new address is registered again. Two user-space connections
# to the old address (one as root, one as nobody) are there during the move: the daemon
# aborts only the kernel's connection, so they survive (issue 13).
check_client_move() {
  local t0 ev n kernel_ports c t_net t_moved
  n=$(($(events_of client-move) + 1))
  kernel_ports=$(kernel_conn_ports)
  [ -n "$kernel_ports" ] || wfail "no kernel connection to $WITNESS_PUBLIC_IP:445 before the move: $(server_conn)"
  user_conn_open root
  user_conn_open nobody setpriv --reuid=65534 --regid=65534 --clear-groups
  info "connections to $WITNESS_PUBLIC_IP:445 before the move: the kernel's from port(s) $kernel_ports; user-space from $(cat /run/witness/uc-root.port) (root) and $(cat /run/witness/uc-nobody.port) (nobody)"
  t0=$(lab_uptime)
  (net witness client-move --witness-apply-to-all --witness-new-ip="$WITNESS_NODE_IP" > /run/witness/net.out 2>&1
    lab_uptime > /run/witness/net.end) &
  local net_pid=$!
  # Timed first, in 50 ms polls, while net runs: checking the event first (python per field,
  # seconds each under TCG) used to be counted as failover time.
  for _ in $(seq 1 1200); do
    ss -Htn state established "( dst $WITNESS_NODE_IP and dport = :445 )" | grep -q . && break
    sleep 0.05
  done
  t_moved=$(lab_uptime)
  wait "$net_pid"
  t_net=$(cat /run/witness/net.end)
  head -n 3 /run/witness/net.out
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
  info "SMB connection after: $(server_conn) ($(awk -v a="$t0" -v b="$t_moved" 'BEGIN { printf "%.1f", b - a }')s after net witness client-move started; net itself took $(awk -v a="$t0" -v b="$t_net" 'BEGIN { printf "%.1f", b - a }')s; $(_witness_since "$t0")s with the event checks, as this line measured before)"
  for c in root nobody; do
    user_conn_alive "$c" \
      || wfail "the daemon aborted a user-space connection ($c, port $(cat "/run/witness/uc-$c.port")) to $WITNESS_PUBLIC_IP:445: $ev"
    user_conn_close "$c"
  done
  [ "$(json_field "$ev" keptConnections)" -ge 2 ] 2>/dev/null \
    || wfail "the event does not report the user-space connections left alone: $ev"
  [ "$(json_field "$ev" abortedConnections)" = "$(echo $kernel_ports | wc -w)" ] \
    || wfail "the daemon aborted $(json_field "$ev" abortedConnections) connection(s), the kernel had $(echo $kernel_ports | wc -w): $ev"
  info "user-space connections to $WITNESS_PUBLIC_IP:445 survived the move; the kernel's (port(s) $kernel_ports) was aborted"
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
