#!/usr/bin/env bash
# The fuzz campaign's bookkeeping (Fuzz/campaign.sh) on made-up libFuzzer logs and tables: rows,
# continued runs, and a table that keeps what it has no row file for. No fuzzer is built or run.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
table="$work/CAMPAIGN.md"
campaign_dir="$work/campaign"
all_targets=(FuzzA FuzzB FuzzC FuzzD)
mkdir -p "$campaign_dir"
# shellcheck source=Fuzz/campaign.sh
. "$root/Fuzz/campaign.sh"

failures=0
expect() {  # expect WHAT EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then
        echo "ok: $1"
    else
        echo "FAIL: $1"
        echo "  expected: $2"
        echo "  actual:   $3"
        failures=$((failures + 1))
    fi
}

# A libFuzzer log as -print_final_stats=1 writes it.
fuzzer_log() {  # fuzzer_log FILE EXECS COV0 FT0 COV1 FT1 CORPUS [CRASH-FILE]
    {
        echo "INFO: Seed: 1234"
        echo "#2	INITED cov: $3 ft: $4 corp: 10/1Kb exec/s: 0 rss: 40Mb"
        echo "#1024	pulse  cov: $3 ft: $4 corp: 10/1Kb lim: 4 exec/s: 512 rss: 41Mb"
        echo "#$2	REDUCE cov: $5 ft: $6 corp: $7/9Kb lim: 4096 exec/s: 900 rss: 50Mb L: 3/9 MS: 1 ChangeBit-"
        [ -z "${8:-}" ] || echo "artifact_prefix='/x/'; Test unit written to /x/$8"
        echo "stat::number_of_executed_units: $2"
        echo "stat::average_exec_per_sec:     900"
    } > "$1"
}

# row_progress: what a row to continue says.
expect "a finished row" "10000000 553 594 1807 1" \
    "$(row_progress '| FuzzA | 10000000 | 0h09m13s | 594 → 696 (+102) | 1807 → 2095 (+288) | 305 | 0 |')"
expect "a partial row written by hand" "7690314 6300 2396 9183 1" \
    "$(row_progress '| FuzzA | 7690314 (stopped, partial) | about 1h45m | 2396 → 2485 (+89) | 9183 → 13471 (+4288) | 2958 | 0 |')"
expect "a killed run's row" "2609903 8513 151 1101 1" \
    "$(row_progress '| FuzzA | 2609903 | 2h21m53s | 151 → 151 (+0) | 1101 → 1101 (+0) | 270 | exit 72 () |')"
expect "a continued row" "9000 7261 3 5 2" \
    "$(row_progress '| FuzzA | 4000 + 5000 = 9000 (2 runs) | 2h01m01s | 3 → 4 (+1) | 5 → 6 (+1) | 7 | exit 72 () |')"
expect "a row without coverage" "12 0 - - 1" "$(row_progress '| FuzzA | 12 | | | | | exit 1 |')"
row_progress '| FuzzA | 5 | 0h00m01s | 3 → 4 (+1) | 5 → 6 (+1) | 7 | 1 (crash-abc) |' > /dev/null 2>&1
expect "a crashed row is never continued" 2 $?
row_progress '| FuzzA | 0 | | | | | a FailCases/ input crashes again |' > /dev/null 2>&1
expect "a fail case's row is never continued" 2 $?

# campaign_row: one run, a crash, and a continued run.
fuzzer_log "$work/one.log" 10000000 100 200 150 400 42
expect "a run's row" "| FuzzA | 10000000 | 1h01m01s | 100 → 150 (+50) | 200 → 400 (+200) | 42 | 0 |" \
    "$(campaign_row FuzzA "$work/one.log" 3661 0)"
fuzzer_log "$work/crash.log" 77 100 200 101 201 11 crash-0123abcd
expect "a crashed run's row names the input" "| FuzzB | 77 | 0h00m09s | 100 → 101 (+1) | 200 → 201 (+1) | 11 | 1 (crash-0123abcd) |" \
    "$(campaign_row FuzzB "$work/crash.log" 9 1)"
expect "a killed run's row" "| FuzzB | 77 | 0h00m09s | 100 → 101 (+1) | 200 → 201 (+1) | 11 | exit 72 |" \
    "$(campaign_row FuzzB "$(fuzzer_log "$work/killed.log" 77 100 200 101 201 11 && echo "$work/killed.log")" 9 72)"
fuzzer_log "$work/rest.log" 7390097 151 1101 160 1200 300
expect "a continued run sums executions and time, coverage from the first run's start" \
    "| FuzzC | 2609903 + 7390097 = 10000000 (2 runs) | 3h21m53s | 140 → 160 (+20) | 1000 → 1200 (+200) | 300 | 0 |" \
    "$(campaign_row FuzzC "$work/rest.log" 3600 0 "2609903 8513 140 1000 1")"

fuzzer_log "$work/fewer.log" 100 10 20 10 19 5
expect "a feature fewer than where the first run began" "| FuzzC | 50 + 100 = 150 (2 runs) | 0h00m02s | 10 → 10 (+0) | 20 → 19 (-1) | 5 | 0 |" \
    "$(campaign_row FuzzC "$work/fewer.log" 1 0 "50 1 10 20 1")"

# previous_row: only this scratch directory's row file, never the table's row (another clone's run,
# whose corpus is not here).
printf '%s\n' "# Fuzzing campaign" "" "| target | execs |" "|---|---:|" \
    "| FuzzA | 10000000 | 0h10m00s | 1 → 2 (+1) | 3 → 4 (+1) | 5 | 0 |" \
    "| FuzzB | 2000 (stopped, partial) | 0h20m00s | 1 → 2 (+1) | 3 → 4 (+1) | 5 | 0 |" \
    "| FuzzC | 3000 (stopped, partial) | 0h30m00s | 1 → 2 (+1) | 3 → 4 (+1) | 5 | 0 |" \
    "" "Total fuzzing time: 1h00m00s (rows with a time)." "" "A note of an earlier session." > "$table"
echo "| FuzzC | 3000 + 7000 = 10000 (2 runs) | 1h00m00s | 1 → 9 (+8) | 3 → 9 (+6) | 8 | 0 |" > "$campaign_dir/FuzzC.row"
expect "no row to continue from the table alone" "" "$(previous_row FuzzB)"
expect "the row file when there is one" "| FuzzC | 3000 + 7000 = 10000 (2 runs) | 1h00m00s | 1 → 9 (+8) | 3 → 9 (+6) | 8 | 0 |" \
    "$(previous_row FuzzC)"
expect "no row for a target never run" "" "$(previous_row FuzzD)"

# continue_progress: from this clone's row file, while the run's corpus is there.
mkdir -p "$work/corpus-C" "$work/corpus-D"
echo seed > "$work/corpus-C/seed-one"
continue_progress FuzzC "$work/corpus-C" > /dev/null 2>&1
expect "a run whose corpus is gone (seeds only) is not continued" 1 $?
echo input > "$work/corpus-C/0123456789abcdef0123456789abcdef01234567"
expect "a run whose corpus is here is continued" "10000 3600 1 3 2" "$(continue_progress FuzzC "$work/corpus-C")"
expect "a target with no run here starts from zero" "" "$(continue_progress FuzzB "$work/corpus-D")"

# campaign_table: rows without a row file, and the notes, are kept; the total is summed.
campaign_table > /dev/null
expect "the table keeps a row it has no file for" 1 "$(grep -c '^| FuzzA | 10000000 | 0h10m00s ' "$table")"
expect "the table keeps a partial row it has no file for" 1 "$(grep -c '^| FuzzB | 2000 (stopped, partial) ' "$table")"
expect "the table takes a row file over its own row" 1 "$(grep -c '^| FuzzC | 3000 + 7000 = 10000 (2 runs) ' "$table")"
expect "a target with no row at all" 1 "$(grep -c '^| FuzzD | not run ' "$table")"
expect "the total time" "Total fuzzing time: 1h30m00s (rows with a time)." "$(grep '^Total fuzzing time' "$table")"
expect "the notes are kept" "A note of an earlier session." "$(tail -n 1 "$table")"
campaign_table > /dev/null
expect "writing the table twice changes no row" 4 "$(grep -c '^| Fuzz[A-D] | ' "$table")"

if [ "$failures" -gt 0 ]; then
    echo "fuzz campaign bookkeeping: $failures failed"
    exit 1
fi
echo "fuzz campaign bookkeeping: all passed"
