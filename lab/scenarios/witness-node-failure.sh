#!/bin/bash
# Issue 18: a real node failure in a two-node Samba cluster (lab/guest/witness-cluster.sh).
#   1. a `witness` mount of //witnesslab/share (192.0.2.12, on one node); smb3-witnessd
#      registers with the witness service of the other node (INTERFACE_WITNESS);
#   2. a writer appends checksummed 4 KiB blocks to the mount (write + fsync each);
#   3. the node serving the mount fails hard: its link goes down, every process in its
#      namespace gets SIGKILL;
#   4. the survivor's ctdb takes 192.0.2.12 over, its witness service sends RESOURCE_CHANGE
#      for it, the daemon forwards it, the kernel reconnects to the survivor, the writer goes
#      on; every block before and after the failure is intact (server side and read back);
#   5. the time from the failure to the first successful write is reported
#      (WITNESS-NODE-FAILURE line), with the takeover and the event's times.
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
witness_scenario_start cluster
# net witness list on a cluster node (the registrations are cluster-wide, in ctdb).
listed() { listed_on "$SURVIVOR_OR_0"; }
SURVIVOR_OR_0=0

step "witness mount of //$WITNESS_NAME/$WITNESS_SHARE"
witness_mount
"$W" status
wait_for 60 listed || wfail "net witness list (node 0) does not show the daemon's registration"
witness_cluster_net_list 0 | grep labclient | head -n 3
mount_io before-failure || wfail "I/O on the witness mount failed before the failure"

step "node failure under I/O"
check_node_failure nodefail
SURVIVOR_OR_0=$SURVIVOR
"$W" status
# Samba drops the old registration 5 s after UNAVAILABLE; the daemon registers again with the
# survivor.
wait_for 120 sh -c "\"$W\" status --json | grep -q '\"state\":\"registered\"'" || wfail "the daemon did not register again after the failure"
wait_for 60 listed || wfail "the survivor does not list the daemon's registration"
witness_cluster_net_list "$SURVIVOR" | grep labclient | head -n 3
mount_io after-failure || wfail "I/O on the witness mount failed after the failure"
info "total scenario time $(_witness_since "$t_start")s"
pass
