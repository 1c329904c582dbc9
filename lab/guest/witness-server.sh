# shellcheck shell=bash
# The Samba witness server (MS-SWN, rpcd_witness) inside the lab guest, and the
# witness-enabled cifs.ko: lab-recipe.md §9 (module) and §10 (server), witness-mswn.md §1.6.
# Sourced after lib.sh (before or after lab_start); the functions are used after lab_start.
#
#   witness_server_start   single-node ctdbd + clustered smbd + samba-dcerpcd --libexec-rpcds.
#                          Returns only when: 192.0.2.11 (node) and 192.0.2.12 (public) are on
#                          lo, "witnesslab" resolves to 192.0.2.12, ctdb reports
#                          "OK (THIS NODE)" and hosts 192.0.2.12, smbd listens on both :445,
#                          the EPM answers on 192.0.2.11:135 and maps the witness interface to
#                          a listening TCP port. Sets WITNESS_EPM_PORT and WITNESS_CTDB_OK_SECS;
#                          calls fail (with the server logs in the full log) otherwise.
#   witness_dcerpcd_start / witness_epm_wait
#                          (re)start samba-dcerpcd in its own session / wait until the EPM
#                          maps witness again (sets WITNESS_EPM_PORT); for restart scenarios.
#   witness_epm_port [IP]  ept_map of the witness interface on IP:135 (default the node IP);
#                          prints the port, false if not (yet) mapped.
#   witness_rpc CMD ...    runs lab/guest/witness_rpc.py (python3-samba MS-SWN client).
#   witness_server_stop    stops what witness_server_start started (by pid) and removes the
#                          addresses from lo.
#   witness_server_dump    ctdb/Samba state and log tails into the full log (also part of
#                          lab_debug_dump, so every fail and the watchdog print it).
#   WITNESS_SMB_GLOBAL_EXTRA  extra [global] lines for smb.conf (witness-krb5: realm and keytab).
#   witness_module_load    loads the witness-enabled cifs.ko ($LAB_WITNESS_KO) instead of the
#                          stock one: file present, vermagic = running kernel, dependencies from
#                          the stock tree, stock cifs not loaded, insmod ok; fails otherwise.
#
# Everything lives in the guest's tmpfs overlay; this must never run on the host (it puts
# addresses on lo and rewrites /etc/hosts and /etc/ctdb), so witness_server_start refuses to
# run outside a lab guest.

WITNESS_NODE_IP=192.0.2.11      # CTDB node address (documentation range, guest-only)
WITNESS_PUBLIC_IP=192.0.2.12    # CTDB public address, what the client mounts
WITNESS_NETBIOS=WITNESSLAB
WITNESS_NAME=witnesslab         # the server name clients use (a name, never an IP: MS-SWN)
WITNESS_SHARE=share
WITNESS_SHARE_PATH=/srv/wshare
WITNESS_USER=witnesstest
WITNESS_PASSWORD='Passw0rd!'
WITNESS_SMB_CONF=/etc/samba/smb.conf
WITNESS_PYTHON=/usr/bin/python3  # the distribution python: python3-samba is not in pyenv etc.
WITNESS_DCERPCD=/usr/libexec/samba/samba-dcerpcd
WITNESS_RPCD=/usr/libexec/samba/rpcd_witness
# Generous: TCG is slow and the two cores are shared with other work. All waits poll.
WITNESS_CTDB_TIMEOUT=${WITNESS_CTDB_TIMEOUT:-180}
WITNESS_CTDB_EVENT_TIMEOUT=${WITNESS_CTDB_EVENT_TIMEOUT:-150}
WITNESS_SMBD_TIMEOUT=${WITNESS_SMBD_TIMEOUT:-120}
WITNESS_EPM_TIMEOUT=${WITNESS_EPM_TIMEOUT:-180}
export WITNESS_USER WITNESS_PASSWORD WITNESS_SMB_CONF
export WITNESS_DOMAIN=$WITNESS_NETBIOS WITNESS_NETNAME=$WITNESS_NETBIOS WITNESS_SHARE
export WITNESS_MOVE_IP=$WITNESS_NODE_IP

_witness_pids=()

# _witness_poll SECS PID CMD...: polls CMD every 0.5 s like wait_for, but gives up at once
# (status 2) when the daemon PID has exited.
_witness_poll() {
  local secs=$1 pid=$2 i; shift 2
  for ((i = 0; i < secs * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 2
    sleep 0.5
  done
  return 1
}

# Seconds since $1 (a lab_uptime value), one decimal.
_witness_since() { awk -v a="$1" -v b="$(lab_uptime)" 'BEGIN { printf "%.1f", b - a }'; }

# A hung RPC call must not outlast the waits: every call is bounded (AsyncNotify included).
# SIGABRT: faulthandler then prints the Python stack of a hung call to stderr.
witness_rpc() { timeout -s ABRT -k 5 "${WITNESS_RPC_TIMEOUT:-240}" "$WITNESS_PYTHON" -X faulthandler "$LAB_GUEST/witness_rpc.py" "$@"; }

witness_epm_port() {
  local out
  local rc=0
  WITNESS_RPC_TIMEOUT=60 witness_rpc epm-port "${1:-$WITNESS_NODE_IP}" > /run/witness/epm-last.txt 2>&1 || rc=$?
  # 134 = SIGABRT from the timeout: keep the Python stack of the hung call for the dump.
  [ $rc -gt 1 ] && cp /run/witness/epm-last.txt "/run/witness/epm-hung-$(lab_uptime).txt"
  [ $rc = 0 ] || return 1
  out=$(grep -m1 -E '^[0-9]+ ' /run/witness/epm-last.txt | cut -d' ' -f1)
  [[ $out =~ ^[0-9]+$ ]] && [ "$out" -gt 0 ] || return 1
  echo "$out"
}

_witness_ctdb_ok() {
  ctdb status 2>/dev/null | grep -q 'OK (THIS NODE)' || return 1
  # The public address must be hosted by node 0 (not "-1", released) before smbd starts.
  ctdb ip 2>/dev/null | grep -q "^$WITNESS_PUBLIC_IP 0\$"
}

_witness_smbd_listening() {
  local ip
  for ip in "$WITNESS_NODE_IP" "$WITNESS_PUBLIC_IP"; do
    ss -Hltn "src $ip and sport = :445" | grep -q . || return 1
  done
}

_witness_epm_ready() {
  local port
  port=$(witness_epm_port "$WITNESS_NODE_IP") || return 1
  ss -Hltn "src $WITNESS_NODE_IP and sport = :$port" | grep -q . || return 1
  echo "$port" > /run/witness/epm-port
}

# witness_dcerpcd_start: (re)starts samba-dcerpcd --libexec-rpcds in its own session (log
# appended to dcerpcd.stdout), records its pid in WITNESS_DCERPCD_PID and returns at once;
# follow it with witness_epm_wait. Use this for restarts too: started without setsid, a
# Samba daemon that signals its process group on exit would end the guest script.
witness_dcerpcd_start() {
  # --libexec-rpcds: samba-dcerpcd starts every rpcd_* from /usr/libexec/samba (rpcd_witness
  # among them) itself; with "rpc start on demand helpers = no" smbd does not start it.
  setsid "$WITNESS_DCERPCD" --libexec-rpcds -F --no-process-group --debug-stdout >> /var/log/samba/dcerpcd.stdout 2>&1 &
  WITNESS_DCERPCD_PID=$!
  _witness_pids+=("$WITNESS_DCERPCD_PID")
}

# witness_epm_wait: polls until the EPM on the node address maps the witness interface to a
# listening port (samba-dcerpcd alive); sets WITNESS_EPM_PORT; fails otherwise.
witness_epm_wait() {
  local rc=0
  rm -f /run/witness/epm-port
  _witness_poll "$WITNESS_EPM_TIMEOUT" "$WITNESS_DCERPCD_PID" _witness_epm_ready || rc=$?
  [ $rc = 2 ] && fail "samba-dcerpcd exited during startup (see dcerpcd.stdout in the log)"
  [ $rc = 0 ] || fail "the EPM on $WITNESS_NODE_IP:135 did not map the witness interface after ${WITNESS_EPM_TIMEOUT}s: $(tail -n1 /run/witness/epm-last.txt 2>/dev/null)"
  WITNESS_EPM_PORT=$(cat /run/witness/epm-port)
}

witness_server_start() {
  local t0 t rc p
  # Only inside a lab guest (the kernel command line of lab_boot, no network card besides
  # lo). Never on the host.
  if ! grep -q 'smb3kit\.repo=' /proc/cmdline || [ "$(ls /sys/class/net)" != lo ]; then
    fail "witness_server_start must only run inside the lab guest (smb3kit.repo= on the command line, only lo)"
  fi
  for p in ctdbd ctdb smbd smbpasswd net "$WITNESS_DCERPCD" "$WITNESS_RPCD" "$WITNESS_PYTHON"; do
    command -v "$p" >/dev/null || fail "witness server: $p not installed (lab/setup-host.sh; needs Samba >= 4.20 with rpcd_witness and ctdb)"
  done
  # A file check: importing samba costs seconds under TCG.
  compgen -G '/usr/lib/python3/dist-packages/samba/dcerpc/witness.cpython-*.so' >/dev/null \
    || fail "python3-samba (samba.dcerpc.witness) missing"
  t0=$(lab_uptime)
  mkdir -p /run/witness

  # 1. Addresses and names (lab-recipe.md §10.1). On lo, not on a dummy interface: Debian's
  # 10.interface event script needs ethtool for anything but lo and would mark the node
  # UNHEALTHY and release the public address. rpcd_witness ignores 127/8 and link-local
  # addresses, not the lo device, so documentation addresses on lo are fine.
  ip link set lo up
  for p in "$WITNESS_NODE_IP" "$WITNESS_PUBLIC_IP"; do
    ip -4 addr show dev lo | grep -q " $p/" || ip addr add "$p/32" dev lo || fail "ip addr add $p/32 dev lo failed"
  done
  # A fresh /etc/hosts (the host's copy shows through the overlay otherwise). This replaces
  # services.sh hosts_setup's file: the witness server and the smb.test.lan Samba of
  # samba_setup cannot run in one guest anyway (one /etc/samba/smb.conf).
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n%s %s\n' \
    "$WITNESS_PUBLIC_IP" "$WITNESS_NAME" > /etc/hosts

  # 2. CTDB, one node, no cluster lock (§10.2).
  # /var/lib/ctdb and /etc/ctdb come from the host through the overlay; a tmpfs over the
  # database dir keeps any host databases out. The legacy event scripts enabled are made
  # exactly Debian's default set (00.ctdb 01.reclock 05.system 10.interface 95.database,
  # verified to reach OK with the addresses on lo), whatever the host has enabled: e.g. an
  # enabled 50.samba/47.samba-dcerpcd would try to start the daemons through systemd.
  mkdir -p /var/lib/ctdb /var/log/ctdb /run/ctdb /etc/ctdb/events/legacy
  mount -t tmpfs -o mode=0755 tmpfs /var/lib/ctdb || fail "tmpfs on /var/lib/ctdb failed"
  mount -t tmpfs -o mode=0755 tmpfs /etc/ctdb/events/legacy || fail "tmpfs on /etc/ctdb/events/legacy failed"
  mkdir -p /var/lib/ctdb/volatile /var/lib/ctdb/persistent /var/lib/ctdb/state
  for p in 00.ctdb 01.reclock 05.system 10.interface 95.database; do
    [ -f "/usr/share/ctdb/events/legacy/$p.script" ] || fail "ctdb event script $p missing"
    ln -s "/usr/share/ctdb/events/legacy/$p.script" "/etc/ctdb/events/legacy/$p.script"
  done
  cat > /etc/ctdb/ctdb.conf <<'CONF'
[logging]
	location = file:/var/log/ctdb/ctdbd.log
	log level = NOTICE
[database]
	volatile database directory = /var/lib/ctdb/volatile
	persistent database directory = /var/lib/ctdb/persistent
	state database directory = /var/lib/ctdb/state
CONF
  echo "$WITNESS_NODE_IP" > /etc/ctdb/nodes
  echo "$WITNESS_PUBLIC_IP/32 lo" > /etc/ctdb/public_addresses
  # An event may take 30 s by default, and ctdbd exits when its init event does not finish in
  # time: seen under a loaded host (two guests and a fuzzer on 2 cores). Generous here.
  echo "EventScriptTimeout=$WITNESS_CTDB_EVENT_TIMEOUT" > /etc/ctdb/ctdb.tunables
  # -i: stay in the foreground so the pid is ours; the log then goes to stdout (§10.2).
  # setsid (here and for smbd/samba-dcerpcd): the daemons must not share the guest script's
  # process group. smbd sends SIGTERM to its whole process group when it is stopped, and the
  # script (PID 1, which bash makes killable by its EXIT trap) then ended without a verdict.
  # A background job of this non-interactive shell is no group leader, so setsid execs the
  # daemon in place and $! stays its pid.
  setsid ctdbd -i > /var/log/ctdb/ctdbd.stdout 2>&1 &
  WITNESS_CTDBD_PID=$!
  _witness_pids+=("$WITNESS_CTDBD_PID")
  t=$(lab_uptime)
  rc=0; _witness_poll "$WITNESS_CTDB_TIMEOUT" "$WITNESS_CTDBD_PID" _witness_ctdb_ok || rc=$?
  [ $rc = 2 ] && fail "ctdbd exited during startup (see ctdbd.stdout in the log)"
  [ $rc = 0 ] || fail "ctdb not 'OK (THIS NODE)' with $WITNESS_PUBLIC_IP hosted after ${WITNESS_CTDB_TIMEOUT}s: $(ctdb status 2>&1 | grep -m1 'THIS NODE')"
  WITNESS_CTDB_OK_SECS=$(_witness_since "$t")
  step "ctdb OK (THIS NODE) after ${WITNESS_CTDB_OK_SECS}s, public $(ctdb ip 2>/dev/null | grep "^$WITNESS_PUBLIC_IP " | tr -s ' ')"
  ctdb status; ctdb ip

  # 3. Samba, clustered, with the witness service (§10.3).
  mkdir -p /etc/samba /var/lib/samba/private /var/cache/samba /var/log/samba /run/samba "$WITNESS_SHARE_PATH"
  chmod 777 "$WITNESS_SHARE_PATH"
  witness_smb_conf "$WITNESS_SMB_CONF" "ctdbd socket = /run/ctdb/ctdbd.socket" \
    "rpcd witness:include node ips = yes" "rpcd witness:include public ips = yes" \
    "interfaces = $WITNESS_NODE_IP/32 $WITNESS_PUBLIC_IP/32" "bind interfaces only = yes"
  id "$WITNESS_USER" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$WITNESS_USER" \
    || fail "useradd $WITNESS_USER failed"
  printf '%s\n%s\n' "$WITNESS_PASSWORD" "$WITNESS_PASSWORD" | smbpasswd -s -a "$WITNESS_USER" >/dev/null \
    || fail "smbpasswd -a $WITNESS_USER failed"
  t=$(lab_uptime)
  setsid smbd -F --no-process-group --debug-stdout > /var/log/samba/smbd.stdout 2>&1 &
  WITNESS_SMBD_PID=$!
  _witness_pids+=("$WITNESS_SMBD_PID")
  witness_dcerpcd_start
  rc=0; _witness_poll "$WITNESS_SMBD_TIMEOUT" "$WITNESS_SMBD_PID" _witness_smbd_listening || rc=$?
  [ $rc = 2 ] && fail "smbd exited during startup (see smbd.stdout in the log)"
  [ $rc = 0 ] || fail "smbd not listening on $WITNESS_NODE_IP:445 and $WITNESS_PUBLIC_IP:445 after ${WITNESS_SMBD_TIMEOUT}s"
  step "smbd listening after $(_witness_since "$t")s: $(ss -Hltn 'sport = :445' | awk '{print $4}' | sort | tr '\n' ' ')"

  # 4. The EPM answers and maps the witness interface to a listening port.
  witness_epm_wait
  step "witness server ready after $(_witness_since "$t0")s: EPM $WITNESS_NODE_IP:135 maps witness to port $WITNESS_EPM_PORT ($(_witness_since "$t")s after smbd/samba-dcerpcd start)"
  ss -Hltnp
  p=$(compgen -G '/run/witness/epm-hung-*.txt' | wc -l)
  if [ "$p" != 0 ]; then
    warn "witness server: $p ept_map call(s) hung for 60s and were aborted while waiting (stacks in the full log)"
    cat /run/witness/epm-hung-*.txt
  fi
}

witness_server_stop() {
  local pid i ip left=
  # Newest first: samba-dcerpcd (and its rpcd_* workers), smbd, ctdbd. Each runs in its own
  # session (setsid), so its pid is its process group and the group takes the helpers along.
  for ((i = ${#_witness_pids[@]} - 1; i >= 0; i--)); do
    pid=${_witness_pids[i]}
    kill -0 "$pid" 2>/dev/null || continue
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    if ! wait_for 60 sh -c "! kill -0 $pid"; then
      left+=" $pid"
      kill -KILL -- "-$pid" 2>/dev/null
    fi
  done
  _witness_pids=()
  for ip in "$WITNESS_NODE_IP" "$WITNESS_PUBLIC_IP"; do
    ip addr del "$ip/32" dev lo 2>/dev/null
  done
  [ -z "$left" ] || warn "witness server: pid(s)$left ignored SIGTERM for 60s, killed"
  return 0
}

witness_server_dump() {
  local f
  [ -d /run/witness ] || return 0
  echo "----- witness server state -----"
  ctdb status 2>&1 | head -n 20
  ctdb ip 2>&1 | head -n 5
  ip -4 addr show dev lo
  ss -Hltnp 2>&1
  ps -eo pid,ppid,etimes,args | grep -E '[c]tdb|[s]mbd|[s]amba-dcerpcd|[r]pcd_|[p]ython|[n]et witness'
  for f in /run/witness/epm-last.txt /run/witness/epm-hung-*.txt /var/log/ctdb/ctdbd.stdout /var/log/ctdb/ctdbd.log /var/log/samba/dcerpcd.stdout /var/log/samba/smbd.stdout /var/log/samba/log.*; do
    [ -s "$f" ] && { echo "----- $f (tail) -----"; tail -n 40 "$f"; }
  done
  echo "----- end of witness server state -----"
}

# Every fail (and the guest watchdog, when sourced before lab_start) also dumps the server.
if declare -F lab_debug_dump >/dev/null && ! declare -F _witness_lab_debug_dump >/dev/null; then
  eval "_witness_lab_debug_dump() $(declare -f lab_debug_dump | tail -n +2)"
  lab_debug_dump() { witness_server_dump; _witness_lab_debug_dump; }
fi

# witness_smb_conf FILE [GLOBAL_LINE...]: the clustered smb.conf of a witness server node (this
# single node, or each node of witness-cluster.sh): one netbios name, tdbsam, clustering, the
# witness service started with samba-dcerpcd, [$WITNESS_SHARE]. The lines given (ctdbd socket,
# interfaces, rpcd witness options) and WITNESS_SMB_GLOBAL_EXTRA go into [global].
witness_smb_conf() {
  local file=$1
  shift
  {
    echo "[global]"
    printf '\t%s\n' "netbios name = $WITNESS_NETBIOS" "workgroup = LAB" "server role = standalone server" \
      "security = user" "passdb backend = tdbsam" "clustering = yes" "rpc start on demand helpers = no" \
      "disable netbios = yes" "log file = /var/log/samba/log.%m" "log level = ${WITNESS_LOG_LEVEL:-1}" "$@"
    [ -z "${WITNESS_SMB_GLOBAL_EXTRA:-}" ] || echo "$WITNESS_SMB_GLOBAL_EXTRA"
    printf '[%s]\n\tpath = %s\n\tread only = no\n' "$WITNESS_SHARE" "$WITNESS_SHARE_PATH"
  } > "$file"
}

witness_module_load() {
  local ko=${LAB_WITNESS_KO:-} vermagic deps m out
  [ -f "$ko" ] || fail "witness cifs.ko not built ($ko missing; run lab/prepare.sh --kernel $LAB_KERNEL --witness)"
  vermagic=$(modinfo -F vermagic "$ko")
  [ "${vermagic%% *}" = "$(uname -r)" ] || fail "witness cifs.ko was built for '${vermagic%% *}', guest runs $(uname -r)"
  # A group guest: an earlier scenario loaded this very module (same srcversion) already.
  if lsmod | grep -q '^cifs ' && [ "$(cat /sys/module/cifs/srcversion 2>/dev/null)" = "$(modinfo -F srcversion "$ko")" ]; then
    info "the witness cifs.ko is loaded already (an earlier scenario of this guest)"
    return 0
  fi
  # Dependencies come from the stock tree; the stock cifs must NOT be loaded first (once it
  # has been used it cannot be removed, lab-recipe.md §9).
  deps=$(modinfo -F depends "$ko")
  info "witness cifs.ko depends: $deps"
  for m in ${deps//,/ }; do
    modprobe "$m" || fail "modprobe $m (dependency of the witness cifs.ko) failed"
  done
  lsmod | grep -q '^cifs ' && fail "the stock cifs module is already loaded"
  out=$(insmod "$ko" 2>&1) || fail "insmod of the witness cifs.ko failed: $out"
  dmesg | grep -iE 'cifs|taint' | tail -n 5
  grep -q '^Features:.*WITNESS' /proc/fs/cifs/DebugData \
    || fail "the loaded cifs module does not list WITNESS: $(grep '^Features:' /proc/fs/cifs/DebugData)"
}
