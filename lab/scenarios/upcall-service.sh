#!/bin/bash
# The upcall service (issue 3): smb3-upcall --serve, socket-activated as smb3-upcall.socket does
# (systemd-socket-activate hands it the listening SOCK_SEQPACKET socket on the first connection).
# request-key still runs smb3-upcall for each key; it passes the key to the service, whose child
# per request does the upcall. Proves, on the real kernel: the ticketless failure (126, the
# journal line, a 1 s negative key) and the retry after kinit; a Kerberos mount with I/O; one
# upcall per channel; on 6.12 the container cases (upcall_target=app uses the container's
# credentials, =mount the host's) through the service; and that with the service gone the
# handler does the work itself.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
kerberos_lab_start
ip addr add 127.0.0.2/8 dev lo
samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=1000000000"' krb5
hosts_server_first
upcall="$SMB3KIT_BIN/smb3-upcall"
[ -x "$upcall" ] || fail "smb3-upcall not built ($upcall)"
echo "create cifs.spnego * * $upcall %k" > /etc/request-key.d/cifs.spnego.conf
check "modprobe cifs failed" modprobe cifs
mkdir -p /mnt/k /mnt/c
opts="sec=krb5,cruid=$LAB_UID,vers=3.1.1"
log_lines() { grep 'smb3-upcall' /var/log/messages 2>/dev/null; }
socket=/run/smb3kit/upcall.sock

step "socket activation: the service starts on the first upcall"
mkdir -m 0700 -p /run/smb3kit
systemd-socket-activate --seqpacket -l "$socket" "$upcall" --serve > /run/upcall-service.out 2>&1 &
activator=$!
wait_for 10 test -S "$socket" || fail "no socket at $socket"
chmod 0600 "$socket"
# Without --accept, systemd-socket-activate becomes the service (exec) on the first connection:
# smb3-upcall, which execs smb3-upcall-full (comm "smb3-upcall-ful") for --serve.
service_running() { case "$(cat /proc/"$activator"/comm 2>/dev/null)" in smb3-upcall*) true ;; *) false ;; esac; }
service_running && fail "the service ran before any upcall"

step "ticketless mount through the service: 126 at once, the reason logged"
start=$(date +%s%N)
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) && fail "mount without a ticket succeeded"
info "ticketless mount failed in $(( ($(date +%s%N) - start) / 1000000 )) ms: $out"
case "$out" in *"error(126)"*) ;; *) fail "ticketless mount did not fail with 126: $out" ;; esac
service_running || fail "the first upcall did not start the service"
service_pid=$activator
sleep 1
log_lines | grep "no Kerberos ticket for uid $LAB_UID" | tail -n 1 | grep -q "upcall_via=service" \
  || { log_lines | tail -n 5; fail "no failure line from the service naming the missing ticket"; }
info "log: $(log_lines | grep 'no Kerberos ticket' | tail -n 1 | sed 's/.*smb3-upcall\[/smb3-upcall[/')"

step "kinit, an immediate retry, I/O"
kinit_user
start=$(date +%s%N)
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) || { log_lines | tail -n 5; fail "mount after kinit failed: $out"; }
info "mount after kinit took $(( ($(date +%s%N) - start) / 1000000 )) ms"
grep -q 'Security type: Kerberos' /proc/fs/cifs/DebugData || fail "DebugData does not show Security type: Kerberos"
echo "through the upcall service" > /mnt/k/service.txt || fail "write failed"
[ "$(cat /srv/share/service.txt)" = "through the upcall service" ] || fail "file did not reach the share"
sleep 1
line=$(log_lines | grep 'handed to cifs.ko' | tail -n 1)
case "$line" in *upcall_via=service*) ;; *) fail "the success line is not the service's: $line" ;; esac
# The line comes from a child forked for the request, not from the server process.
child=$(echo "$line" | sed -n 's/.*smb3-upcall\[\([0-9]*\)\].*/\1/p')
[ -n "$child" ] && [ "$child" != "$service_pid" ] || fail "the upcall ran in the server process ($child)"
info "log: $(echo "$line" | sed 's/.*smb3-upcall\[/smb3-upcall[/')"
umount /mnt/k
cifs_wait_idle

step "multichannel: one upcall per channel, both through the service"
before=$(log_lines | grep 'handed to cifs.ko' | grep -c upcall_via=service)
mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts,multichannel,max_channels=2" || fail "multichannel krb5 mount failed"
wait_for 20 sh -c 'grep -q "Extra Channels: 1" /proc/fs/cifs/DebugData' || fail "second channel did not come up"
sleep 1
after=$(log_lines | grep 'handed to cifs.ko' | grep -c upcall_via=service)
[ $((after - before)) -eq 2 ] || fail "expected 2 service upcalls for 2 channels, saw $((after - before))"
umount /mnt/k
cifs_wait_idle

if [ "$LAB_KERNEL" = 6.12 ]; then
  # As in upcall-container: bob's ticket as alice's default cache in a private /tmp.
  container_user_setup
  step "container, upcall_target=app, through the service: the container's credentials (bob)"
  container_mount_as app bob@TEST.LAN
  log_lines | grep 'handed to cifs.ko' | tail -n 1 | grep -q upcall_via=service || fail "the app upcall did not go through the service"
  cifs_wait_idle
  step "container, upcall_target=mount, through the service: the host's credentials (alice)"
  container_mount_as mount alice@TEST.LAN
  log_lines | grep 'handed to cifs.ko' | tail -n 1 | grep -q upcall_via=service || fail "the mount upcall did not go through the service"
  # The server never joined a namespace: its mount namespace is still the host's.
  [ "$(readlink /proc/"$service_pid"/ns/mnt)" = "$(readlink /proc/self/ns/mnt)" ] || fail "the server left the host's mount namespace"
  cifs_wait_idle
fi

step "service stopped: the handler does the upcall itself"
kill "$activator"
wait "$activator" 2>/dev/null
[ -e "/proc/$activator" ] && fail "the service did not stop"
out=$(mount -t cifs "//$LAB_SMB_HOST/share" /mnt/k -o "$opts" 2>&1) || { log_lines | tail -n 5; fail "mount without the service failed: $out"; }
sleep 1
line=$(log_lines | grep 'handed to cifs.ko' | tail -n 1)
case "$line" in *upcall_via=service*) fail "the last upcall claims the stopped service: $line" ;; esac
info "without the service: $(echo "$line" | sed 's/.*smb3-upcall\[/smb3-upcall[/')"
umount /mnt/k
pass
