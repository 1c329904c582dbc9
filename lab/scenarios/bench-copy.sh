#!/bin/bash
# Benchmark, not a test (issues 4 and 17): server-side copy when the wire has a cost, against two
# servers in one run. The client lives in a network namespace of the guest ("cli"), joined to the
# servers by a veth pair shaped with netem on both ends (BENCH_RATE, default 1gbit, and
# BENCH_DELAY, default 1ms, each way); cifs.ko opens its sockets in the namespace of the process
# that mounts (nsenter --net), while the servers stay in the initial namespace, the only one
# ksmbd listens in (it skips devices of other namespaces). For each size of BENCH_MIB (a list,
# default "16 1024" MiB), the same random file, caches dropped before each run, BENCH_REPS (3)
# alternating rounds of:
#   Samba (first; smbd and ksmbd cannot both hold port 445):
#     samba-copychunk     smb3-ioctl copy (CIFS_IOC_COPYCHUNK_FILE) on [share] (tmpfs)
#     cp                  coreutils cp through the mount (FICLONE, then copy_file_range)
#     client-side         dd through the mount (read and write, no copy_file_range), conv=fsync
#     server-local        cp on the share's own file system (the physical limit)
#     samba-btrfs-clone   smb3-ioctl copy on [btrfs] (btrfs, vfs objects = btrfs: copychunk
#                         becomes a clone)
#   ksmbd (ksmbd_start stops smbd; [share] XFS reflink=1, [btrfs] btrfs):
#     ksmbd-copychunk     smb3-ioctl copy on [share] (XFS)
#     ksmbd-reflink-xfs   smb3-ioctl copy --reflink on [share] (FSCTL_DUPLICATE_EXTENTS_TO_FILE)
#     ksmbd-reflink-btrfs smb3-ioctl copy --reflink on [btrfs]
#     ksmbd-client-side   dd through the [share] mount, as client-side above
# and, against Samba, a cold sequential read, O_DIRECT (smb3-ioctl read) vs buffered (dd), at the
# sizes up to BENCH_READ_MAX_MIB (256; an O_DIRECT read of 1 GiB takes minutes under TCG).
# Prints BENCH lines; Benchmarks/copy.sh turns them into ratios. Nothing is asserted beyond each
# command working and the copies being identical; whether the server's copy shares extents
# (filefrag "shared") is printed, not required.
# Memory: every file lives in guest RAM (tmpfs, and loop file systems whose sparse images are in
# /run); Benchmarks/copy.sh boots the guest with LAB_GUEST_MEM=8192 for the 1 GiB files (with 6144 MiB,
# ksmbd stalled 45 s in direct compaction during the 1 GiB client-side copy, and cifs reconnected).
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
. "$LAB_GUEST/ksmbd-server.sh"
lab_start
syslog_start
rate=${BENCH_RATE:-1gbit}
delay=${BENCH_DELAY:-1ms}
sizes=${BENCH_MIB:-16 1024}
sizes=${sizes//,/ }
reps=${BENCH_REPS:-3}
read_max=${BENCH_READ_MAX_MIB:-256}
tool=$SMB3KIT_BIN/smb3-ioctl
[ -x "$tool" ] || fail "smb3-ioctl not built ($tool missing)"
max_mib=0
for mib in $sizes; do [ "$mib" -gt "$max_mib" ] && max_mib=$mib; done
# The loop file systems hold a source and one copy of the largest file, plus room for metadata.
fs_mb=$((2 * max_mib + 1024))
[ "$fs_mb" -lt 1024 ] && fs_mb=1024
export KSMBD_FS_MB=$fs_mb
# tmpfs takes half the RAM by default; the loop images in /run may need more (only what is
# written uses memory).
mount -o remount,size=90% /run || fail "remount /run failed"
mount -o remount,size=90% /srv || fail "remount /srv failed"
info "guest memory: $(awk '/MemTotal/ {print int($2 / 1024) " MiB"}' /proc/meminfo); sizes: $sizes MiB; loop file systems: $fs_mb MiB"

step "network: client namespace cli 198.51.100.1 <-veth-> servers 198.51.100.2, netem rate $rate delay $delay each way"
for m in veth sch_netem; do check "modprobe $m failed" modprobe "$m"; done
ip netns add cli || fail "ip netns add failed"
ip link add bs0 type veth peer name bc0 || fail "ip link add veth failed"
ip link set bc0 netns cli
ip addr add 198.51.100.2/24 dev bs0 && ip link set bs0 up || fail "server side of the veth"
ip netns exec cli sh -c 'ip link set lo up && ip addr add 198.51.100.1/24 dev bc0 && ip link set bc0 up' \
  || fail "client side of the veth"
tc qdisc add dev bs0 root netem rate "$rate" delay "$delay" limit 100000 || fail "tc on bs0 failed"
ip netns exec cli tc qdisc add dev bc0 root netem rate "$rate" delay "$delay" limit 100000 || fail "tc on bc0 failed"
tc qdisc show dev bs0
command -v ping >/dev/null && info "ping: $(ip netns exec cli ping -c 3 -q 198.51.100.2 | tail -n 1)"

# client_mount SHARE MOUNTPOINT: a cifs mount whose connection lives in the client namespace
# (nsenter --net keeps the mount namespace, so the mount is visible here).
client_mount() {
  local out
  mkdir -p "$2"
  out=$(nsenter --net=/run/netns/cli mount -t cifs "//198.51.100.2/$1" "$2" \
    -o "username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1" 2>&1) || fail "mount of [$1] failed: $out"
}

stats_bytes() { grep -o "Bytes $1: *[0-9]*" /proc/fs/cifs/Stats | awk '{s += $3} END {print s + 0}'; }
# cold: the data leaves every cache; the programs come back into it. drop_caches also evicts
# the binaries, and smb3-ioctl is a 53 MB static binary read over 9p: under TCG that cost about
# a second inside the timed window of every one of its runs (seen in the first 1 GiB run:
# wall 1.9 s for a 0.025 s reflink), a cost cp and dd, a few hundred KB, hardly pay.
cold() {
  sync; echo 3 > /proc/sys/vm/drop_caches
  cat "$tool" "$(command -v cp)" "$(command -v dd)" > /dev/null
}
# timed_copy MIB METHOD SRC DST CMD...: one timed copy (caches dropped, Stats reset), checked
# identical to SRC on the server, then DST removed. Prints
#   BENCH copy MIB METHOD MICROSECONDS BYTES_READ BYTES_WRITTEN SHARED TOOL_SECONDS
# where SHARED says whether filefrag sees the copy's extents shared with others (yes/no), or "-"
# on a file system without shared extents, and TOOL_SECONDS is smb3-ioctl's own measure of the
# copy (--json "seconds": without the process start, which under TCG costs about a second), or "-".
timed_copy() {
  local mib=$1 method=$2 src=$3 dst=$4 t0 t1 rc=0 shared=- tool_s
  shift 4
  rm -f "$dst"
  cold
  echo 0 > /proc/fs/cifs/Stats
  t0=$(date +%s%N)
  "$@" > /run/bench.out 2>&1 || rc=$?
  t1=$(date +%s%N)
  [ $rc = 0 ] || fail "$method copy of $mib MiB failed ($rc): $(tail -n 3 /run/bench.out)"
  tool_s=$(grep -o '"seconds":[0-9.e+-]*' /run/bench.out | head -n 1 | cut -d: -f2)
  cmp -s "$src" "$dst" || fail "$method: the copy differs from the source"
  case $(stat -f -c %T "$dst") in
    xfs | btrfs) sync; if filefrag -v "$dst" | grep -q shared; then shared=yes; else shared=no; fi ;;
  esac
  echo "BENCH copy $mib $method $(((t1 - t0) / 1000)) $(stats_bytes read) $(stats_bytes written) $shared ${tool_s:--}"
  case $method in samba-* | ksmbd-copychunk | ksmbd-reflink-*) info "$method $mib MiB: $(tail -n 1 /run/bench.out)" ;; esac
  rm -f "$dst"
}
# timed_read MIB METHOD: one timed cold sequential read of /mnt/b/src.
timed_read() {
  local mib=$1 method=$2 t0 t1 rc=0
  cold
  t0=$(date +%s%N)
  case $method in
    odirect) "$tool" read --block-size 1048576 /mnt/b/src > /run/bench.out 2>&1 || rc=$? ;;
    buffered) dd if=/mnt/b/src of=/dev/null bs=1M status=none > /run/bench.out 2>&1 || rc=$? ;;
  esac
  t1=$(date +%s%N)
  [ $rc = 0 ] || fail "$method read failed ($rc): $(cat /run/bench.out)"
  echo "BENCH read $mib $method $(((t1 - t0) / 1000))"
}

# ---------------------------------------------------------------- Samba
# [btrfs]: a btrfs loop file system of its own, served with vfs_btrfs.
mkdir -p /run/ksmbd
check "modprobe btrfs failed" modprobe btrfs
modprobe loop 2>/dev/null || true
ksmbd_loop_fs "$fs_mb" mkfs.btrfs -q /srv/sbtrfs
LAB_SMB_EXTRA_SHARES="[btrfs]
  path = /srv/sbtrfs
  read only = no
  vfs objects = btrfs" samba_setup 198.51.100.2
testparm -s 2>/dev/null | grep -A 3 '^\[btrfs\]' | sed 's/^/  /'
check "modprobe cifs failed" modprobe cifs
client_mount share /mnt/b
client_mount btrfs /mnt/bb
"$tool" info /mnt/b | grep -iE 'chunk|protocol|sector' | sed 's/^/  /'

# Warm-up: the first run of each program also maps its shared libraries and the like.
"$tool" --version >/dev/null; cp --version >/dev/null; dd --version >/dev/null
for mib in $sizes; do
  step "Samba, $mib MiB: the same random file on [share] (tmpfs) and [btrfs]"
  dd if=/dev/urandom of=/srv/share/src bs=1M count="$mib" status=none || fail "dd failed"
  cp /srv/share/src /srv/sbtrfs/src || fail "cp to btrfs failed"
  # Kept for ksmbd, whose [share] replaces /srv/share; a clone, so it costs no memory.
  cp --reflink=always /srv/sbtrfs/src "/srv/sbtrfs/keep-$mib" || fail "cp --reflink on btrfs failed"
  chown "$LAB_USER" /srv/share/src /srv/sbtrfs/src
  step "Samba, $mib MiB: $reps rounds of samba-copychunk, cp, client-side, server-local, samba-btrfs-clone"
  for ((r = 1; r <= reps; r++)); do
    timed_copy "$mib" samba-copychunk /srv/share/src /srv/share/dst "$tool" copy --json /mnt/b/src /mnt/b/dst
    timed_copy "$mib" cp /srv/share/src /srv/share/dst cp /mnt/b/src /mnt/b/dst
    timed_copy "$mib" client-side /srv/share/src /srv/share/dst dd if=/mnt/b/src of=/mnt/b/dst bs=1M conv=fsync status=none
    timed_copy "$mib" server-local /srv/share/src /srv/share/dst cp /srv/share/src /srv/share/dst
    timed_copy "$mib" samba-btrfs-clone /srv/sbtrfs/src /srv/sbtrfs/dst "$tool" copy --json /mnt/bb/src /mnt/bb/dst
  done
  if [ "$mib" -le "$read_max" ]; then
    step "Samba, $mib MiB: $reps rounds of cold sequential reads, O_DIRECT and buffered"
    for ((r = 1; r <= reps; r++)); do
      for m in odirect buffered; do timed_read "$mib" "$m"; done
    done
  fi
  rm -f /srv/share/src /srv/sbtrfs/src
done
umount /mnt/b /mnt/bb || fail "umount of the Samba mounts failed"

# ---------------------------------------------------------------- ksmbd
ksmbd_start
client_mount share /mnt/k
client_mount btrfs /mnt/kb
for mib in $sizes; do
  step "ksmbd, $mib MiB: the same file on [share] (XFS, reflink=1) and [btrfs]"
  cp "/srv/sbtrfs/keep-$mib" /srv/share/src || fail "cp to XFS failed"
  cp "/srv/sbtrfs/keep-$mib" /srv/btrfs/src || fail "cp to btrfs failed"
  rm -f "/srv/sbtrfs/keep-$mib"
  fstrim /srv/sbtrfs 2>/dev/null || true
  step "ksmbd, $mib MiB: $reps rounds of ksmbd-copychunk, ksmbd-reflink-xfs, ksmbd-reflink-btrfs, ksmbd-client-side"
  for ((r = 1; r <= reps; r++)); do
    timed_copy "$mib" ksmbd-copychunk /srv/share/src /srv/share/dst "$tool" copy --json /mnt/k/src /mnt/k/dst
    timed_copy "$mib" ksmbd-reflink-xfs /srv/share/src /srv/share/dst "$tool" copy --reflink --json /mnt/k/src /mnt/k/dst
    timed_copy "$mib" ksmbd-reflink-btrfs /srv/btrfs/src /srv/btrfs/dst "$tool" copy --reflink --json /mnt/kb/src /mnt/kb/dst
    timed_copy "$mib" ksmbd-client-side /srv/share/src /srv/share/dst dd if=/mnt/k/src of=/mnt/k/dst bs=1M conv=fsync status=none
  done
  rm -f /srv/share/src /srv/btrfs/src
done
umount /mnt/k /mnt/kb || fail "umount of the ksmbd mounts failed"
info "setup: sizes $sizes MiB, netem rate $rate delay $delay each way, $reps rounds"
pass
