# Lesson 10 of oneshot-tutorial(7) as the tutorial tells it, in the TUI
# driven in tmux: the shipped strategy (random search) runs, the student
# saves the edit (10-solution.lua over 10-mine.lua) and presses r, and the
# edited strategy searches on with every evaluation made reused, to the end
# of its own budget: once after the run is done, once while it searches
# (paused at its third evaluation).  The data and the supernet are cut small.
. "$(dirname "$0")/lib.inc"
need_cmd tmux
need_data
ONESHOT=$(cd "$(dirname "$ONESHOT")" && pwd)/$(basename "$ONESHOT")
tour=examples/tour
[ -f "$tour/10-strategy.yaml" ] || fail "run from the top of the source tree"
small_data "$TMP/data" 768 16
sed -e "s|^dataset:$|dataset:\n  path: $TMP/data|" -e 's/^  train_images: .*/  train_images: 512/' \
    -e 's/^  val_images: .*/  val_images: 256/' -e 's/^  epochs: .*/  epochs: 1/' \
    -e 's/^  bn_recalibration: .*/  bn_recalibration: 128/' "$tour/10-strategy.yaml" > "$TMP/10.yaml"
grep -q '^  strategy: 10-mine.lua$' "$TMP/10.yaml" || fail "10-strategy.yaml does not run 10-mine.lua"
budget=$(($(sed -n 's/^  generations: //p' "$TMP/10.yaml") * $(sed -n 's/^  population: //p' "$TMP/10.yaml")))

# a tall screen: the log panel must hold the reload's line and every line
# after it (five generations and the end can follow it within a second, and
# a line scrolled off the panel could not be waited for)
tmux_open 120 60 60
# the log panel's text (bottom right; the screen is ASCII), its rows joined
# and every blank dropped, since the panel wraps its lines where it must
log_text() {
    screen | awk 'c == 0 { c = index($0, "+- log"); next } { print substr($0, c + 1) }' |
        sed 's/|[^|]*$//' | tr -d ' \n'
}
# wait_log TEXT: waits for TEXT (its blanks dropped) in the log
wait_log() {
    local want end=$((SECONDS + 60))
    want=$(printf '%s' "$1" | tr -d ' ')
    while [ $SECONDS -lt $end ]; do
        log_text | grep -qF -- "$want" && return 0
        sleep 0.2
    done
    fail "timed out waiting for '$1' in the log; the screen:
$(screen)"
}
dd=${ONESHOT_DATADIR:+ONESHOT_DATADIR=$ONESHOT_DATADIR }
# lesson OUT: starts the lesson's TUI on the strategy as shipped
lesson() {
    cp "$tour/10-mine.lua" "$TMP/10-mine.lua"
    $T send-keys -t a "clear; ${dd}LC_ALL=C $ONESHOT tui $TMP/10.yaml --out $TMP/$1; echo exit=\$?" Enter
}
# edited OUT: the edit is saved and r pressed; the edited strategy goes on
# from the evaluations made to the end of its budget
edited() {
    local made=$1 out=$TMP/$2 n
    wait_log "reloaded $TMP/10-mine.lua: the strategy starts again with the $made evaluations made"
    wait_for ' done  step ' 90
    screen | grep -q 'error' && fail "an error after the reload: $(screen)"
    expect_eq "$2: status" "$(cat "$out/status")" done
    cmp -s "$out/strategy.lua" "$tour/10-solution.lua" || fail "$2: the run's strategy.lua is not the edit"
    n=$(($(wc -l < "$out/evaluations.csv") - 1))
    [ "$n" -gt "$made" ] || fail "$2: the edited strategy evaluated nothing new ($n evaluations)"
    [ "$n" -le $((made + budget)) ] || fail "$2: $n evaluations, beyond $made and a budget of $budget"
    $T send-keys -t a q
    wait_for '^exit=0'
}

# after the run: the random search's evaluations all made, then the edit
lesson done
wait_for " done  step .* gen [0-9]+/[0-9]+ +$budget evaluated" 90
cp "$tour/10-solution.lua" "$TMP/10-mine.lua"
$T send-keys -t a r
edited $budget done

# while it searches: paused at once, one step at a time to the third
# evaluation, the edit saved, r, and the run resumed
lesson mid
$T send-keys -t a ' '
wait_for ' PAUSED '
for _ in $(seq 1 40); do
    screen | grep -Eq ' 3 evaluated' && break
    $T send-keys -t a s
    sleep 0.3
done
wait_for ' PAUSED .* 3 evaluated' 5
cp "$tour/10-solution.lua" "$TMP/10-mine.lua"
$T send-keys -t a r
wait_log 'reload requested'
$T send-keys -t a ' '
edited 3 mid
exit 0
