#!/bin/bash
# Issue 18: a failed node of the two-node cluster comes back (witness-cluster.sh).
#   1. a `witness` mount, the node serving it fails hard under I/O (as witness-node-failure);
#   2. the failed node starts again (ctdbd, smbd, samba-dcerpcd; the cluster healthy with both
#      nodes, ctdb free to move an address back to it) while the writer keeps writing;
#   3. the daemon's registration is live and `net witness list` on both nodes shows exactly
#      one registration of this client, for the address the kernel uses (no stale one);
#   4. notifications still work: `net witness client-move` to the address on the returned node
#      is forwarded, the kernel's connection moves there, I/O goes on, no stale registration;
#   5. every block written across the failure, the return and the move is intact.
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

step "witness mount of //$WITNESS_NAME/$WITNESS_SHARE"
witness_mount
check_no_stale_registration "$WITNESS_PUBLIC_IP"

step "node failure under I/O"
check_node_failure nodefail
check_no_stale_registration "$WITNESS_PUBLIC_IP"

step "node $FAILED_NODE comes back"
writer_start nodereturn
wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/nodereturn.writer 2>/dev/null) -ge 5 ]" || wfail "the block writer did not start writing"
t0=$(lab_uptime)
witness_cluster_start_node "$FAILED_NODE"
info "node $FAILED_NODE back, cluster healthy after $(_witness_since "$t0")s: $(witness_cluster_exec 0 ctdb ip | tr -s ' ' | tr '\n' ';')"
# ctdb may have moved an address (possibly the mounted one) back to the returned node: the
# kernel follows, then the daemon's registration settles.
home=$(witness_cluster_ip_node "$WITNESS_PUBLIC_IP")
wait_for 120 sh -c "ss -Htn state established 'dst $WITNESS_PUBLIC_IP and dport = :445' | grep -q ." \
  || wfail "the kernel has no connection to $WITNESS_PUBLIC_IP:445 (on node $home) after the return: $(server_conn)"
wait_for 120 registered_at "$WITNESS_PUBLIC_IP" || wfail "the registration is not live after the return: $("$W" status)"
check_no_stale_registration "$WITNESS_PUBLIC_IP"
ok=$(writer_ok nodereturn)
wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/nodereturn.writer) -ge $((ok + 5)) ]" || wfail "I/O did not continue after the node returned"

step "notifications still work: client-move to the address on node $FAILED_NODE"
target=
for ip in "${WITNESS_CLUSTER_PUBLIC_IPS[@]}"; do
  [ "$(witness_cluster_ip_node "$ip")" = "$FAILED_NODE" ] && [ "$ip" != "$WITNESS_PUBLIC_IP" ] && target=$ip
done
if [ -z "$target" ]; then
  # ctdb gave the mounted address back to the returned node: move to the survivor's instead.
  target=$WITNESS_MOVE_IP
  info "$WITNESS_PUBLIC_IP is on the returned node $FAILED_NODE; moving to $target (node $(witness_cluster_ip_node "$target"))"
fi
planned_move "$target"
ok=$(writer_ok nodereturn)
wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/nodereturn.writer) -ge $((ok + 5)) ]" || wfail "I/O did not continue after the move"
writer_stop_verify nodereturn
"$W" status
info "total scenario time $(_witness_since "$t_start")s"
pass
