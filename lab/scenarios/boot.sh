#!/bin/bash
# Smoke test: the guest boots, sees the host root and the kernel's modules, and can load cifs.
# shellcheck source=../guest/lib.sh
. "$(dirname "$0")/../guest/lib.sh"
lab_start
check "modprobe cifs failed" modprobe cifs
check "/proc/fs/cifs/DebugData missing" test -r /proc/fs/cifs/DebugData
info "$(grep -m1 'CIFS Version' /proc/fs/cifs/DebugData)"
pass
