#!/bin/bash
# Benchmark (not a test; run by Benchmarks/upcall.sh): the installed configuration. In the
# systemd guest with the Debian package's defaults (smb3-upcall.socket enabled and started by
# dpkg -i, the service activated by systemd), Kerberos mount latency with cifs-utils'
# /usr/sbin/cifs.upcall (A) and the package's /usr/sbin/smb3-upcall (I), alternating; the
# handler is timed by the same wrapper for both. Prints BENCH lines; the host script computes
# the ratios.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
# shellcheck source=../guest/installed.sh
. "$LAB_GUEST/installed.sh"
installed_lab_start
installed_kerberos
hosts_server_first
kinit_user
[ "$(systemctl is-active smb3-upcall.socket)" = active ] || fail "smb3-upcall.socket is not active (package defaults)"
mkdir -p /mnt/k /run/bench
# The active handler line is switched by hand here (to the timing wrapper); --set-handler is
# what users run, and installed-upcall proves it.
cp -a /etc/request-key.d /run/bench/request-key.d.orig
use_handler() {  # use_handler NAME COMMAND
  bench_handler_write "$1" "$2"
  sed -i 's|^create|#create|' /etc/request-key.d/*.conf
  echo 'create cifs.spnego * * /run/bench/handler.sh %k' > /etc/request-key.d/zz-bench.conf
}
runs=${BENCH_RUNS:-20}
step "latency: $runs alternating mounts per tool (A cifs.upcall, I installed smb3-upcall)"
for i in $(seq 1 "$runs"); do
  for tool in A I; do
    case $tool in A) use_handler A /usr/sbin/cifs.upcall ;; I) use_handler I /usr/sbin/smb3-upcall ;; esac
    s=$(date +%s%N)
    mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "sec=krb5,cruid=$LAB_UID,vers=3.1.1" || fail "mount with $tool failed"
    echo "BENCH mount $tool $(( ($(date +%s%N) - s) / 1000 ))"
    umount /mnt/k
    cifs_wait_idle
  done
done
awk '{ print "BENCH handler " $2 " " int($3 / 1000) }' /run/bench/handler.log
journal_has 10 -t smb3-upcall UPCALL_VIA=service || fail "the installed upcalls did not go through the service"
rm -rf /etc/request-key.d && cp -a /run/bench/request-key.d.orig /etc/request-key.d
pass
