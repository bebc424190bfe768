# oneshot run with a retrain section: after the search, the architectures of
# chosen.txt (or of pareto.csv) are trained stand-alone for each seed into
# retrained.csv, one row per (architecture, seed) with the supernet's
# numbers from evaluations.csv beside the stand-alone accuracy; stopped while
# retraining and resumed, the rows equal an uninterrupted run's; retrain off
# writes no retrained.csv.
. "$(dirname "$0")/lib.inc"
need_data
small_data "$TMP/data" 1536 16
cat > "$TMP/t.yaml" <<'YAML'
name: t
seed: 3
threads: 1
dataset:
  path: data
  train_images: 1024
  val_images: 512
space: tiny
supernet:
  batch: 64
  bn_recalibration: 256
search:
  generations: 2
  population: 4
objectives:
  - name: accuracy
    direction: maximize
  - name: latency
    direction: minimize
latency:
  device: mobile-gpu
retrain:
  epochs: 3
  images: 1024
  seeds: 2
YAML
$ONESHOT run "$TMP/t.yaml" --out "$TMP/a" >"$TMP/a.out" 2>"$TMP/a.err" || fail "run exited $?: $(cat "$TMP/a.err")"
expect_eq "status" "$(cat "$TMP/a/status")" done
expect_eq "header" "$(head -n 1 "$TMP/a/retrained.csv")" \
    "arch,seed,epochs,images,inherited_accuracy,val_accuracy,params,macs,latency,seconds"
# one row per (architecture of chosen.txt, seed), each once
cut -f2 "$TMP/a/chosen.txt" | grep -v '^#' | sort -u > "$TMP/chosen"
n=$(wc -l < "$TMP/chosen")
[ "$n" -ge 1 ] || fail "chosen.txt names no architecture"
tail -n +2 "$TMP/a/retrained.csv" | cut -d, -f1,2 | sort > "$TMP/pairs"
sed 's/$/,3/' "$TMP/chosen" > "$TMP/want"
sed 's/$/,4/' "$TMP/chosen" >> "$TMP/want"
sort -o "$TMP/want" "$TMP/want"
cmp -s "$TMP/pairs" "$TMP/want" || fail "retrained (arch, seed): $(tr '\n' ' ' < "$TMP/pairs"), want $(tr '\n' ' ' < "$TMP/want")"
# the supernet's numbers are evaluations.csv's (accuracy, params, macs,
# latency); the stand-alone accuracy is well above chance (10 classes) and
# the seconds positive
awk -F, 'NR == FNR { if (FNR > 1) ev[$1] = $2 "," $4 "," $5 "," $6; next }
         FNR > 1 {
             if (!($1 in ev)) { print "not evaluated: " $1; bad = 1 }
             else if (ev[$1] != $5 "," $7 "," $8 "," $9) { print $1 ": " $5 "," $7 "," $8 "," $9 " against " ev[$1]; bad = 1 }
             if ($3 != 3 || $4 != 1024) { print $1 ": epochs " $3 ", images " $4; bad = 1 }
             if (!($6 > 0.3 && $6 <= 1)) { print $1 ": val_accuracy " $6; bad = 1 }
             if (!($10 > 0)) { print $1 ": seconds " $10; bad = 1 }
         }
         END { exit bad }' "$TMP/a/evaluations.csv" "$TMP/a/retrained.csv" > "$TMP/bad" ||
    fail "retrained.csv: $(cat "$TMP/bad")"
grep -q "^retraining $n architectures stand-alone, 2 seeds each: 3 epochs of 1024 images$" "$TMP/a.err" ||
    fail "no retraining line: $(cat "$TMP/a.err")"
expect_eq "result lines" "$(grep -c '^retrained k.* (seed [34]): val accuracy 0\.[0-9]* stand-alone, 0\.[0-9]* in the supernet' "$TMP/a.err")" $((2 * n))
grep -q 'retrained}.csv' "$TMP/a.out" || fail "summary: $(cat "$TMP/a.out")"
grep -q '^  which: chosen$' "$TMP/a/experiment.yaml" || fail "experiment.yaml: no retrain.which"

# stopped in the retraining (16 supernet steps, 8 evaluations, then 48 steps
# a training: the 3rd training cut short), resumed: the same rows, but the
# seconds; the status says where it stopped
$ONESHOT run "$TMP/t.yaml" --out "$TMP/b" --stop-after 130 >/dev/null 2>"$TMP/b.err"
expect_eq "exit status when stopped" $? 130
expect_eq "status stopped" "$(cat "$TMP/b/status")" stopped
expect_eq "rows when stopped" "$(($(wc -l < "$TMP/b/retrained.csv") - 1))" 2
grep -q "the retraining in progress will start again" "$TMP/b.err" || fail "stop message: $(cat "$TMP/b.err")"
$ONESHOT run --resume "$TMP/b" >/dev/null 2>"$TMP/b.err" || fail "resume exited $?: $(cat "$TMP/b.err")"
grep -q "^retraining $n architectures stand-alone, 2 seeds each: 3 epochs of 1024 images (resumed)$" "$TMP/b.err" ||
    fail "resumed retraining line: $(cat "$TMP/b.err")"
expect_eq "trainings after the resume" "$(grep -c '^retrained ' "$TMP/b.err")" $((2 * n - 2))
expect_eq "status after the resume" "$(cat "$TMP/b/status")" done
sed 's/,[^,]*$//' "$TMP/a/retrained.csv" > "$TMP/x1"
sed 's/,[^,]*$//' "$TMP/b/retrained.csv" > "$TMP/x2"
cmp -s "$TMP/x1" "$TMP/x2" || fail "retrained.csv differs after resuming: $(diff "$TMP/x1" "$TMP/x2")"
# a kill tore the last row: it is dropped and trained again; a finished run
# resumed trains nothing
sed -i '$d' "$TMP/b/retrained.csv"
printf 'k3e2-k3e2-k7e6-k7e6,4,3,10' >> "$TMP/b/retrained.csv"
$ONESHOT run --resume "$TMP/b" >/dev/null 2>"$TMP/b.err" || fail "resume after a kill: $(cat "$TMP/b.err")"
expect_eq "trainings after a kill" "$(grep -c '^retrained ' "$TMP/b.err")" 1
sed 's/,[^,]*$//' "$TMP/b/retrained.csv" > "$TMP/x2"
cmp -s "$TMP/x1" "$TMP/x2" || fail "retrained.csv differs after a kill: $(diff "$TMP/x1" "$TMP/x2")"
$ONESHOT run --resume "$TMP/b" >/dev/null 2>"$TMP/b.err" || fail "resume of a finished run"
grep -q '^retrain' "$TMP/b.err" && fail "a finished run retrained: $(cat "$TMP/b.err")"

# which: pareto, one seed: a row per architecture of pareto.csv
sed -e 's/  seeds: 2/  which: pareto/' -e 's/  epochs: 3/  epochs: 1/' "$TMP/t.yaml" > "$TMP/p.yaml"
$ONESHOT run "$TMP/p.yaml" --out "$TMP/p" >/dev/null 2>"$TMP/p.err" || fail "pareto run: $(cat "$TMP/p.err")"
tail -n +2 "$TMP/p/pareto.csv" | cut -d, -f1 > "$TMP/x1"
tail -n +2 "$TMP/p/retrained.csv" | cut -d, -f1 > "$TMP/x2"
cmp -s "$TMP/x1" "$TMP/x2" || fail "which: pareto trained $(tr '\n' ' ' < "$TMP/x2"), the front is $(tr '\n' ' ' < "$TMP/x1")"

# off: no retraining, no retrained.csv
sed '/^retrain:/,$d' "$TMP/t.yaml" > "$TMP/off.yaml"
$ONESHOT run "$TMP/off.yaml" --out "$TMP/off" >"$TMP/off.out" 2>"$TMP/off.err" || fail "run without retrain: $(cat "$TMP/off.err")"
[ -e "$TMP/off/retrained.csv" ] && fail "retrained.csv without a retrain section"
grep -q '^retrain' "$TMP/off.err" && fail "retrained without a retrain section"
grep -q '^  epochs: 0$' "$TMP/off/experiment.yaml" || fail "experiment.yaml: retrain not written back off"

# more images than the data set holds: an error naming the file and the key
# (tests/test_experiment.c and tests/test_expmethods.c have the loader's errors), before any work and
# without a run directory
sed 's/  images: 1024/  images: 1500/' "$TMP/t.yaml" > "$TMP/e.yaml"
err=$($ONESHOT run "$TMP/e.yaml" --out "$TMP/e" 2>&1 >/dev/null)
expect_eq "more images than the data set has" "$err" "oneshot: $TMP/e.yaml: error: retrain.images: split: 1500 training + 512 validation images exceed the 1536 images of the data set"
[ -e "$TMP/e" ] && fail "a failed run made its directory"
exit 0
