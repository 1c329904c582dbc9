#!/bin/bash
# smb3-ioctl snapshot (issue 16): remote shadow copies over MS-FSRVP against Samba's rpcd_fsrvp
# with vfs_shell_snap (lab-recipe.md §13). supported on a snapshot share (yes) and on a plain
# share (no, FSRVP_E_NOT_SUPPORTED); create on the cifs mount, then the exposed share mounted with
# cifs shows the old content while the live share moves on; the same with rpcclient fss_*; list
# equals fss_get_mapping; delete removes the exposed share and the snapshot directory; a user
# without backup rights is refused with what the server requires; with server smb encrypt = required
# the pipe session is encrypted and still works (AES-GCM, and AES-CCM with 3.1.1 and 3.0.2); alice's sec=krb5 mount creates and deletes a
# shadow copy with her Kerberos ticket (MIT KDC), and without a ticket the tool says to kinit.
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
kerberos_lab_start

tool=$SMB3KIT_BIN/smb3-ioctl
[ -x "$tool" ] || fail "smb3-ioctl not built ($tool missing)"

step "Samba with registry shares, rpcd_fsrvp and a shell_snap share"
mkdir -p /etc/samba /var/lib/samba/private /var/cache/samba /var/log/samba /run/samba /srv/share /srv/fss/.snapshots /usr/local/lib/snap
chmod 777 /srv/share
users_setup
chown -R "$LAB_USER" /srv/fss
# The scripts run as the connecting user (alice), so .snapshots is hers. A snapshot is a copy of the
# share without .snapshots, named by its @GMT token so shadow_copy2 (and CIFS_ENUMERATE_SNAPSHOTS)
# see it too.
cat > /usr/local/lib/snap/check <<'EOF'
#!/bin/sh
exit 0
EOF
cat > /usr/local/lib/snap/create <<'EOF'
#!/bin/sh
dir="$1/.snapshots/@GMT-$(date -u +%Y.%m.%d-%H.%M.%S)"
mkdir "$dir" || exit 1
cd "$1" && find . -mindepth 1 -maxdepth 1 ! -name .snapshots -exec cp -a {} "$dir/" \; || exit 1
echo "$dir"
EOF
cat > /usr/local/lib/snap/delete <<'EOF'
#!/bin/sh
rm -rf "$2"
EOF
chmod 755 /usr/local/lib/snap/*
cat > "$LAB_SMB_CONF" <<EOF
[global]
  server role = standalone server
  server min protocol = SMB3
  interfaces = lo
  bind interfaces only = yes
  disable netbios = yes
  log file = /var/log/samba/log.%m
  log level = 1
  registry shares = yes
  realm = $LAB_REALM
  kerberos method = dedicated keytab
  dedicated keytab file = /etc/krb5.keytab
  include = registry
[share]
  path = /srv/share
  read only = no
[fss]
  path = /srv/fss
  read only = no
  vfs objects = shell_snap shadow_copy2
  shadow:snapdir = /srv/fss/.snapshots
  shell_snap:check path command = /usr/local/lib/snap/check
  shell_snap:create command = /usr/local/lib/snap/create
  shell_snap:delete command = /usr/local/lib/snap/delete
EOF
printf '%s\n%s\n' "$LAB_NTLM_PW" "$LAB_NTLM_PW" | smbpasswd -s -a "$LAB_USER" >/dev/null || fail "smbpasswd -a $LAB_USER failed"
id bob >/dev/null 2>&1 || useradd -M -s /bin/sh bob
printf 'bobpw\nbobpw\n' | smbpasswd -s -a bob >/dev/null || fail "smbpasswd -a bob failed"
net sam rights grant "$LAB_USER" SeBackupPrivilege >/dev/null || fail "net sam rights grant failed"
smbd -D || fail "smbd did not start"
wait_for 60 sh -c 'ss -Hltn "sport = :445" | grep -q .' || fail "smbd is not listening on 445 after 60s"
# samba-dcerpcd starts rpcd_fsrvp on the first call; under emulation that call can time out.
rpc() { rpcclient -U "$LAB_USER%$LAB_NTLM_PW" ncacn_np:127.0.0.1 -c "$1"; }
wait_for 180 rpc fss_get_sup_version || fail "rpcd_fsrvp did not answer fss_get_sup_version within 180s"
info "rpcclient: $(rpc fss_get_sup_version 2>&1 | tail -n 1)"

printf 'username=%s\npassword=%s\n' "$LAB_USER" "$LAB_NTLM_PW" > /run/alice.cred
chmod 600 /run/alice.cred
check "modprobe cifs failed" modprobe cifs
mkdir -p /mnt/fss /mnt/plain /mnt/snap /mnt/ref
opts="username=$LAB_USER,password=$LAB_NTLM_PW,vers=3.1.1"
out=$(mount -t cifs //127.0.0.1/fss /mnt/fss -o "$opts" 2>&1) || fail "mount of [fss] failed: $out"
out=$(mount -t cifs //127.0.0.1/share /mnt/plain -o "$opts" 2>&1) || fail "mount of [share] failed: $out"

step "snapshot supported: yes on [fss], no on [share]"
"$tool" snapshot supported /mnt/fss --credentials /run/alice.cred > /run/sup.txt 2>&1 || fail "supported on [fss] exited $?: $(cat /run/sup.txt)"
info "$(cat /run/sup.txt)"
"$tool" snapshot supported /mnt/plain --credentials /run/alice.cred --json > /run/nosup.json 2>&1; rc=$?
cat /run/nosup.json
[ "$rc" -eq 1 ] || fail "supported on [share] exited $rc, expected 1"
grep -q 'FSRVP_E_NOT_SUPPORTED' /run/nosup.json || fail "no FSRVP_E_NOT_SUPPORTED in: $(cat /run/nosup.json)"
rpc 'fss_is_path_sup share' > /run/rpc-nosup.txt 2>&1
grep -q '0x8004230c' /run/rpc-nosup.txt || fail "rpcclient fss_is_path_sup share: $(cat /run/rpc-nosup.txt)"
info "[share]: ours and rpcclient both say 0x8004230C"

step "snapshot create, change the file: the exposed share keeps the old content"
echo "before the snapshot" > /mnt/fss/f
"$tool" snapshot create /mnt/fss --credentials /run/alice.cred --json > /run/create.json 2> /run/create.err \
  || fail "create exited $?: $(cat /run/create.err)"
cat /run/create.json
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' /run/create.json "$1"; }
set_id=$(field shadowCopySetID) copy_id=$(field shadowCopyID)
exposed=$(field exposedShareUNC | tr '\\' /)
echo "after the snapshot" > /mnt/fss/f
out=$(mount -t cifs "$exposed" /mnt/snap -o "$opts,ro" 2>&1) || fail "mount of $exposed failed: $out"
[ "$(cat /mnt/snap/f)" = "before the snapshot" ] || fail "$exposed shows '$(cat /mnt/snap/f)'"
[ "$(cat /mnt/fss/f)" = "after the snapshot" ] || fail "[fss] shows '$(cat /mnt/fss/f)'"
info "$exposed: 'before the snapshot'; //127.0.0.1/fss: 'after the snapshot'"
ls /srv/fss/.snapshots | grep -q '^@GMT-' || fail "no snapshot directory under /srv/fss/.snapshots"

step "snapshot list equals rpcclient fss_get_mapping"
"$tool" snapshot list /mnt/fss --credentials /run/alice.cred --json > /run/list.json 2>&1 || fail "list exited $?: $(cat /run/list.json)"
cat /run/list.json
rpc "fss_get_mapping fss $set_id $copy_id" > /run/rpc-map.txt 2>&1 || fail "fss_get_mapping failed: $(cat /run/rpc-map.txt)"
cat /run/rpc-map.txt
python3 - /run/list.json /run/rpc-map.txt "$set_id" "$copy_id" <<'EOF' || fail "snapshot list and fss_get_mapping differ"
import json, sys
listed = json.load(open(sys.argv[1]))["shadowCopies"]
mapping = open(sys.argv[2]).read()
assert len(listed) == 1 and listed[0]["present"], listed
entry = listed[0]
assert entry["shadowCopySetID"] == sys.argv[3] and entry["shadowCopyID"] == sys.argv[4], entry
assert f"{sys.argv[3]}({sys.argv[4]})" in mapping, mapping
share = entry["exposedShareUNC"].split("\\")[-1]
assert f"share {share} is a shadow-copy of" in mapping, (share, mapping)
EOF
info "list = fss_get_mapping: $set_id($copy_id)"

step "the same with rpcclient fss_create_expose and fss_delete"
echo "before the reference snapshot" > /mnt/fss/g
rpc 'fss_create_expose backup ro fss' > /run/rpc-create.txt 2>&1 || fail "fss_create_expose failed: $(cat /run/rpc-create.txt)"
cat /run/rpc-create.txt
ref_share=$(sed -n 's/.*: share \(fss@{[^}]*}\) exposed as a snapshot of .*/\1/p' /run/rpc-create.txt)
ref_ids=$(sed -n 's/^\([0-9a-f-]*\)(\([0-9a-f-]*\)): share fss@{.*/\1 \2/p' /run/rpc-create.txt)
[ -n "$ref_share" ] && [ -n "$ref_ids" ] || fail "cannot read fss_create_expose's output"
echo "after the reference snapshot" > /mnt/fss/g
out=$(mount -t cifs "//127.0.0.1/$ref_share" /mnt/ref -o "$opts,ro" 2>&1) || fail "mount of $ref_share failed: $out"
[ "$(cat /mnt/ref/g)" = "before the reference snapshot" ] || fail "$ref_share shows '$(cat /mnt/ref/g)'"
umount /mnt/ref
read -r ref_set ref_copy <<< "$ref_ids"
rpc "fss_delete fss $ref_set $ref_copy" > /run/rpc-delete.txt 2>&1 || fail "fss_delete failed: $(cat /run/rpc-delete.txt)"
info "rpcclient: $ref_share showed the old content, fss_delete removed it"

step "snapshot delete: the exposed share and the snapshot directory are gone"
umount /mnt/snap
"$tool" snapshot delete /mnt/fss "$copy_id" --credentials /run/alice.cred > /run/delete.txt 2>&1 || fail "delete exited $?: $(cat /run/delete.txt)"
info "$(cat /run/delete.txt)"
net conf listshares > /run/shares.txt 2>&1
grep -q "fss@{" /run/shares.txt && fail "an exposed share is still configured: $(cat /run/shares.txt)"
[ -z "$(ls /srv/fss/.snapshots)" ] || fail "snapshot directories left: $(ls /srv/fss/.snapshots)"
out=$(mount -t cifs "$exposed" /mnt/snap -o "$opts,ro" 2>&1) && fail "$exposed still mounts after delete"
info "$exposed no longer mounts: $out"

step "a user without backup rights is refused with what the server requires"
PASSWD=bobpw "$tool" snapshot supported --server 127.0.0.1 --share fss --user bob > /run/bob.txt 2>&1; rc=$?
cat /run/bob.txt
[ "$rc" -eq 1 ] || fail "bob's supported exited $rc, expected 1"
grep -q 'E_ACCESSDENIED' /run/bob.txt && grep -q 'SeBackupPrivilege' /run/bob.txt || fail "bob's refusal does not name E_ACCESSDENIED and the rights"
info "bob: $(cat /run/bob.txt)"

step "Kerberos: alice's sec=krb5 mount creates and deletes a shadow copy with her ticket"
echo "create cifs.spnego * * $SMB3KIT_BIN/smb3-upcall %k" > /etc/request-key.d/cifs.spnego.conf
mkdir -p /mnt/krb /run/alice-home
chown "$LAB_USER" /run/alice-home
# as_alice CMD...: CMD as alice, in her environment (her credentials cache, her records file).
as_alice() { runuser -u "$LAB_USER" -- env HOME=/run/alice-home "$@"; }
as_alice "$tool" snapshot supported --kerberos --server "$LAB_SMB_HOST" --share fss > /run/krb-noticket.txt 2>&1; rc=$?
cat /run/krb-noticket.txt
[ "$rc" -ne 0 ] || fail "supported with Kerberos and no ticket succeeded"
grep -q "kinit" /run/krb-noticket.txt || fail "no ticket, but the message does not say to kinit: $(cat /run/krb-noticket.txt)"
kinit_user
out=$(mount -t cifs "//$LAB_SMB_HOST/fss" /mnt/krb -o "sec=krb5,cruid=$LAB_UID,vers=3.1.1" 2>&1) \
  || fail "sec=krb5 mount of [fss] failed: $out"
echo "before the Kerberos snapshot" > /mnt/krb/k
as_alice "$tool" snapshot create /mnt/krb --json > /run/krb-create.json 2> /run/krb-create.err \
  || fail "Kerberos create exited $?: $(cat /run/krb-create.err)"
cat /run/krb-create.json
krb_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' /run/krb-create.json "$1"; }
krb_copy=$(krb_field shadowCopyID)
krb_field mountCommand | grep -q 'sec=krb5' || fail "the mount hint is not for Kerberos: $(krb_field mountCommand)"
net conf listshares | grep -q "fss@{$krb_copy}" || fail "fss@{$krb_copy} is not an exposed share: $(net conf listshares)"
echo "after the Kerberos snapshot" > /mnt/krb/k
out=$(mount -t cifs "//$LAB_SMB_HOST/fss@{$krb_copy}" /mnt/snap -o "sec=krb5,cruid=$LAB_UID,vers=3.1.1,ro" 2>&1) \
  || fail "sec=krb5 mount of the exposed share failed: $out"
[ "$(cat /mnt/snap/k)" = "before the Kerberos snapshot" ] || fail "the Kerberos snapshot shows '$(cat /mnt/snap/k)'"
umount /mnt/snap
as_alice "$tool" snapshot delete /mnt/krb "$krb_copy" > /run/krb-delete.txt 2>&1 \
  || fail "Kerberos delete exited $?: $(cat /run/krb-delete.txt)"
net conf listshares | grep -q "fss@{$krb_copy}" && fail "fss@{$krb_copy} is still configured after delete"
info "Kerberos: fss@{$krb_copy} created, showed the old content, deleted; no ticket: $(tail -n 1 /run/krb-noticket.txt)"
umount /mnt/krb

step "server smb encrypt = required: the pipe session is sealed (AES-GCM) and still works"
sed -i 's/^  include = registry$/  include = registry\n  server smb encrypt = required/' "$LAB_SMB_CONF"
smbcontrol smbd reload-config || fail "smbcontrol reload-config failed"
"$tool" snapshot supported --server 127.0.0.1 --share fss --credentials /run/alice.cred --json > /run/enc.json 2>&1 \
  || fail "supported with encryption required exited $?: $(cat /run/enc.json)"
grep -q '"session":"SMB 3.1.1, signing AES-GMAC, encryption AES-128-GCM"' /run/enc.json || fail "not an encrypted session: $(cat /run/enc.json)"
info "$(cat /run/enc.json)"

step "AES-CCM (libcrypto): 3.1.1 with a server that offers only AES-128-CCM, and SMB 3.0.2, whose only cipher it is"
sed -i 's/^  server smb encrypt = required$/  server smb encrypt = required\n  server smb3 encryption algorithms = AES-128-CCM/' "$LAB_SMB_CONF"
smbcontrol smbd reload-config || fail "smbcontrol reload-config failed"
"$tool" snapshot supported --server 127.0.0.1 --share fss --credentials /run/alice.cred --json > /run/ccm.json 2>&1 \
  || fail "supported with AES-128-CCM exited $?: $(cat /run/ccm.json)"
grep -q '"session":"SMB 3.1.1, signing AES-GMAC, encryption AES-128-CCM"' /run/ccm.json || fail "not a CCM session: $(cat /run/ccm.json)"
info "$(cat /run/ccm.json)"
# "SMB3" as a minimum means 3.1.1 in Samba: name 3.0 explicitly.
sed -i -e 's/^  server smb3 encryption algorithms = AES-128-CCM$/  server max protocol = SMB3_02/' \
  -e 's/^  server min protocol = SMB3$/  server min protocol = SMB3_00/' "$LAB_SMB_CONF"
smbcontrol smbd reload-config || fail "smbcontrol reload-config failed"
"$tool" snapshot supported --server 127.0.0.1 --share fss --credentials /run/alice.cred --json > /run/ccm30.json 2>&1 \
  || fail "supported over SMB 3.0.2 with encryption exited $?: $(cat /run/ccm30.json)"
grep -q '"session":"SMB 3.0.2, signing AES-CMAC, encryption AES-128-CCM"' /run/ccm30.json || fail "not a 3.0.2 CCM session: $(cat /run/ccm30.json)"
info "$(cat /run/ccm30.json)"
umount /mnt/fss /mnt/plain
pass
