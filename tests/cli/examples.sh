# Every shipped file loads: examples/*.yaml (with their scripts, as a dry
# run), spaces/*.lua, lua/*.lua as strategies; and the default experiment,
# examples/quick.yaml, runs to the end, every key as shipped but its images
# (2,560 training and 1,000 validation images instead of 10,000 and 2,000:
# the pipeline is the same, in a fifth of the time; `make run` runs it whole).
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
sed -e 's|^  train_images: 10000$|  train_images: 2560|' -e 's|^  val_images: 2000$|  val_images: 1000|' \
    -e 's|^output: .*|output: runs/quick|' "$root/examples/quick.yaml" > "$TMP/quick.yaml"
grep -q '^  train_images: 2560$' "$TMP/quick.yaml" || fail "quick.yaml no longer says train_images: 10000"
grep -q '^space: fmnist-skip ' "$TMP/quick.yaml" || fail "quick.yaml no longer searches fmnist-skip"
$ONESHOT run "$TMP/quick.yaml" --out "$TMP/quick" >"$TMP/quick.out" 2>"$TMP/quick.err" || fail "quick.yaml exited $?: $(tail -n 5 "$TMP/quick.err")"
expect_eq "quick: status" "$(cat "$TMP/quick/status")" done
expect_eq "quick: evaluations" "$(($(wc -l < "$TMP/quick/evaluations.csv") - 1))" 50
grep -q '^balanced	k' "$TMP/quick/chosen.txt" || fail "quick: chosen.txt"
# the default run ranks against the space's ground truth at each epoch's end
expect_eq "quick: rankings" "$(($(wc -l < "$TMP/quick/ranking.csv") - 1))" 2
grep -q "^step 20: the supernet ranks the 24 architectures of .*fmnist-skip.truth.csv with Kendall tau .* (by size alone: params " "$TMP/quick.err" || fail "quick: ranking line: $(cat "$TMP/quick.err")"
exit 0
