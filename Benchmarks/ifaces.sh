#!/usr/bin/env bash
# smb3-ifaces benchmark, in the lab on the real cifs.ko: report time for 16 mounts with 4
# channels each, from DebugData and with the FSCTL per mount, against the baseline of reading
# DebugData with cat (what any DebugData-based tool must at least pay); idle wakeups and RSS of
# `watch`. Ratios and counts side by side from one run; nothing is asserted.
#   Benchmarks/ifaces.sh [--kernel 6.12|6.1]
set -euo pipefail
cd "$(dirname "$0")/.."
kernel=6.12
[ "${1:-}" = --kernel ] && kernel=$2
bash lab/run.sh --kernel "$kernel" --timeout 1200 bench-ifaces >/dev/null \
  || { echo "benchmark run failed; see the newest lab/out/bench-ifaces-$kernel-*.log"; exit 1; }
log=$(ls -t lab/out/bench-ifaces-"$kernel"-*.log | head -n1)
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
