# oneshot train: loss falls, same seed gives the same numbers, a stopped run
# resumes to the same result, bad files are refused with their name.
. "$(dirname "$0")/lib.inc"
need_data
common="--arch $K3E3 --epochs 2 --train-images 2048 --val-images 512 --batch 64 --threads 2 --seed 3 --json"
r1=$($ONESHOT train $common 2>"$TMP/err1" | tail -n 1) || fail "train exited $?: $(cat "$TMP/err1")"
loss=$(json_field "$r1" final_loss)
val=$(json_field "$r1" val_accuracy)
awk -v l="$loss" 'BEGIN { exit !(l < 1.6) }' || fail "loss did not fall: $loss"
awk -v a="$val" 'BEGIN { exit !(a > 0.5) }' || fail "val accuracy $val"
for k in test_accuracy params macs train_images_per_s seconds; do
    [ -n "$(json_field "$r1" $k)" ] || fail "no $k in $r1"
done
grep -q '^epoch 2/2: train loss' "$TMP/err1" || fail "no epoch summary on stderr"
r2=$($ONESHOT train $common --save "$TMP/a.ckpt" 2>/dev/null | tail -n 1)
$ONESHOT train $common --save "$TMP/b.ckpt" >/dev/null 2>&1
cmp -s "$TMP/a.ckpt" "$TMP/b.ckpt" || fail "same seed and threads, different weights"
for k in final_loss val_accuracy test_accuracy; do
    expect_eq "repeat $k" "$(json_field "$r2" $k)" "$(json_field "$r1" $k)"
done
# stop after 5 steps (as a kill would), resume from the checkpoint
s=$($ONESHOT train $common --save "$TMP/run.ckpt" --stop-after 5 2>/dev/null | tail -n 1)
expect_eq "stopped" "$(json_field "$s" stopped)" true
[ -f "$TMP/run.ckpt" ] || fail "no checkpoint written"
[ -e "$TMP/run.ckpt.tmp" ] && fail "temporary checkpoint left behind"
r3=$($ONESHOT train $common --resume "$TMP/run.ckpt" 2>/dev/null | tail -n 1)
for k in final_loss val_accuracy test_accuracy; do
    expect_eq "resumed $k" "$(json_field "$r3" $k)" "$(json_field "$r1" $k)"
done
# refused files
echo "not a checkpoint" > "$TMP/bad.ckpt"
err=$($ONESHOT train $common --resume "$TMP/bad.ckpt" 2>&1 >/dev/null); rc=$?
expect_eq "bad checkpoint status" $rc 1
printf '%s\n' "$err" | grep -q "^oneshot: $TMP/bad.ckpt: error: " || fail "bad checkpoint: $err"
err=$($ONESHOT train $common --epochs 3 --resume "$TMP/run.ckpt" 2>&1 >/dev/null); rc=$?
expect_eq "other schedule status" $rc 1
printf '%s\n' "$err" | grep -qx "oneshot: $TMP/run.ckpt: error: was saved by a run with --epochs 2, this one has 3: give the same settings" || fail "other schedule: $err"
err=$($ONESHOT train $common --data "$TMP/nowhere" 2>&1 >/dev/null); rc=$?
expect_eq "missing data status" $rc 1
printf '%s\n' "$err" | grep -q "$TMP/nowhere/train-images-idx3-ubyte.gz: error: " || fail "missing data: $err"
exit 0
