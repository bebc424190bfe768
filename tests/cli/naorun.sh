# oneshot run with method: nao: a cut-down examples/nao.yaml (the tiny
# space, a few hundred images, two rounds) runs NAO-V2 into its run
# directory (nao/ with the search's own files; pool.csv with each
# architecture's latency, accuracy and place on the accuracy-latency front;
# candidates.csv with what the controller decoded; rerank.csv; chosen.txt)
# and retrains the chosen architecture; stopped in round 2 and in the
# re-rank, killed mid-round, and resumed, it ends with the uninterrupted
# run's files; --check summarises it and writes nothing; a bad nao: key is
# refused at its file:line:col; the TUI shows the NAO panels (under tmux,
# when it is installed).
. "$(dirname "$0")/lib.inc"
need_data
small_data "$TMP/data" 512 16
# examples/nao.yaml with its data, space, sizes and threads cut down
sed -e 's|^dataset:|dataset:\n  path: data|' -e 's/^  train_images: .*/  train_images: 384/' \
    -e 's/^  val_images: .*/  val_images: 128/' -e 's/^space: .*/space: tiny/' \
    -e 's/^  rounds: .*/  rounds: 2/' -e 's/^  seed_archs: .*/  seed_archs: 10/' \
    -e 's/^  new_archs: .*/  new_archs: 5/' -e 's/^  top_k: .*/  top_k: 10/' \
    -e 's/^  epochs_per_round: .*/  epochs_per_round: 1/' \
    -e 's/^  controller_epochs: .*/  controller_epochs: 100/' -e 's/^  rerank: .*/  rerank: 2/' \
    -e 's/^threads: .*/threads: 1/' -e 's/^output: .*/output: runs\/t/' \
    -e 's/^nao:$/nao:\n  batch: 64\n  bn_recalibration: 64\n  eval_batch: 128/' \
    examples/nao.yaml > "$TMP/t.yaml"
printf 'retrain:\n  epochs: 1\n' >> "$TMP/t.yaml"
grep -q '^method: nao$' "$TMP/t.yaml" || fail "examples/nao.yaml is not a NAO experiment"
grep -q '^  rounds: 2$' "$TMP/t.yaml" && grep -q '^space: tiny$' "$TMP/t.yaml" &&
    grep -q '^  rerank: 2$' "$TMP/t.yaml" || fail "the cut-down copy: $(cat "$TMP/t.yaml")"

# --check: a summary, nothing written
out=$($ONESHOT run --check "$TMP/t.yaml" 2>"$TMP/check.err") || fail "check exited $?: $(cat "$TMP/check.err")"
expect_eq "check" "$out" "$TMP/t.yaml: space tiny (81 architectures), method nao: 2 rounds from 10 architectures, 5 new a round, 1 epoch a round of batch 64, re-rank of 2, latency on mobile-gpu"
[ -e "$TMP/runs" ] && fail "--check made a run directory"

# uninterrupted
a="$TMP/a"
$ONESHOT run "$TMP/t.yaml" --out "$a" >"$TMP/a.out" 2>"$TMP/a.err" || fail "run exited $?: $(cat "$TMP/a.err")"
for f in experiment.yaml info.txt latency.yaml status pool.csv candidates.csv rerank.csv chosen.txt \
    retrained.csv nao/supernet.ckpt nao/controller-1.ckpt nao/pool.csv nao/rounds.csv nao/top.csv; do
    [ -s "$a/$f" ] || fail "no $f in the run directory"
done
for f in supernet.ckpt history.csv evaluations.csv singlepath.csv strategy.lua; do
    [ -e "$a/$f" ] && fail "a NAO run wrote $f"
done
expect_eq "status" "$(cat "$a/status")" done
grep -q '^method: nao$' "$a/experiment.yaml" && grep -q '^  controller_epochs: 100$' "$a/experiment.yaml" ||
    fail "experiment.yaml: $(cat "$a/experiment.yaml")"
expect_eq "round lines" "$(grep -c '^round [12]/2: ' "$TMP/a.err")" 2
grep -Eq '^round 2/2: [1-5] new, .*held-out tau [-0-9.a-z]+, predictor tau undefined' "$TMP/a.err" ||
    fail "round 2's line: $(cat "$TMP/a.err")"
# pool.csv: the engine's pool (nao/pool.csv) row for row, with the latency
# the device model predicts and the last accuracy
expect_eq "pool header" "$(head -n 1 "$a/pool.csv")" "arch,round,params,macs,latency_ms,predicted,accuracy,updates,front"
n=$(($(wc -l < "$a/nao/pool.csv") - 1))
[ "$n" -ge 11 ] && [ "$n" -le 15 ] || fail "a pool of $n: 10 seeds and 1 to 5 decoded"
expect_eq "pool rows" "$(wc -l < "$a/pool.csv")" $((n + 1))
expect_eq "pool vs the search's" "$(tail -n +2 "$a/pool.csv" | cut -d, -f1-4,6,8)" \
    "$(tail -n +2 "$a/nao/pool.csv" | cut -d, -f1-6)"
expect_eq "pool accuracy" "$(tail -n +2 "$a/pool.csv" | cut -d, -f7)" "$(tail -n +2 "$a/nao/pool.csv" | cut -d, -f8)"
arch=$(sed -n 2p "$a/pool.csv" | cut -d, -f1)
want=$(json_field "$($ONESHOT latency predict --space tiny --device mobile-gpu --arch "$arch" --json)" ms)
got=$(sed -n 2p "$a/pool.csv" | cut -d, -f5)
awk -v a="$got" -v b="$want" 'BEGIN { exit !(a - b < 1e-5 * b && b - a < 1e-5 * b) }' ||
    fail "pool.csv's latency of $arch $got, the model's $want"
# the front: no row dominates a row marked on it, each row off it is dominated
awk -F, 'NR > 1 { acc[NR] = $7; ms[NR] = $5; on[NR] = $9; n = NR }
         END { for (i = 2; i <= n; i++) { d = 0
                   for (j = 2; j <= n; j++) if (acc[j] >= acc[i] && ms[j] <= ms[i] && (acc[j] > acc[i] || ms[j] < ms[i])) d = 1
                   if (d == on[i]) { print "row " i; exit 1 } } }' "$a/pool.csv" ||
    fail "pool.csv's front column: $(cat "$a/pool.csv")"
# candidates.csv: round 2's architectures, as decoded by round 1, best predicted first
expect_eq "candidates header" "$(head -n 1 "$a/candidates.csv")" "round,rank,arch,predicted,accuracy,latency_ms,params,macs"
expect_eq "candidates" "$(tail -n +2 "$a/candidates.csv" | cut -d, -f3 | sort)" \
    "$(awk -F, '$2 == 2 { print $1 }' "$a/pool.csv" | sort)"
expect_eq "candidates' rounds and ranks" "$(tail -n +2 "$a/candidates.csv" | cut -d, -f1,2 | tr '\n' ' ')" \
    "$(seq 1 "$(($(wc -l < "$a/candidates.csv") - 1))" | sed 's/^/1,/' | tr '\n' ' ')"
tail -n +2 "$a/candidates.csv" | cut -d, -f4 | sort -gr -c || fail "candidates not best predicted first"
# the re-rank: the supernet's two best (nao/top.csv), trained alone; chosen.txt the better
expect_eq "rerank header" "$(head -n 1 "$a/rerank.csv")" "rank,arch,supernet_acc,standalone_acc,epochs,seconds"
expect_eq "rerank" "$(tail -n +2 "$a/rerank.csv" | cut -d, -f1-3)" "$(sed -n 2,3p "$a/nao/top.csv" | cut -d, -f1-3)"
row=$(grep -v '^#' "$a/chosen.txt")
chosen=$(printf '%s\n' "$row" | cut -f2)
expect_eq "chosen.txt label" "$(printf '%s\n' "$row" | cut -f1)" nao
best=$(tail -n +2 "$a/rerank.csv" | sort -t, -k4,4gr -k1,1n | head -n 1 | cut -d, -f2)
expect_eq "chosen: the re-rank's best" "$chosen" "$best"
expect_eq "retrained" "$(tail -n +2 "$a/retrained.csv" | cut -d, -f1)" "$chosen"
grep -q "^run $a: NAO chose, after 2 rounds and $n architectures,$" "$TMP/a.out" || fail "summary: $(cat "$TMP/a.out")"
grep -q "^  $chosen$" "$TMP/a.out" || fail "summary: $(cat "$TMP/a.out")"

same() { # same DIR1 DIR2: the results, without the seconds
    for f in pool.csv candidates.csv chosen.txt nao/pool.csv nao/top.csv; do
        cmp -s "$1/$f" "$2/$f" || fail "$f differs after resuming: $(diff "$1/$f" "$2/$f" | head -n 5)"
    done
    cmp -s <(cut -d, -f1-18 "$1/nao/rounds.csv") <(cut -d, -f1-18 "$2/nao/rounds.csv") ||
        fail "nao/rounds.csv differs after resuming"
    cmp -s <(cut -d, -f1-5 "$1/rerank.csv") <(cut -d, -f1-5 "$2/rerank.csv") ||
        fail "rerank.csv differs after resuming"
    cmp -s <(cut -d, -f1-8 "$1/retrained.csv") <(cut -d, -f1-8 "$2/retrained.csv") ||
        fail "retrained.csv differs after resuming"
}
# stopped in the re-rank (the two rounds are 6 supernet steps, 10 scorings,
# 100 controller epochs and a generation, then 6 steps and n scorings; a
# re-rank training is 6 steps), a row torn by a kill, resumed
b="$TMP/b"
$ONESHOT run "$TMP/t.yaml" --out "$b" --stop-after $((6 + 10 + 100 + 1 + 6 + n + 9)) >/dev/null 2>"$TMP/b.err"
expect_eq "exit status when stopped" $? 130
expect_eq "status stopped" "$(cat "$b/status")" stopped
grep -q "oneshot run --resume $b" "$TMP/b.err" || fail "stop message: $(cat "$TMP/b.err")"
expect_eq "rounds committed when stopped" "$(($(wc -l < "$b/nao/rounds.csv") - 1))" 2
expect_eq "re-ranked when stopped" "$(($(wc -l < "$b/rerank.csv") - 1))" 1
[ -e "$b/chosen.txt" ] && fail "chosen.txt before the re-rank ended"
printf '2,k3e2' >> "$b/rerank.csv" # a row torn by a kill: dropped, trained again
$ONESHOT run --resume "$b" >/dev/null 2>"$TMP/b.err" || fail "resume exited $?: $(cat "$TMP/b.err")"
grep -q '(resumed)' "$TMP/b.err" || fail "no resumed note: $(cat "$TMP/b.err")"
same "$a" "$b"
# killed in round 2 (after round 1's commit), resumed: the round again
c="$TMP/c"
$ONESHOT run "$TMP/t.yaml" --out "$c" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 400); do [ "$(cat "$c/nao/rounds.csv" 2>/dev/null | wc -l)" = 2 ] && break; sleep 0.05; done
{ kill -9 $pid && wait $pid; } 2>/dev/null
[ -e "$c/chosen.txt" ] && fail "the run ended before it was killed: make it longer"
$ONESHOT run --resume "$c" >/dev/null 2>"$TMP/c.err" || fail "resume after a kill exited $?: $(cat "$TMP/c.err")"
same "$a" "$c"

# refused, at their place, before any run directory
sed 's/^  rounds: 2$/  rounds: 0/' "$TMP/t.yaml" > "$TMP/bad.yaml"
line=$(grep -n '^  rounds: 0$' "$TMP/bad.yaml" | cut -d: -f1)
err=$($ONESHOT run "$TMP/bad.yaml" 2>&1 >/dev/null)
expect_eq "exit status, rounds 0" $? 1
expect_eq "rounds 0" "$err" "oneshot: $TMP/bad.yaml:$line:11: error: nao.rounds: 0 is out of range (1 to 100)"
sed 's/^  top_k: /  topk: /' "$TMP/t.yaml" > "$TMP/bad.yaml"
line=$(grep -n '^  topk: ' "$TMP/bad.yaml" | cut -d: -f1)
err=$($ONESHOT run "$TMP/bad.yaml" 2>&1 >/dev/null)
expect_eq "exit status, a misspelt key" $? 1
expect_eq "a misspelt key" "$err" "oneshot: $TMP/bad.yaml:$line:3: error: unknown key 'topk' in nao (did you mean 'top_k'?)"
sed 's/^  bn: .*/  bn: train/' "$TMP/t.yaml" > "$TMP/bad.yaml"
line=$(grep -n '^  bn: train' "$TMP/bad.yaml" | cut -d: -f1)
err=$($ONESHOT run "$TMP/bad.yaml" 2>&1 >/dev/null)
expect_eq "bn" "$err" "oneshot: $TMP/bad.yaml:$line:7: error: nao.bn: 'train' is not one of recal, batch"
[ -e "$TMP/runs" ] && fail "a refused run made its run directory"

# the TUI: its NAO panels, the pool on the plot, the predictor's tau, the candidates
command -v tmux >/dev/null 2>&1 || { echo "note: tmux is not installed: the TUI part is not run" >&2; exit 0; }
T="tmux -S $TMP/tmux.sock"
trap '$T kill-server 2>/dev/null && sleep 1; rm -rf "$TMP"' EXIT
ONESHOT=$(cd "$(dirname "$ONESHOT")" && pwd)/$(basename "$ONESHOT")
$T new-session -d -s a -x 110 -y 32 "exec env -i PATH='$PATH' HOME='$TMP' TERM=\"\$TERM\" bash --norc --noprofile"
$T set-option -t a status off >/dev/null
$T send-keys -t a "LC_ALL=C.UTF-8 $ONESHOT tui --resume $a; echo exit=\$?" Enter
end=$((SECONDS + 20))
until $T capture-pane -p -t a | grep -q '^ oneshot  nao  done'; do
    [ $SECONDS -lt $end ] || fail "the TUI of a finished NAO run: $($T capture-pane -p -t a)"
    sleep 0.2
done
screen=$($T capture-pane -p -t a)
for t in "pool  $n architectures, 2 rounds scored" predictor "candidates  $((n - 10)) decoded by round 1" log; do
    printf '%s\n' "$screen" | grep -Eq -- "─ $t( |─)" || fail "no '$t' panel in a NAO run: $screen"
done
printf '%s\n' "$screen" | grep -Eq '─ (supernet|ranking|fairness|decisions|runtime) ' && fail "other methods' panels in a NAO run: $screen"
printf '%s\n' "$screen" | grep -Eq "│ *2 +$((n - 10)) +[0-9.]+ +[-0-9.]+ +- " || fail "no round 2 in the predictor's table: $screen"
first=$(sed -n 2p "$a/candidates.csv" | cut -d, -f3)
printf '%s\n' "$screen" | grep -Eq "^│ +1 [0-9.]+ +[0-9.]+ +[0-9.]+ +$first " || fail "candidate 1 is not $first: $screen"
printf '%s\n' "$screen" | grep -q 'x latency \[ms on mobile-gpu\] y accuracy' || fail "no axes on the pool plot: $screen"
# ? on each NAO panel explains it and names NAO's paper (Tab moves the focus)
seen=0
for _ in 1 2 3 4 5; do
    $T send-keys -t a '?'
    sleep 0.3
    screen=$($T capture-pane -p -t a)
    if p=$(printf '%s\n' "$screen" | grep -Eo '─ (pool|predictor|candidates): what it shows'); then
        printf '%s\n' "$screen" | grep -q 'Luo et al' || fail "$p: no paper named: $screen"
        seen=$((seen + 1))
    fi
    $T send-keys -t a Escape Tab
done
[ "$seen" -ge 3 ] || fail "? explained $seen of the 3 NAO panels"
$T send-keys -t a q
end=$((SECONDS + 10))
until $T capture-pane -p -t a | grep -q '^exit=0'; do
    [ $SECONDS -lt $end ] || fail "q did not end the TUI: $($T capture-pane -p -t a)"
    sleep 0.2
done
exit 0
