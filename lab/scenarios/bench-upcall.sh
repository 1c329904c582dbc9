#!/bin/bash
# Benchmark (not a test; run by Benchmarks/upcall.sh): Kerberos mount latency with cifs-utils'
# cifs.upcall (A), smb3-upcall handling the key itself (B) and smb3-upcall passing it to the
# upcall service (S, smb3-upcall.socket enabled), alternating in one guest, and the AS
# exchanges each makes for a 4-channel keytab mount. Prints BENCH lines; the host script
# computes the ratios.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
kerberos_lab_start
kadmin.local -q "addprinc -randkey svc" >/dev/null && kadmin.local -q "ktadd -k /etc/krb5.keytab svc" >/dev/null \
  || fail "svc principal"
id svc >/dev/null 2>&1 || useradd -M -s /bin/sh svc
for a in 2 3 4; do ip addr add 127.0.0.$a/8 dev lo; done
samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=10000000000,capability=RSS" "127.0.0.3;speed=10000000000,capability=RSS" "127.0.0.4;speed=10000000000,capability=RSS"' krb5
hosts_server_first
check "modprobe cifs failed" modprobe cifs
kinit_user
mkdir -p /mnt/k /run/bench

# The handler is wrapped to time its own run (start to exit) in nanoseconds.
use_handler() {  # use_handler NAME COMMAND
  bench_handler_write "$1" "$2"
  echo 'create cifs.spnego * * /run/bench/handler.sh %k' > /etc/request-key.d/cifs.spnego.conf
}
# The executables are copied into the guest's tmpfs: run from the 9p export (no page cache
# there) every exec would re-read them over emulated virtio, and the 30 MB static
# smb3-upcall-full would pay for that far more than the 40 kB dynamic cifs.upcall; installed
# tools live on a local disk. smb3-upcall finds smb3-upcall-full beside itself, as in a build tree.
[ -x "$SMB3KIT_BIN/smb3-upcall" ] && [ -x "$SMB3KIT_BIN/smb3-upcall-full" ] || fail "smb3-upcall not built"
cp /usr/sbin/cifs.upcall "$SMB3KIT_BIN/smb3-upcall" "$SMB3KIT_BIN/smb3-upcall-full" /run/bench/
A=/run/bench/cifs.upcall
B="/run/bench/smb3-upcall --no-service"
S=/run/bench/smb3-upcall
# The service as smb3-upcall.socket starts it: activated by the first upcall that uses it.
mkdir -m 0700 -p /run/smb3kit
systemd-socket-activate --seqpacket -l /run/smb3kit/upcall.sock /run/bench/smb3-upcall --serve >/dev/null 2>&1 &
wait_for 10 test -S /run/smb3kit/upcall.sock || fail "the upcall service socket did not appear"
handler_of() {  # handler_of TOOL: the command line of tool A, B or S
  case $1 in A) echo "$A" ;; B) echo "$B" ;; S) echo "$S" ;; esac
}

runs=${BENCH_RUNS:-20}  # the host is shared: more pairs steady the medians
step "latency: $runs alternating mounts per tool"
for i in $(seq 1 "$runs"); do
  for tool in A B S; do
    use_handler $tool "$(handler_of $tool)"
    s=$(date +%s%N)
    mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "sec=krb5,cruid=$LAB_UID,vers=3.1.1" || fail "mount with $tool failed"
    echo "BENCH mount $tool $(( ($(date +%s%N) - s) / 1000 ))"
    umount /mnt/k
    cifs_wait_idle
  done
done
awk '{ print "BENCH handler " $2 " " int($3 / 1000) }' /run/bench/handler.log

# What the handler difference is made of: a bare exec, each tool failing at once on a key that
# does not exist (start-up, keyctl, one log line; smb3-upcall --no-service execs smb3-upcall-full),
# and empty Swift programs linked as our programs are (Benchmarks/upcall.sh builds them): the
# floor for any Swift tool.
step "process start-up: 20 runs each"
startup() {  # startup NAME COMMAND...
  local name=$1 s i
  shift
  "$@" >/dev/null 2>&1
  s=$(date +%s%N)
  for i in $(seq 20); do "$@" >/dev/null 2>&1; done
  echo "BENCH startup $name $(( ($(date +%s%N) - s) / 20000 ))"
}
for empty in "$LAB_REPO/.build/bench/empty-swift" "$LAB_REPO/.build/bench/empty-swift-static"; do
  [ -x "$empty" ] && cp "$empty" /run/bench/ || warn "no $empty: run Benchmarks/upcall.sh, which builds it"
done
for round in 1 2 3; do
  startup exec /bin/true
  startup A "$A" 1
  startup B $B 1
  if [ -x /run/bench/empty-swift ]; then startup swift /run/bench/empty-swift; fi
  if [ -x /run/bench/empty-swift-static ]; then startup swift-static /run/bench/empty-swift-static; fi
done

step "keytab mount with 4 channels: AS exchanges per tool"
kdestroy -A 2>/dev/null; rm -f /tmp/krb5cc_0
for tool in A B S; do
  use_handler $tool "$(handler_of $tool)"
  rm -f /run/smb3kit/krb5cc_*
  before=$(grep -c "AS_REQ.*ISSUE.*svc@TEST.LAN for krbtgt" /run/krb5kdc.log)
  mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "sec=krb5,username=svc,vers=3.1.1,multichannel,max_channels=4" \
    || fail "keytab mount with $tool failed"
  wait_for 30 sh -c 'grep -q "Extra Channels: 3" /proc/fs/cifs/DebugData' || warn "$tool: fewer than 4 channels"
  channels=$(( $(sed -n 's/.*Extra Channels: \([0-9]*\).*/\1/p' /proc/fs/cifs/DebugData | head -n1) + 1 ))
  sleep 1
  after=$(grep -c "AS_REQ.*ISSUE.*svc@TEST.LAN for krbtgt" /run/krb5kdc.log)
  echo "BENCH as-requests $tool $((after - before)) channels $channels"
  umount /mnt/k
  cifs_wait_idle
done
pass
