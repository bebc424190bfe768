# Every shipped file loads: examples/*.yaml (with their scripts, as a dry
# run), spaces/*.lua, lua/*.lua as strategies; and the default experiment,
# examples/quick.yaml, runs to the end.
. "$(dirname "$0")/lib.inc"
need_data
root=$(cd "$(dirname "$0")/../.." && pwd)
n=0
for f in "$root"/examples/*.yaml; do
    out=$($ONESHOT run --check "$f" 2>&1) || fail "run --check $f: $out"
    n=$((n + 1))
done
[ $n -ge 3 ] || fail "only $n examples"
for f in "$root"/spaces/*.lua; do
    out=$($ONESHOT space "$f" --json 2>&1) || fail "space $f: $out"
done
for f in "$root"/lua/*.lua; do
    name=$(basename "$f" .lua)
    sed "s|strategy: random|strategy: $name|" "$root/examples/quick.yaml" > "$TMP/$name.yaml"
    out=$($ONESHOT run --check "$TMP/$name.yaml" 2>&1) || fail "strategy $name: $out"
    case "$out" in *"strategy $name "*) ;; *) fail "strategy $name: $out" ;; esac
done
$ONESHOT run "$root/examples/quick.yaml" --out "$TMP/quick" >"$TMP/quick.out" 2>"$TMP/quick.err" || fail "quick.yaml exited $?: $(tail -n 5 "$TMP/quick.err")"
expect_eq "quick: status" "$(cat "$TMP/quick/status")" done
expect_eq "quick: evaluations" "$(($(wc -l < "$TMP/quick/evaluations.csv") - 1))" 50
grep -q '^balanced	k' "$TMP/quick/chosen.txt" || fail "quick: chosen.txt"
exit 0
