#!/usr/bin/env bash
# Witness benchmark, in the lab on the real cifs.ko with Samba's witness server: failover time
# from `net witness client-move` to the kernel's connection on the new address (idle mount and
# mount with traffic; median of BENCH_RUNS, default 10) and the daemon's share of it; daemon RSS
# (with RssAnon, RssFile and Pss) and thread count at start, with 100 and with 1,000 registrations
# (BENCH_SHARES, BENCH_SHARES_MAX);
# context switches while idle; the floor (the kernel alone reconnecting after `ss -K` on its
# socket), `smb3-witnessd move` (admin moves) timed like the client-moves, failover/floor ratios
# and where each failover's time went (command -> daemon, daemon -> kernel ack, abort, kernel's
# reconnect); then, on the two-node cluster (bench-witness-cluster), its
# own floor, client-moves between the nodes and node failures under I/O with where their time
# goes. The first move of each configuration is reported apart, never dropped. Prints
# measurements side by side, asserts nothing (the machine is shared and the guest is emulated).
#   Benchmarks/witness.sh [--kernel 6.12|6.1]      BENCH_CLUSTER=no skips the cluster part,
#                                                  BENCH_SINGLE=no the single-node part
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
log=
if [ "${BENCH_SINGLE:-yes}" != no ]; then
  bench_run bench-witness 7200 "$@"
  log=$BENCH_LOG
fi
cluster_log=
if [ "${BENCH_CLUSTER:-yes}" != no ]; then
  bench_run bench-witness-cluster 3600 "$@"
  cluster_log=$BENCH_LOG
fi
python3 - "$log" "$cluster_log" <<'PY'
import statistics, sys
failover, daemon = {}, {}
floor, first = [], {}
floor_parts = []  # (ss start -> the kernel's reconnect, -> usable) in ms
admin, admin_first = [], None
memory = {}  # registrations -> {rss | rss-burst | rss-queried: BENCH fields}
starts = {}  # command -> ms from start to exit of `smb3-witnessd status` / `net witness list`
parts = {}  # kind -> list of (recv, ack, abort, rest) in ms
def add_parts(kind, fields):
    if len(fields) >= 4 and fields[0] != "-1":
        parts.setdefault(kind, []).append(tuple(float(x) for x in fields[:4]))
for line in (open(sys.argv[1], errors="replace") if sys.argv[1] else []):
    p = line.split()
    if len(p) < 2 or p[0] != "BENCH": continue
    if p[1] == "floor":
        floor.append(int(p[3]))
        if len(p) > 5: floor_parts.append((int(p[4]), int(p[5])))
    elif p[1] == "failover-first":
        first[p[2]] = (int(p[3]), p[4] if len(p) > 4 else "?")
        add_parts(f"first client-move, abort_connections={p[2]}", p[5:])
    elif p[1] == "start":
        starts.setdefault(p[2], []).append(int(p[4]))
    elif p[1] == "admin-move":
        if p[2] == "first":
            admin_first = (int(p[3]), p[4])
            add_parts("first admin move", p[5:])
        else:
            admin.append(int(p[3]))
            add_parts("admin move", p[5:])
    elif p[1] == "failover":
        failover.setdefault(p[2], []).append(int(p[4])); daemon.setdefault(p[2], []).append(float(p[5]))
        add_parts(f"client-move {p[2]}", p[6:])
    elif p[1] in ("rss", "rss-burst", "rss-queried"):
        memory.setdefault(p[2], {})[p[1]] = p
    elif p[1] == "wakeups":
        print(f"idle {p[2]} s: {p[3]} context switches of all daemon threads, {p[4]} kernel REGISTER repeats received")
for count, kinds in memory.items():
    mib = lambda p, i: f"{int(p[i])/1024:.1f}" if len(p) > i else "?"
    if "rss" in kinds:
        p = kinds["rss"]
        # At start the first registration has just come: not yet idle, so no target.
        target = ("" if count == "0" else "target <= 8 MiB, " if int(count) <= 101 else "target <= 16 MiB, ")
        what = "at start (one registration, status requests answered)" if count == "0" else f"with {count} registrations, idle"
        print(f"RSS {what}: {mib(p, 3)} MiB, {p[4]} threads "
              f"({target}threads independent of the registrations); "
              f"RssAnon {mib(p, 5)} MiB, RssFile {mib(p, 6)} MiB (binary and shared libraries); "
              f"Pss {mib(p, 7)} MiB (anon {mib(p, 8)}, file {mib(p, 9)})")
    for kind, when in (("rss-burst", "right after the last registered, before the daemon released the burst's pages"),
                       ("rss-queried", "idle, after one `smb3-witnessd status --json`")):
        if kind in kinds:
            p = kinds[kind]
            print(f"  {when}: {mib(p, 3)} MiB, RssAnon {mib(p, 5)} MiB, RssFile {mib(p, 6)} MiB")
med = {k: statistics.median(v) for k, v in failover.items()}
for key in ("yes-idle", "yes-busy", "yes-released", "no-idle", "no-busy"):
    if key in failover:
        abort, mode = key.split("-")
        t, d = med[key], statistics.median(daemon[key])
        mode = "idle, after the daemon released its pages," if mode == "released" else mode
        print(f"failover, abort_connections={abort}, {mode} mount: median {t/1000:.2f} s from client-move to the kernel's "
              f"connection on the new address usable over {len(failover[key])} runs (target < 2 s); daemon share median {d:.1f} ms")
for mode in ("idle", "busy"):
    if f"yes-{mode}" in med and f"no-{mode}" in med:
        print(f"{mode}: without aborting / with aborting = {med[f'no-{mode}'] / med[f'yes-{mode}']:.1f}x")
fl = statistics.median(floor) if floor else None
if fl:
    print(f"floor (ss -K on the kernel's socket -> its new connection usable, the kernel alone): median {fl/1000:.2f} s over {len(floor)} runs "
          f"(min {min(floor)/1000:.2f}, max {max(floor)/1000:.2f})")
    if floor_parts:
        print(f"  of which ss -K start -> the kernel's reconnect median {statistics.median(a for a, _ in floor_parts):.0f} ms, "
              f"reconnect -> usable (connect, negotiate, session setup, tree connect) median "
              f"{statistics.median(b for _, b in floor_parts):.0f} ms")
    for key in ("yes-idle", "yes-busy", "yes-released"):
        if key in med:
            print(f"client-move {key}: median / floor = {med[key] / fl:.2f}x (goal <= 1.2x)")
for abort, (ms, d) in first.items():
    print(f"first move after (re)configuration, abort_connections={abort}: {ms/1000:.2f} s (daemon {d} ms)"
          + (f", {ms / fl:.2f}x the floor" if fl else ""))
if admin_first:
    print(f"first admin move (smb3-witnessd move --all --to): {admin_first[0]/1000:.2f} s (daemon {admin_first[1]} ms)"
          + (f", {admin_first[0] / fl:.2f}x the floor" if fl else ""))
if admin:
    m = statistics.median(admin)
    print(f"admin move (smb3-witnessd move --all --to): median {m/1000:.2f} s over {len(admin)} runs "
          f"(min {min(admin)/1000:.2f}, max {max(admin)/1000:.2f})"
          + (f", median / floor = {m / fl:.2f}x (goal <= 1.2x)" if fl else ""))
for command, ms in starts.items():
    print(f"start-up reference: `{'smb3-witnessd status' if command == 'smb3-witnessd' else 'net witness list'}` "
          f"start to exit median {statistics.median(ms):.0f} ms over {len(ms)} runs")
if parts:
    print("where the time went (medians, ms): command start -> daemon has the notification or request | "
          "-> kernel ack | abort | abort done -> kernel's new connection usable")
    for kind, rows in parts.items():
        med4 = [statistics.median(r[i] for r in rows) for i in range(4)]
        print(f"  {kind} ({len(rows)}): {med4[0]:.0f} | {med4[1]:.1f} | {med4[2]:.1f} | {med4[3]:.0f}")
if len(sys.argv) > 2 and sys.argv[2]:
    cfloor, nodes = [], []
    first_of, runs_of = {}, {}  # "move" | "admin-move" -> (ms, daemon ms) / [ms]
    for line in open(sys.argv[2], errors="replace"):
        p = line.split()
        if len(p) < 3 or p[0] != "BENCH": continue
        if p[1] == "floor": cfloor.append(int(p[3]))
        elif p[1] in ("move", "admin-move") and p[2] == "first": first_of[p[1]] = (int(p[3]), p[4])
        elif p[1] in ("move", "admin-move") and p[2].isdigit(): runs_of.setdefault(p[1], []).append(int(p[3]))
        elif p[1] == "node-failure": nodes.append(p[2:])
    cf = statistics.median(cfloor) if cfloor else None
    print("two-node cluster:")
    if cf:
        print(f"  floor: median {cf/1000:.2f} s over {len(cfloor)} runs")
    for kind, what in (("move", "client-move"), ("admin-move", "admin move")):
        first_name = "first client-move" if kind == "move" else "first admin move (smb3-witnessd move --all --to)"
        if kind in first_of:
            ms, d = first_of[kind]
            print(f"  {first_name} between the nodes: {ms/1000:.2f} s (daemon {d} ms)"
                  + (f", {ms / cf:.2f}x the floor" if cf else ""))
        if kind in runs_of:
            m = statistics.median(runs_of[kind])
            print(f"  {what} between the nodes: median {m/1000:.2f} s over {len(runs_of[kind])} runs"
                  + (f", {m / cf:.2f}x the floor (goal <= 1.2x)" if cf else ""))
    for n, fw, dead, take, ev, kind in (x[:6] for x in nodes if len(x) >= 6):
        sec = lambda v: "n/a" if v == "-1" else f"{int(v)/1000:.2f} s"
        print(f"  node failure {n}: first successful write {sec(fw)} after the failure"
              + (f" ({int(fw) / cf:.1f}x the floor)" if cf and fw != "-1" else "")
              + f"; ctdb declared the node dead at {sec(dead)}, took the address over at {sec(take)}; "
              f"witness event {kind} at {sec(ev)}")
PY
