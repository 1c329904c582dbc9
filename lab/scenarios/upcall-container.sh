#!/bin/bash
# smb3-upcall and containers (issue 3), 6.12 only (upcall_target= needs it): a "container" is a
# process in its own mount and pid namespaces (unshare) whose /tmp holds a credential cache of
# another principal (bob) under alice's uid, while the host's /tmp holds alice's. A sec=krb5
# mount made inside it with upcall_target=app must authenticate as bob (the container's
# credentials), with upcall_target=mount as alice (the host's).
. "$(dirname "$0")/../guest/lib.sh"
. "$LAB_GUEST/services.sh"
kerberos_lab_start
[ "$LAB_KERNEL" = 6.12 ] || fail "upcall_target= needs the 6.12 kernel (this is $LAB_KERNEL)"
kadmin.local -q "addprinc -pw bobpw bob" >/dev/null || fail "addprinc bob failed"
samba_setup lo krb5
id bob >/dev/null 2>&1 || useradd -M -s /bin/sh bob
printf 'x\nx\n' | smbpasswd -s -a bob >/dev/null
upcall="$SMB3KIT_BIN/smb3-upcall"
[ -x "$upcall" ] || fail "smb3-upcall not built ($upcall)"
echo "create cifs.spnego * * $upcall -d %k" > /etc/request-key.d/cifs.spnego.conf
check "modprobe cifs failed" modprobe cifs
kinit_user   # host: /tmp/krb5cc_$LAB_UID holds alice@TEST.LAN
mkdir -p /mnt/c
last_client() { grep 'smb3-upcall' /var/log/messages | grep 'handed to cifs.ko' | tail -n 1 | sed -n 's/.*krb5_client=\([^ ]*\).*/\1/p'; }

# in_container TARGET: inside new mount+pid namespaces, put bob's ticket into a private /tmp
# as alice's default cache, then mount with upcall_target=TARGET and report who we are.
in_container() {
  unshare --mount --pid --fork --propagation private sh -c "
    mount -t tmpfs tmpfs /tmp && chmod 1777 /tmp
    su $LAB_USER -c 'echo bobpw | kinit bob' >/dev/null || exit 10
    mount -t cifs //$LAB_SMB_HOST/share /mnt/c -o sec=krb5,cruid=$LAB_UID,vers=3.1.1,upcall_target=$1 || exit 11
    grep -q 'upcall_target=$1' /proc/mounts || exit 12
    umount /mnt/c
  "
}

step "upcall_target=app inside the container: the container's credentials (bob)"
in_container app || { grep smb3-upcall /var/log/messages | tail -n 4; fail "container mount with upcall_target=app failed ($?)"; }
sleep 1
[ "$(last_client)" = "bob@TEST.LAN" ] || fail "upcall_target=app authenticated as '$(last_client)', not bob@TEST.LAN"
grep 'smb3-upcall' /var/log/messages | grep 'joined namespaces' | tail -n 1 | grep -q 'mnt' \
  || fail "the upcall did not report joining the container's mount namespace"
info "app: $(grep 'smb3-upcall' /var/log/messages | grep 'joined namespaces' | tail -n 1 | sed 's/.*smb3-upcall\[[0-9]*\]: //')"
info "app: authenticated as $(last_client)"
cifs_wait_idle

step "upcall_target=mount inside the container: the host's credentials (alice)"
in_container mount || { grep smb3-upcall /var/log/messages | tail -n 4; fail "container mount with upcall_target=mount failed ($?)"; }
sleep 1
[ "$(last_client)" = "alice@TEST.LAN" ] || fail "upcall_target=mount authenticated as '$(last_client)', not alice@TEST.LAN"
info "mount: authenticated as $(last_client)"
pass
