#!/bin/bash
# Benchmark (not a test; run by Benchmarks/ifaces.sh): smb3-ifaces on 16 mounts with 4 channels
# each (nosharesock: one session per mount). Prints BENCH lines:
#   report debugdata|fsctl|cat RUN MICROSECONDS   one `smb3-ifaces report --json` from DebugData,
#        one with FSCTL_QUERY_NETWORK_INTERFACE_INFO per mount (root), and the baseline of
#        reading /proc/fs/cifs/DebugData with cat
#   watch INTERVAL SECONDS SWITCHES RSS_KIB         voluntary context switches of an idle
#        `smb3-ifaces watch --interval INTERVAL` over SECONDS, and its RSS
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
lab_start
ifaces=$SMB3KIT_BIN/smb3-ifaces
MOUNTS=${BENCH_MOUNTS:-16}
RUNS=${BENCH_RUNS:-10}
for a in 2 3 4; do ip addr add 127.0.0.$a/8 dev lo; done
samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=10000000000,capability=RSS" "127.0.0.3;speed=1000000000" "127.0.0.4;speed=25000000000,capability=RSS"'
check "modprobe cifs failed" modprobe cifs
step "$MOUNTS mounts with max_channels=4"
for i in $(seq 1 "$MOUNTS"); do
  mkdir -p "/mnt/b$i"
  out=$(mount -t cifs //127.0.0.1/share "/mnt/b$i" \
    -o "username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1,multichannel,max_channels=4,nosharesock" 2>&1) \
    || fail "mount $i failed: $out"
done
wait_for 120 sh -c "[ \$(grep -c 'Channel: 4 ' /proc/fs/cifs/DebugData) -ge $MOUNTS ]" \
  || warn "not every mount reached 4 channels: $(grep -c 'Channel: 4 ' /proc/fs/cifs/DebugData) of $MOUNTS"
info "sessions with a 4th channel: $(grep -c 'Channel: 4 ' /proc/fs/cifs/DebugData); DebugData $(wc -c < /proc/fs/cifs/DebugData) bytes"
"$ifaces" report --from-debugdata --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print("LAB-INFO report: %d mounts, %d channels, %d server interfaces" % (len(d["mounts"]), sum(len(m["channels"]) for m in d["mounts"]), sum(len(m["serverInterfaces"]) for m in d["mounts"])))'
us() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(((e - s) / 1000)); }
step "report timings, $RUNS runs each, alternating"
for n in $(seq 1 "$RUNS"); do
  echo "BENCH report cat $n $(us cat /proc/fs/cifs/DebugData)"
  echo "BENCH report debugdata $n $(us "$ifaces" report --from-debugdata --json)"
  echo "BENCH report fsctl $n $(us "$ifaces" report --json)"
done
step "idle watch"
for interval in 10 3600; do
  "$ifaces" watch --interval "$interval" > /dev/null 2>&1 &
  w=$!
  sleep 3
  s0=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$w/status")
  sleep 60
  s1=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$w/status")
  echo "BENCH watch $interval 60 $((s1 - s0)) $(awk '/^VmRSS/ {print $2}' "/proc/$w/status")"
  kill "$w"
done
for i in $(seq 1 "$MOUNTS"); do umount "/mnt/b$i"; done
pass
