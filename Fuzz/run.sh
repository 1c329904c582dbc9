#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and AddressSanitizer and runs each for a bounded time.
#
#   Fuzz/run.sh [SECONDS [TARGET...]]         SECONDS per target (default: all), default 60 (make fuzz, make test)
#   Fuzz/run.sh --campaign RUNS [TARGET...]   each target (default: all) to RUNS executions, then
#                                             the table of Fuzz/CAMPAIGN.md (make fuzz-campaign)
#   Fuzz/run.sh --campaign RUNS --continue [TARGET...]
#                                             a target whose last campaign run in this clone stopped
#                                             short (killed, no crash) runs only the executions still
#                                             missing, from the corpus that run kept; its row sums both
#
# Bounded runs go FUZZ_JOBS targets at a time (default one per CPU, at most 2).
# For each target: replay FailCases/<Target>/* (earlier crashes), then fuzz with the test fixtures
# as seed corpus. Exits non-zero if any replay or fuzz run crashes; new crash inputs are written to
# $scratch/artifacts/<Target>/ (copy them into FailCases/<Target>/ and keep the regression test).
# The build goes to Fuzz/.build-fuzz and the growing corpora to Fuzz/corpus-<Target>/
# (both gitignored); set FUZZ_SCRATCH_PATH to build elsewhere.
set -euo pipefail

usage="usage: $0 [SECONDS [TARGET...]] | $0 --campaign RUNS [--continue] [TARGET...]"
campaign_runs=""
campaign_continue=no
selected=()
if [ "${1:-}" = --campaign ]; then
    campaign_runs="${2:-}"
    case "$campaign_runs" in '' | *[!0-9]*) echo "$usage" >&2; exit 2 ;; esac
    shift 2
    if [ "${1:-}" = --continue ]; then campaign_continue=yes; shift; fi
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
# $campaign_dir/<Target>.log and its row of the table in <Target>.row, so that running one target
# again after a fix replaces only its row (Fuzz/campaign.sh has the bookkeeping).
table="$here/CAMPAIGN.md"
campaign_dir="$scratch/campaign"
# shellcheck source=Fuzz/campaign.sh
. "$here/campaign.sh"

campaign_target() {
    local target="$1" exe="$2" artifacts="$3" corpus="$4"
    local log="$campaign_dir/$1.log" row="$campaign_dir/$1.row" progress="" before=0
    mkdir -p "$campaign_dir"
    # With --continue, a run that stopped short counts: only the missing executions run now, from
    # the corpus it kept (as continuous fuzzing sums its sessions), and the row says both runs.
    if [ "$campaign_continue" = yes ]; then
        progress=$(continue_progress "$target" "$corpus") || return 1
        if [ -n "$progress" ]; then
            before=${progress%% *}
            if [ "$before" -ge "$campaign_runs" ]; then
                echo "== $target: its last run already reached $before executions; nothing to continue"
                echo "FUZZ-RESULT $target PASS ${campaign_runs} runs"
                return 0
            fi
            [ "$before" -gt 0 ] || progress=""
        fi
    fi
    local runs=$((campaign_runs - before))
    if [ -n "$progress" ]; then
        echo "== $target: continuing a run that stopped at $before executions: $runs more"
    else
        echo "== $target: fuzzing to $campaign_runs executions"
    fi
    local begin status=0
    begin=$(date +%s)
    # -timeout is wall time per input: a campaign runs for hours beside lab guests and builds on a
    # 2-core machine, where 10 s without the CPU is no hang. 120 s still catches a real one.
    "$exe" -runs="$runs" -timeout=120 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" > "$log" 2>&1 || status=$?
    campaign_row "$target" "$log" $(($(date +%s) - begin)) "$status" "$progress" > "$row"
    cat "$row"
    if [ "$status" -ne 0 ]; then
        echo "!! $target stopped (exit $status); crash inputs, if any, are in $artifacts/, log in $log" >&2
        echo "FUZZ-RESULT $target FAIL ${campaign_runs} runs"
        return 1
    fi
    echo "FUZZ-RESULT $target PASS ${campaign_runs} runs"
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
                mkdir -p "$campaign_dir"
                echo "| $target | 0 | | | | | a FailCases/ input crashes again |" > "$campaign_dir/$target.row"
            fi
            return 1
        fi
    fi

    while IFS= read -r seed; do
        cp "$seed" "$corpus/seed-$(basename "$seed")"
    done < <(seeds_for "$target")

    if [ -n "$campaign_runs" ]; then
        campaign_target "$target" "$exe" "$artifacts" "$corpus"
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
