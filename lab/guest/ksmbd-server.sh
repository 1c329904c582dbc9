# shellcheck shell=bash
# The second server: the kernel's own ksmbd (stock ksmbd.ko) with Debian's ksmbd-tools, unpacked
# into the lab cache by the host (lib-host.sh lab_prepare_ksmbd; the path comes as smb3kit.ksmbd=),
# never installed: ksmbd-tools declares Conflicts: samba (lab-recipe.md §12).
# Sourced after lib.sh and services.sh, used after lab_start.
#
# ksmbd_start stops Samba if it runs (both cannot hold port 445 in one network namespace) and
# serves, as $LAB_USER / $LAB_NTLM_PW (the Samba scenarios' credentials):
#   [share]  /srv/share   on XFS made with mkfs.xfs -m reflink=1 (a loop-mounted RAM file)
#   [btrfs]  /srv/btrfs   on btrfs (a loop-mounted RAM file)
#   [tmpfs]  /srv/tmpfs   on tmpfs, where a clone is impossible
# so a scenario written for Samba's [share] at /srv/share runs unchanged against either server.
# Everything lives in the guest's RAM and is gone at power-off.

KSMBD_CONF=/run/ksmbd/ksmbd.conf
KSMBD_USERS=/run/ksmbd/ksmbdpwd.db

# The unpacked ksmbd-tools and its multi-call binary's names.
ksmbd_tool() {
  [ -n "${LAB_KSMBD_TOOLS:-}" ] || fail "no smb3kit.ksmbd= on the kernel command line (run.sh prepares ksmbd-tools for SCENARIO:ksmbd)"
  echo "$LAB_KSMBD_TOOLS/usr/sbin/$1"
}

# ksmbd_loop_fs SIZE_MB MKFS_COMMAND... MOUNTPOINT: a filesystem in a sparse RAM file (in /run,
# a tmpfs), loop-mounted on MOUNTPOINT. Only the blocks written use guest RAM.
ksmbd_loop_fs() {
  local mb=$1 mnt=${*: -1} img
  local mkfs=("${@:2:$#-2}")
  img=/run/ksmbd/$(basename "$mnt").img
  truncate -s "${mb}M" "$img" || fail "cannot create $img"
  "${mkfs[@]}" "$img" > "/run/ksmbd/$(basename "$mnt").mkfs.log" 2>&1 \
    || fail "${mkfs[*]} failed: $(tail -n 3 "/run/ksmbd/$(basename "$mnt").mkfs.log")"
  mkdir -p "$mnt"
  # discard: files deleted on the share punch holes into the RAM file, so scenarios that write
  # and delete large files do not fill the guest's memory.
  mount -o loop,discard "$img" "$mnt" || fail "mounting $img ($(blkid -o value -s TYPE "$img")) on $mnt failed"
  chmod 777 "$mnt"
}

# ksmbd_port_listening: ksmbd's listener is a dual-stack IPv6 socket: port 445 (01BD) in LISTEN
# (0A) shows in /proc/net/tcp6, not in /proc/net/tcp.
ksmbd_port_listening() {
  awk 'NR > 1 && $2 ~ /:01BD$/ && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp6
}

# ksmbd_start [EXTRA GLOBAL LINES]: the server as described above; EXTRA lines go into [global].
ksmbd_start() {
  local extra=${1:-} mountd adduser
  mountd=$(ksmbd_tool ksmbd.mountd)
  adduser=$(ksmbd_tool ksmbd.adduser)
  [ -x "$mountd" ] || fail "$mountd missing"
  if pgrep -x smbd > /dev/null; then
    step "stopping Samba (ksmbd needs port 445)"
    pkill -x smbd
    wait_for 60 sh -c '! pgrep -x smbd' || fail "smbd did not stop within 60s"
  fi
  mkdir -p /run/ksmbd /srv
  modprobe xfs || fail "modprobe xfs failed"
  modprobe btrfs || fail "modprobe btrfs failed"
  modprobe loop 2>/dev/null || true
  # XFS refuses filesystems under 300 MiB; a sparse file costs RAM only for what is written.
  # KSMBD_FS_MB (default 1024): the size of both, larger for the copy benchmark's 1 GiB files.
  ksmbd_loop_fs "${KSMBD_FS_MB:-1024}" mkfs.xfs -q -m reflink=1 /srv/share
  ksmbd_loop_fs "${KSMBD_FS_MB:-1024}" mkfs.btrfs -q /srv/btrfs
  mkdir -p /srv/tmpfs && mount -t tmpfs -o mode=0777 tmpfs /srv/tmpfs
  info "ksmbd shares: $(findmnt -no FSTYPE,OPTIONS /srv/share | cut -c1-60) | $(findmnt -no FSTYPE /srv/btrfs) | $(findmnt -no FSTYPE /srv/tmpfs)"
  xfs_info /srv/share | grep -o 'reflink=[01]' | grep -qx 'reflink=1' || fail "/srv/share is not XFS with reflink=1: $(xfs_info /srv/share | head -n 3)"
  cat > "$KSMBD_CONF" <<EOF
[global]
  server min protocol = SMB3
  server multi channel support = yes
  netbios name = KSMBDLAB
$extra
[share]
  path = /srv/share
  read only = no
  force user = root
[btrfs]
  path = /srv/btrfs
  read only = no
  force user = root
[tmpfs]
  path = /srv/tmpfs
  read only = no
  force user = root
EOF
  users_setup
  # 3.5 renamed the options (-C/-P for the config and the user database, USER as an argument).
  local add_user=("$adduser" -c "$KSMBD_CONF" -i "$KSMBD_USERS" -a "$LAB_USER" -p "$LAB_NTLM_PW")
  local run_mountd=("$mountd" -c "$KSMBD_CONF" -u "$KSMBD_USERS")
  if "$adduser" --help 2>&1 | grep -q -- '--pwddb'; then
    add_user=("$adduser" -C "$KSMBD_CONF" -P "$KSMBD_USERS" -a -p "$LAB_NTLM_PW" "$LAB_USER")
    run_mountd=("$mountd" -C "$KSMBD_CONF" -P "$KSMBD_USERS")
  fi
  "${add_user[@]}" > /run/ksmbd/adduser.log 2>&1 || fail "ksmbd.adduser failed: $(cat /run/ksmbd/adduser.log)"
  modprobe ksmbd || fail "modprobe ksmbd failed"
  "${run_mountd[@]}" > /run/ksmbd/mountd.log 2>&1 || fail "ksmbd.mountd failed: $(cat /run/ksmbd/mountd.log)"
  # The module starts its listener when mountd hands it the configuration; under TCG that has
  # taken a few seconds.
  wait_for 120 ksmbd_port_listening || fail "ksmbd is not listening on 445 (/proc/net/tcp6) after 120s: $(tail -n 5 /run/ksmbd/mountd.log)"
  step "ksmbd listening on [::]:445 ($(cat "$LAB_KSMBD_TOOLS/VERSION" 2>/dev/null || echo "ksmbd-tools") from the lab cache, ksmbd.ko of $(uname -r))"
}

# ksmbd_dump: the server's view for the full log.
ksmbd_dump() {
  echo "----- ksmbd -----"
  cat /run/ksmbd/mountd.log 2>/dev/null
  dmesg | grep -i ksmbd | tail -n 20
  findmnt /srv/share; findmnt /srv/btrfs
}

# lab_server_start: the server this run selected (run.sh SCENARIO:SERVER sets LAB_SERVER; Samba
# by default), serving [share] at /srv/share on 127.0.0.1 as $LAB_USER / $LAB_NTLM_PW.
lab_server_start() {
  case "${LAB_SERVER:-samba}" in
    samba) samba_setup "${1:-lo}" ;;
    ksmbd) ksmbd_start ;;
    *) fail "unknown server '$LAB_SERVER' (samba | ksmbd)" ;;
  esac
}
