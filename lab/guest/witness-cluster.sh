# shellcheck shell=bash
# A real two-node Samba cluster inside the lab guest (issue 18): two network namespaces
# joined by a bridge, each with its own ctdbd, clustered smbd and samba-dcerpcd (rpcd_witness).
# Sourced after lib.sh and witness-server.sh (it reuses witness_rpc, witness_module_load and
# the WITNESS_* names); the functions are used after lab_start.
#
#   root namespace (the client: cifs.ko, smb3-witnessd)   wcbr0 192.0.2.1/24
#      |-- veth wcv0 <-> eth0 in netns wc0: node 0, private 192.0.2.11/24
#      `-- veth wcv1 <-> eth0 in netns wc1: node 1, private 192.0.2.21/24
#   public addresses 192.0.2.12 and 192.0.2.22, managed by ctdb (10.interface adds them to
#   the eth0 of the node that hosts them); "witnesslab" resolves to 192.0.2.12.
#
# Each node also has its own mount namespace (persisted in /run/wcluster/ns/mntN) in which
# its state directories are bind-mounted over the default paths (/etc/ctdb, /etc/samba,
# /var/lib/ctdb, /run/ctdb, /var/lib/samba, /var/cache/samba, /run/samba, /var/log/samba,
# /var/log/ctdb) and /sys shows its own network namespace: every Samba and ctdb tool works
# unchanged there (witness_cluster_exec N ...), as on a real node. /srv/wshare is the same
# directory for both nodes (the "cluster file system"); the cluster lock is a file in
# /run/wcluster/shared, which both nodes see.
#
#   witness_cluster_start         both nodes up: "ctdb status" on each shows both nodes OK and
#                                 recovery mode NORMAL, every public address hosted, smbd on
#                                 :445 and the EPM mapping the witness interface on both
#                                 private addresses. Sets WITNESS_PUBLIC_IP (the mounted
#                                 address), WITNESS_MOVE_IP (the other public address),
#                                 WITNESS_CLUSTER_UP_SECS. In a group guest (group-run.sh)
#                                 the cluster is started once: a later scenario's call brings
#                                 back a node an earlier one failed and waits for health.
#   witness_cluster_exec N CMD... CMD inside node N (its network and mount namespaces).
#   witness_cluster_stop_node N   a hard failure of node N: its link goes down (no RST, no
#                                 ARP reply ever leaves it again) and every process in its
#                                 network namespace gets SIGKILL. Sets WITNESS_CLUSTER_FAIL_AT
#                                 and WITNESS_CLUSTER_FAIL_WALL (guest uptime / wall clock
#                                 right after the link went down).
#   witness_cluster_start_node N  node N comes back (a reboot: ctdbd's init event drops any
#                                 public address left on its eth0) and the cluster is healthy
#                                 again as in witness_cluster_start.
#   witness_cluster_ip_node IP    the node number that hosts IP now (from a live node's ctdb).
#   witness_cluster_wait_ip IP N SECS   waits until node N hosts IP.
#   witness_cluster_net_list N    `net witness list` on node N.
#   witness_cluster_dump          ctdb/Samba state and log tails of both nodes (also part of
#                                 lab_debug_dump once witness_cluster_start has run).
#   witness_cluster_stop          everything down, namespaces and links deleted.
#
# Fast node-death detection for the lab: ctdb.tunables KeepaliveInterval=1, KeepaliveLimit=5
# (defaults 5 and 5: a dead node is noticed after ~25 s instead of ~5 s); override with
# WITNESS_CLUSTER_KEEPALIVE_INTERVAL / _LIMIT.

WITNESS_CLUSTER_NODES=2
WITNESS_CLUSTER_BRIDGE=wcbr0
WITNESS_CLUSTER_CLIENT_IP=192.0.2.1
WITNESS_CLUSTER_NODE_IPS=(192.0.2.11 192.0.2.21)
WITNESS_CLUSTER_PUBLIC_IPS=(192.0.2.12 192.0.2.22)
WITNESS_CLUSTER_DIR=/run/wcluster
WITNESS_CLUSTER_TIMEOUT=${WITNESS_CLUSTER_TIMEOUT:-300}
WITNESS_CLUSTER_KEEPALIVE_INTERVAL=${WITNESS_CLUSTER_KEEPALIVE_INTERVAL:-1}
WITNESS_CLUSTER_KEEPALIVE_LIMIT=${WITNESS_CLUSTER_KEEPALIVE_LIMIT:-5}
# The per-node directories bind-mounted over the default paths (name in nN/ : path).
_WC_BINDS=(etc-ctdb:/etc/ctdb etc-samba:/etc/samba lib-ctdb:/var/lib/ctdb run-ctdb:/run/ctdb
  lib-samba:/var/lib/samba cache-samba:/var/cache/samba run-samba:/run/samba
  log-samba:/var/log/samba log-ctdb:/var/log/ctdb)

# Bounded (WC_EXEC_TIMEOUT, default 120 s): a hung tool must not outlast the waits.
witness_cluster_exec() {
  local n=$1
  shift
  timeout -k 5 "${WC_EXEC_TIMEOUT:-120}" nsenter --net="/run/netns/wc$n" --mount="$WITNESS_CLUSTER_DIR/ns/mnt$n" -- "$@"
}

# _wc_spawn N NAME CMD...: a daemon of node N in its own session (see witness-server.sh on
# setsid), output appended to the node's log-NAME.stdout; its pid in _WC_PID.
_wc_spawn() {
  local n=$1 name=$2
  shift 2
  setsid nsenter --net="/run/netns/wc$n" --mount="$WITNESS_CLUSTER_DIR/ns/mnt$n" -- "$@" \
    >> "$WITNESS_CLUSTER_DIR/n$n/$name.stdout" 2>&1 &
  _WC_PID=$!
}

# _wc_node_setup N: network namespace, veth, mount namespace and the node's configuration.
_wc_node_setup() {
  local n=$1 d=$WITNESS_CLUSTER_DIR/n$1 b p
  ip netns add "wc$n" || fail "ip netns add wc$n failed"
  ip link add "wcv$n" type veth peer name eth0 netns "wc$n" || fail "veth for node $n failed"
  ip link set "wcv$n" master "$WITNESS_CLUSTER_BRIDGE" up || fail "wcv$n into the bridge failed"
  ip -n "wc$n" link set lo up
  ip -n "wc$n" addr add "${WITNESS_CLUSTER_NODE_IPS[n]}/24" dev eth0 || fail "node $n address failed"
  ip -n "wc$n" link set eth0 up
  for b in "${_WC_BINDS[@]}"; do mkdir -p "$d/${b%%:*}" "${b#*:}"; done
  # /etc/ctdb: the package's helper scripts (functions, notify.sh, ...) plus this node's
  # configuration; exactly Debian's default legacy event scripts (witness-server.sh).
  cp -a /etc/ctdb/. "$d/etc-ctdb/"
  rm -rf "$d/etc-ctdb/events/legacy" && mkdir -p "$d/etc-ctdb/events/legacy"
  for p in 00.ctdb 01.reclock 05.system 10.interface 95.database; do
    [ -f "/usr/share/ctdb/events/legacy/$p.script" ] || fail "ctdb event script $p missing"
    ln -s "/usr/share/ctdb/events/legacy/$p.script" "$d/etc-ctdb/events/legacy/$p.script"
  done
  cat > "$d/etc-ctdb/ctdb.conf" <<CONF
[logging]
	location = file:/var/log/ctdb/ctdbd.log
	log level = NOTICE
[cluster]
	cluster lock = $WITNESS_CLUSTER_DIR/shared/cluster.lock
[database]
	volatile database directory = /var/lib/ctdb/volatile
	persistent database directory = /var/lib/ctdb/persistent
	state database directory = /var/lib/ctdb/state
CONF
  printf '%s\n' "${WITNESS_CLUSTER_NODE_IPS[@]}" > "$d/etc-ctdb/nodes"
  for p in "${WITNESS_CLUSTER_PUBLIC_IPS[@]}"; do echo "$p/24 eth0"; done > "$d/etc-ctdb/public_addresses"
  printf 'KeepaliveInterval=%s\nKeepaliveLimit=%s\nEventScriptTimeout=%s\n' "$WITNESS_CLUSTER_KEEPALIVE_INTERVAL" \
    "$WITNESS_CLUSTER_KEEPALIVE_LIMIT" "$WITNESS_CTDB_EVENT_TIMEOUT" > "$d/etc-ctdb/ctdb.tunables"
  mkdir -p "$d/lib-ctdb/volatile" "$d/lib-ctdb/persistent" "$d/lib-ctdb/state" "$d/lib-samba/private"
  # The same smb.conf on both nodes (one cluster, one netbios name); no "interfaces": smbd and
  # samba-dcerpcd listen on the wildcard of their namespace, so a public address taken over
  # is served at once.
  witness_smb_conf "$d/etc-samba/smb.conf"
  # The mount namespace: fresh sysfs (this node's interfaces), the state directories.
  touch "$WITNESS_CLUSTER_DIR/ns/mnt$n"
  nsenter --net="/run/netns/wc$n" unshare --mount="$WITNESS_CLUSTER_DIR/ns/mnt$n" --propagation private \
    sh -c 'set -e; mount -t sysfs sysfs /sys; d=$1; shift
           for b in "$@"; do mount --bind "$d/${b%%:*}" "${b#*:}"; done' sh "$d" "${_WC_BINDS[@]}" \
    || fail "mount namespace of node $n failed"
}

# _wc_node_ctdbd N / _wc_node_samba N: node N's ctdbd / its smbd and samba-dcerpcd (which
# need ctdb: with clustering, even smbpasswd opens its databases through it). Pids in _WC_PIDS_N.
_wc_node_ctdbd() {
  local n=$1 fifo=$WITNESS_CLUSTER_DIR/n$1/ctdbd.fifo
  # ctdbd -i (so that the pid is ours) logs to stdout without timestamps: each line gets the
  # guest's wall-clock time as it is read (ctdb_log_time splits a node failure's time with
  # them). Through a FIFO (the guest has no /dev/fd for a process substitution); the stamper
  # has a session of its own too and ends at ctdbd's EOF.
  rm -f "$fifo" && mkfifo "$fifo" || fail "mkfifo $fifo failed"
  setsid "$WITNESS_PYTHON" -u -c '
import datetime, sys
for line in sys.stdin:
    sys.stdout.write(datetime.datetime.now().isoformat() + " " + line)
    sys.stdout.flush()
' < "$fifo" >> "$WITNESS_CLUSTER_DIR/n$n/ctdbd.stdout" 2>&1 &
  setsid nsenter --net="/run/netns/wc$n" --mount="$WITNESS_CLUSTER_DIR/ns/mnt$n" -- ctdbd -i > "$fifo" 2>&1 &
  eval "_WC_PIDS_$n=($!)"
}
_wc_node_samba() {
  local n=$1
  # The account once per node (its passdb persists in the node's lib-samba across restarts).
  if [ ! -e "$WITNESS_CLUSTER_DIR/n$n/lib-samba/private/passdb.tdb" ]; then
    witness_cluster_exec "$n" sh -c "printf '%s\n%s\n' '$WITNESS_PASSWORD' '$WITNESS_PASSWORD' | smbpasswd -s -a $WITNESS_USER" >/dev/null \
      || fail "smbpasswd -a $WITNESS_USER on node $n failed"
  fi
  _wc_spawn "$n" smbd smbd -F --no-process-group --debug-stdout
  eval "_WC_PIDS_$n+=($_WC_PID)"
  _wc_spawn "$n" dcerpcd "$WITNESS_DCERPCD" --libexec-rpcds -F --no-process-group --debug-stdout
  eval "_WC_PIDS_$n+=($_WC_PID)"
}

# _wc_ctdb_ok N: node N's ctdb sees every node OK, recovery mode NORMAL, every public address
# hosted. _wc_node_healthy N: that, and smbd listens on :445 and the EPM maps witness on
# node N's private address.
_wc_ctdb_ok() {
  local n=$1 st ips p
  st=$(WC_EXEC_TIMEOUT=30 witness_cluster_exec "$n" ctdb status 2>/dev/null) || return 1
  [ "$(grep -c '^pnn:[0-9]* .* OK' <<<"$st")" = "$WITNESS_CLUSTER_NODES" ] || return 1
  grep -q '^Recovery mode:NORMAL' <<<"$st" || return 1
  ips=$(WC_EXEC_TIMEOUT=30 witness_cluster_exec "$n" ctdb ip 2>/dev/null) || return 1
  for p in "${WITNESS_CLUSTER_PUBLIC_IPS[@]}"; do
    grep -Eq "^$p [0-9]+\$" <<<"$ips" || return 1
  done
}
_wc_node_healthy() {
  local n=$1 port
  _wc_ctdb_ok "$n" || return 1
  witness_cluster_exec "$n" ss -Hltn 'sport = :445' | grep -q . || return 1
  port=$(witness_epm_port "${WITNESS_CLUSTER_NODE_IPS[n]}") || return 1
  witness_cluster_exec "$n" ss -Hltn "sport = :$port" | grep -q .
}

# _wc_wait_healthy CHECK NODES...: polls until CHECK (_wc_ctdb_ok or _wc_node_healthy) holds
# for every listed node; fails after the timeout, or at once when one of their daemons exited.
_wc_wait_healthy() {
  local check=$1 i n ok pid pids
  shift
  for ((i = 0; i < WITNESS_CLUSTER_TIMEOUT * 2; i++)); do
    ok=yes
    for n in "$@"; do
      eval "pids=\${_WC_PIDS_$n[*]}"
      for pid in $pids; do
        kill -0 "$pid" 2>/dev/null || fail "a daemon of node $n (pid $pid) exited (see $WITNESS_CLUSTER_DIR/n$n/*.stdout in the log)"
      done
      "$check" "$n" || { ok=; break; }
    done
    [ -n "$ok" ] && return 0
    sleep 0.5
  done
  fail "cluster not healthy ($check) after ${WITNESS_CLUSTER_TIMEOUT}s (nodes $*): $(WC_EXEC_TIMEOUT=30 witness_cluster_exec "$1" ctdb status 2>&1 | grep -E '^pnn|Recovery mode' | tr '\n' ';')"
}

witness_cluster_start() {
  local t0 n p
  if [ -e "$WITNESS_CLUSTER_DIR/started" ]; then
    _wc_resume
    return
  fi
  [ ! -d "$WITNESS_CLUSTER_DIR/ns" ] || fail "an earlier scenario of this guest began to start the cluster and failed"
  # Only inside a lab guest with nothing but lo (lab-recipe.md: no test address outside it).
  if ! grep -q 'smb3kit\.repo=' /proc/cmdline || [ "$(ls /sys/class/net)" != lo ]; then
    fail "witness_cluster_start must only run inside the lab guest (smb3kit.repo= on the command line, only lo)"
  fi
  for p in ctdbd ctdb smbd smbpasswd net nsenter unshare ethtool "$WITNESS_DCERPCD" "$WITNESS_RPCD" "$WITNESS_PYTHON"; do
    command -v "$p" >/dev/null || fail "witness cluster: $p not installed (lab/setup-host.sh)"
  done
  t0=$(lab_uptime)
  modprobe veth || fail "modprobe veth failed"
  modprobe bridge || fail "modprobe bridge failed"
  mkdir -p /run/witness "$WITNESS_CLUSTER_DIR/shared" "$WITNESS_CLUSTER_DIR/ns" /run/netns "$WITNESS_SHARE_PATH"
  chmod 777 "$WITNESS_SHARE_PATH"
  # unshare --mount=FILE needs FILE on a mount with private propagation.
  mount -t tmpfs tmpfs "$WITNESS_CLUSTER_DIR/ns" && mount --make-private "$WITNESS_CLUSTER_DIR/ns" \
    || fail "tmpfs for the mount namespaces failed"
  id "$WITNESS_USER" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$WITNESS_USER" \
    || fail "useradd $WITNESS_USER failed"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n%s %s\n' \
    "${WITNESS_CLUSTER_PUBLIC_IPS[0]}" "$WITNESS_NAME" > /etc/hosts
  # The client side: python3-samba's LoadParm (witness_rpc) reads this one.
  mkdir -p /etc/samba
  printf '[global]\n\tworkgroup = LAB\n\tdisable netbios = yes\n' > "$WITNESS_SMB_CONF"
  ip link add "$WITNESS_CLUSTER_BRIDGE" type bridge || fail "bridge $WITNESS_CLUSTER_BRIDGE failed"
  ip link set "$WITNESS_CLUSTER_BRIDGE" up
  ip addr add "$WITNESS_CLUSTER_CLIENT_IP/24" dev "$WITNESS_CLUSTER_BRIDGE" || fail "client address failed"
  for ((n = 0; n < WITNESS_CLUSTER_NODES; n++)); do _wc_node_setup "$n"; done
  for ((n = 0; n < WITNESS_CLUSTER_NODES; n++)); do _wc_node_ctdbd "$n"; done
  _wc_wait_healthy _wc_ctdb_ok 0 1
  step "ctdb: both nodes OK after $(_witness_since "$t0")s"
  for ((n = 0; n < WITNESS_CLUSTER_NODES; n++)); do _wc_node_samba "$n"; done
  _wc_ready "$t0" "two-node cluster"
  witness_cluster_exec 0 ctdb status
  touch "$WITNESS_CLUSTER_DIR/started"
}

# _wc_ready T0 WHAT: waits until both nodes are healthy, then sets WITNESS_CLUSTER_UP_SECS (since
# T0), WITNESS_PUBLIC_IP and WITNESS_MOVE_IP and reports WHAT healthy with ctdb's address map.
_wc_ready() {
  _wc_wait_healthy _wc_node_healthy 0 1
  WITNESS_CLUSTER_UP_SECS=$(_witness_since "$1")
  WITNESS_PUBLIC_IP=${WITNESS_CLUSTER_PUBLIC_IPS[0]}
  WITNESS_MOVE_IP=${WITNESS_CLUSTER_PUBLIC_IPS[1]}
  export WITNESS_MOVE_IP
  step "$2 healthy after ${WITNESS_CLUSTER_UP_SECS}s: $(witness_cluster_exec 0 ctdb ip | tr -s ' ' | tr '\n' ';')"
}

# _wc_resume: a group guest (lab/guest/group-run.sh) where an earlier scenario started the
# cluster: a node it failed comes back, then the cluster must be healthy as after a start.
_wc_resume() {
  local t0 n
  t0=$(lab_uptime)
  for ((n = 0; n < WITNESS_CLUSTER_NODES; n++)); do
    if [ -z "$(ip netns pids "wc$n" 2>/dev/null)" ]; then
      step "node $n is down (an earlier scenario failed it): it comes back"
      witness_cluster_start_node "$n"
    fi
  done
  _wc_ready "$t0" "two-node cluster (started by an earlier scenario of this guest)"
}

witness_cluster_ip_node() {
  local n out
  for ((n = 0; n < WITNESS_CLUSTER_NODES; n++)); do
    out=$(WC_EXEC_TIMEOUT=30 witness_cluster_exec "$n" ctdb ip 2>/dev/null) || continue
    sed -n "s/^$1 \\([0-9-]*\\)\$/\\1/p" <<<"$out" && return 0
  done
  return 1
}

witness_cluster_wait_ip() {  # IP NODE SECONDS
  local i
  for ((i = 0; i < $3 * 2; i++)); do
    [ "$(witness_cluster_ip_node "$1")" = "$2" ] && return 0
    sleep 0.5
  done
  return 1
}

witness_cluster_net_list() { witness_cluster_exec "$1" net witness list 2>&1; }

witness_cluster_stop_node() {
  local n=$1 pids
  ip -n "wc$n" link set eth0 down || fail "link down of node $n failed"
  WITNESS_CLUSTER_FAIL_AT=$(lab_uptime)
  WITNESS_CLUSTER_FAIL_WALL=$(date +%s.%N)
  # Every process of the node: its daemons and whatever they started (ctdb helpers, event
  # scripts, rpcd_* workers, smbd children).
  pids=$(ip netns pids "wc$n")
  [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
  wait_for 60 sh -c "[ -z \"\$(ip netns pids wc$n)\" ]" || fail "node $n: processes left after SIGKILL: $(ip netns pids "wc$n")"
}

witness_cluster_start_node() {
  local n=$1 others=() m
  ip -n "wc$n" link set eth0 up || fail "link up of node $n failed"
  _wc_node_ctdbd "$n"
  for ((m = 0; m < WITNESS_CLUSTER_NODES; m++)); do others+=("$m"); done
  _wc_wait_healthy _wc_ctdb_ok "${others[@]}"
  _wc_node_samba "$n"
  _wc_wait_healthy _wc_node_healthy "${others[@]}"
}

witness_cluster_dump() {
  local n f
  [ -d "$WITNESS_CLUSTER_DIR/ns" ] || return 0
  echo "----- witness cluster state -----"
  ip -br addr; bridge link 2>&1
  for ((n = 0; n < WITNESS_CLUSTER_NODES; n++)); do
    echo "----- node $n -----"
    ip -n "wc$n" -br addr 2>&1
    WC_EXEC_TIMEOUT=30 witness_cluster_exec "$n" ctdb status 2>&1 | head -n 12
    WC_EXEC_TIMEOUT=30 witness_cluster_exec "$n" ctdb ip 2>&1 | head -n 5
    WC_EXEC_TIMEOUT=30 witness_cluster_exec "$n" ss -Hltn 2>&1
    WC_EXEC_TIMEOUT=30 witness_cluster_exec "$n" net witness list 2>&1 | head -n 12
    echo "processes: $(ip netns pids "wc$n" | xargs -r ps -o comm= -p | sort | uniq -c | tr -s ' \n' ' ')"
    for f in "$WITNESS_CLUSTER_DIR/n$n"/*.stdout "$WITNESS_CLUSTER_DIR/n$n"/log-ctdb/ctdbd.log "$WITNESS_CLUSTER_DIR/n$n"/log-samba/log.*; do
      [ -s "$f" ] && { echo "----- node $n: ${f#"$WITNESS_CLUSTER_DIR"/} (tail) -----"; tail -n 30 "$f"; }
    done
  done
  echo "----- end of witness cluster state -----"
}

witness_cluster_stop() {
  local n pids
  for ((n = 0; n < WITNESS_CLUSTER_NODES; n++)); do
    pids=$(ip netns pids "wc$n" 2>/dev/null)
    [ -n "$pids" ] && kill -TERM $pids 2>/dev/null
  done
  for ((n = 0; n < WITNESS_CLUSTER_NODES; n++)); do
    wait_for 60 sh -c "[ -z \"\$(ip netns pids wc$n 2>/dev/null)\" ]" || {
      warn "node $n: processes ignored SIGTERM for 60s, killed"
      kill -KILL $(ip netns pids "wc$n") 2>/dev/null
    }
    umount "$WITNESS_CLUSTER_DIR/ns/mnt$n" 2>/dev/null
    ip netns del "wc$n" 2>/dev/null
  done
  ip link del "$WITNESS_CLUSTER_BRIDGE" 2>/dev/null
  return 0
}

# Every fail (and the guest watchdog, when sourced before lab_start) also dumps the cluster.
if declare -F lab_debug_dump >/dev/null && ! declare -F _wcluster_lab_debug_dump >/dev/null; then
  eval "_wcluster_lab_debug_dump() $(declare -f lab_debug_dump | tail -n +2)"
  lab_debug_dump() { witness_cluster_dump; _wcluster_lab_debug_dump; }
fi

# ---- Checks the cluster scenarios share (need witness-daemon.sh: W, EVENTS, wfail, ...) ----

# writer_start NAME: block_writer.py appends checksummed blocks to /mnt/w/NAME.dat in the
# background (log /run/witness/NAME.writer).
writer_start() {
  rm -f "/run/witness/$1.writer"
  "$WITNESS_PYTHON" "$LAB_GUEST/block_writer.py" write "/mnt/w/$1.dat" "/run/witness/$1.writer" &
  WRITER_PID=$!
}
writer_ok() { grep -c '^ok ' "/run/witness/$1.writer" 2>/dev/null || true; }
# writer_first_ok_after NAME WALL: "SEQ END" of the first write that completed after WALL.
writer_first_ok_after() { awk -v t="$2" '$1 == "ok" && $4 > t { print $2, $4; exit }' "/run/witness/$1.writer"; }
# writer_stop_verify NAME: stops the writer after its current block, then checks every block it
# wrote, on the server's file system and read back through the mount (page cache dropped).
writer_stop_verify() {
  local n out
  kill -TERM "$WRITER_PID"
  wait_for 120 sh -c "! kill -0 $WRITER_PID" || wfail "the block writer did not stop (I/O hung?)"
  n=$(writer_ok "$1")
  out=$("$WITNESS_PYTHON" "$LAB_GUEST/block_writer.py" verify "$WITNESS_SHARE_PATH/$1.dat" "$n") \
    || wfail "server-side data of $1.dat damaged: $out"
  info "server side: $out"
  sync
  echo 3 > /proc/sys/vm/drop_caches
  out=$("$WITNESS_PYTHON" "$LAB_GUEST/block_writer.py" verify "/mnt/w/$1.dat" "$n") \
    || wfail "$1.dat read through the mount is damaged: $out"
  info "through the mount: $out"
}
listed_on() { witness_cluster_net_list "$1" | grep -q labclient; }
listed_count() { witness_cluster_net_list "$1" | grep -c labclient || true; }

# check_node_failure NAME: with the block writer running on the mount, the node hosting
# WITNESS_PUBLIC_IP fails hard; the survivor takes the address over, its witness service
# reports the move (RESOURCE_CHANGE, or CLIENT_MOVE), the daemon forwards it, the kernel
# reconnects to the survivor and the writer goes on; every block before and after is intact.
# Sets FAILED_NODE, SURVIVOR and NODE_FAILURE_FIRST_WRITE_SECS; prints a WITNESS-NODE-FAILURE line.
check_node_failure() {
  local name=$1 rc0 cm0 ok0 first takeover ev kind evt seq errs dead took
  FAILED_NODE=$(witness_cluster_ip_node "$WITNESS_PUBLIC_IP") || wfail "no node hosts $WITNESS_PUBLIC_IP"
  SURVIVOR=$((1 - FAILED_NODE))
  info "the mount's address $WITNESS_PUBLIC_IP is on node $FAILED_NODE; the daemon's witness: $(registration_state "$REG")"
  writer_start "$name"
  wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/$name.writer 2>/dev/null) -ge 10 ]" \
    || wfail "the block writer did not get 10 blocks written: $(tail -n 3 "/run/witness/$name.writer")"
  rc0=$(events_of resource-change); cm0=$(events_of client-move)
  ok0=$(writer_ok "$name")
  step "node $FAILED_NODE fails hard (link down, SIGKILL) after $ok0 blocks"
  witness_cluster_stop_node "$FAILED_NODE"
  witness_cluster_wait_ip "$WITNESS_PUBLIC_IP" "$SURVIVOR" 180 \
    || wfail "node $SURVIVOR did not take $WITNESS_PUBLIC_IP over: $(WC_EXEC_TIMEOUT=30 witness_cluster_exec "$SURVIVOR" ctdb ip 2>&1 | tr '\n' ';')"
  takeover=$(awk -v a="$WITNESS_CLUSTER_FAIL_WALL" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  info "node $SURVIVOR hosts $WITNESS_PUBLIC_IP (seen ${takeover}s after the failure)"
  wait_for 180 sh -c "[ -n \"\$(awk -v t=$WITNESS_CLUSTER_FAIL_WALL '\$1 == \"ok\" && \$4 > t { print; exit }' /run/witness/$name.writer)\" ]" \
    || wfail "no successful write within 180 s after the failure: $(tail -n 3 "/run/witness/$name.writer")"
  read -r seq first <<<"$(writer_first_ok_after "$name" "$WITNESS_CLUSTER_FAIL_WALL")"
  NODE_FAILURE_FIRST_WRITE_SECS=$(awk -v a="$WITNESS_CLUSTER_FAIL_WALL" -v b="$first" 'BEGIN { printf "%.2f", b - a }')
  errs=$(awk -v t="$WITNESS_CLUSTER_FAIL_WALL" '$1 == "err" && $3 > t' "/run/witness/$name.writer" | wc -l)
  # The witness service of the survivor reported the address's move; the daemon forwarded it.
  wait_for 60 sh -c "[ \$(grep -c '\"event\":\"resource-change\"' $EVENTS) -gt $rc0 ] || [ \$(grep -c '\"event\":\"client-move\"' $EVENTS) -gt $cm0 ]" \
    || wfail "no RESOURCE_CHANGE or CLIENT_MOVE from the survivor's witness service after the failure"
  # The first one after the failure (an UNAVAILABLE; an AVAILABLE may follow).
  ev=$(grep -E '"event":"(resource-change|client-move)"' "$EVENTS" | sed -n "$((rc0 + cm0 + 1))p")
  kind="$(json_field "$ev" event) $(json_field "$ev" state)"
  info "event: $ev"
  [ "$(json_field "$ev" forwarded)" = True ] && [ "$(json_field "$ev" kernelResult)" = 0 ] \
    || wfail "the $kind after the node failure was not forwarded to the kernel: $ev"
  evt=$(awk -v a="$WITNESS_CLUSTER_FAIL_WALL" -v b="$(json_field "$ev" time)" 'BEGIN { printf "%.2f", b - a }')
  wait_for 60 sh -c "ss -Htn state established 'dst $WITNESS_PUBLIC_IP and dport = :445' | grep -q ." \
    || wfail "the kernel has no connection to $WITNESS_PUBLIC_IP:445 (now on node $SURVIVOR): $(server_conn)"
  wait_for 120 sh -c "[ \$(grep -c '^ok ' /run/witness/$name.writer) -ge $((seq + 10)) ]" \
    || wfail "I/O did not continue after the first write following the failure"
  writer_stop_verify "$name"
  # Every failover event since the failure, and what the kernel logged about its connection.
  awk -v t="$WITNESS_CLUSTER_FAIL_WALL" -F'"time":' '/"event":"(resource-change|client-move)"/ { split($2, a, ","); if (a[1] > t) print "LAB-INFO after the failure: " $0 }' "$EVENTS"
  dmesg | grep -iE 'cifs|smb' | tail -n 8
  # Where the time went, from the survivor's ctdb log (empty if the lines were not found).
  dead=$(ctdb_log_time "$SURVIVOR" 'is dead|disconnected' "$WITNESS_CLUSTER_FAIL_WALL")
  took=$(ctdb_log_time "$SURVIVOR" "Takeover of IP $WITNESS_PUBLIC_IP" "$WITNESS_CLUSTER_FAIL_WALL")
  info "survivor's ctdb: node $FAILED_NODE declared dead at $(awk -v a="$WITNESS_CLUSTER_FAIL_WALL" -v b="$dead" 'BEGIN { if (b == "") print "?"; else printf "%.2fs", b - a }'), $WITNESS_PUBLIC_IP taken over at $(awk -v a="$WITNESS_CLUSTER_FAIL_WALL" -v b="$took" 'BEGIN { if (b == "") print "?"; else printf "%.2fs", b - a }')"
  grep -hE 'dead|disconnected|Takeover|takeover|ecovery' "$WITNESS_CLUSTER_DIR/n$SURVIVOR/log-ctdb/ctdbd.log" "$WITNESS_CLUSTER_DIR/n$SURVIVOR/ctdbd.stdout" 2>/dev/null | tail -n 25
  info "node failure: first successful write ${NODE_FAILURE_FIRST_WRITE_SECS}s after node $FAILED_NODE failed (block $seq; $errs failed write attempts meanwhile); takeover seen at ${takeover}s, $kind forwarded at ${evt}s (daemon latency $(json_field "$ev" latencyMs) ms)"
  echo "WITNESS-NODE-FAILURE first_write_s=$NODE_FAILURE_FIRST_WRITE_SECS takeover_seen_s=$takeover event_s=$evt event=${kind// /\/} errors=$errs"
}

# registered_at ADDRESS: the daemon's registration for ADDRESS (the kernel's REGISTER after a
# move) is registered with a witness server; prints that witness server.
registered_at() {
  status_json | python3 -c 'import json,sys
for r in json.load(sys.stdin)["registrations"]:
    if r["serverAddress"] == sys.argv[1] and r["state"] == "registered": print(r.get("witnessServer") or "-"); break
else: sys.exit(1)' "$1"
}

# check_no_stale_registration ADDRESS: `net witness list` on every live node shows exactly one
# registration of labclient, for ADDRESS (Samba's forced unregister 5 s after a move or an
# UNAVAILABLE removes the old one; the daemon's re-registration is the new one).
check_no_stale_registration() {
  local addr=$1 n i ok lists l
  for ((i = 0; i < 240; i++)); do
    ok=yes lists=
    for ((n = 0; n < WITNESS_CLUSTER_NODES; n++)); do
      [ -n "$(ip netns pids "wc$n" 2>/dev/null)" ] || continue
      l=$(witness_cluster_net_list "$n" | grep labclient)
      lists+="node $n: ${l:-none}; "
      [ "$(grep -c . <<<"$l")" = 1 ] && grep -q "$addr" <<<"$l" || ok=
    done
    [ -n "$ok" ] && { info "net witness list: $lists"; return 0; }
    sleep 0.5
  done
  wfail "not exactly one registration of labclient for $addr on every node: $lists"
}

# planned_move TARGET: `net witness client-move` (run on node 0) to TARGET, a public address;
# the daemon forwards CLIENT_MOVE, the kernel's connection moves to TARGET, the kernel's
# REGISTER for TARGET is registered again, no stale registration remains on either node.
# Sets PLANNED_MOVE_SECS (client-move to the kernel's connection on TARGET).
planned_move() {
  local target=$1 n t0 ev w
  n=$(($(events_of client-move) + 1))
  t0=$(date +%s.%N)
  witness_cluster_exec 0 net witness client-move --witness-apply-to-all --witness-new-ip="$target" | head -n 3
  wait_event client-move "$n" 60 || wfail "no client-move event: $(tail -n 5 "$EVENTS")"
  ev=$(last_event client-move)
  info "event: $ev"
  [ "$(json_field "$ev" forwarded)" = True ] && [ "$(json_field "$ev" kernelResult)" = 0 ] \
    || wfail "CLIENT_MOVE to $target not accepted by the kernel: $ev"
  wait_for 60 sh -c "ss -Htn state established 'dst $target and dport = :445' | grep -q ." \
    || wfail "the kernel's SMB connection did not move to $target: $(server_conn)"
  PLANNED_MOVE_SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  info "client-move to $target (node $(witness_cluster_ip_node "$target")): the kernel's connection is there ${PLANNED_MOVE_SECS}s after net witness client-move started; the daemon forwarded CLIENT_MOVE at $(awk -v a="$t0" -v b="$(json_field "$ev" time)" 'BEGIN { printf "%.1f", b - a }')s (its own latency $(json_field "$ev" latencyMs) ms)"
  wait_for 120 registered_at "$target" || wfail "no registration for the moved-to address $target: $("$W" status)"
  w=$(registered_at "$target")
  info "registered again for $target with the witness server at $w (node $(witness_cluster_ip_node "$w"))"
  check_no_stale_registration "$target"
}

# ctdb_log_time N PATTERN AFTER: the wall-clock time (seconds) of the first line of node N's
# ctdbd log after AFTER (seconds) that matches PATTERN (an extended regex); nothing if none.
# Expects "<time> message" lines: ctdbd -i writes its log to stdout without timestamps (and
# ignores ctdb.conf's log file), so _wc_node_ctdbd stamps each line as it reads it.
ctdb_log_time() {
  cat "$WITNESS_CLUSTER_DIR/n$1/log-ctdb/ctdbd.log" "$WITNESS_CLUSTER_DIR/n$1/ctdbd.stdout" 2>/dev/null |
    "$WITNESS_PYTHON" -c '
import datetime, re, sys
pat, after = re.compile(sys.argv[1]), float(sys.argv[2])
for line in sys.stdin:
    f = line.split(" ")
    try:
        t = datetime.datetime.fromisoformat(f[0]).timestamp()
    except ValueError:
        try:  # the older "YYYY/MM/DD HH:MM:SS.ffffff" form, local time
            t = datetime.datetime.strptime(" ".join(f[:2]), "%Y/%m/%d %H:%M:%S.%f").timestamp()
        except (ValueError, IndexError):
            continue
    if t > after and pat.search(line):
        print("%.3f" % t)
        break
' "$2" "$3"
}
