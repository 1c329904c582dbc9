#!/bin/bash
# Scenario E (lab-recipe.md §10): the Samba witness server (single-node ctdb, clustered smbd,
# samba-dcerpcd with rpcd_witness) inside the guest, checked
#   (a) by starting it (lab/guest/witness-server.sh) and asking the EPM for the witness port,
#   (b) with python3-samba as the MS-SWN client: GetInterfaceList, RegisterEx, `net witness
#       list`, a CLIENT_MOVE from `net witness client-move` while AsyncNotify is pending,
#       UnRegister (lab/guest/witness_rpc.py),
#   (c) with the witness-enabled cifs.ko: a `witness` mount of //witnesslab/share shows the
#       Witness share flag and a registration in DebugData, and carries file I/O.
# No witness daemon runs here, so the kernel's REGISTER multicasts go unanswered.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/witness-server.sh
. "$LAB_GUEST/witness-server.sh"
lab_start
t_start=$(lab_uptime)

# (a) the server
witness_server_start
info "ctdb reached OK (THIS NODE) ${WITNESS_CTDB_OK_SECS}s after ctdbd started"
info "EPM $WITNESS_NODE_IP:135 maps the witness interface to TCP port $WITNESS_EPM_PORT"
pub_port=$(witness_epm_port "$WITNESS_PUBLIC_IP") || fail "the EPM on $WITNESS_PUBLIC_IP:135 does not map the witness interface"
info "EPM $WITNESS_PUBLIC_IP:135 maps the witness interface to TCP port $pub_port"
# samba-dcerpcd owns the listening sockets and hands connections to its rpcd_* workers.
owner=$(ss -Hltnp "src $WITNESS_NODE_IP and sport = :$WITNESS_EPM_PORT" | grep -o '(("[^"]*"' | tr -d '("' | sort -u | tr '\n' ' ')
info "port $WITNESS_EPM_PORT is listened on by: ${owner:-nobody}"
[ -n "$owner" ] || fail "nothing listens on the witness port $WITNESS_EPM_PORT"

# (b) MS-SWN with python3-samba
step "GetInterfaceList over ncacn_ip_tcp:${WITNESS_NODE_IP}[sign]"
witness_rpc interfaces "$WITNESS_NODE_IP" > /run/witness/ifaces.txt 2>&1
rc=$?
cat /run/witness/ifaces.txt
[ $rc = 0 ] || fail "GetInterfaceList: $(tail -n1 /run/witness/ifaces.txt)"
workers=$(pgrep -f "^$WITNESS_RPCD " | tr '\n' ' ')
info "rpcd_witness worker(s) serving it: pid ${workers:-none}"
[ -n "$workers" ] || fail "no rpcd_witness worker runs after GetInterfaceList"
grep -c '^LAB-INFO   \[' /run/witness/ifaces.txt | grep -qx 2 || fail "GetInterfaceList did not return 2 interfaces"
for ip in "$WITNESS_NODE_IP" "$WITNESS_PUBLIC_IP"; do
  grep -q "group=$WITNESS_NAME .*state=1(AVAILABLE) ipv4=$ip " /run/witness/ifaces.txt \
    || fail "GetInterfaceList has no AVAILABLE entry for $ip in group $WITNESS_NAME"
done

step "RegisterEx / net witness list / client-move during AsyncNotify / UnRegister"
witness_rpc roundtrip "$WITNESS_NODE_IP" "$WITNESS_PUBLIC_IP" > /run/witness/roundtrip.txt 2>&1
rc=$?
cat /run/witness/roundtrip.txt
[ $rc = 0 ] || fail "MS-SWN round trip: $(tail -n1 /run/witness/roundtrip.txt)"
# Samba drops the registration 5 s after a move to another IP (witness-mswn.md §1.6), and
# UnRegister removes it anyway: the list must end up empty of our client.
wait_for 60 sh -c '! net witness list 2>/dev/null | grep -q labclient' \
  || fail "the registration of labclient is still listed after UnRegister"

# (c) the kernel client
step "witness cifs.ko and a witness mount of //$WITNESS_NAME/$WITNESS_SHARE"
witness_module_load
mkdir -p /mnt/w
opts="username=$WITNESS_USER,password=$WITNESS_PASSWORD,vers=3.1.1,witness,echo_interval=5"
out=$(mount -t cifs "//$WITNESS_NAME/$WITNESS_SHARE" /mnt/w -o "$opts" 2>&1) \
  || fail "mount -o witness //$WITNESS_NAME/$WITNESS_SHARE failed: $out"
grep -E "Share Capabilities|Witness|^Id:|$WITNESS_NAME" /proc/fs/cifs/DebugData
# The share's block: from its "N) \\witnesslab\share" line to the next empty line. Witness
# is printed at the end of its "tid:" line, the capabilities on their own line.
unc="\\\\$WITNESS_NAME\\$WITNESS_SHARE" awk 'index($0, ENVIRON["unc"]) { f = 1 } f && /^[[:space:]]*$/ { exit } f' \
  /proc/fs/cifs/DebugData > /run/witness/share-block.txt
[ -s /run/witness/share-block.txt ] || fail "DebugData lists no share \\\\$WITNESS_NAME\\$WITNESS_SHARE"
info "DebugData share: $(head -n1 /run/witness/share-block.txt | tr -s ' \t' ' ')"
caps=$(grep -m1 'Share Capabilities:' /run/witness/share-block.txt | tr -s ' \t' ' ')
info "DebugData${caps}"
grep -q 'Share Capabilities:.*CLUSTER' /run/witness/share-block.txt || fail "the share has no CLUSTER capability:${caps}"
tid=$(grep -m1 'tid:' /run/witness/share-block.txt | tr -s ' \t' ' ')
info "DebugData${tid}"
grep -qw 'Witness' /run/witness/share-block.txt || fail "the share is not marked Witness in DebugData"
reg=$(sed -n '/^Witness registrations:/,$p' /proc/fs/cifs/DebugData | grep -m1 '^Id:')
info "DebugData witness registration: $reg"
case "$reg" in
  *"Network name: '$WITNESS_NAME'"*"Share name: '$WITNESS_SHARE'"*"Ip address: $WITNESS_PUBLIC_IP"*) ;;
  *) fail "no witness registration for $WITNESS_NAME/$WITNESS_SHARE at $WITNESS_PUBLIC_IP in DebugData: ${reg:-none}" ;;
esac

payload="witness lab $(date +%s%N)"
echo "$payload" > /mnt/w/witness-io.txt || fail "write to the witness mount failed"
sync
[ "$(cat /mnt/w/witness-io.txt)" = "$payload" ] || fail "read back through the witness mount differs"
[ "$(cat "$WITNESS_SHARE_PATH/witness-io.txt")" = "$payload" ] || fail "the server's copy of the file differs"
info "file I/O through the witness mount ok (${#payload} bytes + newline, server copy identical)"
umount /mnt/w || fail "umount /mnt/w failed"
wait_for 30 sh -c '! grep -q "^Id:" /proc/fs/cifs/DebugData' || warn "witness registration still listed after umount"

witness_server_stop
info "total scenario time $(_witness_since "$t_start")s (guest uptime $(lab_uptime)s)"
pass
