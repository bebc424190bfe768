# Hostile input gets a clear error naming the file (and line) and what is
# wrong, before any work and without losing what is written: data that does
# not fit the space, outputs that cannot be written, a strategy that runs
# past the experiment's budget, duplicate rows of a ground-truth table,
# damaged rows of a run's CSV files, a ranking against a constant.
. "$(dirname "$0")/lib.inc"
need_data
D=/usr/share/datasets/fashion-mnist
# spaces that Fashion-MNIST does not fit
sed 's/height = 28, width = 28/height = 20, width = 20/; s/name = "tiny"/name = "tiny20"/' spaces/tiny.lua > "$TMP/t20.lua"
sed 's/classes = 10/classes = 2/; s/name = "tiny"/name = "two"/' spaces/tiny.lua > "$TMP/two.lua"
err=$($ONESHOT train --space "$TMP/t20.lua" --arch k3e2-k3e2-k3e2-k3e2 --epochs 1 --train-images 256 --val-images 64 2>&1)
expect_eq "train on 20x20: status" $? 1
expect_eq "train on 20x20" "$err" "oneshot: $D/train-images-idx3-ubyte.gz: error: images are 1x28x28 but the space tiny20 takes 1x20x20"
err=$($ONESHOT supernet --space "$TMP/two.lua" --epochs 1 --train-images 256 --val-images 64 --out "$TMP/x.ckpt" 2>&1)
expect_eq "supernet with 2 classes" "$err" "oneshot: $D/train-labels-idx1-ubyte.gz: error: labels go up to 9 but the space two has 2 classes (labels 0 to 1)"
[ -e "$TMP/x.ckpt" ] && fail "a checkpoint was written for data that does not fit"
cat > "$TMP/t.yaml" <<YAML
name: t
seed: 1
threads: 1
dataset:
  train_images: 512
  val_images: 256
space: $TMP/t20.lua
supernet:
  sampler: fair
  batch: 64
search:
  strategy: random
  generations: 2
  population: 3
objectives:
  - name: accuracy
    direction: maximize
YAML
err=$($ONESHOT run --check "$TMP/t.yaml" 2>&1)
expect_eq "run --check on 20x20: status" $? 1
printf '%s\n' "$err" | grep -q "error: images are 1x28x28 but the space tiny20 takes 1x20x20" || fail "run --check: $err"
err=$($ONESHOT run "$TMP/t.yaml" --out "$TMP/r20" 2>&1)
expect_eq "run on 20x20: status" $? 1
[ -e "$TMP/r20" ] && fail "a run directory was made for data that does not fit"
# 32x32 IDX files given with --data
mkdir -p "$TMP/d32"
python3 - "$TMP/d32" <<'PY' || skip "python3 is missing"
import gzip, struct, sys, random
r = random.Random(1)
for kind, n in (("train", 600), ("t10k", 100)):
    with gzip.open(f"{sys.argv[1]}/{kind}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 32, 32) + bytes(r.randrange(256) for _ in range(n * 1024)))
    with gzip.open(f"{sys.argv[1]}/{kind}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 0x801, n) + bytes(r.randrange(10) for _ in range(n)))
PY
err=$($ONESHOT train --arch $K3E3 --epochs 1 --train-images 256 --val-images 64 --data "$TMP/d32" 2>&1)
expect_eq "32x32 data: status" $? 1
expect_eq "32x32 data" "$err" "oneshot: $TMP/d32/train-images-idx3-ubyte.gz: error: images are 1x32x32 but the space fmnist takes 1x28x28"

# outputs that cannot be written fail before any training
mkdir -p "$TMP/ro" && chmod 555 "$TMP/ro"
if [ "$(id -u)" != 0 ]; then
    err=$($ONESHOT supernet --space tiny --epochs 1 --train-images 256 --val-images 64 --out "$TMP/ro/x.ckpt" 2>&1)
    expect_eq "unwritable --out" "$err" "oneshot: $TMP/ro/x.ckpt: error: cannot write a checkpoint here: cannot create $TMP/ro/x.ckpt.tmp: Permission denied"
fi
start=$(date +%s)
err=$($ONESHOT supernet --space tiny --epochs 50 --train-images 50000 --val-images 64 --out "$TMP/no/such/dir/x.ckpt" 2>&1)
expect_eq "--out in a missing directory" "$err" "oneshot: $TMP/no/such/dir/x.ckpt: error: cannot write a checkpoint here: cannot create $TMP/no/such/dir/x.ckpt.tmp: No such file or directory"
err=$($ONESHOT train --space tiny --arch k3e2-k3e2-k3e2-k3e2 --epochs 50 --save "$TMP" 2>&1)
expect_eq "--save a directory" "$err" "oneshot: $TMP: error: cannot write a checkpoint here: it is a directory"
[ $(($(date +%s) - start)) -lt 10 ] || fail "an unwritable output was found only after training"

# a strategy that reports forever: stopped at the experiment's budget, at its line
cat > "$TMP/forever.lua" <<'LUA'
return {run = function()
  local g = 1
  while true do
    oneshot.report(g, {})
    g = g + 1
  end
end}
LUA
sed -e "s|^space: .*|space: tiny|" -e "s|strategy: random|strategy: $TMP/forever.lua|" "$TMP/t.yaml" > "$TMP/f.yaml"
err=$(timeout 120 $ONESHOT run "$TMP/f.yaml" --out "$TMP/f" 2>&1 >/dev/null)
expect_eq "endless reports: status" $? 1
printf '%s\n' "$err" | grep -q "^oneshot: $TMP/forever.lua:4: error: in run: oneshot.report: generation 3 is beyond the experiment's 2 (search.generations)$" || fail "endless reports: $err"

# ground-truth tables: a duplicate (arch, seed) row is refused at its line
printf '%s\n' "arch,seed,params,macs,val_accuracy,test_accuracy,epochs,seconds" \
    "k3e2-k3e2-k3e2-k3e2,0,1,2,0.5,0.5,3,1" "k5e4-k5e4-k5e4-k5e4,0,1,2,0.6,0.6,3,1" \
    "k3e2-k3e2-k3e2-k3e2,0,1,2,0.7,0.7,3,1" > "$TMP/dup.csv"
err=$($ONESHOT rank --space tiny --truth "$TMP/dup.csv" 2>&1)
expect_eq "duplicate truth row: status" $? 1
expect_eq "duplicate truth row" "$err" "oneshot: $TMP/dup.csv:4:1: error: k3e2-k3e2-k3e2-k3e2 with seed 0 is already on line 2 (one row per architecture and seed)"
# tau against a constant is undefined, never 0
printf '%s\n' "arch,seed,params,macs,val_accuracy,test_accuracy,epochs,seconds" \
    "k3e2-k3e2-k3e2-k3e2,0,1,2,0.5,0.5,3,1" "k5e4-k5e4-k5e4-k5e4,0,1,2,0.5,0.5,3,1" \
    "k7e6-k7e6-k7e6-k7e6,0,1,2,0.5,0.5,3,1" > "$TMP/flat.csv"
out=$($ONESHOT rank --space tiny --truth "$TMP/flat.csv") || fail "rank of a flat table: $out"
printf '%s\n' "$out" | grep -q "^ranking by parameters: tau undefined; by multiply-adds: tau undefined$" || fail "tau of a constant: $out"
out=$($ONESHOT rank --space tiny --truth "$TMP/flat.csv" --json)
expect_eq "tau of a constant in JSON" "$(json_field "$out" params_tau)" null

# a damaged row in the middle of a run's CSV: dropped with a warning, made again
sed -e "s|^space: .*|space: tiny|" "$TMP/t.yaml" > "$TMP/g.yaml"
$ONESHOT run "$TMP/g.yaml" --out "$TMP/g" >/dev/null 2>&1 || fail "run of tiny"
cp -r "$TMP/g" "$TMP/h"
sed -i '3s/.*/3,1,garbage/' "$TMP/h/history.csv"
sed -i '3s/,.*/,k9e9-x/' "$TMP/h/evaluations.csv"
rm "$TMP/h/supernet.ckpt" # trained again from the start
err=$($ONESHOT run --resume "$TMP/h" 2>&1 >/dev/null) || fail "resume with damaged rows: $err"
printf '%s\n' "$err" | grep -q "^$TMP/h/history.csv:3: warning: damaged row dropped: expected 6 numbers$" || fail "no warning for a damaged history row: $err"
printf '%s\n' "$err" | grep -q "^$TMP/h/evaluations.csv:3: warning: damaged row dropped: " || fail "no warning for a damaged evaluation: $err"
cmp -s "$TMP/g/supernet.ckpt" "$TMP/h/supernet.ckpt" || fail "the supernet trained again differs"
expect_eq "history rows after repair" "$(wc -l < "$TMP/h/history.csv")" "$(wc -l < "$TMP/g/history.csv")"
sort "$TMP/g/evaluations.csv" | cut -d, -f1-4 > "$TMP/e1"; sort "$TMP/h/evaluations.csv" | cut -d, -f1-4 > "$TMP/e2"
cmp -s "$TMP/e1" "$TMP/e2" || fail "evaluations after repair differ"
exit 0
