#!/bin/bash
# Benchmark (not a test; run by Benchmarks/witness.sh): smb3-witnessd against Samba's witness
# server in one guest. Prints BENCH lines:
#   floor N total_ms   `ss -K` on the kernel's socket to the mounted address -> the kernel's
#        next connection to it usable (see kernel_ready): what the kernel alone needs, no witness
#        involved; then, with the tracepoints, ss's part (start -> the kernel's smb3_reconnect)
#        and the kernel's (-> usable)
#   failover-first ABORT total_ms daemon_ms   the first move of each abort_connections setting
#        (the one after the daemon reloaded its configuration), reported apart, never dropped
#   failover ABORT-idle|ABORT-busy|yes-released N total_ms daemon_ms   `net witness client-move` -> the
#        kernel's connection on the new address usable (kernel_ready: its tree connect to the
#        share after the reconnect, from cifs.ko's tracepoints; without tracefs, a 50 ms ss
#        poll), the command in the background so that its exit is not counted, and the daemon's share (AsyncNotify
#        reply -> kernel ack), alternating the two server addresses; "busy" keeps a stat loop
#        running; ABORT is the daemon's abort_connections (yes: it aborts the kernel's old
#        connection so cifs.ko reconnects at once; no: cifs.ko waits for its receive timeout);
#        "released" (abort_connections = yes only) waits before each move until the daemon, quiet
#        for 30 s, has handed back its file pages and free heap: the move after an idle spell,
#        whose code faults back in from the page cache
#   admin-move first|N total_ms daemon_ms   `smb3-witnessd move --all --to ADDRESS` -> the
#        kernel's connection on ADDRESS usable, timed as the client-moves are (idle mount,
#        abort_connections = yes, alternating the two addresses); the first one reported as "first"
#   Every failover, failover-first and admin-move line ends with where the time went (ms):
#        RECV ACK ABORT REST   command start -> the daemon has the AsyncNotify reply or the admin
#        request (the event's receivedTime: net's start-up and the witness server's delivery, or
#        the move command's start-up); -> the kernel's NOTIFY ack (latencyMs); the abort of the
#        old connection (abortMs); abort done -> the kernel's new connection usable (the kernel's
#        reconnect: TCP connect, negotiate, session setup, tree connect)
#   start smb3-witnessd|net N MS   how long `smb3-witnessd status` and `net witness list` take,
#        start to exit: the start-up part of an admin move's and a client-move's RECV (under TCG
#        a process's start-up is most of it)
# TRACE LABEL +MS EVENT: cifs.ko's reconnect/connect tracepoints during each floor run and move,
#        in ms after its command started (the kernel's view; full log only).
# BENCH_ABORTS (default "yes no") picks the abort_connections settings measured; BENCH_ADMIN_RUNS
# (default BENCH_RUNS) the admin moves after the first.
#   rss REGISTRATIONS KiB THREADS ANON FILE PSS PSS_ANON PSS_FILE   smb3-witnessd VmRSS and thread
#        count with that many registrations: at start (0), after BENCH_SHARES (100) more, then after
#        BENCH_SHARES_MAX (1000) in all, each once the daemon is idle again (it has released the
#        file pages the burst of registrations touched); then RssAnon and RssFile
#        (/proc/PID/status) and Pss, Pss_Anon, Pss_File (smaps_rollup), in KiB: what is the
#        daemon's own memory and what is pages of its binary and shared libraries
#   rss-burst REGISTRATIONS ...   the same, right after the last of them registered
#   rss-queried REGISTRATIONS ...   the same, idle, after one `smb3-witnessd status --json`
#   wakeups SECONDS DAEMON_SWITCHES REGISTER_MESSAGES   context switches of all daemon threads
#        while idle, and how many kernel REGISTER repeats arrived meanwhile
# BENCH_FAILOVER=no skips the failover runs (the slow part) to measure memory only.
# BENCH_MEMORY_DETAIL=yes also writes, at start and at each rss line, the daemon's smaps_rollup
# and its mappings by resident size to the full log; with BENCH_MALLOC_STATS=yes also glibc's
# malloc_stats and what malloc_trim gives back (through gdb, which leaves private copies of the
# text pages its breakpoints touched: the daemon's later page releases skip those mappings).
# BENCH_FAULT_AROUND=BYTES sets the kernel's fault-around window (debugfs, default 65536) for
# the whole run: at 4096 the daemon's resident file pages are the pages it touched, no more.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/witness-server.sh
. "$LAB_GUEST/witness-server.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
lab_start
syslog_start  # the daemon logs there (its start-up page release among the rest)
W="$SMB3KIT_BIN/smb3-witnessd"
RUNS=${BENCH_RUNS:-10}
SHARES=${BENCH_SHARES:-100}
SHARES_MAX=${BENCH_SHARES_MAX:-1000}
EVENTS=/run/witness/events.jsonl
mkdir -p /run/witness /etc/smb3kit
witness_server_start
witness_module_load
# Extra shares for the RSS measurement: one registration per (server, share).
# Few processes: under TCG each one costs a noticeable fraction of a second.
seq -f /srv/w%g 1 "$SHARES_MAX" | xargs mkdir -p
seq -f /srv/w%g 1 "$SHARES_MAX" | xargs chmod 777
for i in $(seq 1 "$SHARES_MAX"); do
  printf '[w%s]\n\tpath = /srv/w%s\n\tread only = no\n' "$i" "$i"
done >> "$WITNESS_SMB_CONF"
smbcontrol smbd reload-config >/dev/null 2>&1 || true
write_conf() {  # write_conf ABORT
  cat > /etc/smb3kit/witnessd.conf <<CONF
keepalive_timeout = 600
auth_level = privacy
client_name = benchclient
events_file = $EVENTS
abort_connections = $1
abort_interval = 1
CONF
}
if [ -n "${BENCH_FAULT_AROUND:-}" ]; then
  [ -d /sys/kernel/debug/fault_around_bytes ] || [ -e /sys/kernel/debug/fault_around_bytes ] \
    || mount -t debugfs none /sys/kernel/debug 2>/dev/null || true
  echo "$BENCH_FAULT_AROUND" > /sys/kernel/debug/fault_around_bytes || fail "cannot set fault_around_bytes"
  info "fault_around_bytes $(cat /sys/kernel/debug/fault_around_bytes)"
fi
write_conf yes
"$W" run >> /run/witness/daemon.out 2>&1 &
WPID=$!
wait_for 30 "$W" status || fail "smb3-witnessd did not start"
mkdir -p /mnt/w
opts="username=$WITNESS_USER,password=$WITNESS_PASSWORD,vers=3.1.1,witness"
mount -t cifs "//$WITNESS_NAME/$WITNESS_SHARE" /mnt/w -o "$opts,echo_interval=60" || fail "witness mount failed"
registered() { "$W" status --json | grep -q '"state":"registered"'; }
# The kernel re-registers with the address it moved to; the next move must wait for that.
registered_at() { "$W" status --json | grep -q "\"serverAddress\":\"$1\",[^}]*\"state\":\"registered\""; }
wait_for 90 registered || fail "not registered"
now_ms() { date +%s%3N; }
conn_to() { ss -Htn state established "dst $1 and dport = :445" | grep -q .; }

# move TARGET: one client-move; sets MOVE_MS to the ms until the kernel's connection is on
# TARGET, LAST_EVENT and MOVE_PARTS (where the time went), then waits until the kernel's
# re-REGISTER for TARGET is registered again.
move() { timed_move "$1" net witness client-move --witness-apply-to-all --witness-new-ip="$1"; }
# admin_move TARGET: the same with smb3-witnessd move --all --to TARGET.
admin_move() { timed_move "$1" "$W" move --all --to "$1"; }
# timed_move TARGET COMMAND...: the move COMMAND makes, timed from its start to the kernel's
# new connection being usable (kernel_ready), the command running in the background so that
# its own exit is not counted.
timed_move() {
  local t0 t1 before target=$1 cmd_pid
  shift
  # grep -c prints 0 and fails when nothing matches: keep its output, default an absent file to 0.
  before=$(grep -c '"event":"client-move"' "$EVENTS" 2>/dev/null)
  before=${before:-0}
  KPORTS_BEFORE=$(kports "$target")
  trace_clear
  t0=$(now_ms)
  "$@" >/dev/null &
  cmd_pid=$!
  t1=$(kernel_ready "$t0" "$target") || fail "the kernel did not reconnect to $target (and tree-connect $WITNESS_SHARE) within 60 s"
  wait "$cmd_pid" || fail "$* failed"
  conn_to "$target" || fail "the connection did not move to $target"
  wait_for 30 sh -c "[ \$(grep -c '\"event\":\"client-move\"' $EVENTS) -gt $before ]" || fail "no client-move event"
  MOVE_MS=$((t1 - t0))
  LAST_EVENT=$(grep '"event":"client-move"' "$EVENTS" | tail -n1)
  MOVE_PARTS=$(parts "$t0" "$t1" "$LAST_EVENT")
  trace_print "$t0" "move-to-$target"
  wait_for 120 registered_at "$target" || fail "no registration at $target after the move"
}
# The kernel's side of each move and floor run, from cifs.ko's tracepoints on the TAI clock
# (the guest sets no TAI offset, so it is wall time, comparable with now_ms): trace_clear before
# the command, trace_print T0_MS LABEL after it prints each reconnect/connect event as ms after
# T0 into the full log (TRACE lines).
TR=/sys/kernel/tracing
TRACING=no
trace_start() {
  [ -d $TR/events ] || mount -t tracefs nodev $TR 2>/dev/null
  [ -d $TR/events/cifs ] && grep -qw tai $TR/trace_clock || return 0
  echo tai > $TR/trace_clock
  local e
  for e in smb3_reconnect smb3_connect_done smb3_connect_err smb3_tcon; do
    [ -e "$TR/events/cifs/$e/enable" ] && echo 1 > "$TR/events/cifs/$e/enable"
  done
  TRACING=yes
}
trace_clear() { [ "$TRACING" = no ] || echo > $TR/trace; }
trace_print() {
  [ "$TRACING" = no ] && return 0
  awk -v t0="$1" -v label="$2" '!/^#/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) {
      ts = substr($i, 1, length($i) - 1); line = $0; sub(/^.*: smb3_/, "smb3_", line)
      printf "TRACE %s +%.0f ms %s\n", label, ts * 1000 - t0, substr(line, 1, 140); break } }' $TR/trace
}
# kernel_ready T0_MS ADDRESS: waits for the kernel's new connection to ADDRESS and prints when it
# became usable, in ms since the epoch: with the tracepoints, the kernel's tree connect to the
# share after its first reconnect since the trace was cleared (smb3_connect_done, then smb3_tcon
# of \\$WITNESS_NAME\\$WITNESS_SHARE with rc=0); without them, when a 50 ms poll of ss sees a
# connection to ADDRESS whose local port was not there at T0 (KPORTS_BEFORE). False after 60 s.
kernel_ready() {
  local _ ms
  if [ "$TRACING" = yes ]; then
    for _ in $(seq 1 600); do
      ms=$(awk -v share="\\\\$WITNESS_SHARE" '!/^#/ {
          for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { ts = substr($i, 1, length($i) - 1); break }
          if (/smb3_connect_done:/) connected = 1
          else if (connected && /smb3_tcon:/ && / rc=0/ && index(tolower($0), tolower(share " "))) { printf "%.0f\n", ts * 1000; exit }
        }' $TR/trace)
      [ -n "$ms" ] && { echo "$ms"; return 0; }
      sleep 0.1
    done
    return 1
  fi
  for _ in $(seq 1 1200); do
    ms=$(kports "$2")
    [ -n "$ms" ] && [ "$ms" != "${KPORTS_BEFORE:-}" ] && break
    sleep 0.05
  done
  [ -n "$ms" ] && [ "$ms" != "${KPORTS_BEFORE:-}" ] || return 1
  now_ms
}
# event_field EVENT NAME: a number field of an event line (JSON), empty when absent.
event_field() { echo "$1" | sed -n "s/.*\"$2\":\([0-9.e+-]*\).*/\1/p"; }
# parts T0_MS T1_MS EVENT: "RECV ACK ABORT REST" in ms (see the BENCH lines above); -1 when the
# event has no receivedTime.
parts() {
  awk -v t0="$1" -v t1="$2" -v recv="$(event_field "$3" receivedTime)" -v ack="$(event_field "$3" latencyMs)" \
    -v abort="$(event_field "$3" abortMs)" 'BEGIN {
      if (recv == "") { printf "-1 %.1f %.1f -1\n", ack, abort; exit }
      r = recv * 1000 - t0; printf "%.0f %.1f %.1f %.0f\n", r, ack, abort, t1 - t0 - r - ack - abort }'
}

# memory_detail LABEL: where the daemon's resident memory is, into the full log.
memory_detail() {
  [ "${BENCH_MEMORY_DETAIL:-no}" = yes ] || return 0
  echo "----- memory $1: smaps_rollup -----"
  cat "/proc/$WPID/smaps_rollup"
  echo "----- memory $1: mappings by Rss (KiB: size rss anonymous) -----"
  awk '/^[0-9a-f]+-[0-9a-f]+ / {name = ($6 == "" ? "[anon]" : $6)} /^Size:/ {size = $2}
       /^Rss:/ {rss = $2} /^Anonymous:/ {if (rss > 0) print size, rss, $2, name}' "/proc/$WPID/smaps" | sort -k2 -n -r | head -n 40
  # The program's resident text pages, as offsets into its file (pagemap's present bit): with
  # BENCH_FAULT_AROUND=4096, the pages the daemon touched, from which a symbol-ordering file for
  # lld (functions the running daemon uses, together) can be made.
  python3 - "$WPID" "$(readlink "/proc/$WPID/exe")" <<'PY'
import struct, sys
pid, exe = sys.argv[1], sys.argv[2]
pages = []
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
    for line in maps:
        f = line.split()
        if len(f) < 6 or f[5] != exe or "x" not in f[1]:
            continue
        start, end = (int(x, 16) for x in f[0].split("-"))
        offset = int(f[2], 16)
        pagemap.seek(start // 4096 * 8)
        data = pagemap.read((end - start) // 4096 * 8)
        for i in range(len(data) // 8):
            if struct.unpack_from("<Q", data, i * 8)[0] >> 63:
                pages.append(offset + i * 4096)
print(f"TEXT-PAGES {len(pages)} " + " ".join(f"{p:x}" for p in pages))
PY
  # gdb's calls plant breakpoints in the daemon's text: the pages they touch become private
  # copies, which the daemon's own page releases then leave alone. Only on request.
  [ "${BENCH_MALLOC_STATS:-no}" = yes ] || return 0
  echo "----- memory $1: malloc_stats -----"
  # malloc_stats writes to the daemon's stderr; the daemon's output is appended to daemon.out.
  before=$(wc -c < /run/witness/daemon.out)
  gdb -batch -nx -p "$WPID" -ex 'call (void) malloc_stats()' >/dev/null 2>&1 || echo "gdb failed"
  tail -c +$((before + 1)) /run/witness/daemon.out
  # What glibc holds free: RSS after giving it back (the later measurements come after this).
  gdb -batch -nx -p "$WPID" -ex 'call (int) malloc_trim(0)' >/dev/null 2>&1 || echo "gdb failed"
  echo "after malloc_trim: $(awk '/^VmRSS/ {print $2}' "/proc/$WPID/status") KiB"
}
# rss_line KIND [REGISTRATIONS]: the BENCH line KIND (rss, rss-burst, rss-queried). The daemon's
# memory is read first; then, unless given, the registrations are counted with a status request,
# which maps in the code that answers it (that is what rss-queried shows).
rss_line() {
  local status rollup n
  status=$(awk '/^(VmRSS|Threads|RssAnon|RssFile):/ {v[$1] = $2} END {print v["VmRSS:"], v["Threads:"], v["RssAnon:"], v["RssFile:"]}' "/proc/$WPID/status")
  rollup=$(awk '/^(Pss|Pss_Anon|Pss_File):/ {v[$1] = $2} END {print v["Pss:"], v["Pss_Anon:"], v["Pss_File:"]}' "/proc/$WPID/smaps_rollup")
  n=${2:-$(count)}
  echo "BENCH $1 $n $status $rollup"
}
count() { "$W" status --json | grep -o '"state":"registered"' | wc -l; }
# released_after_burst: the daemon's newest registration or page-release line is a release of
# the file pages after activity (it comes once the daemon has been quiet for 30 s).
released_after_burst() {
  grep -E 'smb3-witnessd.*(: registered with witness server|file pages after activity)' /var/log/messages \
    | tail -n 1 | grep -q 'file pages after activity'
}
# Two seconds after its start the daemon hands back the pages only start-up used (once).
wait_for 60 grep -q "smb3-witnessd.*start-up pages" /var/log/messages \
  || fail "the daemon did not report releasing its start-up pages: $(tail -n 5 /run/witness/daemon.out)"
info "$(grep -o "released .* start-up pages.*" /var/log/messages | tail -n 1)"
rss_line rss 0
memory_detail start

# Local ports of the kernel's established connections to $1:445 (no process holds them).
kports() { ss -Htnp state established "( dst $1 and dport = :445 )" | awk '!/users:/ { n = split($3, a, ":"); print a[n] }' | sort -n | tr '\n' ' '; }
[ "${BENCH_FAILOVER:-yes}" = no ] || {
 trace_start
 step "floor: ss -K on the kernel's connection, $RUNS runs"
 for n in $(seq 1 "$RUNS"); do
  old=$(kports "$WITNESS_PUBLIC_IP")
  [ -n "$old" ] || fail "no kernel connection to $WITNESS_PUBLIC_IP before floor run $n"
  trace_clear
  KPORTS_BEFORE=$old
  t0=$(now_ms)
  ss -K state established "( dst $WITNESS_PUBLIC_IP and dport = :445 )" >/dev/null
  t1=$(kernel_ready "$t0" "$WITNESS_PUBLIC_IP") || fail "the kernel did not reconnect after ss -K (run $n) within 60 s"
  new=$(kports "$WITNESS_PUBLIC_IP")
  [ -n "$new" ] && [ "$new" != "$old" ] || fail "the kernel did not reconnect after ss -K (run $n)"
  # The kernel's reconnect (smb3_reconnect): after it, the time is the kernel's and Samba's alone.
  t_reconnect=$([ "$TRACING" = yes ] && awk '/smb3_reconnect:/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+:$/) { printf "%.0f\n", substr($i, 1, length($i) - 1) * 1000; exit } }' $TR/trace)
  echo "BENCH floor $n $((t1 - t0)) ${t_reconnect:+$((t_reconnect - t0)) $((t1 - t_reconnect))}"
  trace_print "$t0" "floor-$n"
 done
}

[ "${BENCH_FAILOVER:-yes}" = no ] || for n in $(seq 1 "$RUNS"); do
  t0=$(now_ms); "$W" status >/dev/null; echo "BENCH start smb3-witnessd $n $(($(now_ms) - t0))"
  t0=$(now_ms); net witness list >/dev/null 2>&1; echo "BENCH start net $n $(($(now_ms) - t0))"
done
target=$WITNESS_NODE_IP
other() { [ "$1" = "$WITNESS_NODE_IP" ] && echo "$WITNESS_PUBLIC_IP" || echo "$WITNESS_NODE_IP"; }
ADMIN_RUNS=${BENCH_ADMIN_RUNS:-$RUNS}
[ "${BENCH_FAILOVER:-yes}" = no ] || for abort in ${BENCH_ABORTS:-yes no}; do
 step "failover with abort_connections = $abort: $RUNS client-moves each, idle and busy"
 write_conf "$abort"
 kill -HUP "$WPID"
 sleep 1
 # Running registrations keep their settings until they register again, so the first move
 # after the reload still runs with the old ones: reported apart, as "failover-first".
 move "$target"
 echo "BENCH failover-first $abort $MOVE_MS $(event_field "$LAST_EVENT" latencyMs) $MOVE_PARTS"
 target=$(other "$target")
 modes="idle busy"; [ "$abort" = yes ] && modes="idle busy released"
 for mode in $modes; do
  busy_pid=
  if [ "$mode" = busy ]; then
    ( while :; do stat /mnt/w >/dev/null 2>&1; ls /mnt/w >/dev/null 2>&1; sleep 0.1; done ) &
    busy_pid=$!
  fi
  for n in $(seq 1 "$RUNS"); do
    wait_for 120 registered || fail "not registered before run $n"
    if [ "$mode" = released ]; then
      wait_for 300 released_after_burst || fail "the daemon did not release its pages before run $n"
    fi
    move "$target"
    echo "BENCH failover $abort-$mode $n $MOVE_MS $(event_field "$LAST_EVENT" latencyMs) $MOVE_PARTS"
    target=$(other "$target")
  done
  [ -n "$busy_pid" ] && kill "$busy_pid"
 done
 [ "$abort" = yes ] || continue
 step "admin moves (smb3-witnessd move --all --to), the first one and $ADMIN_RUNS more"
 for n in first $(seq 1 "$ADMIN_RUNS"); do
  wait_for 120 registered || fail "not registered before admin move $n"
  admin_move "$target"
  grep -q '"source":"admin"' <<<"$LAST_EVENT" || fail "the admin move's event is not source admin: $LAST_EVENT"
  echo "BENCH admin-move $n $MOVE_MS $(event_field "$LAST_EVENT" latencyMs) $MOVE_PARTS"
  target=$(other "$target")
 done
done

mounted=0
# measure_with N: mounts shares up to wN, waits until all N + 1 registrations are registered,
# prints the daemon's RSS and thread count.
measure_with() {
  step "RSS and threads with $1 more registrations"
  seq -f /mnt/w%g $((mounted + 1)) "$1" | xargs -r mkdir -p
  for i in $(seq $((mounted + 1)) "$1"); do
    mount -t cifs "//$WITNESS_NAME/w$i" "/mnt/w$i" -o "$opts,echo_interval=60" || fail "mount of w$i failed"
  done
  mounted=$1
  wait_for 1200 sh -c "[ \$(\"$W\" status --json | grep -o '\"state\":\"registered\"' | wc -l) -ge $(($1 + 1)) ]" \
    || fail "only $(count) of $(($1 + 1)) registrations registered"
  rss_line rss-burst
  # Idle again: what the daemon keeps with these registrations once the burst is over.
  wait_for 300 released_after_burst || fail "the daemon did not release the burst's file pages"
  info "$(grep -o "released .* after activity.*" /var/log/messages | tail -n 1)"
  rss_line rss
  rss_line rss-queried
  memory_detail "$(count)"
}
measure_with "$SHARES"

step "idle wakeups over 60 s"
switches() { cat /proc/$WPID/task/*/status | awk '/ctxt_switches/ {s += $2} END {print s}'; }
repeats() { "$W" status --json | grep -o '"kernelRepeats":[0-9]*' | cut -d: -f2 | paste -sd+ | bc; }
s0=$(switches); r0=$(repeats)
sleep 60
s1=$(switches); r1=$(repeats)
echo "BENCH wakeups 60 $((s1 - s0)) $((r1 - r0))"
[ "$SHARES_MAX" -gt "$SHARES" ] && measure_with "$SHARES_MAX"
for i in $(seq 1 "$mounted"); do umount "/mnt/w$i"; done
umount /mnt/w
kill -TERM "$WPID"
pass
