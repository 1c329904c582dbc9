#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and AddressSanitizer and runs each for a bounded time.
#
#   Fuzz/run.sh [SECONDS [TARGET...]]         SECONDS per target (default: all), default 60 (make fuzz, make test)
#   Fuzz/run.sh --campaign RUNS [TARGET...]   each target (default: all) to RUNS executions, then
#                                             the table of Fuzz/CAMPAIGN.md (make fuzz-campaign)
#
# Bounded runs go FUZZ_JOBS targets at a time (default one per CPU, at most 2).
# For each target: replay FailCases/<Target>/* (earlier crashes), then fuzz with the test fixtures
# as seed corpus. Exits non-zero if any replay or fuzz run crashes; new crash inputs are written to
# $scratch/artifacts/<Target>/ (copy them into FailCases/<Target>/ and keep the regression test).
# The build goes to Fuzz/.build-fuzz and the growing corpora to Fuzz/corpus-<Target>/
# (both gitignored); set FUZZ_SCRATCH_PATH to build elsewhere.
set -euo pipefail

usage="usage: $0 [SECONDS [TARGET...]] | $0 --campaign RUNS [TARGET...]"
campaign_runs=""
selected=()
if [ "${1:-}" = --campaign ]; then
    campaign_runs="${2:-}"
    case "$campaign_runs" in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
    shift 2
    selected=("$@")
else
    seconds="${1:-60}"
    case "$seconds" in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
    [ $# -gt 0 ] && shift
    selected=("$@")
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
fixtures="$root/Tests/SMB3ProtocolTests/Fixtures"
scratch="${FUZZ_SCRATCH_PATH:-$here/.build-fuzz}"
targets=(FuzzDebugData FuzzKeyDescription FuzzSpnegoToken FuzzCIFSQueryInfo FuzzSnapshotArray
    FuzzSecurityDescriptor FuzzCIFSNotify FuzzCIFSKeyDump FuzzCIFSMountInfo FuzzNetworkInterfaceInfo
    FuzzSWNNetlink FuzzDCERPCPDU FuzzWitnessResponses FuzzWitnessNotification FuzzNTLMChallenge FuzzInetDiag
    FuzzUpcallService FuzzRPCAssociation FuzzWitnessConfiguration FuzzProcessStatus FuzzProcKeys FuzzKrb5Profile
    FuzzSMB2Responses FuzzSMB2Negotiate FuzzFSRVPResponses FuzzMemoryMappings)
all_targets=("${targets[@]}")

if [ "${#selected[@]}" -gt 0 ]; then
    for target in "${selected[@]}"; do
        case " ${targets[*]} " in *" $target "*) ;; *) echo "unknown target $target" >&2; exit 2 ;; esac
    done
    targets=("${selected[@]}")
fi

seeds_for() {
    case "$1" in
        FuzzDebugData) find "$fixtures/debugdata" "$fixtures/lab" -maxdepth 1 -type f -name 'debugdata-*' 2>/dev/null ;;
        FuzzKeyDescription) find "$fixtures/lab" -maxdepth 1 -type f -name 'keydesc*' 2>/dev/null ;;
        FuzzSpnegoToken | FuzzSWNNetlink | FuzzDCERPCPDU | FuzzWitnessResponses | FuzzWitnessNotification | FuzzNTLMChallenge | \
            FuzzInetDiag | FuzzUpcallService | FuzzRPCAssociation | FuzzWitnessConfiguration | FuzzProcessStatus | FuzzProcKeys | \
            FuzzKrb5Profile | FuzzSMB2Responses | FuzzSMB2Negotiate | FuzzFSRVPResponses | FuzzMemoryMappings)
            find "$here/Seeds/$1" -maxdepth 1 -type f 2>/dev/null ;;
    esac
}

# Campaign: one target to $campaign_runs executions (one process, no -jobs), its log kept in
# $scratch/campaign/<Target>.log and its row of the table in <Target>.row, so that re-running one
# target after a fix replaces only its row. "New coverage" is the growth of libFuzzer's cov
# (edges) and ft (features) from the INITED line (the kept corpus and seeds loaded) to the last
# status line.
campaign_target() {
    local target="$1" log="$scratch/campaign/$1.log" row="$scratch/campaign/$1.row"
    mkdir -p "$scratch/campaign"
    echo "== $target: fuzzing to $campaign_runs executions"
    local begin end rc=0
    begin=$(date +%s)
    # -timeout is wall time per input: a campaign runs for hours beside lab guests and builds on a
    # 2-core machine, where 10 s without the CPU is no hang. 120 s still catches a real one.
    "$exe" -runs="$campaign_runs" -timeout=120 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" > "$log" 2>&1 || rc=$?
    end=$(date +%s)
    local first last execs crashes
    first=$(grep -m1 -E '^#[0-9]+[[:space:]]+INITED' "$log" || true)
    last=$(grep -E '^#[0-9]+[[:space:]].* cov: ' "$log" | tail -n 1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    crashes=$(grep -c 'Test unit written to' "$log" || true)
    if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="exit $rc"; fi
    field() { sed -n "s/.* $1: \([0-9]*\).*/\1/p" <<<"$2"; }
    local cov0 cov1 ft0 ft1 corp
    cov0=$(field cov "$first"); cov1=$(field cov "$last"); ft0=$(field ft "$first"); ft1=$(field ft "$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
    local artifacts_note=""
    if [ "$crashes" != 0 ]; then
        artifacts_note=" ($(grep -o 'Test unit written to .*' "$log" | sed 's|.*/||' | tr '\n' ' ' | sed 's/ $//'))"
    fi
    printf '| %s | %s | %s | %s → %s (+%s) | %s → %s (+%s) | %s | %s%s |\n' \
        "$target" "${execs:-?}" "$(format_duration $((end - begin)))" \
        "${cov0:-?}" "${cov1:-?}" "$(( ${cov1:-0} - ${cov0:-0} ))" \
        "${ft0:-?}" "${ft1:-?}" "$(( ${ft1:-0} - ${ft0:-0} ))" "${corp:-?}" "$crashes" "$artifacts_note" > "$row"
    cat "$row"
    if [ "$crashes" != 0 ]; then
        echo "!! $target crashed; inputs are in $artifacts/, log in $log" >&2
        echo "FUZZ-RESULT $target FAIL ${campaign_runs} runs"
        return 1
    fi
    echo "FUZZ-RESULT $target PASS ${campaign_runs} runs"
}

format_duration() { printf '%dh%02dm%02ds' $(($1 / 3600)) $(($1 % 3600 / 60)) $(($1 % 60)); }

# Fuzz/CAMPAIGN.md from every target's row (all targets, in run order). A target this scratch
# directory has no row for keeps the table's row (an earlier session's or another machine's),
# else "not run"; the notes after the table are kept.
campaign_table() {
    local table="$here/CAMPAIGN.md" total=0 seconds_of old notes
    old=$(cat "$table" 2>/dev/null || true)
    notes=$(printf '%s\n' "$old" | sed -n '/^Total fuzzing time/,$p' | sed '1d')
    {
        echo "# Fuzzing campaign"
        echo
        echo "Written by \`make fuzz-campaign\` (\`Fuzz/run.sh --campaign RUNS\`): every target to RUNS libFuzzer"
        echo "executions (\`-runs\`, one process, under \`nice -n 15\`) with AddressSanitizer, starting from the"
        echo "kept corpus (\`Fuzz/corpus-<Target>/\`), the seeds and, before it, a replay of \`FailCases/\`."
        echo "New coverage is the growth of libFuzzer's \`cov\` (edges) and \`ft\` (features) from the loaded"
        echo "corpus to the end of the run; corpus is the number of inputs at the end."
        echo
        echo "Last table: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'),"
        echo "$(swift --version 2>/dev/null | head -n 1 | sed 's/ (.*//'), $(nproc) CPUs."
        echo
        echo "| target | execs | time | cov (new) | ft (new) | corpus | crashes |"
        echo "|---|---:|---:|---|---|---:|---|"
        for target in "${all_targets[@]}"; do
            local row="$scratch/campaign/$target.row" line
            if [ -f "$row" ]; then
                line=$(cat "$row")
            else
                line=$(printf '%s\n' "$old" | grep -m1 "^| $target | " || echo "| $target | not run | | | | | |")
            fi
            echo "$line"
            seconds_of=$(echo "$line" | sed -n 's/^| [^|]* | [^|]* | \([0-9]*\)h\([0-9]*\)m\([0-9]*\)s |.*/\1 \2 \3/p')
            # shellcheck disable=SC2086
            set -- $seconds_of
            [ $# -eq 3 ] && total=$((total + 10#$1 * 3600 + 10#$2 * 60 + 10#$3))
        done
        echo
        echo "Total fuzzing time: $(format_duration "$total") (rows with a time)."
        [ -z "$notes" ] || printf '%s\n' "$notes"
    } > "$table.new"
    mv "$table.new" "$table"
    echo "== table written to $table"
}

# Swift's own backtracer reads the crashed stack and trips ASan ("stack-buffer-underflow in
# memserver_read"), hiding the real "Fatal error" line; libFuzzer reports the trap by itself.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

# One combined -sanitize=fuzzer,address: as two separate flags Swift 6.3.1 kept only one of the two
# sanitizers. --sanitize=fuzzer is still needed so that libFuzzer's main is linked.
build_flags=(-c release --scratch-path "$scratch" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)
cd "$here"
swift build "${build_flags[@]}"
bin="$(swift build "${build_flags[@]}" --show-bin-path)"

# one_target TARGET: replay its fail cases, then fuzz it (bounded, or to the campaign's runs).
one_target() {
    local target="$1" exe="$bin/$1" artifacts="$scratch/artifacts/$1" corpus="$here/corpus-$1"
    mkdir -p "$artifacts" "$corpus"

    local failcases=()
    if [ -d "$here/FailCases/$target" ]; then
        while IFS= read -r -d '' file; do failcases+=("$file"); done \
            < <(find "$here/FailCases/$target" -type f ! -name 'README*' ! -name '.*' -print0 | sort -z)
    fi
    if [ "${#failcases[@]}" -gt 0 ]; then
        echo "== $target: replaying ${#failcases[@]} fail case(s)"
        if ! "$exe" -artifact_prefix="$artifacts/" "${failcases[@]}"; then
            echo "!! $target: a recorded fail case crashes again" >&2
            echo "FUZZ-RESULT $target FAIL (fail case replay)"
            if [ -n "$campaign_runs" ]; then
                mkdir -p "$scratch/campaign"
                echo "| $target | 0 | | | | | a FailCases/ input crashes again |" > "$scratch/campaign/$target.row"
            fi
            return 1
        fi
    fi

    while IFS= read -r seed; do
        cp "$seed" "$corpus/seed-$(basename "$seed")"
    done < <(seeds_for "$target")

    if [ -n "$campaign_runs" ]; then
        campaign_target "$target"
        return
    fi

    echo "== $target: fuzzing for ${seconds}s"
    if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus"; then
        echo "!! $target crashed; inputs are in $artifacts/" >&2
        echo "FUZZ-RESULT $target FAIL ${seconds}s"
        return 1
    fi
    echo "FUZZ-RESULT $target PASS ${seconds}s"
}

status=0
# Bounded runs go FUZZ_JOBS at a time (default: one per CPU, at most 2), each into a log of its
# own that is printed whole, in target order, when it ends. A campaign runs one target at a time.
jobs=${FUZZ_JOBS:-$(nproc)}
[ "$jobs" -le 2 ] 2>/dev/null || jobs=2
if [ -n "$campaign_runs" ] || [ "$jobs" -le 1 ]; then
    for target in "${targets[@]}"; do one_target "$target" || status=1; done
else
    logs="$scratch/bounded"
    rm -rf "$logs" && mkdir -p "$logs"
    running=0
    for target in "${targets[@]}"; do
        if [ "$running" -ge "$jobs" ]; then
            wait -n || true
            running=$((running - 1))
        fi
        { rc=0; one_target "$target" > "$logs/$target.log" 2>&1 || rc=$?; echo "$rc" > "$logs/$target.rc"; } &
        running=$((running + 1))
    done
    wait
    for target in "${targets[@]}"; do
        cat "$logs/$target.log"
        [ "$(cat "$logs/$target.rc" 2>/dev/null)" = 0 ] || status=1
    done
fi
[ -n "$campaign_runs" ] && campaign_table
exit "$status"
