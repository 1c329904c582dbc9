#!/bin/bash
# Issue 18: a planned move between the two real nodes of the cluster (witness-cluster.sh).
#   1. a `witness` mount of //witnesslab/share (192.0.2.12); the daemon registers with the
#      witness service of the other node;
#   2. with a block writer running, `net witness client-move` to 192.0.2.22 (the other node):
#      the daemon forwards CLIENT_MOVE, the kernel's connection moves to the other node, the
#      kernel's REGISTER for 192.0.2.22 is registered again (with the witness service of the
#      node it left), `net witness list` on both nodes shows exactly that one registration;
#   3. the same back to 192.0.2.12; every block the writer wrote is intact.
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
writer_stop_verify moves
echo "WITNESS-PLANNED-MOVE first_s=$first second_s=$PLANNED_MOVE_SECS"
info "total scenario time $(_witness_since "$t_start")s"
pass
