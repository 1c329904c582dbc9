#!/bin/bash
# The guest's PID 1 for a group of scenarios (lab/run.sh A+B+C): prepares the guest once, then
# runs each scenario named by smb3kit.scenarios= (comma separated, SCENARIO[:SERVER]) as a
# process of its own, in order, so that a failed one does not stop the next. They share what the
# earlier ones started and left healthy (e.g. the two-node cluster of witness-cluster.sh, whose
# start is most of a cluster scenario's time). Between two scenarios the cifs mounts go (the
# witness daemon, still running, unregisters them) and so does every process the scenario left in
# its process group (daemons it started with &); what a scenario started in a session of its own
# (the cluster's nodes) stays. One watchdog for the whole guest; powers off at the end.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
LAB_SCENARIO=group-run
scenarios=${LAB_SCENARIOS:-}
trap lab_poweroff EXIT
lab_fresh_dirs
ip link set lo up
hostname labguest
(
  sleep "$LAB_WATCHDOG"
  echo "LAB-FAIL $scenarios: guest watchdog fired after ${LAB_WATCHDOG}s"
  lab_debug_dump
  echo "LAB-DONE $(lab_uptime)s"
  poweroff -f
) &
step "guest up: $(uname -r) kernel=$LAB_KERNEL group=$scenarios"
[ -n "$scenarios" ] || { echo "LAB-FAIL group-run: no smb3kit.scenarios= on the kernel command line"; exit 1; }

# group_cleanup PGID: what one scenario leaves behind must not reach the next.
group_cleanup() {
  local pgid=$1 m
  # Unmount while the scenario's smb3-witnessd still runs: it unregisters the kernel's witness
  # registrations, so the servers list no stale one for the next scenario.
  for m in $(findmnt -rn -t cifs -o TARGET | sort -r); do
    timeout 60 umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || warn "cannot unmount $m"
  done
  if pgrep -x smb3-witnessd > /dev/null; then
    wait_for 60 sh -c "! $SMB3KIT_BIN/smb3-witnessd status --json 2>/dev/null | grep -q registrationId" \
      || warn "smb3-witnessd still lists registrations after the unmounts"
  fi
  kill -TERM -- "-$pgid" 2>/dev/null
  wait_for 30 sh -c "! kill -0 -- -$pgid 2>/dev/null" || kill -KILL -- "-$pgid" 2>/dev/null
  return 0
}

export LAB_GROUP=yes
for s in ${scenarios//,/ }; do
  f=${s%%:*} server=
  case "$s" in *:*) server=${s#*:} ;; esac
  t=$(lab_uptime)
  # setsid: the scenario leads a process group of its own (its leftovers are found by it).
  LAB_SERVER=$server setsid bash "$LAB_REPO/lab/scenarios/$f.sh" < /dev/null &
  pid=$!
  wait "$pid"
  rc=$?
  info "$s took $(awk -v a="$t" -v b="$(lab_uptime)" 'BEGIN { printf "%.0f", b - a }')s (exit $rc)"
  group_cleanup "$pid"
done
