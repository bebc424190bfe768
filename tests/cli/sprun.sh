# oneshot run with method: singlepath: a cut-down examples/singlepath.yaml
# (a few hundred images) runs Single-Path NAS into its run directory
# (singlepath.ckpt, singlepath.csv, decisions.csv, chosen.txt with the
# table's latency of its architecture) and retrains its architecture; stopped
# in the search and in the retraining, rows torn by a kill, and resumed, it
# ends with the uninterrupted run's files; --check summarises it and writes
# nothing; with target_ms, lambda is tuned in trials forked from one warm-up
# (stopped and resumed: the same trials); a space it cannot search, a tuning
# whose warm-up leaves no epochs and a resume with another lambda are
# refused, naming the place.
. "$(dirname "$0")/lib.inc"
need_data
small_data "$TMP/data" 640 16
# examples/singlepath.yaml with its data, epochs, batch and threads cut down
sed -e 's|^dataset:|dataset:\n  path: data|' -e 's/^  train_images: .*/  train_images: 384/' \
    -e 's/^  val_images: .*/  val_images: 128/' -e 's/^  epochs: .*/  epochs: 2/' -e 's/^  batch: .*/  batch: 32/' \
    -e 's/^threads: .*/threads: 1/' -e 's/^output: .*/output: runs\/t/' \
    examples/singlepath.yaml > "$TMP/t.yaml"
printf 'retrain:\n  epochs: 1\n' >> "$TMP/t.yaml"
grep -q '^method: singlepath$' "$TMP/t.yaml" || fail "examples/singlepath.yaml is not a Single-Path experiment"
grep -q '^  path: data$' "$TMP/t.yaml" && grep -q '^  batch: 32$' "$TMP/t.yaml" &&
    grep -q '^threads: 1$' "$TMP/t.yaml" || fail "the cut-down copy: $(cat "$TMP/t.yaml")"

# --check: a summary, nothing written
out=$($ONESHOT run --check "$TMP/t.yaml" 2>"$TMP/check.err") || fail "check exited $?: $(cat "$TMP/check.err")"
case $out in
"$TMP/t.yaml: space fmnist-skip ("*" architectures), method singlepath: 2 epochs of batch 32, lambda "*", warm-up 1.25 epochs, latency on mobile-gpu") ;;
*) fail "check: $out" ;;
esac
[ -e "$TMP/runs" ] && fail "--check made a run directory"

# uninterrupted
$ONESHOT run "$TMP/t.yaml" --out "$TMP/a" >"$TMP/a.out" 2>"$TMP/a.err" || fail "run exited $?: $(cat "$TMP/a.err")"
for f in experiment.yaml info.txt latency.yaml singlepath.ckpt singlepath.csv decisions.csv chosen.txt retrained.csv status; do
    [ -s "$TMP/a/$f" ] || fail "no $f in the run directory"
done
for f in strategy.lua supernet.ckpt history.csv evaluations.csv; do
    [ -e "$TMP/a/$f" ] && fail "a Single-Path run wrote $f"
done
expect_eq "status" "$(cat "$TMP/a/status")" done
grep -q '^method: singlepath$' "$TMP/a/experiment.yaml" || fail "experiment.yaml: $(cat "$TMP/a/experiment.yaml")"
expect_eq "singlepath.csv header" "$(head -n 1 "$TMP/a/singlepath.csv")" \
    "step,epoch,warm,lr,lambda,loss,cross_entropy,runtime_ms,arch,seconds"
# 12 steps an epoch; the warm-up is 5/8 of the 24 steps: 15, with lambda 0
expect_eq "steps" "$(tail -n +2 "$TMP/a/singlepath.csv" | cut -d, -f1 | tr '\n' ' ')" \
    "$(seq 1 24 | tr '\n' ' ')"
expect_eq "warm-up steps" "$(awk -F, 'NR > 1 && $3 == 1 && $5 == 0' "$TMP/a/singlepath.csv" | wc -l)" 15
lambda=$(sed -n 's/^  lambda: *\([0-9.e+-]*\).*/\1/p' "$TMP/t.yaml")
awk -F, -v l="$lambda" 'NR > 16 && ($3 != 0 || $5 != l) { exit 1 }' "$TMP/a/singlepath.csv" ||
    fail "after the warm-up: not lambda $lambda"
# loss = cross-entropy + lambda ln R, row by row
awk -F, 'NR > 1 { d = $6 - ($7 + $5 * log($8)); if (d > 1e-6 * (1 + ($6 < 0 ? -$6 : $6)) || d < -1e-6 * (1 + ($6 < 0 ? -$6 : $6))) { print NR ": " $0; exit 1 } }' \
    "$TMP/a/singlepath.csv" || fail "a row whose loss is not its cross-entropy + lambda ln R"
# the decisions at each epoch's end: a row per layer
expect_eq "decisions.csv header" "$(head -n 1 "$TMP/a/decisions.csv")" \
    "epoch,step,layer,choice,d5,d7,d6,d_se,d_keep,m5,m7,m6,m_se,m_keep"
expect_eq "decision rows" "$(tail -n +2 "$TMP/a/decisions.csv" | cut -d, -f1-3 | tr '\n' ' ')" \
    "$(for e in 1 2; do for l in $(seq 1 12); do printf '%d,%d,%d ' $e $((12 * e)) $l; done; done)"
# a decision is on exactly when its margin is not negative; fmnist-skip has
# no SE decision, and the first layer of each stage (3, 6, 9) no skip
awk -F, 'NR > 1 { for (j = 5; j <= 9; j++) { m = $(j + 5)
                      if (($j == "") != (m == "") || ($j != "" && ($j == 1) != (m >= 0))) { print NR; exit 1 } }
                  if ($8 != "" || (($3 == 3 || $3 == 6 || $3 == 9) != ($9 == ""))) { print NR; exit 1 } }' \
    "$TMP/a/decisions.csv" || fail "decisions.csv: decisions against margins"
# the last epoch's choices are chosen.txt's architecture, which is the last
# step's; its latency is the table's prediction of it
row=$(grep -v '^#' "$TMP/a/chosen.txt")
arch=$(printf '%s\n' "$row" | cut -f2)
expect_eq "chosen.txt label" "$(printf '%s\n' "$row" | cut -f1)" singlepath
expect_eq "chosen vs decisions" "$arch" "$(awk -F, '$1 == 2 { printf "%s%s", (NR > 14 ? "-" : ""), $4 }' "$TMP/a/decisions.csv")"
expect_eq "chosen vs the last step" "$arch" "$(tail -n 1 "$TMP/a/singlepath.csv" | cut -d, -f9)"
ms=$(printf '%s\n' "$row" | cut -f3)
acc=$(printf '%s\n' "$row" | cut -f4)
want=$(json_field "$($ONESHOT latency predict --space fmnist-skip --device mobile-gpu --arch "$arch" --json)" ms)
awk -v a="$ms" -v b="$want" 'BEGIN { exit !(a - b < 1e-5 * b && b - a < 1e-5 * b) }' ||
    fail "chosen.txt's latency $ms, the table's $want"
awk -v a="$acc" 'BEGIN { exit !(a >= 0 && a <= 1) }' || fail "proxy accuracy $acc"
# retrained: the chosen architecture, with the search's numbers
seed=$(sed -n 's/^seed: *\([0-9]*\).*/\1/p' "$TMP/t.yaml")
expect_eq "retrained.csv" "$(tail -n +2 "$TMP/a/retrained.csv" | cut -d, -f1-5,9)" "$arch,$seed,1,384,$acc,$ms"
grep -q "^run $TMP/a: Single-Path NAS chose$" "$TMP/a.out" || fail "summary: $(cat "$TMP/a.out")"
grep -q "^  $arch$" "$TMP/a.out" || fail "summary: $(cat "$TMP/a.out")"
grep -q '^epoch 2/2: loss .*; the decisions decode to ' "$TMP/a.err" || fail "epoch lines: $(cat "$TMP/a.err")"
grep -q '^epoch 1/2: .*(warm-up: lambda 0' "$TMP/a.err" || fail "warm-up epoch line: $(cat "$TMP/a.err")"

same() { # same DIR1 DIR2: the results, without the seconds columns
    cmp -s <(cut -d, -f1-9 "$1/singlepath.csv") <(cut -d, -f1-9 "$2/singlepath.csv") ||
        fail "singlepath.csv differs after resuming: $(diff <(cut -d, -f1-9 "$1/singlepath.csv") <(cut -d, -f1-9 "$2/singlepath.csv") | head -n 5)"
    cmp -s <(cut -d, -f1-9 "$1/retrained.csv") <(cut -d, -f1-9 "$2/retrained.csv") ||
        fail "retrained.csv differs after resuming"
    for f in decisions.csv chosen.txt singlepath.ckpt; do
        cmp -s "$1/$f" "$2/$f" || fail "$f differs after resuming"
    done
}
# stopped in the search's first epoch, in the retraining, rows torn by a
# kill, resumed to the end
$ONESHOT run "$TMP/t.yaml" --out "$TMP/b" --stop-after 7 >/dev/null 2>"$TMP/b.err"
expect_eq "exit status when stopped" $? 130
expect_eq "status stopped" "$(cat "$TMP/b/status")" stopped
grep -q "oneshot run --resume $TMP/b" "$TMP/b.err" || fail "stop message: $(cat "$TMP/b.err")"
expect_eq "rows when stopped" "$(($(wc -l < "$TMP/b/singlepath.csv") - 1))" 7
[ -e "$TMP/b/chosen.txt" ] && fail "chosen.txt before the search ended"
$ONESHOT run --resume "$TMP/b" --stop-after 20 >/dev/null 2>"$TMP/b.err"
expect_eq "exit status when stopped retraining" $? 130
grep -q 'the retraining in progress will start again' "$TMP/b.err" || fail "stop message: $(cat "$TMP/b.err")"
[ -s "$TMP/b/chosen.txt" ] || fail "no chosen.txt once the search ended"
printf '25,3,0,0.0' >> "$TMP/b/singlepath.csv"
printf '3,36,1,k7' >> "$TMP/b/decisions.csv"
$ONESHOT run --resume "$TMP/b" >/dev/null 2>"$TMP/b.err" || fail "resume exited $?: $(cat "$TMP/b.err")"
same "$TMP/a" "$TMP/b"
# stopped mid-epoch and resumed: the rows past the checkpoint are made again
$ONESHOT run "$TMP/t.yaml" --out "$TMP/c" --stop-after 19 >/dev/null 2>&1
printf '20,2,0,0.0,1,2,3,4,k3e3-skip,5\n' >> "$TMP/c/singlepath.csv" # past the checkpoint: dropped
$ONESHOT run --resume "$TMP/c" >/dev/null 2>"$TMP/c.err" || fail "resume exited $?: $(cat "$TMP/c.err")"
same "$TMP/a" "$TMP/c"
# resuming a finished run changes nothing
$ONESHOT run --resume "$TMP/c" >/dev/null 2>&1 || fail "resume of a finished run"
same "$TMP/a" "$TMP/c"
expect_eq "resumes recorded" "$(grep -c '^resumed:' "$TMP/c/info.txt")" 2

# a resume with another lambda: refused by the checkpoint
cp -r "$TMP/b" "$TMP/d"
rm "$TMP/d/chosen.txt"
sed -i 's/^  lambda: .*/  lambda: 7/' "$TMP/d/experiment.yaml"
err=$($ONESHOT run --resume "$TMP/d" 2>&1 >/dev/null)
expect_eq "exit status, other lambda" $? 1
case $err in
*"$TMP/d/singlepath.ckpt: error: was saved by a run with another lambda: resume with the same settings"*) ;;
*) fail "other lambda: $err" ;;
esac

# lambda tuned for a target latency (Single-Path Mobile AutoML): trials
# forked from one warm-up into tuning/, the chosen one in chosen.txt; stopped
# in the warm-up and in a trial and resumed, the same trials
sed 's/^singlepath:/singlepath:\n  target_ms: 1.2\n  trials: 3/' "$TMP/t.yaml" > "$TMP/tune.yaml"
$ONESHOT run "$TMP/tune.yaml" --out "$TMP/ta" >"$TMP/ta.out" 2>"$TMP/ta.err" || fail "tuning exited $?: $(cat "$TMP/ta.err")"
for f in tuning/warmup.ckpt tuning/trials.csv chosen.txt retrained.csv; do
    [ -s "$TMP/ta/$f" ] || fail "no $f in the tuning's run directory"
done
for f in singlepath.ckpt singlepath.csv decisions.csv; do
    [ -e "$TMP/ta/$f" ] && fail "a tuning wrote $f"
done
expect_eq "trials" "$(grep -c '^[0-9]' "$TMP/ta/tuning/trials.csv")" 3
grep -q '^trial 3/3: lambda ' "$TMP/ta.err" || fail "trial lines: $(cat "$TMP/ta.err")"
# chosen.txt holds one of the trials: its architecture, R and accuracy
row=$(grep -v '^#' "$TMP/ta/chosen.txt" | cut -f2-4 | tr '\t' ,)
awk -F, -v want="$row" '/^[0-9]/ && $5 "," $2 "," $3 == want { found = 1 } END { exit !found }' \
    "$TMP/ta/tuning/trials.csv" || fail "chosen.txt ($row) is none of the trials: $(cat "$TMP/ta/tuning/trials.csv")"
grep -q '^# the architecture Single-Path NAS chose in singlepath, lambda tuned for 1.2 ms: trial [1-3] of 3' \
    "$TMP/ta/chosen.txt" || fail "chosen.txt: $(cat "$TMP/ta/chosen.txt")"
$ONESHOT run "$TMP/tune.yaml" --out "$TMP/tb" --stop-after 5 >/dev/null 2>&1
expect_eq "status of a stopped tuning" "$(cat "$TMP/tb/status")" stopped
$ONESHOT run --resume "$TMP/tb" --stop-after 20 >/dev/null 2>&1
$ONESHOT run --resume "$TMP/tb" >/dev/null 2>"$TMP/tb.err" || fail "tuning resumed: $(cat "$TMP/tb.err")"
cmp -s <(cut -d, -f1-3,5- "$TMP/ta/tuning/trials.csv") <(cut -d, -f1-3,5- "$TMP/tb/tuning/trials.csv") ||
    fail "trials.csv differs after resuming: $(diff "$TMP/ta/tuning/trials.csv" "$TMP/tb/tuning/trials.csv")"
cmp -s "$TMP/ta/chosen.txt" "$TMP/tb/chosen.txt" || fail "chosen.txt of the tuning differs after resuming"

# refusals, at their place, before any run directory
sed 's/^space: .*/space: tiny/' "$TMP/t.yaml" > "$TMP/tiny.yaml"
line=$(grep -n '^space:' "$TMP/tiny.yaml" | cut -d: -f1)
err=$($ONESHOT run --check "$TMP/tiny.yaml" 2>&1 >/dev/null)
expect_eq "exit status, tiny" $? 1
case $err in
"oneshot: $TMP/tiny.yaml:$line:8: error: space: tiny: Single-Path NAS cannot search this space: its choices are not a product of kernels, expansions and SE (kernel and expansion are coupled: "*) ;;
*) fail "tiny: $err" ;;
esac
sed 's/^singlepath:/singlepath:\n  target_ms: 0.8\n  warmup_epochs: 2/' "$TMP/t.yaml" > "$TMP/target.yaml"
line=$(grep -n 'warmup_epochs' "$TMP/target.yaml" | cut -d: -f1)
err=$($ONESHOT run "$TMP/target.yaml" 2>&1 >/dev/null)
expect_eq "exit status, a tuning without trials' epochs" $? 1
expect_eq "a tuning without trials' epochs" "$err" \
    "oneshot: $TMP/target.yaml:$line:18: error: singlepath.warmup_epochs: with target_ms the warm-up must leave epochs for the trials (singlepath.epochs: 2)"
[ -e "$TMP/runs" ] && fail "a refused run made its run directory"
exit 0
