#!/bin/bash
# Scenario D (lab-recipe.md §9): the witness-enabled cifs.ko (built out of tree by
# lab/prepare.sh --witness with CONFIG_CIFS_SWN_UPCALL) loads into the stock Debian kernel,
# registers the generic-netlink family "cifs" with the multicast group "cifs_mcgrp_swn",
# and DebugData lists WITNESS among its features.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/witness-server.sh
. "$LAB_GUEST/witness-server.sh"
lab_start
witness_module_load

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
