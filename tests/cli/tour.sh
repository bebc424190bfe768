# The tour of oneshot-tutorial(7): every lesson's experiment loads (run
# --check), and so does the strategy of lesson 10 after its edit; the manual
# names every lesson file and every file it names is there; its lessons are
# 1 to 10, each with what to expect, why, a paper and its question, each
# from 2 on with its file, and FILES lists every file of the tour; lesson 1's
# commands give the sizes the manual quotes and train; lessons 2, 9 (its
# command and its file) and 10 run end to end on a few hundred images, and
# lesson 10's edited strategy really searches around its best network.
. "$(dirname "$0")/lib.inc"
need_data
tour=examples/tour
man=man/oneshot-tutorial.7
[ -d "$tour" ] && [ -f "$man" ] || fail "run from the top of the source tree"

# every lesson loads; the manual and the directory agree
n=0
for f in "$tour"/*.yaml; do
    out=$($ONESHOT run --check "$f" 2>&1) || fail "run --check $f: $out"
    grep -q "$(basename "$f")" "$man" || fail "$man does not name $(basename "$f")"
    n=$((n + 1))
done
[ $n -ge 9 ] || fail "only $n lessons in $tour"
for f in $(grep -o 'examples/tour/[0-9][0-9]-[a-z-]*\.\(yaml\|lua\)' "$man" | sort -u); do
    [ -f "$f" ] || fail "$man names $f, which is not there"
done
for f in "$tour"/*.lua; do
    grep -q "$(basename "$f")" "$man" || fail "$man does not name $(basename "$f")"
done
# the manual's lessons are 1 to 10 in order, each says what to expect and
# why, names a paper (a year) and ends with its question; from lesson 2 on,
# each runs its file of examples/tour, and FILES lists every file there
awk '
    /^\.Sh / { section = $0; lesson = 0 }
    /^\.Sh LESSON [0-9]+:/ { lesson = $3 + 0; n++; if (lesson != n) { print "lesson " lesson " is number " n; bad = 1 } }
    lesson && /^\.Ss / { sub(/^\.Ss /, ""); subs[lesson] = subs[lesson] "|" $0 }
    lesson && /(^|[^0-9.,])(19|20)[0-9][0-9]([^0-9]|$)/ { paper[lesson] = 1 }
    lesson >= 2 && match($0, /examples\/tour\/[0-9][0-9]-[a-z-]*\.yaml/) {
        f = substr($0, RSTART, RLENGTH)
        if (substr(f, 15, 2) + 0 == lesson) file[lesson] = 1
    }
    END {
        if (n != 10) { print n " lessons"; bad = 1 }
        for (l = 1; l <= n; l++) {
            if (subs[l] != "|What you should see|Why|The question") { print "lesson " l "'"'"'s subsections:" subs[l]; bad = 1 }
            if (!paper[l]) { print "lesson " l " names no paper"; bad = 1 }
            if (l >= 2 && !file[l]) { print "lesson " l " runs no examples/tour/" sprintf("%02d", l) "-*.yaml"; bad = 1 }
        }
        exit bad
    }' "$man" > "$TMP/lessons" || fail "$man: $(cat "$TMP/lessons")"
sed -n '/^\.Sh FILES/,/^\.Sh /p' "$man" > "$TMP/files"
for f in "$tour"/*; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    grep -Eq "^\.It Pa .*(examples/tour/$b|, $b)( |,|$)" "$TMP/files" || fail "$man's FILES does not list $b"
done
sed "s|strategy: 10-mine.lua|strategy: $PWD/$tour/10-solution.lua|" "$tour/10-strategy.yaml" > "$TMP/10s.yaml"
out=$($ONESHOT run --check "$TMP/10s.yaml" 2>&1) || fail "the solution of lesson 10: $out"
case "$out" in *"strategy mine "*) ;; *) fail "the solution of lesson 10 is not strategy mine: $out" ;; esac

# lesson 1: the sizes and the mobile-GPU latencies the manual quotes
small=k3e2-k3e2-k3e2-k3e2 large=k7e6-k7e6-k7e6-k7e6
for a in "$small 12018 277328 0.7555" "$large 47122 1203504 0.7648"; do
    set -- $a
    info=$($ONESHOT info --space tiny --arch "$1" --json) || fail "info $1"
    expect_eq "params of $1" "$(json_field "$info" params)" "$2"
    expect_eq "MACs of $1" "$(json_field "$info" macs)" "$3"
    grep -q "$(printf '%s' "$2" | sed 's/\(...\)$/,\1/')" "$man" || fail "$man does not quote $2 parameters"
    ms=$($ONESHOT latency predict --space tiny --device mobile-gpu --arch "$1" --json | grep -o '"ms": [^,}]*' | sed 's/.*: //')
    expect_eq "mobile-gpu ms of $1 (to 4 places)" "$(printf '%.4f' "$ms")" "$4"
done
small_data "$TMP/data" 768 64
out=$($ONESHOT train --space tiny --arch $small --epochs 1 --train-images 512 --val-images 256 \
      --threads 1 --data "$TMP/data" --json 2>/dev/null) || fail "lesson 1's training"
case "$(json_field "$out" val_accuracy)" in 0.[0-9]*) ;; *) fail "lesson 1's training: $out" ;; esac

# shrink FILE OUT: a lesson on 512 training and 256 validation images of
# TMP/data, one epoch
shrink() {
    sed -e "s|^dataset:$|dataset:\n  path: $TMP/data|" -e 's/^  train_images: .*/  train_images: 512/' \
        -e 's/^  val_images: .*/  val_images: 256/' -e 's/^  epochs: .*/  epochs: 1/' \
        -e 's/^  bn_recalibration: .*/  bn_recalibration: 128/' -e "s|^output: .*|output: $TMP/runs/x|" "$1" > "$2"
    grep -q "path: $TMP/data" "$2" || fail "shrink: no dataset section in $1"
}

# lesson 2 end to end: a uniform supernet, a random search, its picks retrained
shrink "$tour/02-supernet.yaml" "$TMP/02.yaml"
sed -i -e 's/^  generations: .*/  generations: 2/' -e 's/^  population: .*/  population: 4/' "$TMP/02.yaml"
$ONESHOT run "$TMP/02.yaml" --out "$TMP/02" >"$TMP/02.out" 2>"$TMP/02.err" ||
    fail "lesson 2 exited $?: $(tail -n 5 "$TMP/02.err")"
expect_eq "lesson 2: status" "$(cat "$TMP/02/status")" done
expect_eq "lesson 2: evaluations" "$(($(wc -l < "$TMP/02/evaluations.csv") - 1))" 8
[ "$(wc -l < "$TMP/02/retrained.csv")" -ge 2 ] || fail "lesson 2 retrained nothing"
grep -q 'ranks the 24 architectures of .*tiny.truth.csv' "$TMP/02.err" || fail "lesson 2 ranked nothing: $(cat "$TMP/02.err")"

# lesson 9: its command (the manual's, on a few hundred images, two small
# rounds) searches, scores its pool, trains a controller and re-ranks
grep -q 'oneshot nao --space tiny --out nao-tiny --seed-archs 20 --new-archs 10' "$man" ||
    fail "$man no longer gives lesson 9's command"
$ONESHOT nao --space tiny --out "$TMP/nao" --seed-archs 6 --new-archs 3 --top-k 3 --rounds 2 \
    --epochs-per-round 1 --controller-epochs 5 --train-images 512 --val-images 128 \
    --calib-images 64 --rerank 1 --rerank-epochs 1 --threads 1 --data "$TMP/data" \
    >"$TMP/nao.out" 2>"$TMP/nao.err" || fail "lesson 9 exited $?: $(tail -n 5 "$TMP/nao.err")"
grep -q '^round 1/2: 6 new, .* predictor tau ' "$TMP/nao.err" || fail "lesson 9's round line: $(cat "$TMP/nao.err")"
grep -q '^re-ranked by stand-alone training: k' "$TMP/nao.out" || fail "lesson 9's re-rank: $(cat "$TMP/nao.out")"
# and its experiment file, cut as small, runs NAO through the runner to the
# files its panels read
shrink "$tour/09-nao.yaml" "$TMP/09.yaml"
sed -i -e 's/^  seed_archs: .*/  seed_archs: 6/' -e 's/^  new_archs: .*/  new_archs: 3/' \
    -e 's/^  top_k: .*/  top_k: 3/' -e 's/^  rounds: .*/  rounds: 2/' \
    -e 's/^  epochs_per_round: .*/  epochs_per_round: 1\n  controller_epochs: 5\n  bn_recalibration: 64/' \
    -e 's/^  rerank: .*/  rerank: 1/' -e 's/^  rerank_epochs: .*/  rerank_epochs: 1/' "$TMP/09.yaml"
grep -q '^  controller_epochs: 5$' "$TMP/09.yaml" || fail "lesson 9's file: no epochs_per_round to cut"
$ONESHOT run "$TMP/09.yaml" --out "$TMP/09" >"$TMP/09.out" 2>"$TMP/09.err" ||
    fail "lesson 9's file exited $?: $(tail -n 5 "$TMP/09.err")"
expect_eq "lesson 9's file: status" "$(cat "$TMP/09/status")" done
# (the second round decodes up to 3 more: how many depends on the controller)
rounds=$(($(grep -vc '^#' "$TMP/09/nao/rounds.csv") - 1)) pool=$(($(grep -vc '^#' "$TMP/09/pool.csv") - 1))
[ "$rounds" -ge 1 ] && [ "$pool" -ge 6 ] && [ "$pool" -le 9 ] ||
    fail "lesson 9's file: $rounds rounds and $pool architectures in the pool"
[ -s "$TMP/09/chosen.txt" ] || fail "lesson 9's file chose nothing"

# lesson 10 end to end with the edit done: after a random first generation,
# the first network of the second is a neighbour (one layer changed) of the
# first generation's most accurate
shrink "$TMP/10s.yaml" "$TMP/10.yaml"
sed -i -e 's/^  generations: .*/  generations: 2/' -e 's/^  population: .*/  population: 4/' "$TMP/10.yaml"
$ONESHOT run "$TMP/10.yaml" --out "$TMP/10" >"$TMP/10.out" 2>"$TMP/10.err" ||
    fail "lesson 10 exited $?: $(tail -n 5 "$TMP/10.err")"
best=$(sed -n '2,5p' "$TMP/10/evaluations.csv" | sort -t, -k2,2gr -s | head -n 1 | cut -d, -f1)
next=$(sed -n '6p' "$TMP/10/evaluations.csv" | cut -d, -f1)
diff=0
IFS=- read -r -a b <<<"$best"
IFS=- read -r -a c <<<"$next"
for i in 0 1 2 3; do [ "${b[$i]}" = "${c[$i]}" ] || diff=$((diff + 1)); done
expect_eq "layers between generation 2's first ($next) and generation 1's best ($best)" $diff 1
exit 0
