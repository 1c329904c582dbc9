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
samba_setup lo krb5
container_user_setup
upcall="$SMB3KIT_BIN/smb3-upcall"
[ -x "$upcall" ] || fail "smb3-upcall not built ($upcall)"
echo "create cifs.spnego * * $upcall -d %k" > /etc/request-key.d/cifs.spnego.conf
check "modprobe cifs failed" modprobe cifs
kinit_user   # host: /tmp/krb5cc_$LAB_UID holds alice@TEST.LAN
mkdir -p /mnt/c
step "upcall_target=app inside the container: the container's credentials (bob)"
container_mount_as app bob@TEST.LAN
grep 'smb3-upcall' /var/log/messages | grep 'joined namespaces' | tail -n 1 | grep -q 'mnt' \
  || fail "the upcall did not report joining the container's mount namespace"
info "app: $(grep 'smb3-upcall' /var/log/messages | grep 'joined namespaces' | tail -n 1 | sed 's/.*smb3-upcall\[[0-9]*\]: //')"
info "app: authenticated as $(last_upcall_client)"
cifs_wait_idle

step "upcall_target=mount inside the container: the host's credentials (alice)"
container_mount_as mount alice@TEST.LAN
info "mount: authenticated as $(last_upcall_client)"
pass
