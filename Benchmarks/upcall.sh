#!/usr/bin/env bash
# Kerberos upcall benchmark, in the lab on the real cifs.ko: cifs-utils' cifs.upcall (A) vs
# smb3-upcall with the upcall service (S, as installed) and in its own process (B, --no-service),
# measured side by side in one guest, alternating A/B/S. Prints ratios, never asserts absolute
# times (the machine is shared and the guest is emulated).
#   Benchmarks/upcall.sh [--kernel 6.12|6.1]   (LAB_GUEST_ENV=BENCH_RUNS=N: mounts per tool, default 20)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# The start-up floor of any Swift tool: an empty program linked like smb3-upcall-full and the
# other tools (static Swift stdlib, dynamic glibc: Makefile LINK_FLAGS), and one linked like
# smb3-upcall (fully static, Package.swift).
(
  cd "$(dirname "$0")/.." && mkdir -p .build/bench && echo 'print("")' > .build/bench/empty.swift \
    && swiftc -O -static-stdlib -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs \
      .build/bench/empty.swift -o .build/bench/empty-swift \
    && swiftc -O -static-executable -use-ld=lld .build/bench/empty.swift -o .build/bench/empty-swift-static 2>/dev/null
)
bench_run bench-upcall 720 "$@"
log=$BENCH_LOG
# The installed configuration: the Debian package in a systemd guest, its socket started by
# dpkg -i and activated by systemd (needs `make deb`).
installed_log=
if [ -n "$(find .build/deb -maxdepth 1 -name 'smb3kit_*_amd64.deb' 2>/dev/null)" ]; then
  bench_run installed-bench-upcall 900 "$@"
  installed_log=$BENCH_LOG
else
  echo "no package in .build/deb (make deb): the installed configuration is not measured"
fi
python3 - "$log" "$installed_log" <<'PY'
import statistics, sys
mount, handler, asreq = {"A": [], "B": [], "S": []}, {"A": [], "B": [], "S": []}, {}
startup = {}
for line in open(sys.argv[1], errors="replace"):
    p = line.split()
    if not p or p[0] != "BENCH": continue
    if p[1] == "mount": mount[p[2]].append(int(p[3]))
    elif p[1] == "handler": handler[p[2]].append(int(p[3]))
    elif p[1] == "as-requests": asreq[p[2]] = (int(p[3]), int(p[5]))
    elif p[1] == "startup": startup.setdefault(p[2], []).append(int(p[3]))
name = {"A": "cifs.upcall", "B": "smb3-upcall in its own process (execs smb3-upcall-full)",
        "S": "smb3-upcall with the upcall service"}
for what, data in (("mount wall time", mount), ("handler wall time", handler)):
    ma = statistics.median(data["A"])
    print(f"{what}: median {name['A']} {ma/1000:.1f} ms over {len(data['A'])} runs")
    for tool, target in (("S", " (target <= 1.0)"), ("B", "")):
        if not data[tool]: continue
        mt = statistics.median(data[tool])
        print(f"  {name[tool]}: {mt/1000:.1f} ms over {len(data[tool])} runs; ratio to cifs.upcall = {mt/ma:.2f}{target}")
if startup:
    st = {k: statistics.median(v) / 1000 for k, v in startup.items()}
    parts = [f"{label} {st[k]:.1f} ms" for k, label in (("exec", "/bin/true"), ("A", "cifs.upcall"),
             ("swift", "empty Swift program (static stdlib)"), ("swift-static", "empty Swift program (fully static)"),
             ("B", "smb3-upcall --no-service")) if k in st]
    print("process start-up, failing on a missing key (median of 3 x 20 runs): " + ", ".join(parts))
    if "A" in st and "B" in st:
        extra = st["B"] - st["A"]
        hd = statistics.median(handler["B"]) / 1000 - statistics.median(handler["A"]) / 1000
        print(f"smb3-upcall --no-service starts {extra:.1f} ms slower than cifs.upcall; in its own process its handler runs {hd:.1f} ms longer")
if len(sys.argv) > 2 and sys.argv[2]:
    inst = {"mount": {"A": [], "I": []}, "handler": {"A": [], "I": []}}
    for line in open(sys.argv[2], errors="replace"):
        p = line.split()
        if len(p) == 4 and p[0] == "BENCH" and p[1] in inst and p[2] in ("A", "I"):
            inst[p[1]][p[2]].append(int(p[3]))
    print("installed configuration (Debian package defaults, smb3-upcall.socket activated by systemd):")
    for what, target in (("mount", " (target <= 0.9)"), ("handler", "")):
        a, i = inst[what]["A"], inst[what]["I"]
        if a and i:
            ma, mi = statistics.median(a), statistics.median(i)
            print(f"  {what} wall time: cifs.upcall {ma/1000:.1f} ms, smb3-upcall {mi/1000:.1f} ms over {len(i)} runs;"
                  f" ratio {mi/ma:.2f}{target}")
for tool in ("A", "B", "S"):
    if tool in asreq:
        n, ch = asreq[tool]
        print(f"keytab mount, {ch} channels: {name[tool]} made {n} AS exchange(s)")
PY
