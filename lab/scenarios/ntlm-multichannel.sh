#!/bin/bash
# Scenario A (lab-recipe.md §6): NTLM mount with two channels against a Samba that advertises
# two loopback interfaces with different speeds and capabilities, then OUR DebugData parser
# (smb3-ifaces) on the live /proc/fs/cifs/DebugData, checked against the smb.conf.
# With smb3kit.capture=1 on the kernel command line it also sends DebugData verbatim to the
# host (capture-fixtures.sh).
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
lab_start
syslog_start

# 127.0.0.2 must exist before smbd binds to it; 127.0.0.1 is RSS-capable and 10x faster, so
# the kernel should open the extra channel on it (lab-recipe.md §6).
ip addr add 127.0.0.2/8 dev lo
samba_setup '"127.0.0.1;speed=10000000000,capability=RSS" "127.0.0.2;speed=1000000000"'

check "modprobe cifs failed" modprobe cifs
mkdir -p /mnt/s
step "mounting //127.0.0.1/share with multichannel,max_channels=2"
out=$(mount -t cifs //127.0.0.1/share /mnt/s \
  -o "username=$LAB_USER,password=$LAB_NTLM_PW,multichannel,max_channels=2,vers=3.1.1" 2>&1) \
  || fail "NTLM mount failed: $out"
dd=/proc/fs/cifs/DebugData
wait_for 30 grep -q 'Channel: 2 ' "$dd" || fail "the kernel did not open a second channel within 30s"
wait_for 30 grep -q 'Server interfaces: 2' "$dd" || fail "DebugData does not list 2 server interfaces"
step "second channel up"
grep -q '^	Extra Channels: 1' "$dd" || fail "DebugData does not say 'Extra Channels: 1'"
cp "$dd" /run/DebugData.txt
echo "----- DebugData (cat -A) -----"; cat -A /run/DebugData.txt
grep cifs /proc/mounts
dmesg | grep 'CIFS' | tail -n 5

if grep -q 'smb3kit.capture=1' /proc/cmdline; then
  blob "debugdata-$LAB_KERNEL-ntlm-multichannel.txt" /run/DebugData.txt
fi

ifaces=$SMB3KIT_BIN/smb3-ifaces
[ -x "$ifaces" ] || fail "smb3-ifaces not built ($ifaces missing)"
step "running smb3-ifaces debugdata --json on the live file"
"$ifaces" debugdata --json "$dd" > /run/ifaces.json 2> /run/ifaces.err \
  || fail "smb3-ifaces exited $?: $(head -c 300 /run/ifaces.err)"
echo "----- smb3-ifaces JSON -----"; cat /run/ifaces.json; echo
verdict=$(python3 "$LAB_GUEST/check_ifaces.py" "$LAB_SMB_CONF" /run/ifaces.json 2) || fail "$verdict"
info "$verdict"
umount /mnt/s || fail "umount failed"
pass
