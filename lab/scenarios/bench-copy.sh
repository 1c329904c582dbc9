#!/bin/bash
# Benchmark, not a test (issue 4): server-side copy when the wire has a cost. Samba runs in a
# network namespace of the guest, joined to the client by a veth pair shaped with netem on both
# ends (BENCH_RATE, default 1gbit, and BENCH_DELAY, default 1ms, each way). Then, for one
# BENCH_MIB (256) MiB file, caches dropped before each run, BENCH_REPS (3) alternating rounds of:
#   ours          smb3-ioctl copy (CIFS_IOC_COPYCHUNK_FILE)
#   cp            coreutils cp through the mount (copy_file_range: the kernel's server-side path)
#   client-side   dd through the mount (read and write, no copy_file_range), conv=fsync
#   server-local  cp on the share's own filesystem, inside the server namespace (the limit)
# and a cold sequential read, O_DIRECT (smb3-ioctl read) vs buffered (dd). Prints BENCH lines;
# Benchmarks/copy.sh turns them into ratios. Nothing is asserted beyond each command working
# and the copies being identical.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
lab_start
syslog_start
rate=${BENCH_RATE:-1gbit}
delay=${BENCH_DELAY:-1ms}
mib=${BENCH_MIB:-256}
reps=${BENCH_REPS:-3}
tool=$SMB3KIT_BIN/smb3-ioctl
[ -x "$tool" ] || fail "smb3-ioctl not built ($tool missing)"

step "network: client 198.51.100.1 <-veth-> server namespace 198.51.100.2, netem rate $rate delay $delay each way"
for m in veth sch_netem; do check "modprobe $m failed" modprobe "$m"; done
ip netns add srv || fail "ip netns add failed"
ip link add bc0 type veth peer name bs0 || fail "ip link add veth failed"
ip link set bs0 netns srv
ip addr add 198.51.100.1/24 dev bc0 && ip link set bc0 up || fail "client side of the veth"
ip netns exec srv sh -c 'ip link set lo up && ip addr add 198.51.100.2/24 dev bs0 && ip link set bs0 up' \
  || fail "server side of the veth"
tc qdisc add dev bc0 root netem rate "$rate" delay "$delay" limit 100000 || fail "tc on bc0 failed"
ip netns exec srv tc qdisc add dev bs0 root netem rate "$rate" delay "$delay" limit 100000 || fail "tc on bs0 failed"
tc qdisc show dev bc0
command -v ping >/dev/null && info "ping: $(ping -c 3 -q 198.51.100.2 | tail -n 1)"

LAB_SMBD_NETNS=srv samba_setup 198.51.100.2
check "modprobe cifs failed" modprobe cifs
mkdir -p /mnt/b
out=$(mount -t cifs //198.51.100.2/share /mnt/b -o "username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1" 2>&1) \
  || fail "mount failed: $out"
"$tool" info /mnt/b | grep -iE 'chunk|protocol|sector' | sed 's/^/  /'

step "a $mib MiB file on the server's filesystem"
dd if=/dev/urandom of=/srv/share/src bs=1M count="$mib" status=none || fail "dd failed"
chown "$LAB_USER" /srv/share/src
bytes=$((mib * 1024 * 1024))

stats_bytes() { grep -o "Bytes $1: *[0-9]*" /proc/fs/cifs/Stats | awk '{s += $3} END {print s + 0}'; }
cold() { sync; echo 3 > /proc/sys/vm/drop_caches; }
# run_copy METHOD: one timed copy to /srv/share/dst, checked identical, then removed.
run_copy() {
  local method=$1 t0 t1 rc=0
  rm -f /srv/share/dst
  cold
  echo 0 > /proc/fs/cifs/Stats
  t0=$(date +%s%N)
  case $method in
    ours) "$tool" copy /mnt/b/src /mnt/b/dst > /run/bench.out 2>&1 || rc=$? ;;
    cp) cp /mnt/b/src /mnt/b/dst > /run/bench.out 2>&1 || rc=$? ;;
    client-side) dd if=/mnt/b/src of=/mnt/b/dst bs=1M conv=fsync status=none > /run/bench.out 2>&1 || rc=$? ;;
    server-local) ip netns exec srv cp /srv/share/src /srv/share/dst > /run/bench.out 2>&1 || rc=$? ;;
  esac
  t1=$(date +%s%N)
  [ $rc = 0 ] || fail "$method copy failed ($rc): $(cat /run/bench.out)"
  cmp -s /srv/share/src /srv/share/dst || fail "$method: the copy differs from the source"
  echo "BENCH copy $method $(((t1 - t0) / 1000)) $(stats_bytes read) $(stats_bytes written)"
  [ "$method" = ours ] && info "ours: $(tail -n 1 /run/bench.out)"
  rm -f /srv/share/dst
}
# run_read METHOD: one timed cold sequential read of the whole file.
run_read() {
  local method=$1 t0 t1 rc=0
  cold
  t0=$(date +%s%N)
  case $method in
    odirect) "$tool" read --block-size 1048576 /mnt/b/src > /run/bench.out 2>&1 || rc=$? ;;
    buffered) dd if=/mnt/b/src of=/dev/null bs=1M status=none > /run/bench.out 2>&1 || rc=$? ;;
  esac
  t1=$(date +%s%N)
  [ $rc = 0 ] || fail "$method read failed ($rc): $(cat /run/bench.out)"
  echo "BENCH read $method $(((t1 - t0) / 1000))"
}

# Warm-up: every program's binary in the page cache first (ours is a 33 MB static binary read
# over 9p the first time; cp and dd are already cached as system tools).
"$tool" --version >/dev/null; cp --version >/dev/null; dd --version >/dev/null
step "copies: $reps rounds of ours, cp, client-side, server-local ($mib MiB each)"
for ((r = 1; r <= reps; r++)); do
  for m in ours cp client-side server-local; do run_copy "$m"; done
done
step "cold sequential reads: $reps rounds of O_DIRECT and buffered"
for ((r = 1; r <= reps; r++)); do
  for m in odirect buffered; do run_read "$m"; done
done
info "setup: $mib MiB, netem rate $rate delay $delay each way, $reps rounds"
umount /mnt/b
pass
