#!/usr/bin/env bash
# smb3-ioctl copy benchmark, in the lab on the real cifs.ko with a shaped wire (see
# lab/scenarios/bench-copy.sh), at each size of BENCH_MIB (default 16 and 1024 MiB), in one run:
# against Samba, server-side copy (copychunk) vs coreutils cp vs a client-side copy through the
# mount vs a copy on the server's own file system, and Samba's vfs_btrfs copychunk (a clone);
# then against ksmbd, copychunk and reflink (FSCTL_DUPLICATE_EXTENTS_TO_FILE) on XFS and btrfs vs
# a client-side copy through ksmbd; and a cold sequential read with O_DIRECT vs buffered.
# Medians and ratios of the same run on the same data, side by side; nothing is asserted.
#   Benchmarks/copy.sh [--kernel 6.12|6.1]
#   (BENCH_RATE, BENCH_DELAY, BENCH_MIB, BENCH_REPS, BENCH_READ_MAX_MIB pass through;
#    LAB_GUEST_MEM, default 8192 MiB)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
mib=${BENCH_MIB:-16 1024}
export LAB_GUEST_ENV="BENCH_RATE=${BENCH_RATE:-1gbit} BENCH_DELAY=${BENCH_DELAY:-1ms} BENCH_MIB=${mib// /,} BENCH_REPS=${BENCH_REPS:-3} BENCH_READ_MAX_MIB=${BENCH_READ_MAX_MIB:-256}"
# Every file is in guest RAM: a 1 GiB source, one copy and their twins on the loop file systems.
export LAB_GUEST_MEM=${LAB_GUEST_MEM:-8192}
bench_run bench-copy 3600 "$@"
log=$BENCH_LOG
grep -E '^(LAB-INFO|  (Copy chunk|Protocol|.*sector))' "$log" | sed 's/^LAB-INFO /  /'
python3 - "$log" <<'PY'
import statistics, sys
copy, read, wire, shared, tool = {}, {}, {}, {}, {}
for line in open(sys.argv[1], errors="replace"):
    p = line.split()
    if len(p) < 5 or p[0] != "BENCH": continue
    if p[1] == "copy" and len(p) >= 8:
        key = (int(p[2]), p[3])
        copy.setdefault(key, []).append(int(p[4]) / 1e6)
        wire.setdefault(key, []).append((int(p[5]) + int(p[6])) / 2**20)
        shared.setdefault(key, set()).add(p[7])
        if len(p) >= 9 and p[8] != "-":
            tool.setdefault(key, []).append(float(p[8]))
    elif p[1] == "read":
        read.setdefault((int(p[2]), p[3]), []).append(int(p[4]) / 1e6)
med = {k: statistics.median(v) for k, v in copy.items()}
sizes = sorted({m for m, _ in med})
order = ("samba-copychunk", "cp", "client-side", "server-local", "samba-btrfs-clone",
         "ksmbd-copychunk", "ksmbd-reflink-xfs", "ksmbd-reflink-btrfs", "ksmbd-client-side")
def ratio(a, b):
    return a / b if b > 0 else float("inf")
for m in sizes:
    print(f"--- {m} MiB")
    for k in order:
        if (m, k) in med:
            s = "/".join(sorted(shared[(m, k)]))
            t = f"; in smb3-ioctl {statistics.median(tool[(m, k)]):.3f} s" if (m, k) in tool else ""
            print(f"{k:>20}: median {med[(m, k)]:8.3f} s over {len(copy[(m, k)])} runs; data through the client {statistics.median(wire[(m, k)]):7.1f} MiB; extents shared: {s}{t}")
    g = lambda k: med.get((m, k))
    if g("client-side") and g("samba-copychunk"):
        print(f"  Samba: client-side / samba-copychunk     = {ratio(g('client-side'), g('samba-copychunk')):8.2f}x")
    if g("samba-copychunk") and g("cp"):
        print(f"  Samba: samba-copychunk / cp              = {ratio(g('samba-copychunk'), g('cp')):8.3f}  (same kernel path plus our process)")
    if g("samba-copychunk") and g("server-local"):
        print(f"  Samba: samba-copychunk / server-local    = {ratio(g('samba-copychunk'), g('server-local')):8.2f}x  (the gap to the physical limit)")
    if g("client-side") and g("samba-btrfs-clone"):
        print(f"  Samba: client-side / samba-btrfs-clone   = {ratio(g('client-side'), g('samba-btrfs-clone')):8.2f}x  (goal at 1 GiB: >= 20)")
    for k in ("ksmbd-copychunk", "ksmbd-reflink-xfs", "ksmbd-reflink-btrfs"):
        if g("ksmbd-client-side") and g(k):
            goal = "  (goal at 1 GiB: >= 20)" if "reflink" in k else ""
            print(f"  ksmbd: ksmbd-client-side / {k:<19} = {ratio(g('ksmbd-client-side'), g(k)):8.2f}x{goal}")
        if g("client-side") and g(k):
            print(f"  vs Samba's client-side: client-side / {k:<19} = {ratio(g('client-side'), g(k)):8.2f}x")
if len(sizes) >= 2:
    lo, hi = sizes[0], sizes[-1]
    print(f"--- O(1)? the median at {hi} MiB / the median at {lo} MiB (a copy of the data: up to {hi // lo}; constant time: about 1)")
    for k in order:
        if (lo, k) in med and (hi, k) in med:
            t = ""
            if (lo, k) in tool and (hi, k) in tool:
                t = f"   in smb3-ioctl: {ratio(statistics.median(tool[(hi, k)]), statistics.median(tool[(lo, k)])):8.2f}"
            print(f"{k:>20}: {ratio(med[(hi, k)], med[(lo, k)]):8.2f}{t}")
rm = {k: statistics.median(v) for k, v in read.items()}
for m in sizes:
    if (m, "odirect") in rm and (m, "buffered") in rm:
        print(f"cold read {m} MiB: O_DIRECT {rm[(m, 'odirect')]:.2f} s, buffered {rm[(m, 'buffered')]:.2f} s; buffered / O_DIRECT = {rm[(m, 'buffered')] / rm[(m, 'odirect')]:.2f}")
PY
