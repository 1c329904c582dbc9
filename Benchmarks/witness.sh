#!/usr/bin/env bash
# Witness benchmark, in the lab on the real cifs.ko with Samba's witness server: failover time
# from `net witness client-move` to the kernel's connection on the new address (idle mount and
# mount with traffic; median of BENCH_RUNS, default 10) and the daemon's share of it; daemon RSS
# (with RssAnon, RssFile and Pss) and thread count at start, with 100 and with 1,000 registrations
# (BENCH_SHARES, BENCH_SHARES_MAX);
# context switches while idle. Prints measurements side by side,
# asserts nothing (the machine is shared and the guest is emulated).
#   Benchmarks/witness.sh [--kernel 6.12|6.1]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
bench_run bench-witness 7200 "$@"
log=$BENCH_LOG
python3 - "$log" <<'PY'
import statistics, sys
failover, daemon = {}, {}
for line in open(sys.argv[1], errors="replace"):
    p = line.split()
    if len(p) < 2 or p[0] != "BENCH": continue
    if p[1] == "failover":
        failover.setdefault(p[2], []).append(int(p[4])); daemon.setdefault(p[2], []).append(float(p[5]))
    elif p[1] == "rss":
        target = "<= 8 MiB" if int(p[2]) <= 101 else "<= 16 MiB"
        mib = lambda i: f"{int(p[i])/1024:.1f}" if len(p) > i else "?"
        print(f"RSS with {p[2]} registrations: {mib(3)} MiB, {p[4]} threads "
              f"(target {target}, threads independent of the registrations); "
              f"RssAnon {mib(5)} MiB, RssFile {mib(6)} MiB (binary and shared libraries); "
              f"Pss {mib(7)} MiB (anon {mib(8)}, file {mib(9)})")
    elif p[1] == "wakeups":
        print(f"idle {p[2]} s: {p[3]} context switches of all daemon threads, {p[4]} kernel REGISTER repeats received")
med = {k: statistics.median(v) for k, v in failover.items()}
for key in ("yes-idle", "yes-busy", "no-idle", "no-busy"):
    if key in failover:
        abort, mode = key.split("-")
        t, d = med[key], statistics.median(daemon[key])
        print(f"failover, abort_connections={abort}, {mode} mount: median {t/1000:.2f} s from client-move to the kernel's "
              f"connection on the new address over {len(failover[key])} runs (target < 2 s); daemon share median {d:.1f} ms")
for mode in ("idle", "busy"):
    if f"yes-{mode}" in med and f"no-{mode}" in med:
        print(f"{mode}: without aborting / with aborting = {med[f'no-{mode}'] / med[f'yes-{mode}']:.1f}x")
PY
