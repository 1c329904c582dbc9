#!/usr/bin/env bash
# smb3-ioctl copy benchmark, in the lab on the real cifs.ko with a shaped wire (see
# lab/scenarios/bench-copy.sh): server-side copy vs coreutils cp (the kernel's own
# copy_file_range path) vs a client-side copy through the mount vs a copy on the server's own
# filesystem; and a cold sequential read with O_DIRECT vs buffered. Medians and ratios from
# one run, side by side; nothing is asserted.
#   Benchmarks/copy.sh [--kernel 6.12|6.1]   (BENCH_RATE, BENCH_DELAY, BENCH_MIB, BENCH_REPS pass through)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
export LAB_GUEST_ENV="BENCH_RATE=${BENCH_RATE:-1gbit} BENCH_DELAY=${BENCH_DELAY:-1ms} BENCH_MIB=${BENCH_MIB:-256} BENCH_REPS=${BENCH_REPS:-3}"
bench_run bench-copy 1800 "$@"
log=$BENCH_LOG
grep -E '^(LAB-INFO|  (Copy chunk|Protocol|.*sector))' "$log" | sed 's/^LAB-INFO /  /'
python3 - "$log" <<'PY'
import statistics, sys
copy, read, wire = {}, {}, {}
for line in open(sys.argv[1], errors="replace"):
    p = line.split()
    if len(p) < 4 or p[0] != "BENCH": continue
    if p[1] == "copy":
        copy.setdefault(p[2], []).append(int(p[3]) / 1e6)
        wire.setdefault(p[2], []).append((int(p[4]) + int(p[5])) / 2**20)
    elif p[1] == "read":
        read.setdefault(p[2], []).append(int(p[3]) / 1e6)
med = {k: statistics.median(v) for k, v in copy.items()}
for k in ("ours", "cp", "client-side", "server-local"):
    if k in med:
        print(f"{k:>13}: median {med[k]:6.2f} s over {len(copy[k])} runs; data through the client {statistics.median(wire[k]):7.1f} MiB")
if {"ours", "client-side", "cp", "server-local"} <= med.keys():
    print(f"client-side / ours  = {med['client-side'] / med['ours']:.2f}x  (target >= 4)")
    print(f"ours / cp           = {med['ours'] / med['cp']:.3f}  (target within 5%: ours is the same kernel path plus our process)")
    print(f"ours / server-local = {med['ours'] / med['server-local']:.2f}x  (the gap to the physical limit)")
rm = {k: statistics.median(v) for k, v in read.items()}
if {"odirect", "buffered"} <= rm.keys():
    print(f"cold read: O_DIRECT {rm['odirect']:.2f} s, buffered {rm['buffered']:.2f} s; buffered / O_DIRECT = {rm['buffered'] / rm['odirect']:.2f}")
PY
