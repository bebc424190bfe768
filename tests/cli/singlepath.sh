# oneshot singlepath: the JSON of a search (its latency equal to oneshot
# latency predict's), a huge lambda's smallest network, a stopped search
# resumed to the uninterrupted one's bytes, the tuning of lambda for a
# target (its trials, its choice, stopped and resumed to the same trials, a
# Ctrl-C), the spaces and options refused.  A space of four layers (a space
# file) keeps it fast; one search of the default space checks the real one.
. "$(dirname "$0")/lib.inc"
need_data
small_data "$TMP/data" 1024 16
cat > "$TMP/mini.lua" <<'EOF'
return {
  name = "mini",
  input = {channels = 1, height = 28, width = 28},
  classes = 10,
  stem = {channels = 8, kernel = 3, stride = 2, act = "relu"},
  stages = {
    {channels = 8, layers = 2, stride = 2},
    {channels = 16, layers = 2, stride = 2},
  },
  choices = {"k3e3", "k3e6", "k5e3", "k5e6", "k7e3", "k7e6", "skip"},
  head = {channels = 32, act = "relu"},
}
EOF
data="--data $TMP/data --threads 2"
mini="--space $TMP/mini.lua --epochs 2 --train-images 512 --val-images 256 --batch 16 --lr 0.1 --device mobile-cpu $data"
predict() { $ONESHOT latency predict --space "$1" --device "$2" --arch "$3" --json | grep -o '"ms": [^,}]*' | sed 's/.*: //'; }

# refused: a space the superkernel cannot take, bad options
err=$($ONESHOT singlepath --space tiny --epochs 1 $data 2>&1 >/dev/null); rc=$?
expect_eq "tiny status" $rc 1
expect_eq "tiny" "$err" "oneshot: tiny: error: Single-Path NAS cannot search this space: its choices are not a product of kernels, expansions and SE (kernel and expansion are coupled: k3e2, k5e4, k7e6)"
usage() { err=$($ONESHOT singlepath $mini "$@" 2>&1 >/dev/null); rc=$?; expect_eq "$* status" $rc 2; printf '%s\n' "$err" | head -n 1; }
expect_eq "negative lambda" "$(usage --lambda -1)" "oneshot singlepath: error: --lambda must be a finite number >= 0"
expect_eq "device and lut" "$(usage --lut devices/mobile-cpu.yaml)" "oneshot singlepath: error: --device and --lut name the latency twice: give one"
expect_eq "trials alone" "$(usage --trials 3)" "oneshot singlepath: error: --trials counts the trials of --target-ms"
expect_eq "target without a directory" "$(usage --target-ms 0.1)" "oneshot singlepath: error: --target-ms needs --save DIR (or --resume DIR): the directory keeps the warm-up and the trials"
expect_eq "warm-up too long" "$(usage --warmup-epochs 3)" "oneshot singlepath: error: --warmup-epochs must lie between 0 and --epochs"
expect_eq "misspelt" "$(usage --lamda 3)" "oneshot singlepath: error: unknown option '--lamda' (did you mean --lambda?)"
err=$($ONESHOT singlepath $mini --target-ms 0.1 --resume "$TMP/none" 2>&1 >/dev/null); rc=$?
expect_eq "no tuning status" $rc 1
expect_eq "no tuning" "$err" "oneshot: $TMP/none: error: holds no tuning to resume (no trials.csv)"

# the default space: every key, and R is what latency predict says
r=$($ONESHOT singlepath --epochs 1 --train-images 256 --val-images 64 --batch 32 --device mobile-cpu $data --json 2>"$TMP/err") ||
    fail "fmnist exited $?: $(cat "$TMP/err")"
for k in arch lambda decisions predicted_ms device val_accuracy seconds; do
    [ -n "$(json_field "$r" $k)" ] || fail "no $k in $r"
done
arch=$(json_field "$r" arch | tr -d '"')
expect_eq "fmnist device" "$(json_field "$r" device)" '"mobile-cpu"'
expect_eq "fmnist lambda" "$(json_field "$r" lambda)" 20
expect_eq "fmnist decisions" "$(printf '%s\n' "$r" | grep -o '"choice": ' | wc -l)" 12
expect_eq "fmnist predicted_ms" "$(json_field "$r" predicted_ms)" "$(predict fmnist mobile-cpu "$arch")"
grep -q '^epoch 1/1: loss .*lambda 20$' "$TMP/err" || fail "no epoch line: $(cat "$TMP/err")"

# a huge lambda: the smallest network (k3e3, skip where a layer keeps its
# shape), and no warm-up; the decisions say why; --lut reads the same model
small=k3e3-skip-k3e3-skip
r=$($ONESHOT singlepath ${mini/--device mobile-cpu/--lut devices/mobile-cpu.yaml} --lambda 1e4 --warmup-epochs 0 --json 2>/dev/null) || fail "huge lambda exited $?"
expect_eq "huge lambda arch" "$(json_field "$r" arch)" "\"$small\""
expect_eq "huge lambda R" "$(json_field "$r" predicted_ms)" "$(predict "$TMP/mini.lua" mobile-cpu $small)"
expect_eq "huge lambda warm-up" "$(json_field "$r" warmup_steps)" 0
printf '%s\n' "$r" | grep -q '"decisions": \[{"choice": "k3e3", "d5": 0, "d7": [01], "d6": 0}, {"choice": "skip", [^}]*"d_keep": 0}' ||
    fail "huge lambda decisions: $r"

# stopped (in the warm-up) and resumed: the uninterrupted run's bytes
r1=$($ONESHOT singlepath $mini --lambda 10 --save "$TMP/a.ckpt" --json 2>"$TMP/err") || fail "lambda 10 exited $?"
grep -q '^epoch 1/2 (warm-up): loss .* ms (inflated by the warm-up.s drops), lambda 0$' "$TMP/err" || fail "no warm-up epoch line: $(cat "$TMP/err")"
awk -v a="$(json_field "$r1" predicted_ms)" -v b="$(predict "$TMP/mini.lua" mobile-cpu k7e6-k7e6-k7e6-k7e6)" 'BEGIN { exit !(a < b) }' ||
    fail "lambda 10 did not shrink the network: $r1"
s=$($ONESHOT singlepath $mini --lambda 10 --save "$TMP/b.ckpt" --stop-after 20 --json 2>/dev/null) || fail "stop exited $?"
expect_eq "stopped" "$(json_field "$s" stopped)" true
expect_eq "stopped at" "$(json_field "$s" steps)" 20
r2=$($ONESHOT singlepath $mini --lambda 10 --resume "$TMP/b.ckpt" --save "$TMP/b.ckpt" --json 2>/dev/null) || fail "resume exited $?"
cmp -s "$TMP/a.ckpt" "$TMP/b.ckpt" || fail "the resumed search's checkpoint differs from the uninterrupted one's"
for k in arch predicted_ms val_accuracy decisions; do
    expect_eq "resumed $k" "$(json_field "$r2" $k)" "$(json_field "$r1" $k)"
done
err=$($ONESHOT singlepath $mini --lambda 3 --resume "$TMP/b.ckpt" 2>&1 >/dev/null)
expect_eq "resume with another lambda" "$err" "oneshot: $TMP/b.ckpt: error: was saved by a run with another lambda: resume with the same settings"

# tuning lambda for 0.08 ms: the warm-up once, a trial a row, the choice
tune="$mini --target-ms 0.08 --trials 5"
r=$($ONESHOT singlepath $tune --save "$TMP/tune" --json 2>"$TMP/err") || fail "tuning exited $?: $(cat "$TMP/err")"
for k in arch lambda decisions predicted_ms device val_accuracy seconds trials chosen end; do
    [ -n "$(json_field "$r" $k)" ] || fail "tuning: no $k in $r"
done
n=$(printf '%s\n' "$r" | grep -o '"trial": [0-9]*' | wc -l)
[ "$n" -ge 1 ] && [ "$n" -le 5 ] || fail "tuning: $n trials"
expect_eq "trial rows" "$(grep -c '^[0-9]' "$TMP/tune/trials.csv")" "$n"
expect_eq "warm-ups" "$(grep -c '^warm-up done' "$TMP/err")" 1
expect_eq "trial lines" "$(grep -c '^trial [0-9]*: lambda' "$TMP/err")" "$n"
[ -f "$TMP/tune/warmup.ckpt" ] || fail "no warmup.ckpt"
expect_eq "first lambda" "$(printf '%s\n' "$r" | grep -o '"trial": 1, "lambda": [^,]*' | sed 's/.*: //')" 20
chosen=$(json_field "$r" chosen)
row=$(grep '^[0-9]' "$TMP/tune/trials.csv" | sed -n "${chosen}p")
expect_eq "chosen arch" "$(json_field "$r" arch)" "\"$(echo "$row" | cut -d, -f5)\""
expect_eq "chosen R" "$(json_field "$r" predicted_ms)" "$(predict "$TMP/mini.lua" mobile-cpu "$(echo "$row" | cut -d, -f5)")"
# the choice follows the rule: within 5%, else the best at most the target
R=$(json_field "$r" predicted_ms)
if [ "$(json_field "$r" end)" = '"the target is met"' ]; then
    awk -v r="$R" 'BEGIN { exit !(r >= 0.076 && r <= 0.084) }' || fail "met, but R $R"
elif cut -d, -f2 "$TMP/tune/trials.csv" | grep '^[0-9]' | awk '$1 <= 0.08 { f = 1 } END { exit !f }'; then
    awk -v r="$R" 'BEGIN { exit !(r <= 0.08) }' || fail "a trial is feasible, but the chosen R is $R"
fi
# opened again: nothing to run, the same answer
r3=$($ONESHOT singlepath $tune --resume "$TMP/tune" --json 2>"$TMP/err") || fail "reopened tuning exited $?"
expect_eq "reopened trials" "$(json_field "$r3" trials)" "$(json_field "$r" trials)"
expect_eq "reopened arch" "$(json_field "$r3" arch)" "$(json_field "$r" arch)"
grep -q '^warm-up done' "$TMP/err" && fail "the warm-up ran again"

# stopped in the first trial (the warm-up is 40 steps), resumed: the same trials
s=$($ONESHOT singlepath $tune --save "$TMP/t2" --stop-after 50 --json 2>/dev/null) || fail "tuning stop exited $?"
expect_eq "tuning stopped" "$(json_field "$s" stopped)" true
[ -f "$TMP/t2/trial.ckpt" ] || fail "no trial.ckpt after a stop in a trial"
r4=$($ONESHOT singlepath $tune --resume "$TMP/t2" --json 2>"$TMP/err") || fail "tuning resume exited $?"
grep -q '^trial 1 (lambda 20) resumed at step 50$' "$TMP/err" || fail "trial 1 not resumed: $(cat "$TMP/err")"
strip() { printf '%s\n' "$1" | grep -o '"trials": \[.*\]' | sed 's/, "seconds": [0-9.e+-]*//g'; }
expect_eq "resumed tuning" "$(strip "$r4")" "$(strip "$r")"
err=$($ONESHOT singlepath $mini --target-ms 0.1 --resume "$TMP/t2" 2>&1 >/dev/null); rc=$?
expect_eq "other target status" $rc 1
printf '%s\n' "$err" | grep -q "^oneshot: $TMP/t2/trials.csv:1:[0-9]*: error: holds the trials of a tuning with target_ms=0.08, this one has target_ms=0.1" ||
    fail "other target: $err"

# Ctrl-C in a trial: status 130, the trial saved
$ONESHOT singlepath ${mini/--epochs 2/--epochs 60} --warmup-epochs 1 --target-ms 0.08 --save "$TMP/t3" >/dev/null 2>"$TMP/err" &
pid=$!
for _ in $(seq 200); do [ -f "$TMP/t3/warmup.ckpt" ] && break; sleep 0.1; done
kill -INT $pid
wait $pid; rc=$?
expect_eq "interrupted status" $rc 130
[ -f "$TMP/t3/trial.ckpt" ] || fail "no trial.ckpt after Ctrl-C: $(cat "$TMP/err")"
grep -q "^stopped in a trial; continue with --resume $TMP/t3$" "$TMP/err" || fail "no stop message: $(cat "$TMP/err")"
exit 0
