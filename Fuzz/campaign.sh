# Fuzz/campaign.sh: the campaign's bookkeeping, sourced by Fuzz/run.sh and by
# Tests/fuzz-campaign.sh (which runs it on made-up logs and tables, no fuzzer needed).
#
# The caller sets: table (the CAMPAIGN.md path), campaign_dir (where <Target>.row files are),
# all_targets (the table's rows, in order) and root (the repository, for the commit line).
# A row: | target | execs | time | cov a → b (+n) | ft a → b (+n) | corpus | crashes |

format_duration() { printf '%dh%02dm%02ds' $(($1 / 3600)) $(($1 % 3600 / 60)) $(($1 % 60)); }

# previous_row TARGET: the row file of the target's last campaign run in this scratch directory,
# if any. Never the table's row: that run may have been on another machine or in another clone,
# with a corpus that is not the one here, and continuing it would claim executions that never
# led to this corpus.
previous_row() {
    if [ -f "$campaign_dir/$1.row" ]; then cat "$campaign_dir/$1.row"; fi
}

# row_progress ROW: "EXECS SECONDS COV0 FT0 RUNS" of a row to continue ("-" for an unknown
# coverage). Refuses (status 2) a row whose run found a crash: that is fixed and run again from
# zero, never continued.
row_progress() {
    local row="$1" execs_field time_field cov_field ft_field crashes execs runs seconds=0
    # | target | execs | time | cov | ft | corpus | crashes |, split once.
    IFS='|' read -r _ _ execs_field time_field cov_field ft_field _ crashes _ <<<"$row"
    if grep -q 'crash-\|Test unit\|FailCases' <<<"$crashes" || grep -Eq '^ *[1-9][0-9]* *$' <<<"$crashes"; then
        echo "!! refusing to continue a run that crashed: $row" >&2
        return 2
    fi
    # "N", "N (stopped, partial)" or "A + B = N (K runs)": N executions ran, in K runs (else 1).
    if [[ "$execs_field" =~ =\ ([0-9]+)\ \(([0-9]+)\ runs\) ]]; then
        execs="${BASH_REMATCH[1]}"
        runs="${BASH_REMATCH[2]}"
    else
        execs=$(first_number "$execs_field")
        runs=1
    fi
    # "1h02m03s", or "about 1h45m" in a row written by hand.
    if [[ "$time_field" =~ ([0-9]+)h([0-9]+)m(([0-9]+)s)? ]]; then
        seconds=$((10#${BASH_REMATCH[1]} * 3600 + 10#${BASH_REMATCH[2]} * 60 + 10#${BASH_REMATCH[4]:-0}))
    fi
    echo "${execs:-0} $seconds $(first_number "$cov_field" -) $(first_number "$ft_field" -) $runs"
}

# first_number TEXT [ELSE]: the first run of digits in TEXT, else ELSE (empty by default).
first_number() {
    if [[ "$1" =~ [0-9]+ ]]; then echo "${BASH_REMATCH[0]}"; else echo "${2:-}"; fi
}

# continue_progress TARGET CORPUS: row_progress of the target's last run here, to continue it;
# nothing when there is none (the run starts from zero). Fails when that run crashed or when its
# corpus is gone.
continue_progress() {
    local previous
    previous=$(previous_row "$1")
    [ -n "$previous" ] || return 0
    # What the run added (libFuzzer names inputs by their SHA-1; run.sh copies seeds as seed-*).
    if [ -z "$(find "$2" -maxdepth 1 -type f ! -name 'seed-*' 2>/dev/null | head -n 1)" ]; then
        echo "!! $1: its corpus ($2) is gone, so its last run cannot be continued; run it without --continue" >&2
        return 1
    fi
    row_progress "$previous"
}

# campaign_row TARGET LOG SECONDS STATUS [PROGRESS]: the row of one libFuzzer run from its log
# (-print_final_stats=1), its wall time and exit status. With PROGRESS (row_progress of the run it
# continues), executions and time are summed, and coverage counts from where the first run began:
# the kept corpus carries it between runs. "New coverage" is the growth of cov (edges) and ft
# (features) from the INITED line (the kept corpus and seeds loaded) to the last status line.
campaign_row() {
    local target="$1" log="$2" seconds="$3" status="$4" progress="${5:-}"
    local first last execs crashes cov0 cov1 ft0 ft1 corpus artifacts_note="" execs_text
    first=$(grep -m1 -E '^#[0-9]+[[:space:]]+INITED' "$log" || true)
    last=$(grep -E '^#[0-9]+[[:space:]].* cov: ' "$log" | tail -n 1 || true)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    crashes=$(grep -c 'Test unit written to' "$log" || true)
    if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes="exit $status"; fi
    cov0=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$first")
    cov1=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft0=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$first")
    ft1=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<<"$last")
    if grep -q 'Test unit written to' "$log"; then
        artifacts_note=" ($(grep -o 'Test unit written to .*' "$log" | sed 's|.*/||' | tr '\n' ' ' | sed 's/ $//'))"
    fi
    execs_text="${execs:-?}"
    if [ -n "$progress" ]; then
        local before_execs before_seconds before_cov before_ft before_runs
        read -r before_execs before_seconds before_cov before_ft before_runs <<<"$progress"
        execs_text="$before_execs + ${execs:-?} = $((before_execs + ${execs:-0})) ($((before_runs + 1)) runs)"
        seconds=$((seconds + before_seconds))
        [ "$before_cov" = - ] || cov0="$before_cov"
        [ "$before_ft" = - ] || ft0="$before_ft"
    fi
    # A growth can be negative: a continued run's corpus, merged on loading, may hold a feature less.
    printf '| %s | %s | %s | %s → %s (%+d) | %s → %s (%+d) | %s | %s%s |\n' \
        "$target" "$execs_text" "$(format_duration "$seconds")" \
        "${cov0:-?}" "${cov1:-?}" "$((${cov1:-0} - ${cov0:-0}))" \
        "${ft0:-?}" "${ft1:-?}" "$((${ft1:-0} - ${ft0:-0}))" "${corpus:-?}" "$crashes" "$artifacts_note"
}

# campaign_table: the table from every target's row (all targets, in run order). A target with
# no row file keeps the table's row (an earlier session's or another machine's), else "not run";
# the notes after the table are kept.
campaign_table() {
    local total=0 old notes target line
    old=$(cat "$table" 2>/dev/null || true)
    notes=$(printf '%s\n' "$old" | sed -n '/^Total fuzzing time/,$p' | sed '1d')
    {
        echo "# Fuzzing campaign"
        echo
        echo "Written by \`make fuzz-campaign\` (\`Fuzz/run.sh --campaign RUNS\`): every target to RUNS libFuzzer"
        echo "executions (\`-runs\`, one process, under \`nice -n 15\`) with AddressSanitizer, starting from the"
        echo "kept corpus (\`Fuzz/corpus-<Target>/\`), the seeds and, before it, a replay of \`FailCases/\`."
        echo "New coverage is the growth of libFuzzer's \`cov\` (edges) and \`ft\` (features) from the loaded"
        echo "corpus to the end of the run; corpus is the number of inputs at the end. A run that stopped"
        echo "short with no crash may be continued in the same clone (\`--campaign RUNS --continue TARGET\`): only"
        echo "the missing executions run, from the corpus the first run kept, and the row shows both"
        echo "(\`A + B = N (K runs)\`)."
        echo
        echo "Last table: $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'),"
        echo "$(swift --version 2>/dev/null | head -n 1 | sed 's/ (.*//'), $(nproc) CPUs."
        echo
        echo "| target | execs | time | cov (new) | ft (new) | corpus | crashes |"
        echo "|---|---:|---:|---|---|---:|---|"
        for target in "${all_targets[@]}"; do
            if [ -f "$campaign_dir/$target.row" ]; then
                line=$(cat "$campaign_dir/$target.row")
            else
                line=$(printf '%s\n' "$old" | grep -m1 "^| $target | " || echo "| $target | not run | | | | | |")
            fi
            echo "$line"
            if [[ "$line" =~ ^\|\ [^|]*\ \|\ [^|]*\ \|\ ([0-9]+)h([0-9]+)m([0-9]+)s\ \| ]]; then
                total=$((total + 10#${BASH_REMATCH[1]} * 3600 + 10#${BASH_REMATCH[2]} * 60 + 10#${BASH_REMATCH[3]}))
            fi
        done
        echo
        echo "Total fuzzing time: $(format_duration "$total") (rows with a time)."
        [ -z "$notes" ] || printf '%s\n' "$notes"
    } > "$table.new"
    mv "$table.new" "$table"
    echo "== table written to $table"
}
