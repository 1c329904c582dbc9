#!/bin/bash
# Benchmark (not a test; run by Benchmarks/witness.sh): failover on the two-node cluster
# (witness-cluster.sh) against the kernel's floor. Prints BENCH lines (milliseconds):
#   floor N MS                  `ss -K` on the kernel's socket to the mounted address -> the
#                               kernel's next connection to it established: the kernel alone,
#                               no witness involved
#   move first|N MS DAEMON_MS   `net witness client-move` between the two nodes' public
#                               addresses -> the kernel's connection on the new one; the first
#                               move after the mount registered is reported as "first"
#   admin-move first|N MS DAEMON_MS   the same with `smb3-witnessd move --all --to`
#   node-failure N FIRST_WRITE_MS DEAD_MS TAKEOVER_MS EVENT_MS EVENT
#                               the node serving the mount fails hard under a block writer:
#                               first successful write after the failure; where the time goes:
#                               the survivor's ctdb declares the node dead, takes the address
#                               over (its log, timestamped as read: ctdb_log_time; -1 if the
#                               line was not found), the witness event reaches the daemon (-1:
#                               none within 60 s); the node comes back before the next run
# BENCH_RUNS (default 10) floors and moves, BENCH_NODE_RUNS (default 3) node failures.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
# shellcheck source=../guest/witness-server.sh
. "$LAB_GUEST/witness-server.sh"
# shellcheck source=../guest/witness-cluster.sh
. "$LAB_GUEST/witness-cluster.sh"
# shellcheck source=../guest/witness-daemon.sh
. "$LAB_GUEST/witness-daemon.sh"
witness_daemon_lab_start
RUNS=${BENCH_RUNS:-10}
NODE_RUNS=${BENCH_NODE_RUNS:-3}
witness_cluster_start
witness_module_load
cat > /etc/smb3kit/witnessd.conf <<CONF
keepalive_timeout = 600
auth_level = privacy
client_name = labclient
events_file = $EVENTS
abort_interval = 1
CONF
daemon_start
mkdir -p /mnt/w
opts="username=$WITNESS_USER,password=$WITNESS_PASSWORD,vers=3.1.1,witness"
mount -t cifs "//$WITNESS_NAME/$WITNESS_SHARE" /mnt/w -o "$opts" || fail "witness mount failed"
wait_for 120 registered_at "$WITNESS_PUBLIC_IP" || fail "not registered"
now_ms() { date +%s%3N; }
# Local ports of the kernel's established connections to $1:445 (no process holds them).
kports() { ss -Htnp state established "( dst $1 and dport = :445 )" | awk '!/users:/ { n = split($3, a, ":"); print a[n] }' | sort -n | tr '\n' ' '; }
current=$WITNESS_PUBLIC_IP

step "floor: ss -K on the kernel's connection, $RUNS runs"
for n in $(seq 1 "$RUNS"); do
  old=$(kports "$current")
  [ -n "$old" ] || fail "no kernel connection to $current before floor run $n"
  t0=$(now_ms)
  ss -K state established "( dst $current and dport = :445 )" >/dev/null
  for _ in $(seq 1 1200); do
    new=$(kports "$current")
    [ -n "$new" ] && [ "$new" != "$old" ] && break
    sleep 0.02
  done
  t1=$(now_ms)
  [ -n "$new" ] && [ "$new" != "$old" ] || fail "the kernel did not reconnect after ss -K (run $n)"
  echo "BENCH floor $n $((t1 - t0))"
  mount_io "floor-$n" >/dev/null || fail "I/O failed after floor run $n"
done

step "client-move between the nodes, the first one and $RUNS more"
# move TARGET LABEL [admin]: `net witness client-move` on node 0 (or with admin,
# `smb3-witnessd move --all --to TARGET`) in the background, timed from its start to the kernel's
# connection on TARGET, polled while the command runs (a command still running, e.g. net's exit,
# is not counted).
move() {
  local t0 t1 before last pid kind=move
  before=$(events_of client-move)
  t0=$(now_ms)
  if [ "${3:-}" = admin ]; then
    kind=admin-move
    "$W" move --all --to "$1" > /dev/null &
  else
    witness_cluster_exec 0 net witness client-move --witness-apply-to-all --witness-new-ip="$1" >/dev/null &
  fi
  pid=$!
  for _ in $(seq 1 3000); do [ -n "$(kports "$1")" ] && break; sleep 0.02; done
  t1=$(now_ms)
  wait "$pid" || fail "$kind to $1: the command failed"
  [ -n "$(kports "$1")" ] || fail "the connection did not move to $1"
  wait_for 30 sh -c "[ \$(grep -c '\"event\":\"client-move\"' $EVENTS) -gt $before ]" || fail "no client-move event"
  last=$(last_event client-move)
  echo "BENCH $kind $2 $((t1 - t0)) $(json_field "$last" latencyMs)"
  wait_for 120 registered_at "$1" || fail "no registration at $1 after the move"
  # Samba's forced unregister of the old registration (5 s) must be over before the next move.
  check_no_stale_registration "$1" >/dev/null
}
other() { [ "$1" = "$WITNESS_PUBLIC_IP" ] && echo "$WITNESS_MOVE_IP" || echo "$WITNESS_PUBLIC_IP"; }
move "$(other "$current")" first
current=$(other "$current")
for n in $(seq 1 "$RUNS"); do
  move "$(other "$current")" "$n"
  current=$(other "$current")
done

step "smb3-witnessd move --all between the nodes, the first one and $RUNS more"
move "$(other "$current")" first admin
current=$(other "$current")
for n in $(seq 1 "$RUNS"); do
  move "$(other "$current")" "$n" admin
  current=$(other "$current")
done
[ "$current" = "$WITNESS_PUBLIC_IP" ] || { move "$WITNESS_PUBLIC_IP" extra; current=$WITNESS_PUBLIC_IP; }

step "node failure under I/O, $NODE_RUNS runs"
for n in $(seq 1 "$NODE_RUNS"); do
  failed=$(witness_cluster_ip_node "$WITNESS_PUBLIC_IP") || fail "no node hosts $WITNESS_PUBLIC_IP"
  survivor=$((1 - failed))
  writer_start "nf$n"
  wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/nf$n.writer 2>/dev/null) -ge 5 ]" || fail "writer did not start"
  before=$(grep -c '"event":"\(resource-change\|client-move\)"' "$EVENTS")
  witness_cluster_stop_node "$failed"
  f=$WITNESS_CLUSTER_FAIL_WALL
  wait_for 240 sh -c "[ -n \"\$(awk -v t=$f '\$1 == \"ok\" && \$4 > t { print; exit }' /run/witness/nf$n.writer)\" ]" \
    || fail "no successful write within 240 s after node failure run $n"
  read -r _ first <<<"$(writer_first_ok_after "nf$n" "$f")"
  wait_for 60 sh -c "[ \$(grep -c '\"event\":\"\\(resource-change\\|client-move\\)\"' $EVENTS) -gt $before ]"
  ev=$(grep '"event":"\(resource-change\|client-move\)"' "$EVENTS" | sed -n "$((before + 1))p")
  dead=$(ctdb_log_time "$survivor" 'is dead|disconnected' "$f")
  take=$(ctdb_log_time "$survivor" "Takeover of IP $WITNESS_PUBLIC_IP" "$f")
  ms() { [ -n "$1" ] && awk -v a="$f" -v b="$1" 'BEGIN { printf "%d", (b - a) * 1000 }' || echo -1; }
  if [ -n "$ev" ]; then evt=$(ms "$(json_field "$ev" time)"); kind="$(json_field "$ev" event)/$(json_field "$ev" state)"; else evt=-1; kind=none; fi
  echo "BENCH node-failure $n $(ms "$first") $(ms "$dead") $(ms "$take") $evt $kind"
  kill -TERM "$WRITER_PID"; wait "$WRITER_PID" 2>/dev/null
  n_ok=$(writer_ok "nf$n")
  "$WITNESS_PYTHON" "$LAB_GUEST/block_writer.py" verify "$WITNESS_SHARE_PATH/nf$n.dat" "$n_ok" || fail "data damaged in node failure run $n"
  witness_cluster_start_node "$failed"
  wait_for 120 sh -c "ss -Htn state established 'dst $WITNESS_PUBLIC_IP and dport = :445' | grep -q ." || fail "no connection after node $failed returned"
  wait_for 120 registered_at "$WITNESS_PUBLIC_IP" || fail "not registered after node $failed returned"
done
umount /mnt/w
kill -TERM "$WPID"
pass
