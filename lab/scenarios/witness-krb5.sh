#!/bin/bash
# Issue 6, step 8: Kerberos to the witness service. An MIT KDC, Samba's witness server with a
# keytab (security = user, kerberos method = dedicated keytab: rpcd_witness then accepts auth
# type 16), and a `witness` mount with sec=krb5 through smb3-upcall. The kernel passes only
# KRB_AUTH, so smb3-witnessd authenticates as ITSELF: its own principal from its own client
# keytab (witnessd.conf), never the mounting user's ccache.
#   1. privacy: REGISTER with KRB_AUTH -> RegisterEx over krb5 (auth type 16, DCE style) with
#      the daemon's principal (the KDC logs its TGS request for cifs/witnesslab); listed by
#      Samba; status says auth krb5;
#   2. client-move over that connection: forwarded, the kernel's connection moves, I/O works;
#   3. umount: UnRegister over krb5, Samba forgets it;
#   4. integrity (SIGHUP reload): a new krb5 mount registers and unregisters at auth_level integrity;
#   5. a wrong krb5_service: the registration fails with the KDC's reason in `status`.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
# shellcheck source=../guest/services.sh
. "$LAB_GUEST/services.sh"
# shellcheck source=../guest/witness-server.sh
. "$LAB_GUEST/witness-server.sh"
# shellcheck source=../guest/witness-daemon.sh
. "$LAB_GUEST/witness-daemon.sh"
witness_daemon_lab_start
U="$SMB3KIT_BIN/smb3-upcall"
[ -x "$U" ] || fail "smb3-upcall not built ($SMB3KIT_BIN)"
ECHO=5
DAEMON_PRINCIPAL=witnessd            # the daemon's identity; a Unix user too, as Samba maps it
DAEMON_KEYTAB=/etc/smb3kit/witnessd.keytab

# The KDC first (witness_server_start rewrites /etc/hosts, which the KDC does not need: it
# listens on 127.0.0.1). The short cluster name maps to the lab realm.
kdc_setup
sed -i "/^\[domain_realm\]/a\\  $WITNESS_NAME = $LAB_REALM" /etc/krb5.conf
# +no_auth_data_required: a standalone Samba rejects tickets carrying a PAC.
kadmin.local -q "addprinc -randkey +no_auth_data_required cifs/$WITNESS_NAME" >/dev/null \
  || fail "addprinc cifs/$WITNESS_NAME failed"
kadmin.local -q "ktadd -k /etc/krb5.keytab cifs/$WITNESS_NAME" >/dev/null || fail "ktadd cifs/$WITNESS_NAME failed"
for p in "$WITNESS_USER" "$DAEMON_PRINCIPAL"; do
  kadmin.local -q "addprinc -randkey $p" >/dev/null || fail "addprinc $p failed"
done
kadmin.local -q "ktadd -k /run/witness/mount.keytab $WITNESS_USER" >/dev/null || fail "ktadd $WITNESS_USER failed"
kadmin.local -q "ktadd -k $DAEMON_KEYTAB $DAEMON_PRINCIPAL" >/dev/null || fail "ktadd $DAEMON_PRINCIPAL failed"
chmod 600 "$DAEMON_KEYTAB"
id "$DAEMON_PRINCIPAL" >/dev/null 2>&1 || useradd -M -s /usr/sbin/nologin "$DAEMON_PRINCIPAL"

WITNESS_SMB_GLOBAL_EXTRA="	realm = $LAB_REALM
	kerberos method = dedicated keytab
	dedicated keytab file = /etc/krb5.keytab"
witness_server_start
witness_module_load
pw="x$RANDOM$RANDOM"  # never used: Samba needs the account, the daemon uses Kerberos
printf '%s\n%s\n' "$pw" "$pw" | smbpasswd -s -a "$DAEMON_PRINCIPAL" >/dev/null \
  || fail "smbpasswd -a $DAEMON_PRINCIPAL failed"

# The mount's own Kerberos session: root's ccache, for the witness test user, through our upcall.
echo "create cifs.spnego * * $U %k" > /etc/request-key.d/cifs.spnego.conf
kinit -k -t /run/witness/mount.keytab "$WITNESS_USER" || fail "kinit $WITNESS_USER for the mount failed"

write_conf() {  # write_conf AUTH_LEVEL [KRB5_SERVICE]
  cat > /etc/smb3kit/witnessd.conf <<CONF
keepalive_timeout = 20
auth_level = $1
client_name = labclient
connect_timeout = 10
max_backoff = 4
events_file = $EVENTS
krb5_service = ${2:-cifs}
krb5_principal = $DAEMON_PRINCIPAL@$LAB_REALM
krb5_client_keytab = $DAEMON_KEYTAB
CONF
}
reload_conf() {  # reload_conf AUTH_LEVEL [KRB5_SERVICE]
  local n
  n=$(grep -c 'configuration reloaded' /var/log/messages)
  write_conf "$@"
  kill -HUP "$WPID"
  wait_for 20 sh -c "[ \$(grep -c 'configuration reloaded' /var/log/messages) -gt $n ]" || wfail "SIGHUP did not reload"
}
krb5_mount() {
  local out
  out=$(mount -t cifs "//$WITNESS_NAME/$WITNESS_SHARE" /mnt/w -o "sec=krb5,cruid=0,vers=3.1.1,witness,echo_interval=$ECHO" 2>&1) \
    || wfail "sec=krb5 witness mount failed: $out ($(grep smb3-upcall /var/log/messages | tail -n 2))"
  grep -q 'Security type: Kerberos' /proc/fs/cifs/DebugData || wfail "the mount is not a Kerberos session"
}
# daemon_tgs_count: TGS requests by the daemon's principal for the witness service so far.
daemon_tgs_count() { grep -c "TGS_REQ .* ISSUE: .* $DAEMON_PRINCIPAL@$LAB_REALM for $1/$WITNESS_NAME@$LAB_REALM" /run/krb5kdc.log || true; }

write_conf privacy
step "start smb3-witnessd (krb5_principal $DAEMON_PRINCIPAL@$LAB_REALM from $DAEMON_KEYTAB)"
daemon_start
mkdir -p /mnt/w

step "1. sec=krb5 witness mount: the daemon registers with krb5 at privacy"
tgs_before=$(daemon_tgs_count cifs)
krb5_mount
t_mount=$(lab_uptime)
wait_for 90 any_registered || wfail "no registration reached 'registered': $("$W" status)"
info "registered $(_witness_since "$t_mount")s after the mount"
"$W" status
status_json | grep -q '"authentication":"krb5"' || wfail "status does not say the registration uses krb5"
wait_for 30 listed || wfail "net witness list does not show the daemon's registration"
net witness list | grep labclient | head -n 3
[ "$(daemon_tgs_count cifs)" -gt "$tgs_before" ] \
  || wfail "the KDC saw no TGS request by $DAEMON_PRINCIPAL for cifs/$WITNESS_NAME: $(tail -n 5 /run/krb5kdc.log)"
info "KDC: TGS_REQ ISSUE: $DAEMON_PRINCIPAL@$LAB_REALM for cifs/$WITNESS_NAME@$LAB_REALM ($(daemon_tgs_count cifs) so far)"
mount_io before-move || wfail "I/O on the krb5 witness mount failed"

step "2. client-move to $WITNESS_NODE_IP, notified over the krb5 connection"
check_client_move
"$W" status

step "3. umount: UnRegister over krb5"
check_umount_unregisters

step "4. auth_level integrity (SIGHUP): register and unregister"
reload_conf integrity
krb5_mount
wait_for 90 any_registered || wfail "no registration at integrity: $("$W" status)"
wait_for 30 listed || wfail "Samba does not list the integrity registration"
info "integrity: $(status_json | grep -o '"state":"[a-z]*"' | head -n 1), $("$W" status | grep -m1 'state:')"
mount_io integrity || wfail "I/O on the krb5 witness mount failed"
check_umount_unregisters

step "5. a wrong krb5_service is reported with the KDC's reason"
reload_conf privacy nosuchservice
krb5_mount
wait_for 60 sh -c "\"$W\" status --json | grep -q 'Server not found in Kerberos database\\|not found in Kerberos database'" \
  || wfail "status does not report the unknown service principal: $("$W" status)"
info "status: $("$W" status | grep -m1 'last error')"
umount /mnt/w || wfail "umount failed"

kill -TERM "$WPID"
wait_for 20 sh -c "! kill -0 $WPID" || wfail "smb3-witnessd did not exit on SIGTERM"
grep -E 'smb3-witnessd' /var/log/messages | tail -n 8
witness_server_stop
info "total scenario time $(_witness_since "$t_start")s"
pass
