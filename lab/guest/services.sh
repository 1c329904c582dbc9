# shellcheck shell=bash
# Guest-side building blocks shared by scenarios and captures: syslog, users, Samba, the
# MIT KDC and the logging cifs.spnego handler. Sourced after lib.sh, used after lab_start.
# Everything written here lands in the guest's tmpfs overlay and vanishes at power-off.

LAB_REALM=TEST.LAN
LAB_SMB_HOST=smb.test.lan   # the Kerberos service principal is cifs/$LAB_SMB_HOST
LAB_USER=alice
LAB_NTLM_PW=secret
LAB_KRB_PW=alicepw
LAB_SMB_CONF=/etc/samba/smb.conf

# cifs.upcall, krb5kdc and smbd log through syslog(3); without a syslogd those lines vanish.
syslog_start() {
  busybox syslogd -n -O /var/log/messages &
}

users_setup() {
  id "$LAB_USER" >/dev/null 2>&1 || useradd -M -s /bin/sh "$LAB_USER"
  LAB_UID=$(id -u "$LAB_USER")
  export LAB_UID
}

hosts_setup() {
  cat > /etc/hosts <<EOF
127.0.0.1 localhost
::1 localhost ip6-localhost ip6-loopback
127.0.0.1 $LAB_SMB_HOST smb
EOF
}

# hosts_server_first: 127.0.0.1 maps back to the server's name, not localhost. 6.1 sends an
# empty host= for a multichannel mount's extra channels; smb3-upcall then names the server by
# reverse DNS of the channel's address (cifs.upcall gives up), as a PTR record would.
hosts_server_first() {
  printf '127.0.0.1 %s smb localhost\n::1 localhost\n' "$LAB_SMB_HOST" > /etc/hosts
}

# samba_setup "<interfaces line>" [krb5]: writes smb.conf, adds the users to passdb and
# starts smbd (in network namespace $LAB_SMBD_NETNS if set). The interfaces line is the value of "interfaces =", e.g. with per-interface
# speed/capability for multichannel (smb.conf(5): "interfaces"). LAB_SMB_EXTRA_SHARES: more
# share sections appended to smb.conf (bench-copy's [btrfs] with vfs_btrfs).
samba_setup() {
  local ifaces=$1 krb5=${2:-} krb5_conf=
  mkdir -p /etc/samba /var/lib/samba/private /var/cache/samba /var/log/samba /run/samba /srv/share
  chmod 777 /srv/share
  if [ "$krb5" = krb5 ]; then
    krb5_conf="  realm = $LAB_REALM
  kerberos method = dedicated keytab
  dedicated keytab file = /etc/krb5.keytab"
  fi
  cat > "$LAB_SMB_CONF" <<EOF
[global]
  server role = standalone server
  server min protocol = SMB3
  server multi channel support = yes
  interfaces = $ifaces
  bind interfaces only = yes
  disable netbios = yes
  log file = /var/log/samba/log.%m
  log level = 1
$krb5_conf
[share]
  path = /srv/share
  read only = no
${LAB_SMB_EXTRA_SHARES:-}
EOF
  users_setup
  printf '%s\n%s\n' "$LAB_NTLM_PW" "$LAB_NTLM_PW" | smbpasswd -s -a "$LAB_USER" >/dev/null \
    || fail "smbpasswd -a $LAB_USER failed"
  # LAB_SMBD_NETNS: run smbd in that network namespace (bench-copy puts the wire between).
  local in_ns=()
  [ -n "${LAB_SMBD_NETNS:-}" ] && in_ns=(ip netns exec "$LAB_SMBD_NETNS")
  "${in_ns[@]}" smbd -D || fail "smbd did not start"
  wait_for 60 "${in_ns[@]}" sh -c 'ss -Hltn "sport = :445" | grep -q .' || fail "smbd is not listening on 445 after 60s"
  step "smbd listening: $("${in_ns[@]}" ss -Hltn 'sport = :445' | awk '{print $4}' | tr '\n' ' ')"
}

# An MIT KDC for TEST.LAN with alice and the keytab'd cifs/smb.test.lan (lab-recipe.md §7).
kdc_setup() {
  cat > /etc/krb5.conf <<EOF
[libdefaults]
  default_realm = $LAB_REALM
  dns_lookup_kdc = false
  dns_lookup_realm = false
  rdns = false
[realms]
  $LAB_REALM = {
    kdc = 127.0.0.1
    admin_server = 127.0.0.1
  }
[domain_realm]
  .test.lan = $LAB_REALM
  $LAB_SMB_HOST = $LAB_REALM
EOF
  mkdir -p /etc/krb5kdc /var/lib/krb5kdc
  cat > /etc/krb5kdc/kdc.conf <<EOF
[realms]
  $LAB_REALM = {
    database_name = /var/lib/krb5kdc/principal
  }
[logging]
  kdc = FILE:/run/krb5kdc.log
EOF
  users_setup
  kdb5_util create -s -r "$LAB_REALM" -P masterpw >/dev/null || fail "kdb5_util create failed"
  kadmin.local -q "addprinc -pw $LAB_KRB_PW $LAB_USER" >/dev/null || fail "addprinc $LAB_USER failed"
  # +no_auth_data_required: a standalone Samba rejects tickets carrying a PAC.
  kadmin.local -q "addprinc -randkey +no_auth_data_required cifs/$LAB_SMB_HOST" >/dev/null \
    || fail "addprinc cifs/$LAB_SMB_HOST failed"
  rm -f /etc/krb5.keytab
  kadmin.local -q "ktadd -k /etc/krb5.keytab cifs/$LAB_SMB_HOST" >/dev/null || fail "ktadd failed"
  krb5kdc || fail "krb5kdc did not start"
  wait_for 30 sh -c 'ss -Hlun "sport = :88" | grep -q .' || fail "krb5kdc is not listening on 88"
  step "krb5kdc up"
}

# kerberos_lab_start: the start of every Kerberos scenario: the guest, syslog, the hosts file
# and the KDC (samba_setup with krb5 comes after, with the scenario's interfaces).
kerberos_lab_start() {
  lab_start
  syslog_start
  hosts_setup
  kdc_setup
}

# kinit as the test user (the ccache lands in /tmp/krb5cc_<uid>, which cifs.upcall finds
# through creduid=).
kinit_user() {
  su "$LAB_USER" -c "echo $LAB_KRB_PW | kinit $LAB_USER" >/dev/null || fail "kinit $LAB_USER failed"
}

# The container scenarios' second principal: bob, with a unix and a Samba account.
container_user_setup() {
  kadmin.local -q "addprinc -pw bobpw bob" >/dev/null || fail "addprinc bob failed"
  id bob >/dev/null 2>&1 || useradd -M -s /bin/sh bob
  printf 'x\nx\n' | smbpasswd -s -a bob >/dev/null
}

# container_mount TARGET: inside new mount+pid namespaces (a "container"), put bob's ticket
# into a private /tmp as alice's default cache, then mount /mnt/c with upcall_target=TARGET.
# Exits 10 (kinit), 11 (mount) or 12 (the option is not in /proc/mounts).
container_mount() {
  unshare --mount --pid --fork --propagation private sh -c "
    mount -t tmpfs tmpfs /tmp && chmod 1777 /tmp
    su $LAB_USER -c 'echo bobpw | kinit bob' >/dev/null || exit 10
    mount -t cifs //$LAB_SMB_HOST/share /mnt/c -o sec=krb5,cruid=$LAB_UID,vers=3.1.1,upcall_target=$1 || exit 11
    grep -q 'upcall_target=$1' /proc/mounts || exit 12
    umount /mnt/c
  "
}

# container_mount_as TARGET PRINCIPAL: container_mount TARGET, which must succeed and whose
# upcall must have authenticated as PRINCIPAL (shows the last handler lines otherwise).
container_mount_as() {
  local rc=0
  container_mount "$1" || rc=$?
  # rc is read before the log lines are shown: container_mount's exit code names the step.
  [ "$rc" -eq 0 ] || { grep smb3-upcall /var/log/messages | tail -n 4; fail "container mount with upcall_target=$1 failed ($rc)"; }
  sleep 1
  [ "$(last_upcall_client)" = "$2" ] || fail "upcall_target=$1 authenticated as '$(last_upcall_client)', not $2"
}

# The Kerberos client of smb3-upcall's last successful upcall, from syslog.
last_upcall_client() {
  grep 'smb3-upcall' /var/log/messages | grep 'handed to cifs.ko' | tail -n 1 | sed -n 's/.*krb5_client=\([^ ]*\).*/\1/p'
}

# Points request-key's cifs.spnego rule at a wrapper that records the key description exactly
# as the handler sees it (keyctl rdescribe), then runs the reference /usr/sbin/cifs.upcall.
# Each call leaves /run/upcall/<ns-time>.<serial>.desc; /run/upcall.log has one line per call.
upcall_wrapper_install() {
  mkdir -p /run/upcall
  cat > /run/lab-upcall.sh <<'EOF'
#!/bin/sh
d=/run/upcall
f="$d/$(date +%s%N).$1.desc"
keyctl rdescribe "$1" > "$f" 2>&1
/usr/sbin/cifs.upcall "$1"
rc=$?
echo "handler key=$1 rc=$rc desc=$(cat "$f")" >> /run/upcall.log
exit $rc
EOF
  chmod 755 /run/lab-upcall.sh
  echo 'create cifs.spnego * * /run/lab-upcall.sh %k' > /etc/request-key.d/cifs.spnego.conf
}

# upcall_descs: the recorded descriptions so far, oldest first (one file per upcall).
upcall_descs() { find /run/upcall -name '*.desc' | sort; }

# Waits until no SMB connection is left (after umount the kernel tears sessions down
# asynchronously); a following mount then gets a fresh session and thus a fresh upcall.
cifs_wait_idle() {
  wait_for 30 sh -c '! grep -q "ConnectionId" /proc/fs/cifs/DebugData' || warn "cifs connections linger after umount"
}

# bench_handler_write NAME COMMAND: /run/bench/handler.sh runs COMMAND on the key and appends
# "<key> NAME <nanoseconds> <status>" to /run/bench/handler.log, so that every handler a
# benchmark compares is timed by the same wrapper. Pointing request-key at it is the caller's.
bench_handler_write() {
  mkdir -p /run/bench
  cat > /run/bench/handler.sh <<H
#!/bin/sh
s=\$(date +%s%N)
$2 "\$1"
rc=\$?
echo "\$1 $1 \$(( \$(date +%s%N) - s )) \$rc" >> /run/bench/handler.log
exit \$rc
H
  chmod 755 /run/bench/handler.sh
}

# ntlm_multichannel_mount DIR: mounts //127.0.0.1/share on DIR as the test user with NTLM,
# multichannel and max_channels=2, and waits for the second channel (Samba set up with two
# interfaces by samba_setup).
ntlm_multichannel_mount() {
  local out
  mkdir -p "$1"
  out=$(mount -t cifs //127.0.0.1/share "$1" \
    -o "username=$LAB_USER,password=$LAB_NTLM_PW,multichannel,max_channels=2,vers=3.1.1" 2>&1) \
    || fail "multichannel mount failed: $out"
  wait_for 30 grep -q 'Channel: 2 ' /proc/fs/cifs/DebugData || fail "no second channel within 30s"
}
