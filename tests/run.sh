#!/usr/bin/env bash
# Runs every unit test binary in BUILD/tests and every CLI test script in
# tests/cli/, adds up their counts, and ends with "N passed, N failed, N skipped".
# Usage: tests/run.sh BUILD [--unit-only [LABEL [CLI_SCRIPT...]]]
#        tests/run.sh BUILD --both-blas
# LABEL names the summary; the CLI scripts named after it run with
# BUILD/oneshot (the sanitizer build runs some that way).
#
# --both-blas runs the whole suite twice: with OPENBLAS_CORETYPE as the
# environment has it, then the other way (unset if it was set; set to the
# kernels oneshot picked if it was not), since some machines set it and
# every test must hold both ways.  A CLI script with the line
# "# suite: first BLAS pass only" in its header runs in the first pass
# alone: the MPI scripts, whose processes are compared with each other under
# one setting (the BLAS kernels' own contracts are in the scripts that run
# twice); the second pass names them.
#
# Every test's wall time is printed after it, so that the suite's time can
# be read per test (CI must stay under 20 minutes on 2 cores).
# A unit test binary prints "# N passed, M failed, K skipped"; a CLI script
# exits 0 (passed), 77 (skipped: a tool or the data set is missing) or
# anything else (failed).  A skip is never counted as a pass.
#
# With FUZZ_BUILD set (make asan sets it), each libFuzzer harness of
# tests/fuzz/ built there is run too, as one test: its seeds and regressions
# replayed, then FUZZ_SECONDS of fuzzing (tests/fuzz/run.sh; skipped when
# clang could not build them).
set -u
build=${1:-build}
mode=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)

if [ "$mode" = "--both-blas" ]; then
    status=0
    out1=$("$0" "$build" --pass "OPENBLAS_CORETYPE as set" 2>&1) || status=1
    printf '%s\n' "$out1"
    if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
        other="unset"
        out2=$(env -u OPENBLAS_CORETYPE SUITE_PASS=2 "$0" "$build" --pass "OPENBLAS_CORETYPE unset" 2>&1) || status=1
    else
        core=$("$top/oneshot" --version | sed -nE 's/^BLAS: .*, core ([A-Za-z0-9]+).*/\1/p')
        other="OPENBLAS_CORETYPE=$core"
        out2=$(OPENBLAS_CORETYPE=$core SUITE_PASS=2 "$0" "$build" --pass "$other" 2>&1) || status=1
    fi
    printf '%s\n' "$out2"
    sum() { printf '%s\n' "$1" | tail -n 1 | sed -nE "s/^(.* )?([0-9]+) $2.*/\2/p" | grep . || { [ "$2" = failed ] && echo 1 || echo 0; }; }
    p=$(($(sum "$out1" passed) + $(sum "$out2" passed)))
    f=$(($(sum "$out1" failed) + $(sum "$out2" failed)))
    s=$(($(sum "$out1" skipped) + $(sum "$out2" skipped)))
    echo "$p passed, $f failed, $s skipped"
    exit $status
fi

unit_only=""
label=""
extra_cli=()
if [ "$mode" = "--pass" ]; then
    label="${3:-}: "
    echo "=== the suite with ${3:-}"
elif [ "$mode" = "--unit-only" ]; then
    unit_only=1
    label=${3:+$3: }
    shift $(($# < 3 ? $# : 3))
    extra_cli=("$@")
fi
passed=0
failed=0
skipped=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.o|*.d) continue;; esac
    echo "== $(basename "$t")"
    t0=$SECONDS
    out=$("$t" 2>&1)
    status=$?
    echo "   ($((SECONDS - t0)) s)"
    printf '%s\n' "$out" | grep -v '^ok ' || true
    line=$(printf '%s\n' "$out" | grep -E '^# [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL $(basename "$t"): exited $status without a summary"
        failed=$((failed + 1))
        continue
    fi
    read -r p f s <<< "$(echo "$line" | sed -E 's/^# ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')"
    passed=$((passed + p))
    failed=$((failed + f))
    skipped=$((skipped + s))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $(basename "$t"): exited $status"
        failed=$((failed + 1))
    fi
done

# run_cli NAME SCRIPT [VAR=VALUE...]: one CLI script, counted
run_cli() {
    local name=$1 script=$2
    shift 2
    if [ "${SUITE_PASS:-1}" = 2 ] && sed -n '1,40p' "$script" | grep -q '^# suite: first BLAS pass only'; then
        echo "== $name: run in the first pass only"
        return
    fi
    echo "== $name"
    local t0=$SECONDS
    out=$(cd "$top" && env "$@" bash "$script" 2>&1)
    local status=$?
    echo "   ($((SECONDS - t0)) s)"
    if [ "$status" -eq 0 ]; then
        printf '%s\n' "$out" | grep '^fuzz_' # a harness's executions
        passed=$((passed + 1))
    elif [ "$status" -eq 77 ]; then
        printf '%s\n' "$out" | grep '^SKIP' | tail -n 1
        skipped=$((skipped + 1))
    else
        printf '%s\n' "$out" | tail -n 20
        echo "FAIL $name"
        failed=$((failed + 1))
    fi
}
build_abs=$(cd "$build" && pwd)
for s in "${extra_cli[@]}"; do
    run_cli "$s with $build/oneshot" "$s" ONESHOT="$build_abs/oneshot" ONESHOT_DATADIR="$top"
done
if [ -n "${FUZZ_BUILD:-}" ]; then
    for n in $("$here/fuzz/run.sh" --list); do
        run_cli "fuzz/$n (${FUZZ_SECONDS:-60} s)" "$here/fuzz/run.sh" FUZZ_HARNESS="$n" \
            FUZZ_BUILD="$FUZZ_BUILD" FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
    done
fi
if [ -z "$unit_only" ]; then
    for s in "$here"/cli/*.sh; do
        [ -f "$s" ] || continue
        run_cli "cli/$(basename "$s")" "$s" ONESHOT="$top/oneshot" DISKSHIM_SO="$build_abs/tests/diskshim.so" \
            ONESHOT_MPI="$top/build-mpi/oneshot"
    done
fi
[ -n "$label" ] && echo "== ${label%: }: the counts"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
