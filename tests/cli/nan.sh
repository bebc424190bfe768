# Numerical failure: with a learning rate far too high (--lr 1000) train,
# supernet and run stop at the first step whose loss, weights or BatchNorm
# statistics are not finite, say so naming the step and the epoch, exit 1,
# and keep the last good checkpoint (same bytes, loadable).
. "$(dirname "$0")/lib.inc"
need_data
# step_of FILE: S of "training diverged at step S (epoch E of N): " in FILE
step_of() { sed -nE 's/.*training diverged at step ([0-9]+) \(epoch [0-9]+ of [0-9]+\): .*/\1/p' "$1" | head -n 1; }
msg_re="training diverged at step [0-9]+ \(epoch [0-9]+ of 2\): (the loss is|weight [0-9]+ of [0-9]+ is|BatchNorm statistic [0-9]+ of [0-9]+ is) (nan|inf|-inf)( after the update)?; try a learning rate below 1000$"

# train: a good checkpoint after 4 steps, then on from it at lr 1000; an
# epoch is 16 steps, so nothing else may have been saved before it diverged
tc="--arch k3e2-k5e4-k3e2-k3e2 --space tiny --epochs 2 --train-images 1024 --val-images 256 --batch 64 --threads 1 --seed 2"
$ONESHOT train $tc --save "$TMP/t.ckpt" --stop-after 4 >/dev/null 2>&1 || fail "train --stop-after 4"
cp "$TMP/t.ckpt" "$TMP/t0.ckpt"
$ONESHOT train $tc --lr 1000 --resume "$TMP/t.ckpt" --save "$TMP/t.ckpt" >"$TMP/t.out" 2>"$TMP/t.err"
expect_eq "train: exit status" $? 1
grep -qE "^oneshot: error: $msg_re" "$TMP/t.err" || fail "train: message: $(cat "$TMP/t.err")"
s=$(step_of "$TMP/t.err")
[ "$s" -ge 5 ] && [ "$s" -le 16 ] || fail "train: diverged at step $s, not within the first epoch after step 4"
cmp -s "$TMP/t.ckpt" "$TMP/t0.ckpt" || fail "train: the checkpoint of step 4 was overwritten"
[ -e "$TMP/t.ckpt.tmp" ] && fail "train: a temporary checkpoint was left"
[ -s "$TMP/t.out" ] && fail "train: a result was printed: $(cat "$TMP/t.out")"
$ONESHOT train $tc --resume "$TMP/t.ckpt" --stop-after 1 >/dev/null 2>"$TMP/t2.err" || fail "train: the kept checkpoint does not resume: $(cat "$TMP/t2.err")"

# supernet: saved every step; what is left is the state of the step before
# the one that diverged, byte for byte
sc="--space tiny --sampler fair --epochs 2 --train-images 512 --val-images 256 --batch 64 --threads 1 --lr 1000"
$ONESHOT supernet $sc --out "$TMP/s.ckpt" --save-every 1 >"$TMP/s.out" 2>"$TMP/s.err"
expect_eq "supernet: exit status" $? 1
grep -qE "^oneshot: error: $msg_re" "$TMP/s.err" || fail "supernet: message: $(cat "$TMP/s.err")"
s=$(step_of "$TMP/s.err")
[ "$s" -ge 2 ] || fail "supernet: diverged at step $s: no checkpoint before it to compare"
[ -s "$TMP/s.out" ] && fail "supernet: a result was printed: $(cat "$TMP/s.out")"
[ -e "$TMP/s.ckpt.tmp" ] && fail "supernet: a temporary checkpoint was left"
$ONESHOT supernet $sc --out "$TMP/s2.ckpt" --stop-after $((s - 1)) >/dev/null 2>&1 || fail "supernet --stop-after $((s - 1))"
cmp -s "$TMP/s.ckpt" "$TMP/s2.ckpt" || fail "supernet: the checkpoint is not that of step $((s - 1))"
# it loads, and diverges again at the same step
$ONESHOT supernet $sc --out "$TMP/s.ckpt" --resume "$TMP/s.ckpt" >/dev/null 2>"$TMP/s3.err"
expect_eq "supernet resumed: exit status" $? 1
expect_eq "supernet resumed: step" "$(step_of "$TMP/s3.err")" "$s"
cmp -s "$TMP/s.ckpt" "$TMP/s2.ckpt" || fail "supernet: the resumed run overwrote the checkpoint"

# run: the same through the experiment runner (exp/runner.c, which the TUI
# drives too)
cat > "$TMP/n.yaml" <<'YAML'
name: n
seed: 1
threads: 1
dataset:
  train_images: 512
  val_images: 256
space: tiny
supernet:
  sampler: fair
  epochs: 2
  batch: 64
  lr: 1000
  bn_recalibration: 128
search:
  strategy: random
  generations: 1
  population: 2
objectives:
  - name: accuracy
    direction: maximize
YAML
$ONESHOT run "$TMP/n.yaml" --out "$TMP/n" >"$TMP/n.out" 2>"$TMP/n.err"
expect_eq "run: exit status" $? 1
grep -qE "^oneshot: error: $msg_re" "$TMP/n.err" || fail "run: message: $(cat "$TMP/n.err")"
grep -q "lower supernet.lr" "$TMP/n.err" || fail "run: no advice: $(cat "$TMP/n.err")"
grep -qE "^failed: error: $msg_re" "$TMP/n/status" || fail "run: status: $(cat "$TMP/n/status")"
s=$(step_of "$TMP/n.err")
[ "$s" -ge 3 ] || fail "run: diverged at step $s: too early to test the checkpoint"
expect_eq "run: history rows" "$(($(wc -l < "$TMP/n/history.csv") - 1))" $((s - 1))
# stopped before it diverges, then resumed: the checkpoint of the stop stays
$ONESHOT run "$TMP/n.yaml" --out "$TMP/m" --stop-after $((s - 2)) >/dev/null 2>&1
expect_eq "run --stop-after: exit status" $? 130
cp "$TMP/m/supernet.ckpt" "$TMP/m0.ckpt"
$ONESHOT run --resume "$TMP/m" >/dev/null 2>"$TMP/m.err"
expect_eq "run resumed: exit status" $? 1
expect_eq "run resumed: step" "$(step_of "$TMP/m.err")" "$s"
cmp -s "$TMP/m/supernet.ckpt" "$TMP/m0.ckpt" || fail "run: the checkpoint was overwritten"
cut -d, -f1-5 "$TMP/m/history.csv" > "$TMP/h1"; cut -d, -f1-5 "$TMP/n/history.csv" > "$TMP/h2"
cmp -s "$TMP/h1" "$TMP/h2" || fail "run: the resumed history differs"
grep -qiE 'nan|inf' "$TMP/n/history.csv" && fail "run: a non-finite row in history.csv"
exit 0
