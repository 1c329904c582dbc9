#!/usr/bin/env bash
# Runs every test of the project: unit tests, bounded fuzzing, and the lab scenarios on the real
# cifs.ko. Ends with one line "N passed, M failed" and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
out=lab/out
mkdir -p "$out"
passed=0
failed=0
declare -a failures=()

record() {  # record NAME STATUS(0=pass)
  if [ "$2" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failures+=("$1"); fi
}

section() { printf '\n=== %s ===\n' "$*"; }

section "release build (static Swift stdlib)"
build_start=$SECONDS
if make --no-print-directory build 2>&1 | tail -n 3; then
  echo "build: $((SECONDS - build_start))s"
else
  echo "release build failed"; record build 1
fi

section "source checks (format, package imports)"
make --no-print-directory format-check > "$out/format.log" 2>&1
format_status=$?
tail -n 5 "$out/format.log"
record "make format-check" "$format_status"
bash Tests/package-imports.sh 2>&1 | tail -n 10
record "Package.swift declares what is imported" "${PIPESTATUS[0]}"
bash Tests/fuzz-campaign.sh > "$out/fuzz-campaign.log" 2>&1
campaign_status=$?
tail -n 1 "$out/fuzz-campaign.log"
[ "$campaign_status" -eq 0 ] || grep -A2 '^FAIL' "$out/fuzz-campaign.log"
record "fuzz campaign bookkeeping" "$campaign_status"

section "unit tests"
swift test 2>&1 | tee "$out/unit.log" | grep -E '^(✘|✔ Test run|✘ Test run)|error:' | grep -v 'recorded an issue' || true
unit_status=${PIPESTATUS[0]}
# Swift Testing prints one ✔/✘ line per test, but a loaded machine's run has lost some of them
# (a CI log had 605 "passed" lines for "672 tests"), so the total comes from the run's summary
# ("Test run with N tests"); the ✘ lines name the failures, and the exit status backs them up.
unit_failed=$(grep -E '^✘ Test .* failed' "$out/unit.log" | grep -vcE '^✘ Test run ')
unit_total=$(sed -n 's/^[✔✘] Test run with \([0-9]*\) tests.*/\1/p' "$out/unit.log" | tail -n 1)
if [ -n "$unit_total" ]; then
  unit_passed=$((unit_total - unit_failed))
else
  unit_passed=$(grep -E '^✔ Test .* passed' "$out/unit.log" | grep -vcE '^✔ Test run ')
fi
passed=$((passed + unit_passed))
failed=$((failed + unit_failed))
if [ "$unit_failed" -gt 0 ]; then failures+=("unit tests ($unit_failed)"); fi
if [ "$unit_status" -ne 0 ] && [ "$unit_failed" -eq 0 ]; then record "swift test exit $unit_status" 1; fi
echo "unit: $unit_passed passed, $unit_failed failed"

section "fuzzing (bounded)"
fuzz_log="$out/fuzz.log"
bash Fuzz/run.sh "${FUZZ_SECONDS:-20}" > "$fuzz_log" 2>&1
fuzz_status=$?
grep -E '^FUZZ-RESULT' "$fuzz_log" || tail -n 20 "$fuzz_log"
while read -r _ name status _; do
  record "fuzz $name" "$([ "$status" = PASS ] && echo 0 || echo 1)"
done < <(grep -E '^FUZZ-RESULT' "$fuzz_log")
if [ "$fuzz_status" -ne 0 ] && ! grep -q '^FUZZ-RESULT .* FAIL' "$fuzz_log"; then record "fuzz run exit $fuzz_status" 1; fi

section "Debian package (make deb, lintian)"
deb_start=$SECONDS
if make --no-print-directory deb > "$out/deb.log" 2>&1; then
  tail -n 3 "$out/deb.log"
  echo "deb: $((SECONDS - deb_start))s"
  record "make deb" 0
else
  tail -n 30 "$out/deb.log"
  record "make deb" 1
fi

section "make install"
# After make deb, which built the man pages and completions that install copies.
bash Tests/install-keeps-config.sh 2>&1 | tail -n 5
record "make install keeps the request-key file" "${PIPESTATUS[0]}"

section "lab scenarios (qemu, real cifs.ko)"
lab_log="$out/lab.log"
# Two guests at a time (the machine has two cores): the 6.12 queue and the 6.1 queue, each a
# run.sh of its own with its own log, its lines prefixed with the kernel as they come.
run_lab() {  # run_lab LOGNAME KERNEL SCENARIO...
  local name=$1; shift
  bash lab/run.sh --kernel "$@" > "$out/lab-$name.log" 2>&1
}
# Both queues would otherwise prepare (download, build the witness cifs.ko) at the same time.
lab_start=$SECONDS
bash lab/prepare.sh --kernel all --witness 2>&1 | tail -n 4
rm -f "$out/lab-6.12.log" "$out/lab-6.1.log" "$out/lab-cluster.log" "$out/lab-installed.log"
# 6.12 is the default kernel; every scenario runs there.
# Against Samba, then against the kernel's own server, ksmbd (SCENARIO:ksmbd; ioctl-reflink and
# ifaces-ksmbd always use it; 6.12 only: Debian 6.1.192's ksmbd oopses on a client's first open).
run_lab 6.12 6.12 ntlm-multichannel kerberos-mount witness-module upcall-krb5 upcall-keytab upcall-container upcall-gssproxy upcall-service upcall-hardening \
  ioctl-copy ioctl-snapshots ioctl-admin ioctl-sparse fsrvp-snapshots ifaces-report ifaces-watch witness-server witness-failover witness-krb5 \
  witness-admin-move \
  ioctl-copy:ksmbd ioctl-snapshots:ksmbd ioctl-admin:ksmbd ioctl-sparse:ksmbd ioctl-reflink ifaces-ksmbd &
pid612=$!
# 6.1 differs in DebugData's format and in key descriptions (no upcall_target=, an empty host=
# for extra channels): prove the parser and the upcall there too (a keytab mount's extra channel
# is named by reverse DNS); the ioctls against 6.1's cifs.ko; and the witness daemon against
# 6.1's cifs_swn (its own witness-enabled module build), with NTLM and Kerberos; and the exposed
# shadow copies of fsrvp-snapshots mounted by 6.1's cifs.ko (NTLM and sec=krb5).
# And a real node failure of the two-node cluster under 6.1's cifs_swn.
# Then, in the same queue (the two queues take about as long), the two-node cluster scenarios on
# 6.12 in one guest that starts the cluster once (a group; node-failure last, it leaves a node
# down) and the installed package in one systemd-booted 6.12 guest.
{
  run_lab 6.1 6.1 ntlm-multichannel upcall-krb5 upcall-keytab upcall-service upcall-hardening ioctl-copy ioctl-snapshots ioctl-admin ioctl-sparse ifaces-report \
    fsrvp-snapshots witness-failover witness-krb5 witness-node-failure
  s61=$?
  run_lab cluster 6.12 witness-planned-move+witness-node-return+witness-node-failure
  sc=$?
  run_lab installed 6.12 installed-upcall installed-keytab installed-ifaces installed-witness
  s=$?
  [ "$s61" -eq 0 ] && [ "$sc" -eq 0 ] && [ "$s" -eq 0 ]
} &
pid61=$!
# Progress as it comes: each queue's result lines.
tail -q -n +1 -F "$out/lab-6.12.log" "$out/lab-6.1.log" "$out/lab-cluster.log" "$out/lab-installed.log" 2>/dev/null | grep --line-buffered -E '^(LAB-RESULT|lab: )' &
follower=$!
wait "$pid612"; lab612=$?
wait "$pid61"; lab61=$?
kill "$follower" 2>/dev/null; wait "$follower" 2>/dev/null
cat "$out/lab-6.12.log" "$out/lab-6.1.log" "$out/lab-cluster.log" "$out/lab-installed.log" > "$lab_log" 2>/dev/null
# Failures show their guest's tail in the queue's log.
grep -h -A 64 '^lab: [^ ]*@[^ ]* failed: ' "$out/lab-6.12.log" "$out/lab-6.1.log" "$out/lab-cluster.log" "$out/lab-installed.log" 2>/dev/null | grep -v '^[A-Za-z0-9+/=]\{76\}$' | head -n 400
echo "lab: both queues took $((SECONDS - lab_start))s"
# run.sh prints each result twice (as it goes, and in its summary): count each scenario once.
# A failure's summary line carries its reason (CI shows only the end of this output).
while read -r _ name status _; do
  why=
  [ "$status" = PASS ] || why=$(grep -m1 -F "lab: $name failed: " "$lab_log" | sed 's/^lab: [^ ]* failed: //' | cut -c1-300)
  record "lab $name${why:+ ($why)}" "$([ "$status" = PASS ] && echo 0 || echo 1)"
done < <(grep -E '^LAB-RESULT' "$lab_log" | awk '!seen[$2]++')
if [ $lab612 -ne 0 ] || [ $lab61 -ne 0 ]; then
  grep -q '^LAB-RESULT .* FAIL' "$lab_log" || record "lab runner exit $lab612/$lab61" 1
fi
grep -q '^LAB-RESULT' "$lab_log" || record "lab: no scenario ran" 1

section "summary"
for f in "${failures[@]}"; do echo "FAILED: $f"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
