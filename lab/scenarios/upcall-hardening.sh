#!/bin/bash
# smb3-upcall's root paths (issue 13), each an attack that worked on the code before the fix:
#  1. the upcall service trusted any uid-0 peer: a root process without capabilities (setpriv
#     --bounding-set=-all), or any root program that is not the handler, sends a well-formed
#     request for alice's credentials and must get no key material; the kernel's own
#     request-key path through the service still works;
#  2. code a container controls (a libkrb5 plugin from its krb5.conf) runs inside the upcall:
#     it must find only stdio and sockets (the handler connection, the log), no descriptor of
#     the host's /proc or root through which a host-only file is reachable, and not the
#     service's listening socket; through the service and in the handler's own process;
#  3. log lines written after joining the container go to the host's log, not to a /dev/log
#     the container put in place;
#  4. an upcall triggered by a thread that does not lead its process (a multithreaded
#     program's first access to a multiuser mount) works.
# Every item is checked and reported; the verdict lists all that failed.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
kerberos_lab_start
samba_setup lo krb5
container_user_setup
BOB_UID=$(id -u bob)
upcall="$SMB3KIT_BIN/smb3-upcall"
[ -x "$upcall" ] || fail "smb3-upcall not built ($upcall)"
# No -d: the first log line of an in-process upcall is then written after it joined the container.
echo "create cifs.spnego * * $upcall %k" > /etc/request-key.d/cifs.spnego.conf
check "modprobe cifs failed" modprobe cifs
kinit_user
mkdir -p /mnt/c /mnt/m
socket=/run/smb3kit/upcall.sock
target_opt=
[ "$LAB_KERNEL" = 6.12 ] && target_opt=,upcall_target=app
log_lines() { grep 'smb3-upcall' /var/log/messages 2>/dev/null; }

problems=()
problem() { problems+=("$*"); warn "PROBLEM: $*"; }

# A host-only file; a container hides it under an empty tmpfs.
mkdir -p /run/lab-host-secret && echo host-only-secret > /run/lab-host-secret/marker
chmod 755 /run/lab-host-secret && chmod 644 /run/lab-host-secret/marker
gcc -shared -fPIC -o /run/krb5-fd-probe.so "$LAB_GUEST/krb5-fd-probe.c" || fail "cannot build the krb5 plugin probe"
chmod 755 /run/krb5-fd-probe.so

service_start() {
  mkdir -m 0700 -p /run/smb3kit
  systemd-socket-activate --seqpacket -l "$socket" "$upcall" --serve > /run/upcall-service.out 2>&1 &
  activator=$!
  wait_for 20 test -S "$socket" || fail "no socket at $socket"
  chmod 0600 "$socket"
}

# forge NAME PREFIX...: a request for alice's key from the command PREFIX (setpriv, or none).
forge() {
  local name=$1; shift
  local desc="cifs.spnego;0;0;39010000;ver=0x2;host=$LAB_SMB_HOST;ip4=127.0.0.1;sec=krb5;uid=0x0;creduid=0x$(printf %x "$LAB_UID");pid=0x1;upcall_target=mount"
  local before reply
  before=$(log_lines | grep -c 'refused an upcall request')
  reply=$("$@" python3 "$LAB_GUEST/forge_upcall_request.py" "$socket" 424242 "$desc")
  info "$name: $reply"
  case "$reply" in
    reply=instantiate*) problem "$name obtained alice's session key from the service ($reply)" ;;
    reply=refused) ;;
    *) problem "$name: expected a refusal, got '$reply'" ;;
  esac
  wait_for 10 sh -c "[ \$(grep smb3-upcall /var/log/messages | grep -c 'refused an upcall request') -gt $before ]" \
    || problem "$name: no 'refused an upcall request' line in the log"
  info "$name: $(log_lines | grep 'refused an upcall request' | tail -n 1 | sed 's/.*smb3-upcall\[/smb3-upcall[/')"
}

# container_probe NAME: a container (own mount and pid namespaces, private /tmp, the host-only
# file hidden, its own /dev/log, and the probe as a libkrb5 plugin) mounts the share as alice
# with upcall_target=app; leaves the probe's report in /run/fd-probe-NAME.txt and what the
# container's /dev/log received in /run/container-log-NAME.txt. The probe sits in libkrb5's
# service-location plugin directory, which libkrb5 loads whole when it first contacts a KDC
# (the upcall's TGS request; the container's cache has only a TGT). Of the [plugins] modules a
# krb5.conf can name, none is loaded on the upcall's path from a cache; this directory is.
krb5_locate_dir=/usr/lib/x86_64-linux-gnu/krb5/plugins/libkrb5
container_probe() {
  local name=$1 rc=0
  rm -f "/run/fd-probe-$name.txt" "/run/container-log-$name.txt"
  unshare --mount --pid --fork --propagation private sh -c "
    mount -t tmpfs tmpfs /tmp && chmod 1777 /tmp
    mount -t tmpfs tmpfs /run/lab-host-secret
    su $LAB_USER -c 'echo $LAB_KRB_PW | kinit $LAB_USER' >/dev/null || exit 10
    mount -t tmpfs -o mode=0755 tmpfs $krb5_locate_dir && cp /run/krb5-fd-probe.so $krb5_locate_dir/ || exit 14
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(\"/tmp/log.sock\")
open(\"/tmp/log.ready\", \"w\").close()
with open(\"/tmp/container-log.txt\", \"ab\", buffering=0) as out:
    while True: out.write(s.recv(65536) + b\"\\n\")
' &
    logger=\$!
    for i in \$(seq 100); do [ -e /tmp/log.ready ] && break; sleep 0.2; done
    mount --bind /tmp/log.sock /dev/log || exit 13
    mount -t cifs //$LAB_SMB_HOST/share /mnt/c -o sec=krb5,cruid=$LAB_UID,vers=3.1.1$target_opt || rc=11
    umount /mnt/c 2>/dev/null
    kill \$logger
    cp /tmp/fd-probe.txt /run/fd-probe-$name.txt 2>/dev/null
    cp /tmp/container-log.txt /run/container-log-$name.txt 2>/dev/null
    ls -la /tmp $krb5_locate_dir
    exit \${rc:-0}
  " || rc=$?
  [ "$rc" -eq 0 ] || { log_lines | tail -n 4; problem "$name: the container's mount failed ($rc)"; }
  cifs_wait_idle
}

# probe_verdict NAME: what the plugin found inside the upcall's process.
probe_verdict() {
  local name=$1 listener lines
  local report="/run/fd-probe-$name.txt"
  if [ ! -s "$report" ]; then
    problem "$name: the krb5 plugin probe did not run in the upcall"
    return
  fi
  info "$name: probe report: $(grep -E '^(probe|fd|ESCAPE)' "$report" | grep -A50 'prog=smb3-upcall' | tr '\n' ';')"
  # Only the upcall's own lines (kinit ran before the plugin was in place).
  lines=$(awk '/^probe /{ours = ($2 ~ /^prog=smb3-upcall/)} ours' "$report")
  [ -n "$lines" ] || { problem "$name: no probe report from smb3-upcall"; return; }
  if grep -q '^ESCAPE' <<< "$lines"; then
    problem "$name: container code read a host-only file: $(grep '^ESCAPE' <<< "$lines" | head -n 1)"
  fi
  if grep -qE '^fd ([3-9]|[1-9][0-9]+) dir' <<< "$lines"; then
    problem "$name: container code holds a directory descriptor: $(grep -E '^fd [0-9]+ dir' <<< "$lines" | grep -vE '^fd [012] ' | head -n 1)"
  fi
  # Besides stdio: sockets (the handler's connection, the log), and the container's own plugin
  # directory that libkrb5 is reading while it loads the probe.
  if grep -E '^fd ([3-9]|[1-9][0-9]+) ' <<< "$lines" | grep -vqE ' (sock|plugindir) '; then
    problem "$name: container code holds more than sockets: $(grep -E '^fd ([3-9]|[1-9][0-9]+) ' <<< "$lines" | grep -vE ' (sock|plugindir) ' | head -n 1)"
  fi
  # The service's listening socket, by inode (/proc/net/unix: flags 00010000 = listening).
  listener=$(awk -v p="$socket" '$NF == p && $4 == "00010000" {print $7}' /proc/net/unix | head -n 1)
  if [ -n "$listener" ] && grep -qE "^fd [0-9]+ sock dev=[0-9]+ ino=$listener\$" <<< "$lines"; then
    problem "$name: container code holds the service's listening socket (inode $listener)"
  fi
}

# thread_first_access NAME: bob's first access to the multiuser mount, from a thread.
thread_first_access() {
  local name=$1 out
  mount -t cifs "//$LAB_SMB_HOST/share" /mnt/m -o "sec=krb5,multiuser,cruid=$LAB_UID,vers=3.1.1" \
    || { problem "$name: the multiuser mount failed"; return; }
  out=$(su bob -c "python3 -c '
import os, threading
result = []
def first_access():
    try: result.append(\"listed %d entries as tid %d of pid %d\" % (len(os.listdir(\"/mnt/m\")), threading.get_native_id(), os.getpid()))
    except OSError as e: result.append(\"failed: %s\" % e)
t = threading.Thread(target=first_access); t.start(); t.join(); print(result[0])
'" 2>&1)
  info "$name: bob's thread: $out"
  case "$out" in
    listed*) ;;
    *) problem "$name: a thread's first access failed: $out ($(log_lines | grep -i 'pid' | tail -n 1 | sed 's/.*smb3-upcall\[/smb3-upcall[/'))" ;;
  esac
  umount /mnt/m
  cifs_wait_idle
}
su bob -c 'echo bobpw | kinit bob' >/dev/null || fail "kinit bob failed"

step "the upcall service, socket-activated"
service_start

step "a capability-less root process asks the service for alice's session key"
forge "capability-less root" setpriv --reuid=0 --regid=0 --clear-groups --inh-caps=-all --bounding-set=-all
step "a root program that is not the handler asks for it"
forge "root python3"

step "the kernel's request-key path through the service still works"
before=$(log_lines | grep 'handed to cifs.ko' | grep -c upcall_via=service)
if mount -t cifs "//$LAB_SMB_HOST/share" /mnt/c -o "sec=krb5,cruid=$LAB_UID,vers=3.1.1"; then
  echo via-service > /mnt/c/hardening.txt || problem "write through the service's session failed"
  umount /mnt/c
  sleep 1
  after=$(log_lines | grep 'handed to cifs.ko' | grep -c upcall_via=service)
  [ "$after" -gt "$before" ] || problem "the mount did not go through the service"
else
  problem "a legitimate krb5 mount through the service failed"
fi
cifs_wait_idle

step "container code inside the service's upcall: descriptors and a host-only file"
container_probe service
probe_verdict service

step "a thread's first access to a multiuser mount, through the service"
thread_first_access service

step "service stopped: the same container, in the handler's own process, with its own /dev/log"
kill "$activator"; wait "$activator" 2>/dev/null
wait_for 10 sh -c "! test -S $socket" || rm -f "$socket"
mark="hardening-$(date +%s%N)"
logger -t lab "$mark"
container_probe inprocess
probe_verdict inprocess
host_line=$(sed -n "/$mark/,\$p" /var/log/messages | grep 'smb3-upcall' | grep 'handed to cifs.ko' | tail -n 1)
if [ -z "$host_line" ]; then
  problem "inprocess: the upcall's success line did not reach the host's log"
fi
if grep -q 'handed to cifs.ko' "/run/container-log-inprocess.txt" 2>/dev/null; then
  problem "inprocess: the upcall's line went to the container's /dev/log: $(grep -a 'handed to cifs.ko' /run/container-log-inprocess.txt | head -n 1)"
fi
info "inprocess: host log: $(echo "$host_line" | sed 's/.*smb3-upcall\[/smb3-upcall[/')"
info "inprocess: the container's /dev/log got: $(tr -d '\0' < /run/container-log-inprocess.txt 2>/dev/null | grep -a smb3-upcall | tail -n 2 | tr '\n' ' ')"

step "a thread's first access to a multiuser mount, in the handler's own process"
thread_first_access inprocess

if [ ${#problems[@]} -gt 0 ]; then
  fail "${#problems[@]} problem(s): $(printf '%s | ' "${problems[@]}")"
fi
pass
