#!/usr/bin/env bash
# smb3-ifaces benchmark, in the lab on the real cifs.ko: report time for 16 mounts with 4
# channels each, from DebugData and with the FSCTL per mount, against the baseline of reading
# DebugData with cat (what any DebugData-based tool must at least pay); idle wakeups and RSS of
# `watch`. Ratios and counts side by side from one run; nothing is asserted.
#   Benchmarks/ifaces.sh [--kernel 6.12|6.1]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
bench_run bench-ifaces 1200 "$@"
log=$BENCH_LOG
grep '^LAB-INFO' "$log" | sed 's/^LAB-INFO /  /'
python3 - "$log" <<'PY'
import statistics, sys
report, watch = {"cat": [], "debugdata": [], "fsctl": []}, []
for line in open(sys.argv[1], errors="replace"):
    p = line.split()
    if len(p) < 2 or p[0] != "BENCH": continue
    if p[1] == "report": report[p[2]].append(int(p[4]))
    elif p[1] == "watch": watch.append(p[2:])
med = {k: statistics.median(v) for k, v in report.items() if v}
print(f"report from DebugData: median {med['debugdata']/1000:.1f} ms; with FSCTL per mount: {med['fsctl']/1000:.1f} ms; "
      f"cat of DebugData: {med['cat']/1000:.1f} ms ({len(report['cat'])} runs each)")
print(f"ratio DebugData report / cat = {med['debugdata']/med['cat']:.1f}; FSCTL report / DebugData report = {med['fsctl']/med['debugdata']:.2f}")
for interval, seconds, switches, rss in watch:
    print(f"watch --interval {interval}: {switches} voluntary context switches in {seconds} s idle, RSS {int(rss)/1024:.1f} MiB")
PY
