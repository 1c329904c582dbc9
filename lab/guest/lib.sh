# shellcheck shell=bash
# Common start and end of every guest script (sourced; the script runs as PID 1 in the
# guest, as root, with the host's / read-only underneath a tmpfs overlay).
#
# The serial console is the only way back to the host. Lines the host runner understands:
#   LAB-STEP <uptime> <text>     progress, with guest uptime for timing
#   LAB-INFO <text>              a fact worth showing on the host
#   LAB-PASS <scenario>          the scenario passed
#   LAB-FAIL <scenario>: <why>   the scenario failed
#   LAB-BLOB-BEGIN <name> <size> <sha256> / base64 lines / LAB-BLOB-END <name>
#                                a file transferred byte-exactly (capture-fixtures.sh)
#   LAB-DONE                     the script reached its end (then poweroff)
# Everything else (dmesg, daemon logs, command output) is for the full log in lab/out/.

set -o pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export LANG=C.UTF-8 HOME=/root

LAB_SCENARIO=$(basename "$0" .sh)
LAB_RESULT=

# Parameters from the host runner (lab/lib-host.sh lab_boot), read from the kernel command line.
read -ra _args < /proc/cmdline
for _a in "${_args[@]}"; do
  case "$_a" in
    smb3kit.repo=*) LAB_REPO=${_a#*=} ;;
    smb3kit.cache=*) LAB_CACHE=${_a#*=} ;;
    smb3kit.kdir=*) LAB_KDIR=${_a#*=} ;;
    smb3kit.kernel=*) LAB_KERNEL=${_a#*=} ;;
    smb3kit.witness=*) LAB_WITNESS_KO=${_a#*=} ;;
    smb3kit.bin=*) SMB3KIT_BIN=${_a#*=} ;;
    smb3kit.watchdog=*) LAB_WATCHDOG=${_a#*=} ;;
    smb3kit.deb=*) LAB_DEB=${_a#*=} ;;
    # A shared guest's scenarios, comma separated (group-run.sh, installed-run.sh).
    smb3kit.scenarios=*) LAB_SCENARIOS=${_a#*=} ;;
    # run.sh SCENARIO:SERVER: the server to test against (guest/ksmbd-server.sh lab_server_start).
    smb3kit.server=*) LAB_SERVER=${_a#*=} ;;
    smb3kit.ksmbd=*) LAB_KSMBD_TOOLS=${_a#*=} ;;
    # LAB_GUEST_ENV on the host (run.sh): NAME=VALUE for the scenario, e.g. benchmark sizes.
    smb3kit.env.[A-Z]*=*) _kv=${_a#smb3kit.env.}; export "${_kv%%=*}=${_kv#*=}" ;;
  esac
done
: "${LAB_REPO:?smb3kit.repo= missing}" "${LAB_KDIR:?smb3kit.kdir= missing}"
: "${LAB_KERNEL:=unknown}" "${LAB_WATCHDOG:=300}" "${SMB3KIT_BIN:=$LAB_REPO/.build/release}"
export LAB_REPO LAB_CACHE LAB_KDIR LAB_KERNEL LAB_WITNESS_KO SMB3KIT_BIN LAB_DEB LAB_SERVER LAB_KSMBD_TOOLS
# The verdict names the run as the host asked for it (ioctl-copy:ksmbd).
[ -z "${LAB_SERVER:-}" ] || LAB_SCENARIO=$LAB_SCENARIO:$LAB_SERVER
# Under systemd (lab/guest/systemd-boot.sh) scenarios run one after another in one guest, as
# steps of lab/guest/installed-run.sh: the guest is set up, watched and powered off by those two,
# not by each scenario. The same in a group guest (lab/guest/group-run.sh, LAB_GROUP=yes).
LAB_UNDER_SYSTEMD=
[ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] && LAB_UNDER_SYSTEMD=yes
LAB_SHARED_GUEST=
[ -n "$LAB_UNDER_SYSTEMD" ] || [ "${LAB_GROUP:-}" = yes ] && LAB_SHARED_GUEST=yes
# shellcheck disable=SC2034 # used by the scenario scripts that source this
LAB_GUEST=$LAB_REPO/lab/guest

lab_uptime() { cut -d' ' -f1 /proc/uptime; }
step() { echo "LAB-STEP $(lab_uptime)s $*"; }
info() { echo "LAB-INFO $*"; }
warn() { echo "LAB-WARN $*"; }

# Dumps what helps to understand a failure into the full log (not shown live on the host).
lab_debug_dump() {
  echo "----- dmesg -----"; dmesg 2>&1 | tail -n 80
  if [ -r /proc/fs/cifs/DebugData ]; then echo "----- DebugData -----"; cat -A /proc/fs/cifs/DebugData; fi
  local f
  for f in /var/log/samba/log.smbd /var/log/samba/smbd.stdout /run/krb5kdc.log /run/upcall.log /run/ksmbd/mountd.log; do
    [ -s "$f" ] && { echo "----- $f (tail) -----"; tail -n 40 "$f"; }
  done
  echo "----- end of debug dump -----"
}

# pass / fail end the scenario: exactly one verdict per run.
pass() {
  LAB_RESULT=pass
  echo "LAB-PASS $LAB_SCENARIO"
  exit 0
}
fail() {
  LAB_RESULT=fail
  echo "LAB-FAIL $LAB_SCENARIO: $*"
  lab_debug_dump
  exit 1
}

# check "<reason if false>" CMD...: fail with the reason unless CMD succeeds.
check() {
  local why=$1; shift
  "$@" || fail "$why"
}

# wait_for SECONDS CMD...: polls CMD every 0.5 s; false if it never succeeded.
wait_for() {
  local secs=$1 i; shift
  for ((i = 0; i < secs * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# blob NAME FILE: transfers FILE byte-exactly over the console (base64 + sha256 check on the host).
blob() {
  local name=$1 file=$2
  echo "LAB-BLOB-BEGIN $name $(stat -c %s "$file") $(sha256sum < "$file" | cut -d' ' -f1)"
  base64 -w 76 "$file"
  echo "LAB-BLOB-END $name"
}

# lab_poweroff: the guest's last words (the host waits for LAB-DONE), then off.
lab_poweroff() {
  echo "LAB-DONE $(lab_uptime)s"
  sync
  poweroff -f
}

lab_end() {
  local rc=$?
  [ -n "$LAB_RESULT" ] || echo "LAB-FAIL $LAB_SCENARIO: script ended (status $rc) without a verdict"
  [ -n "$LAB_SHARED_GUEST" ] && return
  lab_poweroff
}

lab_start() {
  trap lab_end EXIT
  if [ -n "$LAB_UNDER_SYSTEMD" ]; then
    step "scenario $LAB_SCENARIO (systemd guest, $(uname -r) kernel=$LAB_KERNEL)"
    return
  fi
  if [ -n "$LAB_SHARED_GUEST" ]; then
    step "scenario $LAB_SCENARIO (group guest, $(uname -r) kernel=$LAB_KERNEL)"
    return
  fi
  lab_fresh_dirs
  ip link set lo up
  hostname labguest
  # A guest-side watchdog: reports and powers off before the host's timeout kills qemu.
  (
    sleep "$LAB_WATCHDOG"
    echo "LAB-FAIL $LAB_SCENARIO: guest watchdog fired after ${LAB_WATCHDOG}s"
    lab_debug_dump
    echo "LAB-DONE $(lab_uptime)s"
    poweroff -f
  ) &
  step "guest up: $(uname -r) kernel=$LAB_KERNEL scenario=$LAB_SCENARIO"
}

# The guest's own /run, /tmp and daemon state directories, the console's quiet and this kernel's
# modules: what every guest needs before its first daemon, whoever is PID 1.
lab_fresh_dirs() {
  # The guest's /run, /tmp and daemon state dirs must not show the host's (pid files,
  # sockets, tdb databases of a host Samba): fresh tmpfs over each.
  # A directory that holds the repo, the cache or the binaries (e.g. a cache under /tmp)
  # stays the overlay view of the host's instead, or those paths would vanish.
  local d p ours
  for d in /run /tmp /var/tmp /var/lib/samba /var/cache/samba /var/log /var/lib/krb5kdc /srv /mnt; do
    ours=
    for p in "$LAB_REPO" "${LAB_CACHE:-}" "$SMB3KIT_BIN"; do
      case "$p/" in "$d"/*) ours=$p ;; esac
    done
    if [ -n "$ours" ]; then
      echo "LAB-WARN $d not replaced by a tmpfs: it holds $ours"
      continue
    fi
    mkdir -p "$d" && mount -t tmpfs -o mode=0755 tmpfs "$d"
  done
  chmod 1777 /tmp /var/tmp
  # Kernel messages on the console would tear our marker and base64 lines apart; keep them
  # in the ring buffer (dumped into the log by lab_debug_dump / explicitly) instead.
  dmesg -n 1
  # modprobe reads /lib/modules/$(uname -r); make it the extracted tree of this kernel.
  mkdir -p /lib/modules
  mount --bind "$LAB_KDIR/lib/modules" /lib/modules
}
