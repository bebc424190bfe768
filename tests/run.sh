#!/usr/bin/env bash
# Runs every unit test binary in BUILD/tests and every CLI test script in
# tests/cli/, adds up their counts, and ends with "N passed, N failed".
# Usage: tests/run.sh BUILD [--unit-only [LABEL [CLI_SCRIPT...]]]
# LABEL prefixes the summary; the CLI scripts named after it run with
# BUILD/oneshot (the sanitizer build runs some that way).
set -u
build=${1:-build}
unit_only=${2:-}
label=${3:+$3: }
shift $(($# < 3 ? $# : 3))
extra_cli=("$@")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
passed=0
failed=0
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    case "$t" in *.o|*.d) continue;; esac
    echo "== $(basename "$t")"
    out=$("$t" 2>&1)
    status=$?
    printf '%s\n' "$out" | grep -v '^ok ' || true
    line=$(printf '%s\n' "$out" | grep -E '^# [0-9]+ passed, [0-9]+ failed$' | tail -n 1)
    if [ -z "$line" ]; then
        echo "FAIL $(basename "$t"): exited $status without a summary"
        failed=$((failed + 1))
        continue
    fi
    p=$(echo "$line" | sed -E 's/^# ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed$/\1/')
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $(basename "$t"): exited $status"
        failed=$((failed + 1))
    fi
done
build_abs=$(cd "$build" && pwd)
for s in "${extra_cli[@]}"; do
    echo "== $s with $build/oneshot"
    if out=$(cd "$top" && ONESHOT="$build_abs/oneshot" ONESHOT_DATADIR="$top" bash "$s" 2>&1); then
        passed=$((passed + 1))
    else
        printf '%s\n' "$out" | tail -n 20
        echo "FAIL $s with $build/oneshot"
        failed=$((failed + 1))
    fi
done
if [ "$unit_only" != "--unit-only" ]; then
    for s in "$here"/cli/*.sh; do
        [ -f "$s" ] || continue
        echo "== cli/$(basename "$s")"
        if out=$(cd "$top" && ONESHOT="$top/oneshot" bash "$s" 2>&1); then
            passed=$((passed + 1))
        else
            printf '%s\n' "$out" | tail -n 20
            echo "FAIL cli/$(basename "$s")"
            failed=$((failed + 1))
        fi
    done
fi
echo "$label$passed passed, $failed failed"
[ "$failed" -eq 0 ]
