#!/bin/bash
# Scenario D (lab-recipe.md §9): the witness-enabled cifs.ko (built out of tree by
# lab/prepare.sh --witness with CONFIG_CIFS_SWN_UPCALL) loads into the stock Debian kernel,
# registers the generic-netlink family "cifs" with the multicast group "cifs_mcgrp_swn",
# and DebugData lists WITNESS among its features.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
# shellcheck source=../guest/witness-server.sh
. "$LAB_GUEST/witness-server.sh"
lab_start
syslog_start
W=$SMB3KIT_BIN/smb3-witnessd
[ -x "$W" ] || fail "smb3-witnessd not built ($SMB3KIT_BIN)"

# Before the module exists the daemon must wait for the family, not exit; it joins the group
# when cifs.ko appears (the controller's NEWFAMILY).
mkdir -p /etc/smb3kit
"$W" run > /run/witnessd.out 2>&1 &
wpid=$!
wait_for 20 "$W" status || fail "smb3-witnessd did not start without cifs.ko: $(tail -n 3 /run/witnessd.out)"
wait_for 10 grep -q "waiting for the 'cifs' family" /var/log/messages || fail "smb3-witnessd did not say it waits for cifs.ko"
witness_module_load
wait_for 20 grep -q 'joined cifs/cifs_mcgrp_swn' /var/log/messages \
  || fail "smb3-witnessd did not join cifs_mcgrp_swn when the module appeared: $(grep smb3-witnessd /var/log/messages | tail -n 3)"
info "$(grep -m1 'joined cifs/cifs_mcgrp_swn' /var/log/messages | sed 's/^.*smb3-witnessd/smb3-witnessd/')"
kill -TERM "$wpid"
wait_for 20 sh -c "! kill -0 $wpid" || fail "smb3-witnessd did not exit on SIGTERM"

# Without CAP_NET_ADMIN the group (which carries NTLM passwords) is refused: one clear error.
out=$(capsh --drop=cap_net_admin -- -c "$W run --config /dev/null" 2>&1)
rc=$?
info "without CAP_NET_ADMIN: exit $rc: $out"
[ $rc = 1 ] || fail "smb3-witnessd without CAP_NET_ADMIN exited $rc, expected 1"
case "$out" in *CAP_NET_ADMIN*) ;; *) fail "the error does not name CAP_NET_ADMIN: $out" ;; esac

genl ctrl list > /run/genl.txt 2>&1 || fail "genl ctrl list failed: $(head -c 200 /run/genl.txt)"
# The block of the family named cifs, up to the next family.
awk '/^Name: /{f = ($2 == "cifs")} f' /run/genl.txt > /run/genl-cifs.txt
cat /run/genl-cifs.txt
[ -s /run/genl-cifs.txt ] || fail "no generic-netlink family 'cifs' after loading the witness module"
grep -q 'name: cifs_mcgrp_swn' /run/genl-cifs.txt || fail "family 'cifs' has no multicast group cifs_mcgrp_swn"
info "genl family cifs: $(grep -o 'ID: 0x[0-9a-f]*' /run/genl-cifs.txt | head -n1), group $(grep 'cifs_mcgrp_swn' /run/genl-cifs.txt | grep -o 'ID-0x[0-9a-f]*')"

features=$(grep '^Features:' /proc/fs/cifs/DebugData)
info "$features"
case "$features" in
  *,WITNESS) ;;
  *) fail "DebugData Features does not end with WITNESS: $features" ;;
esac
grep -q '^Witness registrations:' /proc/fs/cifs/DebugData || fail "DebugData has no 'Witness registrations:' section"

# The project's own libnl-genl code must see the same family and group as iproute2's genl.
[ -x "$SMB3KIT_BIN/smb3-witnessd" ] || fail "smb3-witnessd not built ($SMB3KIT_BIN)"
json=$("$SMB3KIT_BIN/smb3-witnessd" check-kernel --json) || fail "smb3-witnessd check-kernel found no witness support: $json"
info "smb3-witnessd check-kernel: $json"
family_id=$(printf '%d' "$(grep -o 'ID: 0x[0-9a-f]*' /run/genl-cifs.txt | head -n1 | cut -d' ' -f2)")
group_id=$(printf '%d' "$(grep 'cifs_mcgrp_swn' /run/genl-cifs.txt | grep -o 'ID-0x[0-9a-f]*' | cut -d- -f2)")
case "$json" in
  *"\"familyId\":$family_id,"*"\"groupId\":$group_id,"*) ;;
  *) fail "smb3-witnessd reports $json, genl says family $family_id group $group_id" ;;
esac
pass
