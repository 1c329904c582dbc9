#!/usr/bin/env bash
# Builds (once) everything a lab boot needs, in the cache outside the repository:
# kernel image + depmod'd modules and the initramfs for each kernel, and with --witness the
# witness-enabled cifs.ko. Idempotent; a cold cache is rebuilt from apt (see lib-host.sh).
#
#   lab/prepare.sh [--kernel 6.12|6.1|all] [--witness] [--print] [--prune]
#
# --print only prints the cache paths of the selected kernels (builds nothing).
# --prune deletes cache entries that no current pin or recipe uses, then exits.
set -euo pipefail
# shellcheck source=lib-host.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib-host.sh"

kernels=$LAB_DEFAULT_KERNEL witness="" print="" prune=""
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) kernels=$2; shift 2 ;;
    --kernel=*) kernels=${1#--kernel=}; shift ;;
    --witness) witness=witness; shift ;;
    --print) print=1; shift ;;
    --prune) prune=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) lab_die "unknown argument '$1' (see --help)" ;;
  esac
done
[ "$kernels" = all ] && kernels=$LAB_KERNELS

if [ -n "$prune" ]; then
  # Entries in use: those of every pinned kernel with the current recipes.
  keep=()
  for k in $LAB_KERNELS; do
    lab_select_kernel "$k"
    keep+=("$(lab_kdir)" "$(lab_initrd_path "$k")" "$(lab_witness_dir)")
  done
  for e in "$LAB_CACHE"/kernel/* "$LAB_CACHE"/initramfs/* "$LAB_CACHE"/witness/*; do
    [ -e "$e" ] || continue
    used=""
    for x in "${keep[@]}"; do [ "$e" = "$x" ] && used=1; done
    [ -n "$used" ] || { lab_log "pruning $e"; rm -rf "$e"; }
  done
  exit 0
fi

for k in $kernels; do
  lab_select_kernel "$k"
  if [ -n "$print" ]; then
    echo "$k kernel=$(lab_kdir) initramfs=$(lab_initrd_path "$k") witness=$(lab_witness_dir)/cifs.ko"
    continue
  fi
  start=$SECONDS
  lab_prepare "$k" "$witness"
  lab_log "prepared $k ($KVER, Debian $DEBVER${witness:+, witness module}) in $((SECONDS - start))s"
done
