#!/usr/bin/env bash
# make demo: boots the lab with the witness-capable cifs.ko and shows the toolkit at work on a
# real mount (lab/scenarios/demo.sh). Assumes `make setup build` ran (make demo does both).
set -euo pipefail
cd "$(dirname "$0")/.."
kernel=${LAB_KERNEL:-6.12}
status=0
# A fresh clone has no lab/out yet (run.sh creates it, but only after this redirection).
mkdir -p lab/out
bash lab/run.sh --kernel "$kernel" demo > lab/out/demo-run.txt 2>&1 || status=$?
log=lab/out/demo-$kernel.log
if [ -f "$log" ]; then
  # The guest's own narrative, without the kernel's console noise.
  sed -n '/^=== DEMO BEGIN/,/^=== DEMO END/p' "$log" | grep -v -e '^\[ *[0-9.]*\] ' -e '^LAB-' | sed '/^=== DEMO/d'
fi
tail -n 3 lab/out/demo-run.txt
exit "$status"
