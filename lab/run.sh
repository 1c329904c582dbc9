#!/usr/bin/env bash
# Runs lab scenarios against real cifs.ko, one fresh qemu (TCG) guest per scenario; the
# installed-* scenarios of a kernel share one guest that boots systemd and installs the package
# (.build/deb, from make deb; SMB3KIT_DEB overrides).
# Independent of `swift test`.
#
#   lab/run.sh [--kernel 6.12|6.1|all] [--timeout SECONDS] [RUN...]
#   RUN: SCENARIO[:SERVER], or a group A+B+C of them that run one after another in one guest
#        (lab/guest/group-run.sh), sharing what the earlier ones started (the witness cluster)
#
# LAB_GUEST_ENV="NAME=VALUE ..." passes variables to the scenario (NAME upper case, no spaces).
# SCENARIO is a file name under lab/scenarios/ without .sh; default:
#   ntlm-multichannel kerberos-mount witness-module
# :SERVER (samba | ksmbd) picks the SMB server of a scenario that supports the choice (its script
# calls lab_server_start or reads LAB_SERVER); default Samba. ioctl-copy:ksmbd runs ioctl-copy
# against the kernel's ksmbd (Debian's ksmbd-tools unpacked into the cache, never installed).
# The project's binaries are taken from $SMB3KIT_BIN (default <repo>/.build/release); the
# guest sees them through the read-only 9p export of /. Per scenario it prints
#   LAB-RESULT <scenario>@<kernel> PASS|FAIL <seconds>s
# keeps the full console log in lab/out/<scenario>-<kernel>.log (plus a timestamped copy),
# shows its tail on failure, and ends with "lab: N passed, M failed" (exit 1 if M > 0).
set -euo pipefail
# shellcheck source=lib-host.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-host.sh"

kernels=$LAB_DEFAULT_KERNEL
secs=${LAB_TIMEOUT:-480}
explicit_timeout=${LAB_TIMEOUT:+yes}
scenarios=()
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) kernels=$2; shift 2 ;;
    --kernel=*) kernels=${1#--kernel=}; shift ;;
    --timeout) secs=$2; explicit_timeout=yes; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) lab_die "unknown option '$1' (see --help)" ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
[ "$kernels" = all ] && kernels=$LAB_KERNELS
guest_env=()
for kv in ${LAB_GUEST_ENV:-}; do
  [[ "$kv" =~ ^[A-Z][A-Z0-9_]*=[^[:space:]]*$ ]] || lab_die "LAB_GUEST_ENV: '$kv' is not NAME=VALUE"
  guest_env+=("smb3kit.env.$kv")
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(ntlm-multichannel kerberos-mount witness-module)
# A run is SCENARIO or SCENARIO:SERVER; its name (one token) is what LAB-RESULT prints.
scenario_file() { echo "${1%%:*}"; }
scenario_server() { case "$1" in *:*) echo "${1#*:}" ;; esac; }
# Every scenario run, group members one by one.
members=()
for s in "${scenarios[@]}"; do
  case "$s" in +*|*+|*++*) lab_die "'$s': a group is A+B+C" ;; esac
  IFS=+ read -ra _m <<<"$s"
  case "$s" in *+*) for m in "${_m[@]}"; do case "$m" in installed-*) lab_die "$s: installed-* scenarios share their own systemd guest; not in a group" ;; esac; done ;; esac
  members+=("${_m[@]}")
done
ksmbd=
for s in "${members[@]}"; do
  f=$(scenario_file "$s")
  [ -x "$LAB_DIR/scenarios/$f.sh" ] || lab_die "no scenario '$f' (have: $(find "$LAB_DIR/scenarios" -name "*.sh" -printf "%f\n" | sed "s/\.sh$//" | sort | tr "\n" " "))"
  # Scenarios that always run against ksmbd (ioctl-reflink) start it themselves.
  grep -q '^ksmbd_start' "$LAB_DIR/scenarios/$f.sh" && ksmbd=yes
  server=$(scenario_server "$s")
  [ -n "$server" ] || continue
  case "$server" in samba) ;; ksmbd) ksmbd=yes ;; *) lab_die "$s: unknown server '$server' (samba | ksmbd)" ;; esac
  case "$f" in installed-*) lab_die "$s: the installed-* scenarios run against Samba only" ;; esac
  # A scenario that never looks at the choice would silently run against Samba.
  grep -q 'lab_server_start\|LAB_SERVER' "$LAB_DIR/scenarios/$f.sh" \
    || lab_die "$s: scenario $f does not support choosing a server (no lab_server_start/LAB_SERVER)"
done
command -v qemu-system-x86_64 >/dev/null || lab_die "qemu-system-x86_64 missing (run lab/setup-host.sh)"

witness=
# Scenarios that load the rebuilt cifs.ko with CONFIG_CIFS_SWN_UPCALL.
for s in "${members[@]}"; do case "$s" in witness-*|demo|installed-*) witness=witness ;; esac; done
LAB_KSMBD_TOOLS=
[ -z "$ksmbd" ] || lab_prepare_ksmbd
# installed-* scenarios run against the Debian package in a guest that boots systemd, all of one
# kernel in one boot (lab/guest/systemd-boot.sh): they share the guest and its setup.
installed=() others=()
for s in "${scenarios[@]}"; do case "$s" in installed-*) installed+=("$s") ;; *) others+=("$s") ;; esac; done
deb=
if [ ${#installed[@]} -gt 0 ]; then
  deb=${SMB3KIT_DEB:-$(find "$LAB_REPO/.build/deb" -maxdepth 1 -name 'smb3kit_*_amd64.deb' -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-)}
  [ -n "$deb" ] && [ -f "$deb" ] || lab_die "installed-* scenarios need the package: run 'make deb' first (or set SMB3KIT_DEB)"
  case "$deb" in *[[:space:]]*) lab_die "paths with spaces cannot go on a kernel command line: '$deb'" ;; esac
fi
# Debian's 6.1.192 ksmbd.ko oopses on the client's first open (smb2_open calls opinfo_put(NULL),
# which lacks 6.12's NULL check: a directory has no oplock), so its mount hangs for 180 s and the
# guest's ksmbd is gone; with ksmbd-tools before 3.5.2 it refuses every tree connect instead.
# Rebuilt from Debian's source with 6.12's NULL check added, it served two copies and then hit a
# list corruption BUG (__list_add_valid) in smb2_open on the next open: not one fix away.
if [ -n "$ksmbd" ]; then
  for k in $kernels; do
    [ "$k" != 6.1 ] || lab_die "ksmbd scenarios run on 6.12 only: Debian's 6.1.192 ksmbd.ko oopses in smb2_open (opinfo_put(NULL)) on the first open (see lab/README.md)"
  done
fi
t0=$SECONDS
for k in $kernels; do
  t=$SECONDS
  lab_prepare "$k" "$witness"
  lab_log "prepare $k: $((SECONDS - t))s"
done

mkdir -p "$LAB_OUT"
# Two runs started in the same second (two queues, or by hand) must not share a log file.
stamp=$(date -u +%Y%m%dT%H%M%SZ)-$$
passed=0 failed=0 results=()

# boot_guest KERNEL NAME GUEST_SCRIPT TIMEOUT LOG [cmdline words...]: one guest, booted again once
# if TCG panicked before the guest script started (seen: an int3 oops in sched_clock_cpu at 1.4 s,
# before userspace), or at any time on an int3 oops: TCG's fault when the kernel patches its own
# text (static keys, tracepoints; seen: get_random_u32 at 44 s in a systemd guest), an emulator
# fault a scenario cannot cause or show. Any other panic after the script started is a result and
# is not retried.
boot_guest() {
  local k=$1 name=$2 script=$3 s_secs=$4 log=$5 rc=0; shift 5
  lab_log "== $name on $k (timeout ${s_secs}s, log $log)"
  lab_boot "$k" "$script" "$log" "$s_secs" "${guest_env[@]}" "$@" || rc=$?
  if { ! grep -q '^LAB-STEP ' "$log" && grep -q 'Kernel panic' "$log"; } || grep -q 'Oops: int3' "$log"; then
    lab_log "$name@$k: the guest kernel panicked ($(grep -m1 -o 'Oops: int3\|Kernel panic.*' "$log")); booting again"
    mv "$log" "$log.panic"
    rc=0
    lab_boot "$k" "$script" "$log" "$s_secs" "${guest_env[@]}" "$@" || rc=$?
  fi
  return "$rc"
}

# verdict SCENARIO KERNEL LOG RC SECONDS SECS_LIMIT: counts and prints the scenario's result.
verdict() {
  local s=$1 k=$2 log=$3 rc=$4 dt=$5 s_secs=$6 why v
  ln -sfn "$(basename "$log")" "$LAB_OUT/${s//:/.}-$k.log"
  if grep -qx "LAB-PASS $s" "$log"; then
    v=PASS; passed=$((passed + 1))
  else
    v=FAIL; failed=$((failed + 1))
    why=$(grep -m1 "^LAB-FAIL $s" "$log" || grep -m1 "^LAB-FAIL " "$log" || true)
    [ "$rc" = 124 ] && why="host timeout after ${s_secs}s${why:+; $why}"
    [ -n "$why" ] || why="no verdict from the guest (qemu exit status $rc)"
    lab_log "$s@$k failed: $why"
    lab_log "---- tail of $log ----"
    # In a shared guest (a group, the installed-* ones) the tail ends where this scenario did.
    if grep -q "^LAB-INFO $s took " "$log"; then
      sed -n "1,/^LAB-INFO $s took /p" "$log" | grep -v '^[A-Za-z0-9+/=]\{76\}$' | tail -n 60 >&2
    else
      grep -v '^[A-Za-z0-9+/=]\{76\}$' "$log" | tail -n 60 >&2
    fi
    lab_log "---- end of tail ----"
  fi
  results+=("LAB-RESULT $s@$k $v ${dt}s")
  echo "LAB-RESULT $s@$k $v ${dt}s"
}

# scenario_secs FILE: a scenario's own time limit.
scenario_secs() {
  # The witness scenarios start ctdb, smbd and samba-dcerpcd (30-90 s under TCG) and then
  # drive seven failover steps: give them room on a loaded machine unless told otherwise.
  case "$1" in witness-server|witness-failover|witness-krb5|witness-admin-move|witness-node-*|witness-planned-move|demo) [ -n "$explicit_timeout" ] || { echo 900; return; } ;; esac
  echo "$secs"
}

# run_group KERNEL A+B+C: one guest for the group's scenarios (lab/guest/group-run.sh).
run_group() {
  local k=$1 group=$2 m list log s_secs=0 t rc=0 total extra=()
  IFS=+ read -ra _g <<<"$group"
  for m in "${_g[@]}"; do s_secs=$((s_secs + $(scenario_secs "$(scenario_file "$m")"))); done
  [ -z "$explicit_timeout" ] || s_secs=$secs
  list=$(IFS=,; echo "${_g[*]}")
  log=$LAB_OUT/group.${_g[0]//:/.}-$k-$stamp.log
  [ -z "$LAB_KSMBD_TOOLS" ] || extra+=("smb3kit.ksmbd=$LAB_KSMBD_TOOLS")
  t=$SECONDS
  boot_guest "$k" "$group" "$LAB_DIR/guest/group-run.sh" "$s_secs" "$log" "smb3kit.scenarios=$list" ${extra[@]+"${extra[@]}"} || rc=$?
  total=$((SECONDS - t))
  shared_verdicts "$k" "$log" "$rc" "$total" "$s_secs" "${_g[@]}"
  lab_log "group $group on $k: one guest, ${total}s in all"
}

# shared_verdicts KERNEL LOG RC TOTAL SECS_LIMIT SCENARIO...: the verdicts of the scenarios of one
# shared guest (a group, the installed-* ones), each with its own time as the guest measured it
# (the boot and what they share are not counted), the guest's total if it printed none.
shared_verdicts() {
  local k=$1 log=$2 rc=$3 total=$4 limit=$5 m dt
  shift 5
  for m in "$@"; do
    dt=$(sed -n "s/^LAB-INFO $m took \([0-9]*\)s .*/\1/p" "$log" | head -n 1)
    verdict "$m" "$k" "$log" "$rc" "${dt:-$total}" "$limit"
  done
}

for k in $kernels; do
  for s in "${others[@]}"; do
    case "$s" in *+*) run_group "$k" "$s"; continue ;; esac
    f=$(scenario_file "$s") server=$(scenario_server "$s")
    # No ':' in file names (CI artifact uploads refuse them): ioctl-copy:ksmbd -> ioctl-copy.ksmbd-6.12.log
    log=$LAB_OUT/${s//:/.}-$k-$stamp.log
    s_secs=$(scenario_secs "$f")
    extra=()
    [ -z "$server" ] || extra+=("smb3kit.server=$server")
    [ -z "$LAB_KSMBD_TOOLS" ] || extra+=("smb3kit.ksmbd=$LAB_KSMBD_TOOLS")
    t=$SECONDS
    rc=0
    boot_guest "$k" "$s" "$LAB_DIR/scenarios/$f.sh" "$s_secs" "$log" ${extra[@]+"${extra[@]}"} || rc=$?
    verdict "$s" "$k" "$log" "$rc" "$((SECONDS - t))" "$s_secs"
  done
  if [ ${#installed[@]} -gt 0 ]; then
    log=$LAB_OUT/installed-$k-$stamp.log
    # systemd's boot (~25 s under TCG), the package, Samba, the KDC and the witness cluster once,
    # then each scenario's own steps.
    s_secs=$secs
    [ -n "$explicit_timeout" ] || s_secs=$((600 + 300 * ${#installed[@]}))
    t=$SECONDS
    rc=0
    list=$(IFS=,; echo "${installed[*]}")
    boot_guest "$k" "$list" "$LAB_DIR/guest/systemd-boot.sh" "$s_secs" "$log" \
      "smb3kit.scenarios=$list" "smb3kit.deb=$deb" || rc=$?
    total=$((SECONDS - t))
    shared_verdicts "$k" "$log" "$rc" "$total" "$s_secs" "${installed[@]}"
    lab_log "installed scenarios on $k: one systemd guest, ${total}s in all"
  fi
done
echo "---"
printf '%s\n' "${results[@]}"
echo "lab: total wall time $((SECONDS - t0))s"
echo "lab: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
