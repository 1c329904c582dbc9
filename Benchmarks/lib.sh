# shellcheck shell=bash
# What every benchmark script does first. Sourced by Benchmarks/*.sh.
#   bench_run SCENARIO TIMEOUT_SECONDS "$@"   cd to the repository, take the script's
#       --kernel 6.12|6.1 (default 6.12), run lab scenario SCENARIO and set BENCH_LOG to its
#       console log (lab/run.sh keeps lab/out/<scenario>-<kernel>.log); exits 1 if the run failed.
bench_run() {
  local scenario=$1 timeout=$2 kernel=6.12
  shift 2
  [ "${1:-}" = --kernel ] && kernel=$2
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  bash lab/run.sh --kernel "$kernel" --timeout "$timeout" "$scenario" >/dev/null \
    || { echo "benchmark run failed; see lab/out/$scenario-$kernel.log"; exit 1; }
  BENCH_LOG=lab/out/$scenario-$kernel.log
}
