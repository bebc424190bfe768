#!/usr/bin/env bash
# Runs oneshot's libFuzzer harnesses (made by `make fuzz-build`).
#
#   tests/fuzz/run.sh --list                 the harness names
#   tests/fuzz/run.sh BUILD [NAME...]        every harness (or those named),
#                                            one line each, then "N passed,
#                                            N failed, N skipped"
#   FUZZ_HARNESS=NAME tests/fuzz/run.sh      one harness (tests/run.sh runs it
#                                            so): exit 0 passed, 77 skipped,
#                                            anything else failed
#
# Environment: FUZZ_BUILD (build-fuzz), FUZZ_SECONDS (60): how long each
# harness fuzzes after it has replayed every file of tests/fuzz/NAME/regressions
# and tests/fuzz/NAME/seeds.  The corpus grows in FUZZ_BUILD/fuzz/corpus/NAME,
# a crash lands in FUZZ_BUILD/fuzz/crashes/NAME/ and each run adds a line to
# FUZZ_BUILD/fuzz/stats.tsv (date, harness, seconds it took, executions,
# result).
# One harness runs at a time, in one process.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cd "$top" || exit 1
# one thread: OpenBLAS and OpenMP make no pools of their own
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
# a sanitizer report names where it happened
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

names() {
    for f in "$here"/fuzz_*.c; do
        n=${f##*/fuzz_}
        echo "${n%.c}"
    done
}

if [ "${1:-}" = "--list" ]; then
    names
    exit 0
fi

if [ -z "${FUZZ_HARNESS:-}" ]; then
    export FUZZ_BUILD=${1:-${FUZZ_BUILD:-build-fuzz}}
    [ $# -gt 0 ] && shift
    list=("$@")
    [ ${#list[@]} -eq 0 ] && mapfile -t list < <(names)
    passed=0 failed=0 skipped=0
    for n in "${list[@]}"; do
        FUZZ_HARNESS=$n "$0"
        case $? in
            0) passed=$((passed + 1)) ;;
            77) skipped=$((skipped + 1)) ;;
            *) failed=$((failed + 1)) ;;
        esac
    done
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
    exit
fi

name=$FUZZ_HARNESS
build=${FUZZ_BUILD:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
bin=$build/fuzz/fuzz_$name
src=tests/fuzz/$name
if [ -f "$build/fuzz/SKIPPED" ]; then
    echo "SKIP: fuzz_$name: $(cat "$build/fuzz/SKIPPED")" >&2
    exit 77
fi
[ -x "$bin" ] || { echo "FAIL: fuzz_$name: $bin is not built (make fuzz-build)" >&2; exit 1; }
[ -d "$src/seeds" ] || { echo "FAIL: fuzz_$name: no seed corpus in $src/seeds" >&2; exit 1; }
work=$build/fuzz
mkdir -p "$work/corpus/$name" "$work/crashes/$name" "$work/logs"
log=$work/logs/$name.log
opts=(-timeout=25 -rss_limit_mb=2560 -malloc_limit_mb=2048 -print_final_stats=1
      "-artifact_prefix=$work/crashes/$name/")
[ -f "$src/dict" ] && opts+=("-dict=$src/dict")

# every regression and seed, once each: a fixed bug stays fixed
mapfile -t inputs < <(find "$src/regressions" "$src/seeds" -type f 2>/dev/null | sort)
if [ ${#inputs[@]} -gt 0 ] && ! "$bin" "${opts[@]}" "${inputs[@]}" > "$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "FAIL: fuzz_$name: an input of $src fails again (log: $log)" >&2
    exit 1
fi
replayed=${#inputs[@]}

dirs=("$work/corpus/$name" "$src/seeds")
[ -d "$src/regressions" ] && dirs+=("$src/regressions")
start=$(date +%s)
"$bin" "${opts[@]}" -max_total_time="$seconds" "${dirs[@]}" >> "$log" 2>&1
status=$?
took=$(($(date +%s) - start))
execs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)
corpus=$(find "$work/corpus/$name" -type f | wc -l)
result=passed
[ "$status" -eq 0 ] || result=failed
printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$name" "$took" "${execs:-0}" "$result" \
    >> "$work/stats.tsv"
echo "fuzz_$name: $replayed inputs replayed, ${execs:-?} executions in $took s, corpus $corpus; $result"
if [ "$status" -ne 0 ]; then
    tail -n 60 "$log" >&2
    echo "FAIL: fuzz_$name (log: $log; the input is in $work/crashes/$name/)" >&2
    exit 1
fi
exit 0
