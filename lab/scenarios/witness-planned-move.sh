#!/bin/bash
# Issue 18: a planned move between the two real nodes of the cluster (witness-cluster.sh).
#   1. a `witness` mount of //witnesslab/share (192.0.2.12); the daemon registers with the
#      witness service of the other node;
#   2. with a block writer running, `net witness client-move` to 192.0.2.22 (the other node):
#      the daemon forwards CLIENT_MOVE, the kernel's connection moves to the other node, the
#      kernel's REGISTER for 192.0.2.22 is registered again (with the witness service of the
#      node it left), `net witness list` on both nodes shows exactly that one registration;
#   3. the same back to 192.0.2.12;
#   4. the admin tools across the two nodes (issue 18 §2): `smb3-witnessd move ID --to
#      192.0.2.22`, then `drain 192.0.2.22`: each an event with "source": "admin", the kernel's
#      connection on the other node, the re-registration there and exactly one registration on
#      both nodes; every block the writer wrote through all five moves is intact.
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
witness_scenario_start cluster "abort_interval = 2"
listed() { listed_on 0; }

step "witness mount of //$WITNESS_NAME/$WITNESS_SHARE"
witness_mount
"$W" status
w=$(registered_at "$WITNESS_PUBLIC_IP") || wfail "no registration for $WITNESS_PUBLIC_IP"
[ "$(witness_cluster_ip_node "$w")" != "$(witness_cluster_ip_node "$WITNESS_PUBLIC_IP")" ] \
  || wfail "the daemon registered with the witness service of the node it is connected to ($w)"
info "connected to $WITNESS_PUBLIC_IP (node $(witness_cluster_ip_node "$WITNESS_PUBLIC_IP")), witness server $w (node $(witness_cluster_ip_node "$w"))"
check_no_stale_registration "$WITNESS_PUBLIC_IP"
writer_start moves
wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/moves.writer 2>/dev/null) -ge 5 ]" || wfail "the block writer did not start writing"

step "client-move to $WITNESS_MOVE_IP (the other node)"
planned_move "$WITNESS_MOVE_IP"
first=$PLANNED_MOVE_SECS
ok=$(writer_ok moves)
wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/moves.writer) -ge $((ok + 5)) ]" || wfail "I/O did not continue after the move"

step "client-move back to $WITNESS_PUBLIC_IP"
planned_move "$WITNESS_PUBLIC_IP"
ok=$(writer_ok moves)
wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/moves.writer) -ge $((ok + 5)) ]" || wfail "I/O did not continue after the move back"

# admin_moved WHAT FROM TO: after an admin move or drain: one client-move event of source admin,
# accepted by the kernel; the kernel's connection, the re-registration and the witness servers'
# lists follow to TO; the writer goes on.
admin_moved() {
  local what=$1 from=$2 to=$3 ev ok
  wait_event client-move "$N_MOVES" 30 || wfail "$what: no client-move event: $(tail -n 3 "$EVENTS")"
  ev=$(last_event client-move)
  info "$what: event: $ev"
  [ "$(json_field "$ev" source)" = admin ] && [ "$(json_field "$ev" kernelResult)" = 0 ] \
    || wfail "$what: not an admin client-move accepted by the kernel: $ev"
  wait_for 60 sh -c "ss -Htn state established 'dst $to and dport = :445' | grep -q ." \
    || wfail "$what: the kernel's connection did not move from $from to $to: $(server_conn)"
  wait_for 120 registered_at "$to" || wfail "$what: no registration for $to: $("$W" status)"
  info "$what: the kernel is on $to (node $(witness_cluster_ip_node "$to")), registered with the witness server at $(registered_at "$to")"
  check_no_stale_registration "$to"
  ok=$(writer_ok moves)
  wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/moves.writer) -ge $((ok + 5)) ]" || wfail "$what: I/O did not continue"
}
current_reg_at() {
  status_json | python3 -c 'import json,sys
for r in json.load(sys.stdin)["registrations"]:
    if r["serverAddress"] == sys.argv[1] and r["state"] == "registered": print(r["registrationId"]); break' "$1"
}

step "smb3-witnessd move --to $WITNESS_MOVE_IP (the other node)"
REG=$(current_reg_at "$WITNESS_PUBLIC_IP")
[ -n "$REG" ] || wfail "no registration for $WITNESS_PUBLIC_IP: $("$W" status)"
rc=0; "$W" move "$REG" --to 192.0.2.99 > /dev/null 2> /run/witness/move-refused.err || rc=$?
[ "$rc" != 0 ] && grep -q "$WITNESS_MOVE_IP" /run/witness/move-refused.err \
  || wfail "move to an address the cluster does not list: exit $rc, $(cat /run/witness/move-refused.err)"
info "the cluster's interfaces, as a refused move lists them: $(cat /run/witness/move-refused.err)"
N_MOVES=$(($(events_of client-move) + 1))
out=$("$W" move "$REG" --to "$WITNESS_MOVE_IP" --json) || wfail "move failed: $out"
info "move: $out"
admin_moved "admin move" "$WITNESS_PUBLIC_IP" "$WITNESS_MOVE_IP"

step "smb3-witnessd drain $WITNESS_MOVE_IP"
N_MOVES=$(($(events_of client-move) + 1))
out=$("$W" drain "$WITNESS_MOVE_IP") || wfail "drain failed: $out"
info "drain: $out"
[ "$(echo "$out" | wc -l)" = 1 ] || wfail "drain printed $(echo "$out" | wc -l) lines for one registration: $out"
to=$(sed -n "s/.*: moved from $WITNESS_MOVE_IP to \([0-9.]*\)\( .*\)\{0,1\}\$/\1/p" <<<"$out")
[ -n "$to" ] && [ "$to" != "$WITNESS_MOVE_IP" ] || wfail "drain does not say where it moved the registration: $out"
admin_moved "drain" "$WITNESS_MOVE_IP" "$to"
[ "$(witness_cluster_ip_node "$to" 2>/dev/null || echo "?")" != "$(witness_cluster_ip_node "$WITNESS_MOVE_IP")" ] \
  || info "drain chose $to, an address of the same node as $WITNESS_MOVE_IP"
writer_stop_verify moves
echo "WITNESS-PLANNED-MOVE first_s=$first second_s=$PLANNED_MOVE_SECS"
info "total scenario time $(_witness_since "$t_start")s"
pass
