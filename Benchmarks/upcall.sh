#!/usr/bin/env bash
# Kerberos upcall benchmark, in the lab on the real cifs.ko: cifs-utils' cifs.upcall (A) vs
# smb3-upcall (B) measured side by side in one guest, alternating A/B. Prints ratios, never
# asserts absolute times (the machine is shared and the guest is emulated).
#   Benchmarks/upcall.sh [--kernel 6.12|6.1]   (LAB_GUEST_ENV=BENCH_RUNS=N: mounts per tool, default 10)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
bench_run bench-upcall 480 "$@"
log=$BENCH_LOG
python3 - "$log" <<'PY'
import statistics, sys
mount, handler, asreq = {"A": [], "B": []}, {"A": [], "B": []}, {}
for line in open(sys.argv[1], errors="replace"):
    p = line.split()
    if not p or p[0] != "BENCH": continue
    if p[1] == "mount": mount[p[2]].append(int(p[3]))
    elif p[1] == "handler": handler[p[2]].append(int(p[3]))
    elif p[1] == "as-requests": asreq[p[2]] = (int(p[3]), int(p[5]))
name = {"A": "cifs.upcall", "B": "smb3-upcall"}
for what, data in (("mount wall time", mount), ("handler wall time", handler)):
    ma, mb = statistics.median(data["A"]), statistics.median(data["B"])
    print(f"{what}: median {name['A']} {ma/1000:.1f} ms, {name['B']} {mb/1000:.1f} ms over {len(data['A'])}/{len(data['B'])} runs; "
          f"ratio smb3-upcall/cifs.upcall = {mb/ma:.2f} (target <= 1.0)")
for tool in ("A", "B"):
    if tool in asreq:
        n, ch = asreq[tool]
        print(f"keytab mount, {ch} channels: {name[tool]} made {n} AS exchange(s)")
PY
