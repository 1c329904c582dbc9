#!/bin/bash
# Capture run (not a pass/fail scenario of its own, though it reports one): Kerberos mounts
# in several shapes, sending to the host (a) each cifs.spnego key description exactly as the
# upcall handler sees it (`keyctl rdescribe`) and (b) DebugData of the Kerberos mounts.
# Driven by lab/capture-fixtures.sh, which decodes the blobs into
# Tests/SMB3ProtocolTests/Fixtures/lab/. For each capture it also prints
#   LAB-CAPTURE <file> <how it was made>
# which capture-fixtures.sh puts into the fixtures README.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=services.sh
. "$LAB_GUEST/services.sh"
kerberos_lab_start
# Three server addresses: 127.0.0.1 (fast, RSS: where extra channels go), 127.0.0.2 (primary
# of the multichannel capture, so its two upcalls show different ip4=), ::1 (the IPv6 mount).
ip addr add 127.0.0.2/8 dev lo
samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=1000000000" "::1;speed=1000000000"' krb5
upcall_wrapper_install
check "modprobe cifs failed" modprobe cifs
kinit_user
mkdir -p /mnt/k
K=$LAB_KERNEL
KREL=$(uname -r)
base="sec=krb5,cruid=$LAB_UID,vers=3.1.1"

# new_descs: the descriptions recorded since the previous call, oldest first. The count of
# those already handed out lives in a file because callers run this in $(...) subshells.
echo 0 > /run/upcall.seen
new_descs() {
  local all seen
  all=$(upcall_descs)
  seen=$(cat /run/upcall.seen)
  echo "$all" | grep -c . > /run/upcall.seen
  echo "$all" | tail -n +$((seen + 1)) | grep .
}

# count LINES: number of non-empty lines (echo "" | wc -l would say 1).
count() { printf '%s\n' "$1" | grep -c .; }

# emit_desc FILE DESCFILE HOW: one key description as a fixture.
emit_desc() {
  info "$1: $(cat "$2")"
  echo "LAB-CAPTURE $1 $KREL: $3"
  blob "$1" "$2"
}

emit_debugdata() {
  cp /proc/fs/cifs/DebugData /run/dd.txt
  echo "LAB-CAPTURE $1 $KREL: $2"
  blob "$1" /run/dd.txt
}

done_mount() {
  umount /mnt/k 2>/dev/null
  cifs_wait_idle
  sleep 1
}

# 1. IPv4, hostname, explicit user=.
cmd="mount -t cifs //$LAB_SMB_HOST/share /mnt/k -o user=$LAB_USER,$base"
step "capture: $cmd"
out=$($cmd 2>&1) || fail "krb5 mount with user= failed: $out"
grep -q 'Security type: Kerberos' /proc/fs/cifs/DebugData || fail "no 'Security type: Kerberos' in DebugData"
d=$(new_descs); [ "$(count "$d")" = 1 ] || fail "expected 1 upcall for the user= mount, got: $d"
emit_desc "keydesc-$K-krb5-ipv4-user.txt" "$d" "$cmd (as root, $LAB_USER has a ticket; cruid=$LAB_UID)"
emit_debugdata "debugdata-$K-kerberos.txt" "DebugData after: $cmd"
done_mount

# 2. No username at all: mount.cifs always adds username=root, so call mount(2) directly.
# 6.1 refuses a mount with no username ("No username specified", EINVAL, before any upcall);
# there an empty "user=" (the kernel's anonymous marker: ctx->nullauth, ses->user_name
# NULL) is the only way to a description without user=, so that is the fallback.
mount2() {
  python3 - "$1" <<'PY' 2>&1
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.mount(b"//smb.test.lan/share", b"/mnt/k", b"cifs", 0, sys.argv[1].encode()) != 0:
    e = ctypes.get_errno()
    sys.exit(f"mount(2) failed: {os.strerror(e)} ({e})")
PY
}
nouser="$base,ip=127.0.0.1,unc=//$LAB_SMB_HOST/share"
step "capture: mount(2) without username: $nouser"
out=$(mount2 "$nouser") || warn "mount(2) without username: $out"
d=$(new_descs)
how=
if [ -z "$d" ]; then
  how="; without any username option this kernel refused the mount before the upcall: ${out:-?}, dmesg: $(dmesg | grep -m1 -o 'No username specified')"
  nouser="$nouser,user="
  step "capture: no upcall without username; retrying with an empty user=: $nouser"
  out=$(mount2 "$nouser") || warn "mount(2) with empty user=: $out"
  d=$(new_descs)
fi
grep cifs /proc/mounts
[ "$(count "$d")" = 1 ] || fail "expected 1 upcall for the mount without username, got: $d"
grep -q ';user=' "$d" && fail "the description still has a user= field: $(cat "$d")"
emit_desc "keydesc-$K-krb5-ipv4-nouser.txt" "$d" \
  "mount(2) via python3 ctypes: source //$LAB_SMB_HOST/share, type cifs, flags 0, data \"$nouser\" (mount.cifs not involved; mount(2) result: ${out:-success}$how)"
done_mount

# 3. IPv6: the server on ::1; the kernel prints ip6= in full, uncompressed form.
cmd="mount -t cifs //$LAB_SMB_HOST/share /mnt/k -o ip=::1,user=$LAB_USER,$base"
step "capture: $cmd"
out=$($cmd 2>&1) || warn "IPv6 mount failed: $out (only the description matters)"
d=$(new_descs); [ "$(count "$d")" -ge 1 ] || fail "no upcall for the IPv6 mount"
d=$(echo "$d" | head -n1)
grep -q ';ip6=0000:0000:0000:0000:0000:0000:0000:0001;' "$d" || fail "IPv6 description lacks the full ip6=: $(cat "$d")"
emit_desc "keydesc-$K-krb5-ipv6.txt" "$d" "$cmd"
done_mount

# 4. upcall_target=mount (6.12 only; 6.1 has no such option).
if [ "$K" != 6.1 ]; then
  cmd="mount -t cifs //$LAB_SMB_HOST/share /mnt/k -o user=$LAB_USER,$base,upcall_target=mount"
  step "capture: $cmd"
  out=$($cmd 2>&1) || fail "upcall_target=mount mount failed: $out"
  d=$(new_descs); [ "$(count "$d")" = 1 ] || fail "expected 1 upcall for upcall_target=mount, got: $d"
  grep -q ';upcall_target=mount$' "$d" || fail "description does not end with upcall_target=mount: $(cat "$d")"
  emit_desc "keydesc-$K-krb5-upcall-target-mount.txt" "$d" "$cmd"
  done_mount
fi

# 5. Multichannel: every channel's session setup does its own upcall, with the channel's
# own address. The primary goes to 127.0.0.2, the extra channel to the faster 127.0.0.1.
# Observed on 6.1.192: the extra channel's description has an EMPTY host= (the channel's
# server struct carries no hostname there), cifs.upcall 7.0 rejects it and the kernel keeps
# retrying; the mount itself stays up on one channel. The first two upcalls are captured
# either way; the README row says which case it was.
cmd="mount -t cifs //$LAB_SMB_HOST/share /mnt/k -o ip=127.0.0.2,user=$LAB_USER,$base,multichannel,max_channels=2"
step "capture: $cmd"
out=$($cmd 2>&1) || fail "multichannel krb5 mount failed: $out"
if wait_for 20 grep -q 'Channel: 2 ' /proc/fs/cifs/DebugData; then
  sleep 1
  mc="second channel opened"
else
  mc="NO second channel: the extra channel's upcall failed, see the ch2 description"
  warn "krb5 multichannel on $KREL: $mc"
fi
d=$(new_descs); [ "$(count "$d")" -ge 2 ] || fail "expected at least 2 upcalls for the multichannel mount, got: $d"
emit_desc "keydesc-$K-krb5-multichannel-ch1.txt" "$(echo "$d" | sed -n 1p)" "$cmd (first upcall: primary channel; $mc)"
emit_desc "keydesc-$K-krb5-multichannel-ch2.txt" "$(echo "$d" | sed -n 2p)" "$cmd (second upcall: extra channel; $mc)"
emit_debugdata "debugdata-$K-kerberos-multichannel.txt" "DebugData after: $cmd ($mc)"
done_mount

cat /run/upcall.log
pass
