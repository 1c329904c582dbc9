#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer and AddressSanitizer and runs each for a bounded time.
#
#   Fuzz/run.sh [SECONDS]      SECONDS per target, default 60
#
# For each target: replay FailCases/<Target>/* (earlier crashes), then fuzz with the test fixtures
# as seed corpus. Exits non-zero if any replay or fuzz run crashes; new crash inputs are written to
# $scratch/artifacts/<Target>/ (copy them into FailCases/<Target>/ and keep the regression test).
# The build goes to Fuzz/.build-fuzz and the growing corpora to Fuzz/corpus-<Target>/
# (both gitignored); set FUZZ_SCRATCH_PATH to build elsewhere.
set -euo pipefail

seconds="${1:-60}"
case "$seconds" in
    '' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
fixtures="$root/Tests/SMB3ProtocolTests/Fixtures"
scratch="${FUZZ_SCRATCH_PATH:-$here/.build-fuzz}"
targets=(FuzzDebugData FuzzKeyDescription FuzzSpnegoToken FuzzCIFSQueryInfo FuzzSnapshotArray
    FuzzSecurityDescriptor FuzzCIFSNotify FuzzCIFSKeyDump FuzzCIFSMountInfo FuzzNetworkInterfaceInfo
    FuzzSWNNetlink FuzzDCERPCPDU FuzzWitnessResponses FuzzWitnessNotification FuzzNTLMChallenge FuzzInetDiag
    FuzzUpcallService FuzzRPCAssociation FuzzWitnessConfiguration FuzzProcessStatus)

seeds_for() {
    case "$1" in
        FuzzDebugData) find "$fixtures/debugdata" "$fixtures/lab" -maxdepth 1 -type f -name 'debugdata-*' 2>/dev/null ;;
        FuzzKeyDescription) find "$fixtures/lab" -maxdepth 1 -type f -name 'keydesc*' 2>/dev/null ;;
        FuzzSpnegoToken | FuzzSWNNetlink | FuzzDCERPCPDU | FuzzWitnessResponses | FuzzWitnessNotification | FuzzNTLMChallenge | \
            FuzzInetDiag | FuzzUpcallService | FuzzRPCAssociation | FuzzWitnessConfiguration | FuzzProcessStatus)
            find "$here/Seeds/$1" -maxdepth 1 -type f 2>/dev/null ;;
    esac
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

status=0
for target in "${targets[@]}"; do
    exe="$bin/$target"
    artifacts="$scratch/artifacts/$target"
    corpus="$here/corpus-$target"
    mkdir -p "$artifacts" "$corpus"

    failcases=()
    if [ -d "$here/FailCases/$target" ]; then
        while IFS= read -r -d '' file; do failcases+=("$file"); done \
            < <(find "$here/FailCases/$target" -type f ! -name 'README*' ! -name '.*' -print0 | sort -z)
    fi
    if [ "${#failcases[@]}" -gt 0 ]; then
        echo "== $target: replaying ${#failcases[@]} fail case(s)"
        if ! "$exe" -artifact_prefix="$artifacts/" "${failcases[@]}"; then
            echo "!! $target: a recorded fail case crashes again" >&2
            echo "FUZZ-RESULT $target FAIL (fail case replay)"
            status=1
            continue
        fi
    fi

    while IFS= read -r seed; do
        cp "$seed" "$corpus/seed-$(basename "$seed")"
    done < <(seeds_for "$target")

    echo "== $target: fuzzing for ${seconds}s"
    if ! "$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus"; then
        echo "!! $target crashed; inputs are in $artifacts/" >&2
        echo "FUZZ-RESULT $target FAIL ${seconds}s"
        status=1
    else
        echo "FUZZ-RESULT $target PASS ${seconds}s"
    fi
done
exit "$status"
