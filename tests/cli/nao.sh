# oneshot nao: a 2-round search of the tiny space on 512 images, its files
# consistent with each other (every pool architecture valid and distinct,
# round 2's new ones in no earlier round, the accuracies where they belong,
# rounds.csv and top.csv agreeing with pool.csv, the learning rate's
# restarts on standard error), a search stopped in round 2 and resumed with
# no other option ending with the uninterrupted one's files, Ctrl-C, a
# short re-rank, and the refusals.
. "$(dirname "$0")/lib.inc"
need_data
small_data "$TMP/data" 1024 16
tiny="--space tiny --rounds 2 --seed-archs 10 --new-archs 5 --top-k 10 --epochs-per-round 1 --controller-epochs 200 --train-images 512 --val-images 256 --calib-images 128 --batch 64 --rerank 0"
data="--data $TMP/data --threads 2"

# refused
usage() { err=$($ONESHOT nao $tiny $data "$@" 2>&1 >/dev/null); rc=$?; expect_eq "$* status" $rc 2; printf '%s\n' "$err" | head -n 1; }
expect_eq "no directory" "$(usage)" "oneshot nao: error: give --out DIR for a new search or --resume DIR to continue one"
expect_eq "bad bn" "$(usage --out "$TMP/x" --bn fresh)" "oneshot nao: error: --bn takes recal or batch"
expect_eq "bad reinit" "$(usage --out "$TMP/x" --reinit all)" "oneshot nao: error: --reinit takes schedule or weights"
err=$($ONESHOT nao --resume "$TMP/none" $data 2>&1 >/dev/null); rc=$?
expect_eq "nothing to resume status" $rc 1
expect_eq "nothing to resume" "$err" "oneshot: $TMP/none: error: holds no NAO search to resume (no supernet.ckpt)"

# a whole search
a="$TMP/a"
r=$($ONESHOT nao $tiny $data --out "$a" --json 2>"$TMP/err") || fail "search exited $?: $(cat "$TMP/err")"
for f in supernet.ckpt controller-1.ckpt pool.csv rounds.csv top.csv; do
    [ -s "$a/$f" ] || fail "no $f"
done
[ ! -e "$a/controller-2.ckpt" ] || fail "the last round trained a controller"
[ ! -e "$a/rerank.csv" ] || fail "a re-rank with --rerank 0"
expect_eq "end" "$(json_field "$r" end)" '"rounds"'
expect_eq "rounds evaluated" "$(json_field "$r" rounds_evaluated)" 2
expect_eq "restarts" "$(grep -c '^oneshot: info: round [12]: learning rate restarted at 0.1 (cosine to 0 over 8 steps)' "$TMP/err")" 2
expect_eq "round lines" "$(grep -c '^round [12]/2: ' "$TMP/err")" 2
expect_eq "pool header" "$(head -n 1 "$a/pool.csv")" "arch,round,params,macs,predicted,updates,acc_1,acc_2"
tail -n +2 "$a/pool.csv" > "$TMP/pool"
n=$(wc -l < "$TMP/pool")
expect_eq "pool size" "$n" "$(json_field "$r" pool)"
# valid architectures of tiny, distinct (tiny has no skip: its canonical form is the string)
bad=$(cut -d, -f1 "$TMP/pool" | grep -Evx '(k3e2|k5e4|k7e6)(-(k3e2|k5e4|k7e6)){3}')
expect_eq "invalid architectures" "$bad" ""
expect_eq "duplicates" "$(cut -d, -f1 "$TMP/pool" | sort | uniq -d)" ""
# round 1: the 10 seeds, scored in both rounds, no prediction; round 2: new,
# predicted, scored in round 2 only
awk -F, '$2 == 1 && ($5 != "" || $7 == "" || $8 == "") { print "seed " NR ": " $0 }
         $2 == 2 && ($5 == "" || $7 != "" || $8 == "") { print "new " NR ": " $0 }
         $2 != 1 && $2 != 2 { print "round " NR ": " $0 }
         $7 != "" && ($7 < 0 || $7 > 1) || $8 < 0 || $8 > 1 { print "accuracy " NR ": " $0 }' "$TMP/pool" > "$TMP/badrows"
expect_eq "rows" "$(cat "$TMP/badrows")" ""
expect_eq "seeds" "$(awk -F, '$2 == 1' "$TMP/pool" | wc -l)" 10
new=$(awk -F, '$2 == 2' "$TMP/pool" | wc -l)
[ "$new" -ge 1 ] && [ "$new" -le 5 ] || fail "round 2 has $new new architectures"
expect_eq "round 2 new in round 1" "$(awk -F, 'NR == FNR { if ($2 == 1) seen[$1] = 1; next } $2 == 2 && ($1 in seen)' "$TMP/pool" "$TMP/pool")" ""
# the parameters of a row are oneshot info's
arch=$(head -n 1 "$TMP/pool" | cut -d, -f1)
info=$($ONESHOT info --space tiny --arch "$arch" --json)
expect_eq "params" "$(head -n 1 "$TMP/pool" | cut -d, -f3)" "$(json_field "$info" params)"
# every step of round r went to its new architectures: updates add up to its steps
expect_eq "round 1 updates" "$(awk -F, '$2 == 1 { s += $6 } END { print s }' "$TMP/pool")" 8
expect_eq "round 2 updates" "$(awk -F, '$2 == 2 { s += $6 } END { print s }' "$TMP/pool")" 8
# rounds.csv: round 1 generated round 2's; its best is the pool's best
expect_eq "rounds rows" "$(wc -l < "$a/rounds.csv")" 3
expect_eq "round 1" "$(sed -n 2p "$a/rounds.csv" | cut -d, -f1-4,17)" "1,10,10,8,$new"
expect_eq "round 2" "$(sed -n 3p "$a/rounds.csv" | cut -d, -f1-4,17)" "2,$new,$n,8,"
tau=$(sed -n 2p "$a/rounds.csv" | cut -d, -f15)
[ -n "$tau" ] || fail "round 1 has no predictor tau"
best=$(sort -t, -k8,8gr "$TMP/pool" | head -n 1 | cut -d, -f8)
expect_eq "best" "$(sed -n 3p "$a/rounds.csv" | cut -d, -f10)" "$best"
expect_eq "top rows" "$(wc -l < "$a/top.csv")" $((n + 1))
expect_eq "top first" "$(sed -n 2p "$a/top.csv" | cut -d, -f1,3)" "1,$best"

# stopped in round 2 (8 + 10 + 200 + 1 steps make round 1), resumed with no
# other option than the data: the same files
b="$TMP/b"
$ONESHOT nao $tiny $data --out "$b" --stop-after 223 >/dev/null 2>"$TMP/err" || fail "stopped search exited $?"
grep -q "^stopped in round 2; --resume $b goes on from the start of it$" "$TMP/err" || fail "no stop message: $(cat "$TMP/err")"
$ONESHOT nao --resume "$b" $data >/dev/null 2>"$TMP/err" || fail "resume exited $?: $(cat "$TMP/err")"
grep -q '^resumed: 1 round evaluated, the pool holds' "$TMP/err" || fail "no resume line: $(cat "$TMP/err")"
cmp -s "$a/pool.csv" "$b/pool.csv" || fail "resumed pool.csv differs: $(diff "$a/pool.csv" "$b/pool.csv")"
cmp -s "$a/top.csv" "$b/top.csv" || fail "resumed top.csv differs"
strip() { cut -d, -f1-18 "$1"; }
expect_eq "resumed rounds.csv" "$(strip "$b/rounds.csv")" "$(strip "$a/rounds.csv")"

# another setting on resume, a directory that holds a search
err=$($ONESHOT nao --resume "$b" $data --seed-archs 12 2>&1 >/dev/null); rc=$?
expect_eq "other setting status" $rc 1
expect_eq "other setting" "$err" "oneshot: $b/supernet.ckpt: error: was saved by a search with seed_archs 10, this one has 12: resume with the same settings (only the rounds may differ)"
err=$($ONESHOT nao $tiny $data --out "$b" 2>&1 >/dev/null); rc=$?
expect_eq "taken status" $rc 1
expect_eq "taken" "$err" "oneshot: $b: error: holds a NAO search already: resume it, or search in another directory"

# a finished search resumed: the re-rank alone, into rerank.csv
r=$($ONESHOT nao --resume "$a" $data --rerank 2 --json 2>"$TMP/err") || fail "re-rank exited $?: $(cat "$TMP/err")"
expect_eq "rerank rows" "$(wc -l < "$a/rerank.csv")" 3
expect_eq "rerank header" "$(head -n 1 "$a/rerank.csv")" "rank,arch,supernet_acc,standalone_acc,epochs,seconds"
expect_eq "rerank first" "$(sed -n 2p "$a/rerank.csv" | cut -d, -f1-3)" "$(sed -n 2p "$a/top.csv" | cut -d, -f1-3)"
printf '%s\n' "$r" | grep -q '"rerank": \[{"arch": ' || fail "no rerank in the JSON: $r"

# Ctrl-C: status 130, the round to start again
c="$TMP/c"
$ONESHOT nao ${tiny/--epochs-per-round 1/--epochs-per-round 400} $data --out "$c" >/dev/null 2>"$TMP/err" &
pid=$!
for _ in $(seq 300); do [ -f "$c/pool.csv" ] && break; sleep 0.1; done
sleep 0.5
kill -INT $pid
wait $pid; rc=$?
expect_eq "interrupted status" $rc 130
grep -q "^stopped in round 1; --resume $c goes on from the start of it$" "$TMP/err" || fail "no stop message: $(cat "$TMP/err")"
exit 0
