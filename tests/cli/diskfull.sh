# A full disk while a checkpoint or a CSV row is written: a clear error
# naming the file, exit status 1, the previous checkpoint intact (same bytes)
# and no torn row; with room again, a resumed run ends as an uninterrupted
# one.  The disk fills up through tests/diskshim.c (LD_PRELOAD: ENOSPC after N
# bytes, or from fsync) for chosen files; where a tmpfs can be mounted (root),
# also on a real filesystem too small for the run.
. "$(dirname "$0")/lib.inc"
need_data
: "${DISKSHIM_SO:=build/tests/diskshim.so}"
[ -r "$DISKSHIM_SO" ] || skip "no $DISKSHIM_SO (make check builds it)"
DISKSHIM_SO=$(cd "$(dirname "$DISKSHIM_SO")" && pwd)/$(basename "$DISKSHIM_SO")
mkdir -p "$TMP/full"
# full MATCH BYTES CMD...: CMD with the files whose path contains MATCH
# taking BYTES more bytes at most (BYTES "fsync": fsync fails instead)
full() {
    local match=$1 bytes=$2
    shift 2
    if [ "$bytes" = fsync ]; then
        DISKSHIM_MATCH=$match DISKSHIM_FSYNC=1 LD_PRELOAD=$DISKSHIM_SO "$@"
    else
        DISKSHIM_MATCH=$match DISKSHIM_BYTES=$bytes LD_PRELOAD=$DISKSHIM_SO "$@"
    fi
}
nospc="No space left on device"
# whole_rows CSV: every line ends with its newline and has the header's fields
whole_rows() {
    [ ! -s "$1" ] || [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] || fail "$1: the last row is torn"
    awk -F, 'NR == 1 {n = NF} NF != n {exit 1}' "$1" || fail "$1: a row with another number of fields"
}

# supernet: room for one checkpoint and a half; the second save fails
sc="--space tiny --sampler fair --epochs 1 --train-images 512 --val-images 256 --batch 64 --threads 1"
$ONESHOT supernet $sc --out "$TMP/s2.ckpt" --stop-after 2 >/dev/null 2>&1 || fail "supernet --stop-after 2"
b=$(wc -c < "$TMP/s2.ckpt")
err=$(full "$TMP/full/" $((b + b / 2)) $ONESHOT supernet $sc --out "$TMP/full/s.ckpt" --save-every 2 2>&1 >/dev/null)
expect_eq "supernet: exit status" $? 1
expect_eq "supernet: message" "$err" "oneshot: $TMP/full/s.ckpt: error: cannot write $TMP/full/s.ckpt.tmp: $nospc"
cmp -s "$TMP/full/s.ckpt" "$TMP/s2.ckpt" || fail "supernet: the checkpoint of step 2 was not kept"
[ -e "$TMP/full/s.ckpt.tmp" ] && fail "supernet: the temporary checkpoint was left"

# train: the disk reports it full only at fsync (delayed allocation)
tc="--arch k3e2-k5e4-k3e2-k3e2 --space tiny --epochs 2 --train-images 512 --val-images 256 --batch 64 --threads 1"
$ONESHOT train $tc --save "$TMP/full/t.ckpt" --stop-after 3 >/dev/null 2>&1 || fail "train --stop-after 3"
cp "$TMP/full/t.ckpt" "$TMP/t3.ckpt"
full "$TMP/full/" fsync $ONESHOT train $tc --resume "$TMP/full/t.ckpt" --save "$TMP/full/t.ckpt" >/dev/null 2>"$TMP/t.err"
expect_eq "train: exit status" $? 1
expect_eq "train: message" "$(grep -v '^epoch ' "$TMP/t.err")" "oneshot: $TMP/full/t.ckpt: error: cannot sync $TMP/full/t.ckpt.tmp: $nospc"
cmp -s "$TMP/full/t.ckpt" "$TMP/t3.ckpt" || fail "train: the checkpoint of step 3 was not kept"
[ -e "$TMP/full/t.ckpt.tmp" ] && fail "train: the temporary checkpoint was left"

# run: a full disk in training, in the search, and at the final checkpoint;
# each resumed with room again ends as the uninterrupted run
cat > "$TMP/d.yaml" <<'YAML'
name: d
seed: 1
threads: 1
dataset:
  train_images: 512
  val_images: 256
space: tiny
supernet:
  sampler: fair
  batch: 64
  bn_recalibration: 128
search:
  strategy: random
  generations: 2
  population: 3
objectives:
  - name: accuracy
    direction: maximize
  - name: params
    direction: minimize
YAML
$ONESHOT run "$TMP/d.yaml" --out "$TMP/ref" >/dev/null 2>"$TMP/ref.err" || fail "run: $(cat "$TMP/ref.err")"
same() { # same DIR: DIR's results are the reference's (seconds columns aside)
    for f in history evaluations; do
        whole_rows "$1/$f.csv"
        cut -d, -f1-5 "$1/$f.csv" > "$TMP/x1"; cut -d, -f1-5 "$TMP/ref/$f.csv" > "$TMP/x2"
        cmp -s "$TMP/x1" "$TMP/x2" || fail "$1/$f.csv differs from the uninterrupted run's"
    done
    for f in generations.csv pareto.csv chosen.txt ranking.csv supernet.ckpt; do
        cmp -s "$1/$f" "$TMP/ref/$f" || fail "$1/$f differs from the uninterrupted run's"
    done
    expect_eq "$1: status" "$(cat "$1/status")" done
}
# a history row (about 40 bytes) crosses the limit after a few steps
err=$(full "$TMP/h/history.csv" 200 $ONESHOT run "$TMP/d.yaml" --out "$TMP/h" 2>&1 >/dev/null)
expect_eq "run (history): exit status" $? 1
printf '%s\n' "$err" | grep -qx "oneshot: $TMP/h/history.csv: error: cannot write: $nospc" || fail "run (history): message: $err"
whole_rows "$TMP/h/history.csv"
expect_eq "run (history): status" "$(cat "$TMP/h/status")" "failed: $TMP/h/history.csv: error: cannot write: $nospc"
$ONESHOT run --resume "$TMP/h" >/dev/null 2>"$TMP/h.err" || fail "run (history) resumed: $(cat "$TMP/h.err")"
same "$TMP/h"
# an evaluation row crosses the limit in the search
err=$(full "$TMP/v/evaluations.csv" 300 $ONESHOT run "$TMP/d.yaml" --out "$TMP/v" 2>&1 >/dev/null)
expect_eq "run (evaluations): exit status" $? 1
printf '%s\n' "$err" | grep -qx "oneshot: $TMP/v/evaluations.csv: error: cannot write: $nospc" || fail "run (evaluations): message: $err"
whole_rows "$TMP/v/evaluations.csv"
[ "$(wc -l < "$TMP/v/evaluations.csv")" -ge 2 ] || fail "run (evaluations): it failed before the first evaluation"
$ONESHOT run --resume "$TMP/v" >/dev/null 2>"$TMP/v.err" || fail "run (evaluations) resumed: $(cat "$TMP/v.err")"
same "$TMP/v"
# the checkpoint at the end of training: the one of the stop is kept
$ONESHOT run "$TMP/d.yaml" --out "$TMP/c" --stop-after 3 >/dev/null 2>&1
expect_eq "run --stop-after 3: exit status" $? 130
cp "$TMP/c/supernet.ckpt" "$TMP/c3.ckpt"
err=$(full "$TMP/c/supernet.ckpt" 100000 $ONESHOT run --resume "$TMP/c" 2>&1 >/dev/null)
expect_eq "run (checkpoint): exit status" $? 1
printf '%s\n' "$err" | grep -qx "oneshot: $TMP/c/supernet.ckpt: error: cannot write $TMP/c/supernet.ckpt.tmp: $nospc" || fail "run (checkpoint): message: $err"
cmp -s "$TMP/c/supernet.ckpt" "$TMP/c3.ckpt" || fail "run (checkpoint): the checkpoint of step 3 was not kept"
# trained to the end but not saved: the hint is a plain resume (--reload is
# for a strategy's error after the supernet was saved)
printf '%s\n' "$err" | grep -qx "the run's files are kept; after fixing the cause: oneshot run --resume $TMP/c" ||
    fail "run (checkpoint): hint: $err"
$ONESHOT run --resume "$TMP/c" >/dev/null 2>"$TMP/c.err" || fail "run (checkpoint) resumed: $(cat "$TMP/c.err")"
same "$TMP/c"

# groundtruth: the second row does not fit; the table keeps the first whole,
# and the rerun trains only the second
gt="groundtruth --space tiny --archs 2 --epochs 1 --train-images 256 --val-images 256 --threads 1 --out $TMP/full/g.csv"
$ONESHOT $gt 2>/dev/null || fail "groundtruth"
mv "$TMP/full/g.csv" "$TMP/g-ref.csv"
head_bytes=$(grep -v '^k' "$TMP/g-ref.csv" | wc -c)
row1=$(grep '^k' "$TMP/g-ref.csv" | head -n 1 | wc -c)
full "$TMP/full/g.csv" $((head_bytes + row1 + 10)) $ONESHOT $gt >/dev/null 2>"$TMP/g.err"
expect_eq "groundtruth: exit status" $? 1
expect_eq "groundtruth: message" "$(grep -v ' seed 0: ' "$TMP/g.err")" "oneshot: $TMP/full/g.csv: error: cannot append: $nospc"
expect_eq "groundtruth: rows kept" "$(grep -c '^k' "$TMP/full/g.csv")" 1
[ "$(tail -c 1 "$TMP/full/g.csv" | od -An -c | tr -d ' ')" = '\n' ] || fail "groundtruth: a torn row"
msg=$($ONESHOT $gt 2>&1) || fail "groundtruth rerun: $msg"
printf '%s\n' "$msg" | grep -q '2 rows in .* (1 already there)' || fail "groundtruth rerun: $msg"
cmp -s <(grep '^k' "$TMP/full/g.csv" | cut -d, -f1-7) <(grep '^k' "$TMP/g-ref.csv" | cut -d, -f1-7) || fail "groundtruth: the rows differ from the uninterrupted run's"

# a real filesystem too small: root can mount a tmpfs (elsewhere this part
# is left out; the cases above hold everywhere)
if [ "$(id -u)" = 0 ] && mkdir -p "$TMP/fs" && mount -t tmpfs -o size=1m oneshot-test "$TMP/fs" 2>/dev/null; then
    trap 'umount "$TMP/fs" 2>/dev/null; rm -rf "$TMP"' EXIT
    # room for one supernet checkpoint (660 KiB), not for two
    err=$($ONESHOT supernet $sc --out "$TMP/fs/s.ckpt" --save-every 2 2>&1 >/dev/null)
    expect_eq "tmpfs supernet: exit status" $? 1
    expect_eq "tmpfs supernet: message" "$err" "oneshot: $TMP/fs/s.ckpt: error: cannot write $TMP/fs/s.ckpt.tmp: $nospc"
    cmp -s "$TMP/fs/s.ckpt" "$TMP/s2.ckpt" || fail "tmpfs supernet: the checkpoint of step 2 was not kept"
    rm -f "$TMP/fs/s.ckpt"
    # a whole run in 600 KiB: some file of it does not fit
    umount "$TMP/fs" && mount -t tmpfs -o size=600k oneshot-test "$TMP/fs" || fail "tmpfs: remount"
    err=$($ONESHOT run "$TMP/d.yaml" --out "$TMP/fs/run" 2>&1 >/dev/null)
    expect_eq "tmpfs run: exit status" $? 1
    printf '%s\n' "$err" | grep -q "^oneshot: $TMP/fs/run/[a-z.]*: error: .*$nospc$" || fail "tmpfs run: message: $err"
    [ -e "$TMP/fs/run/supernet.ckpt.tmp" ] && fail "tmpfs run: the temporary checkpoint was left"
    cp -r "$TMP/fs/run" "$TMP/moved"
    $ONESHOT run --resume "$TMP/moved" >/dev/null 2>"$TMP/m.err" || fail "tmpfs run moved and resumed: $(cat "$TMP/m.err")"
    same "$TMP/moved"
fi
exit 0
