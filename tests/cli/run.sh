# oneshot run: an experiment end to end; stopped and resumed (also after a
# kill tore the last rows) equals uninterrupted; errors name file:line:col
# and create nothing.
. "$(dirname "$0")/lib.inc"
need_data
cat > "$TMP/t.yaml" <<'YAML'
name: t
seed: 1
threads: 1
dataset:
  train_images: 1024
  val_images: 512
space: tiny
supernet:
  sampler: fair
  batch: 64
  bn_recalibration: 256
search:
  strategy: random
  generations: 3
  population: 3
objectives:
  - name: accuracy
    direction: maximize
  - name: params
    direction: minimize
YAML
$ONESHOT run "$TMP/t.yaml" --out "$TMP/a" >"$TMP/a.out" 2>"$TMP/a.err" || fail "run exited $?: $(cat "$TMP/a.err")"
for f in experiment.yaml info.txt strategy.lua supernet.ckpt history.csv evaluations.csv generations.csv pareto.csv chosen.txt status; do
    [ -s "$TMP/a/$f" ] || fail "no $f in the run directory"
done
expect_eq "status" "$(cat "$TMP/a/status")" done
expect_eq "history rows" "$(($(wc -l < "$TMP/a/history.csv") - 1))" 16
expect_eq "evaluations" "$(($(wc -l < "$TMP/a/evaluations.csv") - 1))" 9
expect_eq "generations" "$(cut -d, -f1 "$TMP/a/generations.csv" | sort -u | tr '\n' ' ')" "1 2 3 generation "
expect_eq "evaluations header" "$(head -n 1 "$TMP/a/evaluations.csv")" "arch,accuracy,accuracy_no_recal,params,macs,seconds"
grep -q '^best_accuracy	k' "$TMP/a/chosen.txt" || fail "chosen.txt: $(cat "$TMP/a/chosen.txt")"
grep -q "9 architectures evaluated" "$TMP/a.out" || fail "summary: $(cat "$TMP/a.out")"
# the supernet ranked the tiny space's ground truth (24 of its 81) at the epoch's end
expect_eq "ranking.csv" "$(cut -d, -f1,2 "$TMP/a/ranking.csv" | tr '\n' ' ')" "step,n 16,24 "
grep -q "^step 16: the supernet ranks the 24 architectures of .*tiny.truth.csv with Kendall tau" "$TMP/a.err" || fail "ranking line: $(cat "$TMP/a.err")"
# the loss falls over the epoch
awk -F, 'NR == 2 {a = $4} END {exit !($4 < a)}' "$TMP/a/history.csv" || fail "loss did not fall"
# the front is non-dominated: no row better in both accuracy and params
awk -F, 'NR > 1 {acc[NR] = $2; par[NR] = $4} END {for (i in acc) for (j in acc) if (acc[j] > acc[i] && par[j] < par[i]) exit 1}' "$TMP/a/pareto.csv" || fail "pareto.csv has a dominated row"

same() { # same DIR1 DIR2: the results, without the seconds columns
    for f in history evaluations; do
        cut -d, -f1-5 "$1/$f.csv" > "$TMP/x1"; cut -d, -f1-5 "$2/$f.csv" > "$TMP/x2"
        cmp -s "$TMP/x1" "$TMP/x2" || fail "$f.csv differs after resuming"
    done
    for f in generations.csv pareto.csv chosen.txt supernet.ckpt; do
        cmp -s "$1/$f" "$2/$f" || fail "$f differs after resuming"
    done
}
# stopped in training, then in the search, then resumed to the end
$ONESHOT run "$TMP/t.yaml" --out "$TMP/b" --stop-after 7 >/dev/null 2>"$TMP/b.err"
expect_eq "exit status when stopped" $? 130
grep -q "oneshot run --resume $TMP/b" "$TMP/b.err" || fail "stop message: $(cat "$TMP/b.err")"
expect_eq "status stopped" "$(cat "$TMP/b/status")" stopped
$ONESHOT run --resume "$TMP/b" --stop-after 13 >/dev/null 2>&1
expect_eq "evaluations when stopped in the search" "$(($(wc -l < "$TMP/b/evaluations.csv") - 1))" 4
# a kill tears the last rows: they are dropped and made again
printf 'k3e2-k5' >> "$TMP/b/evaluations.csv"
printf '17,1,0.0' >> "$TMP/b/history.csv"
printf '2,k3e2-k3e2-k3' >> "$TMP/b/generations.csv"
$ONESHOT run --resume "$TMP/b" >/dev/null 2>"$TMP/b.err" || fail "resume exited $?: $(cat "$TMP/b.err")"
grep -q "4 evaluations of the earlier run are reused" "$TMP/b.err" || fail "reuse message: $(cat "$TMP/b.err")"
same "$TMP/a" "$TMP/b"
expect_eq "resumes recorded" "$(grep -c '^resumed:' "$TMP/b/info.txt")" 2
# resuming a finished run changes nothing
$ONESHOT run --resume "$TMP/b" >/dev/null 2>&1 || fail "resume of a finished run"
same "$TMP/a" "$TMP/b"
# a kill cut the last generation's block after whole rows (a write cut
# short): that generation is dropped on resume and written again whole
sed -i '$d' "$TMP/b/generations.csv"
$ONESHOT run --resume "$TMP/b" >/dev/null 2>"$TMP/b.err" || fail "resume after a short generation: $(cat "$TMP/b.err")"
same "$TMP/a" "$TMP/b"

# supernet.from: a run starts from a checkpoint of `oneshot supernet` with
# its settings (bit for bit the run's own supernet): trained to the end, the
# run goes straight to its search, and finds what run a found; half trained,
# it trains the rest.  The run directory keeps its own copy.
sn="$ONESHOT supernet --space tiny --sampler fair --batch 64 --train-images 1024 --val-images 512 --seed 1 --threads 1"
$sn --out "$TMP/full.ckpt" >/dev/null 2>&1 || fail "oneshot supernet for supernet.from"
$sn --out "$TMP/half.ckpt" --stop-after 7 >/dev/null 2>&1 || fail "oneshot supernet --stop-after 7"
for h in full half; do
    sed "s|  sampler: fair|  sampler: fair\n  from: $h.ckpt|" "$TMP/t.yaml" > "$TMP/$h.yaml"
    $ONESHOT run "$TMP/$h.yaml" --out "$TMP/$h" >/dev/null 2>"$TMP/$h.err" || fail "run from $h.ckpt: $(cat "$TMP/$h.err")"
    cut -d, -f1-5 "$TMP/a/evaluations.csv" > "$TMP/x1"; cut -d, -f1-5 "$TMP/$h/evaluations.csv" > "$TMP/x2"
    cmp -s "$TMP/x1" "$TMP/x2" || fail "a run from $h.ckpt evaluated otherwise than one that trained its supernet"
    for f in chosen.txt pareto.csv supernet.ckpt; do
        cmp -s "$TMP/a/$f" "$TMP/$h/$f" || fail "a run from $h.ckpt: $f differs"
    done
done
expect_eq "steps trained from half.ckpt" "$(cut -d, -f1 "$TMP/half/history.csv" | sed -n '2p;$p' | tr '\n' ' ')" "8 16 "
expect_eq "steps trained from full.ckpt" "$(wc -l < "$TMP/full/history.csv")" 1
grep -q "steps (from $TMP/half.ckpt, step 7)$" "$TMP/half.err" || fail "the training line: $(cat "$TMP/half.err")"
grep -q "^sampler: fair, from $TMP/full.ckpt$" "$TMP/full/info.txt" || fail "info.txt: $(cat "$TMP/full/info.txt")"
expect_eq "its ranking at the end" "$(cut -d, -f1,2 "$TMP/full/ranking.csv" | tr '\n' ' ')" "step,n 16,24 "
rm "$TMP/full.ckpt"
$ONESHOT run --resume "$TMP/full" >/dev/null 2>&1 || fail "a finished run from a checkpoint since deleted"
sed 's/^seed: 1/seed: 2/' "$TMP/half.yaml" > "$TMP/e6.yaml"
err=$($ONESHOT run "$TMP/e6.yaml" --out "$TMP/e6" 2>&1 >/dev/null)
case "$err" in "oneshot: $TMP/e6.yaml:10:9: error: supernet.from: $TMP/half.ckpt was saved by a run with another seed"*) ;; *) fail "supernet.from of another seed: $err" ;; esac
[ -e "$TMP/e6" ] && fail "a run refused its supernet.from made its directory"

# latency objectives: on the experiment's device ("latency") and another
# ("latency@host"); the tables are kept in the run directory
sed 's/  - name: params/  - name: latency\n    direction: minimize\n  - name: latency\n    device: host/; s/strategy: random/strategy: moga/' "$TMP/t.yaml" > "$TMP/lat.yaml"
printf 'latency:\n  device: mobile-gpu\n' >> "$TMP/lat.yaml"
$ONESHOT run "$TMP/lat.yaml" --out "$TMP/lat" >/dev/null 2>"$TMP/lat.err" || fail "latency run: $(cat "$TMP/lat.err")"
expect_eq "latency columns" "$(head -n 1 "$TMP/lat/evaluations.csv")" "arch,accuracy,accuracy_no_recal,params,macs,latency,latency@host,seconds"
expect_eq "generation columns" "$(head -n 1 "$TMP/lat/generations.csv")" "generation,arch,front,accuracy,latency,latency@host"
[ -s "$TMP/lat/latency.yaml" ] && [ -s "$TMP/lat/latency-2.yaml" ] || fail "latency tables not kept"
cmp -s "$TMP/lat/lib/nsga2.lua" lua/nsga2.lua || fail "moga's nsga2.lua not kept in lib/"
awk -F, 'NR > 1 && !($6 > 0 && $7 > 0) {exit 1}' "$TMP/lat/evaluations.csv" || fail "latency not positive"
grep -q '^best_latency@host	k' "$TMP/lat/chosen.txt" || fail "chosen: $(cat "$TMP/lat/chosen.txt")"

# errors: file:line:col, and no run directory is made
sed 's/strategy: random/strategy: randon/' "$TMP/t.yaml" > "$TMP/e1.yaml"
err=$($ONESHOT run "$TMP/e1.yaml" --out "$TMP/e1" 2>&1 >/dev/null)
expect_eq "unknown strategy" "$err" "oneshot: $TMP/e1.yaml:13:13: error: search.strategy: no strategy 'randon' (did you mean 'random'?)"
[ -e "$TMP/e1" ] && fail "a failed run made its directory"
sed 's/  population: 3/  population: 3\n  params: {trie: 5}/' "$TMP/t.yaml" > "$TMP/e2.yaml"
err=$($ONESHOT run "$TMP/e2.yaml" --out "$TMP/e2" 2>&1 >/dev/null)
expect_eq "unknown parameter" "$err" "oneshot: $TMP/e2.yaml:16:12: error: search.params: unknown parameter 'trie' of strategy random (did you mean 'tries'?)"
sed 's/  population: 3/  population: 3\n  params: {tries: many}/' "$TMP/t.yaml" > "$TMP/e5.yaml"
err=$($ONESHOT run "$TMP/e5.yaml" --out "$TMP/e5" 2>&1 >/dev/null)
expect_eq "parameter type" "$err" "oneshot: $TMP/e5.yaml:16:19: error: search.params.tries: expected a whole number, got 'many'"
sed 's/name: params/name: latnecy/' "$TMP/t.yaml" > "$TMP/e3.yaml"
err=$($ONESHOT run "$TMP/e3.yaml" --out "$TMP/e3" 2>&1 >/dev/null)
case "$err" in "oneshot: $TMP/e3.yaml:19:11: error: objectives[1]: no metric 'latnecy' (known: accuracy, accuracy_no_recal, params, macs"*) ;; *) fail "unknown metric: $err" ;; esac
printf 'return {\n  run = function()\n    local x = nil\n    return x.y\n  end,\n}\n' > "$TMP/bad.lua"
sed "s|strategy: random|strategy: $TMP/bad.lua|" "$TMP/t.yaml" > "$TMP/e4.yaml"
err=$($ONESHOT run "$TMP/e4.yaml" --out "$TMP/e4" 2>&1 >/dev/null)
expect_eq "exit status of a script error" $? 1
printf '%s\n' "$err" | grep -q "^oneshot: $TMP/bad.lua:4: error: in run: attempt to index a nil value (local 'x')$" || fail "script error: $err"
printf '%s\n' "$err" | grep -q "stack traceback" || fail "no traceback: $err"
expect_eq "status of a failed run" "$(cut -c1-7 "$TMP/e4/status")" "failed:"
printf '%s\n' "$err" | grep -q "oneshot run --resume $TMP/e4 --reload$" || fail "no --reload hint: $err"
# fixed, the run goes on from where it failed with the file read again
cp lua/random.lua "$TMP/bad.lua"
$ONESHOT run --resume "$TMP/e4" >/dev/null 2>&1 && fail "resume without --reload used the fixed file"
$ONESHOT run --resume "$TMP/e4" --reload >/dev/null 2>"$TMP/e4.err" || fail "resume --reload: $(cat "$TMP/e4.err")"
expect_eq "status after --reload" "$(cat "$TMP/e4/status")" done
cmp -s "$TMP/e4/strategy.lua" lua/random.lua || fail "the run's copy of the strategy was not renewed"
err=$($ONESHOT run "$TMP/t.yaml" --out "$TMP/a" 2>&1 >/dev/null)
expect_eq "existing run" "$err" "oneshot: $TMP/a: error: holds a run already: continue it with \`oneshot run --resume $TMP/a\` or choose another --out"
err=$($ONESHOT run --resume "$TMP" 2>&1 >/dev/null)
expect_eq "not a run" "$err" "oneshot: $TMP: error: is not a run directory of oneshot (it has no experiment.yaml)"
# a legal space with 32 layers and 15-character choice names: every row of
# every run file is longer than any fixed guess, and whole (under the
# sanitizers, an overflow fails here)
cat > "$TMP/long.lua" <<'LUA'
return {
  name = "long",
  input = {channels = 1, height = 28, width = 28},
  classes = 10,
  stem = {channels = 4, kernel = 3, stride = 2, act = "relu"},
  stages = {{channels = 4, layers = 16, stride = 2}, {channels = 4, layers = 16, stride = 1}},
  choices = {{name = "k3e1_aaaaaaaaaa", kernel = 3, expansion = 1},
             {name = "k5e1_bbbbbbbbbb", kernel = 5, expansion = 1}},
  head = {channels = 8, act = "relu"},
}
LUA
sed -e "s|^space: tiny|space: $TMP/long.lua|" -e 's/strategy: random/strategy: nsga2/' \
    -e 's/train_images: 1024/train_images: 256/' -e 's/population: 3/population: 8/' "$TMP/t.yaml" > "$TMP/long.yaml"
$ONESHOT run "$TMP/long.yaml" --out "$TMP/long" >/dev/null 2>"$TMP/long.err" || fail "32-layer run: $(cat "$TMP/long.err")"
for f in generations pareto evaluations; do
    want=$(head -n 1 "$TMP/long/$f.csv" | awk -F, '{print NF}')
    awk -F, -v n="$want" 'NF != n || length($0) < 500 && NR > 1 {exit 1}' "$TMP/long/$f.csv" || fail "$f.csv: a row is cut"
done
expect_eq "generations of the long space" "$(($(wc -l < "$TMP/long/generations.csv") - 1))" 24
# numbers in their shortest exact form (0.4465, not 0.44650000000000001)
grep -Eq '[0-9]\.[0-9]{16}' "$TMP/a/evaluations.csv" "$TMP/a/pareto.csv" "$TMP/a/generations.csv" "$TMP/long/evaluations.csv" &&
    fail "a number written with more digits than it needs: $(grep -Eh '[0-9]\.[0-9]{16}' "$TMP/a/evaluations.csv" | head -n 1)"
exit 0
