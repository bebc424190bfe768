# oneshot tui: the real binary driven in tmux (send-keys, capture-pane).
# It opens with every panel titled at 100x30 and at 80x24, its numbers
# change, pause stops the step counter and s takes one step, a resize
# redraws, e writes the SVG plots, q quits and leaves the terminal usable,
# Ctrl-C stops and saves; a Lua error shows in the log and waits for r, and
# the run's retraining then logs its results and marks them on the plot;
# a Single-Path experiment shows its own panels: loss, R, the decisions
# per layer and the decoded architecture;
# NO_COLOR and a non-UTF-8 locale give a colourless ASCII screen; `oneshot`
# alone opens the quick experiment; without a terminal it refuses.
. "$(dirname "$0")/lib.inc"
need_cmd tmux
need_data
T="tmux -S $TMP/tmux.sock" # a server of our own, its socket removed with TMP
# a killed server hangs up on a running oneshot, which saves on its way out
trap '$T kill-server 2>/dev/null && sleep 1; rm -rf "$TMP" 2>/dev/null' EXIT
ONESHOT=$(cd "$(dirname "$ONESHOT")" && pwd)/$(basename "$ONESHOT")

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
  epochs: 8
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

# start NAME WIDTH HEIGHT: a session running a plain shell
start() {
    $T new-session -d -s "$1" -x "$2" -y "$3" \
        "exec env -i PATH='$PATH' HOME='$TMP' TERM=\"\$TERM\" bash --norc --noprofile"
    $T set-option -t "$1" status off >/dev/null
}
# run NAME COMMAND...: types a command line into the session's shell
run() { local s=$1; shift; $T send-keys -t "$s" "$*" Enter; }
screen() { $T capture-pane -p -t "$1"; }
# wait_for NAME PATTERN [SECONDS]: polls the screen for an extended regex
wait_for() {
    local end=$((SECONDS + ${3:-40}))
    while [ $SECONDS -lt $end ]; do
        screen "$1" | grep -Eq -- "$2" && return 0
        sleep 0.2
    done
    fail "timed out waiting for '$2'; the screen:
$(screen "$1")"
}
# the step counter of the status bar
step_of() { screen "$1" | sed -n '1s/.* step \([0-9]*\)\/.*/\1/p'; }
# steady NAME: waits until the step counter stops moving, prints it
steady() {
    local a b end=$((SECONDS + 20))
    a=$(step_of "$1")
    while [ $SECONDS -lt $end ]; do
        sleep 1
        b=$(step_of "$1")
        [ -n "$a" ] && [ "$a" = "$b" ] && { echo "$a"; return 0; }
        a=$b
    done
    fail "the step counter never stood still: $(screen "$1" | head -n 1)"
}
titles() { # titles NAME: every panel's title is on the screen
    local s
    s=$(screen "$1")
    for t in supernet ranking pareto fairness architecture log; do
        printf '%s\n' "$s" | grep -Eq -- "[-─] $t( |$)" || fail "no '$t' panel: $s"
    done
}
# quit NAME: q, and y when it asks
quit() {
    $T send-keys -t "$1" q
    sleep 1
    if screen "$1" | grep -q 'quit?'; then $T send-keys -t "$1" y; fi
}
usable() { # usable NAME: the shell echoes and reads lines again
    run "$1" "stty -a | tr ' ' '\n' | grep -x -- '-\{0,1\}icanon'; echo ok-\$((6*7))"
    wait_for "$1" '^ok-42'
    screen "$1" | grep -qx 'icanon' || fail "the terminal was left without icanon: $(screen "$1")"
}

# --- opens, numbers change, pause, single step, resize, export, quit
start a 100 30
run a "LC_ALL=C.UTF-8 $ONESHOT tui $TMP/t.yaml --out $TMP/run; echo exit=\$?"
wait_for a ' step [1-9][0-9]*/128 '
titles a
screen a | grep -q 'oneshot  t ' || fail "status bar: $(screen a | head -n 1)"
screen a | LC_ALL=C grep -q $'\xe2[\xa0-\xa3]' || fail "no braille in a UTF-8 locale: $(screen a)"
s0=$(step_of a)
end=$((SECONDS + 30))
for (( ; ; )); do # the numbers change
    v=$(step_of a)
    [ -n "$v" ] && [ "$v" -gt "$s0" ] && break
    [ $SECONDS -lt $end ] || fail "the step counter does not move: $(screen a | head -n 1)"
    sleep 0.2
done
$T send-keys -t a ' '
wait_for a 'PAUSED'
s1=$(steady a)
[ "$s1" -lt 128 ] || fail "the training ended before the pause could be tested"
sleep 1.5
expect_eq "step counter while paused" "$(step_of a)" "$s1"
$T send-keys -t a s
wait_for a " step $((s1 + 1))/128 " 20
sleep 1
expect_eq "one single step" "$(step_of a)" "$((s1 + 1))"
upd1=$(screen a | grep -o '[0-9.k]* path-trainings' | head -n 1)
$T send-keys -t a ' '
wait_for a 'ranking  tau' 60
# the window shrinks to 80x24 and grows back: every panel is redrawn
$T resize-window -t a -x 80 -y 24
wait_for a '^ q quit'
titles a
[ "$(screen a | wc -l)" -eq 24 ] || fail "not 24 rows: $(screen a)"
screen a | LC_ALL=C.UTF-8 grep -Eq '^.{81}' && fail "wider than 80: $(screen a)"
screen a | sed -n 23p | grep -q '┘$' || fail "the bottom border is not at the right edge: $(screen a)"
$T resize-window -t a -x 100 -y 30
wait_for a 'pareto  front [0-9]+ of [1-9]' 90
titles a
upd2=$(screen a | grep -o '[0-9.k]* path-trainings' | head -n 1)
[ "$upd1" != "$upd2" ] || fail "the fairness counts did not change: $upd1"
screen a | grep -Eq 'params +MACs' || fail "no architecture drawn: $(screen a)"
wait_for a 'generation 1/3' 60
# ? explains the focused panel (the Pareto plot) with its paper, ? again
# lists the keys; each panel has its own explanation, Tab six times comes back
$T send-keys -t a '?'
wait_for a '─ pareto: what it shows'
screen a | grep -q 'NSGA-II' || fail "the Pareto plot's explanation names no paper: $(screen a)"
$T send-keys -t a '?'
wait_for a 'pause or resume the run'
$T send-keys -t a Escape
# about_paper PANEL: waits for its explanation, checks the paper it names, closes it
about_paper() {
    local want
    wait_for a "─ $1: what it shows"
    case $1 in
    supernet) want=SPOS ;;
    ranking | fairness) want=FairNAS ;;
    architecture) want='MnasNet|Single-Path NAS' ;;
    search | decisions) want='Single-Path NAS' ;;
    runtime) want='Mobile AutoML' ;; # (Single-Path Mobile AutoML, wrapped)
    *) want='' ;;
    esac
    [ -z "$want" ] || screen a | grep -Eq "$want" || fail "$1's explanation does not name $want: $(screen a)"
    $T send-keys -t a Escape
}
for p in fairness architecture log supernet ranking; do
    $T send-keys -t a Tab '?'
    about_paper $p
done
$T send-keys -t a Tab
$T send-keys -t a e
wait_for a 'plots written to'
for f in loss tau ranking pareto fairness; do
    [ -s "$TMP/run/plots/$f.svg" ] || fail "e wrote no $f.svg"
done
wait_for a ' done ' 90
quit a
wait_for a '^exit=0'
usable a
[ "$(cat "$TMP/run/status")" = done ] || fail "status: $(cat "$TMP/run/status")"

# --- Ctrl-C stops (saving) and restores the terminal; the run resumes
run a "clear; LC_ALL=C.UTF-8 $ONESHOT tui $TMP/t.yaml --out $TMP/run2; echo exit=\$?"
wait_for a ' step [0-9]+/128 '
$T send-keys -t a C-c
wait_for a '^exit=130'
grep -q '^stopped' "$TMP/run2/status" || fail "status after Ctrl-C: $(cat "$TMP/run2/status")"
[ -s "$TMP/run2/supernet.ckpt" ] || fail "Ctrl-C did not save the supernet"
usable a

# --- NO_COLOR in a non-UTF-8 locale: ASCII only, no colours (the resumed run)
run a "clear; LC_ALL=C NO_COLOR=1 $ONESHOT tui --resume $TMP/run2; echo exit=\$?"
wait_for a '\+- supernet'
titles a
screen a | LC_ALL=C grep -q '[^ -~]' && fail "non-ASCII in the C locale: $(screen a)"
$T capture-pane -e -p -t a | grep -Eq $'\e\\[([0-9;]*;)?(3[0-7]|38;5|4[0-7]|48;5)[;m]' &&
    fail "colours despite NO_COLOR"
quit a
wait_for a '^exit=[0-9]'
usable a

# --- a Lua error pauses the run; r reloads the fixed file and it goes on
sed 's/      oneshot.report(g, pop)/      if g == 2 then local x = nil; return x.y end\n      oneshot.report(g, pop)/' \
    lua/random.lua > "$TMP/bad.lua"
sed -e "s|strategy: random|strategy: $TMP/bad.lua|" -e 's/epochs: 8/epochs: 1/' "$TMP/t.yaml" > "$TMP/bad.yaml"
printf 'retrain:\n  epochs: 1\n' >> "$TMP/bad.yaml"
run a "clear; LC_ALL=C.UTF-8 $ONESHOT tui $TMP/bad.yaml --out $TMP/bad; echo exit=\$?"
wait_for a 'FAILED' 60
screen a | grep -q "error: in run: attempt to index" || fail "no Lua error in the log: $(screen a)"
sed -i 's/if g == 2 then local x = nil; return x.y end//' "$TMP/bad.lua"
$T send-keys -t a r
wait_for a ' done ' 60
# the search's picks trained stand-alone: each result in the log, a mark of
# its own on the Pareto plot (the front's ends, away from the selection)
screen a | grep -q 'retrained k[0-9a-z-]* *│' || fail "no retraining in the log: $(screen a)"
screen a | grep -q '■' || fail "no retrained point marked on the Pareto plot: $(screen a)"
quit a
wait_for a '^exit=0'

# --- a Single-Path run (examples/singlepath.yaml cut down): its five panels,
# R marked inflated in the warm-up, the decisions of every layer, the
# decoded architecture, and at the end the chosen one with its accuracy
sed -e 's/^  train_images: .*/  train_images: 512/' -e 's/^  val_images: .*/  val_images: 256/' \
    -e 's/^  epochs: .*/  epochs: 3/' -e 's/^  batch: .*/  batch: 32/' -e 's/^threads: .*/threads: 1/' \
    examples/singlepath.yaml > "$TMP/sp.yaml"
run a "clear; LC_ALL=C.UTF-8 $ONESHOT tui $TMP/sp.yaml --out $TMP/sp; echo exit=\$?"
wait_for a ' single-path  step [1-9][0-9]*/48 .* warm-up'
for t in search runtime decisions architecture log; do
    screen a | grep -Eq -- "─ $t( |$)" || fail "no '$t' panel in a Single-Path run: $(screen a)"
done
screen a | grep -Eq 'supernet|pareto|fairness' && fail "oneshot's panels in a Single-Path run: $(screen a)"
for p in decisions architecture log search runtime; do # ? on each, Tab after
    $T send-keys -t a '?'
    about_paper $p
    $T send-keys -t a Tab
done
screen a | grep -q 'warm-up: inflated' || fail "R not marked inflated in the warm-up: $(screen a)"
# a row per layer: number, choice, kernel, expansion, SE, keep or skip
for l in 1 6 12; do
    screen a | grep -Eq "^│ *$l[ *](k[357]e[36]|skip) +([357] [36] -|- - -) +(keep|skip| -) +[0-9]+ " ||
        fail "no decisions of layer $l: $(screen a)"
done
screen a | grep -q 'architecture  decoded' || fail "no decoded architecture: $(screen a)"
screen a | grep -Eq 'decoded, R [0-9.]+ ms' || fail "no decoded architecture's R: $(screen a)"
wait_for a ' done ' 120
screen a | grep -q 'architecture  chosen' || fail "no chosen architecture: $(screen a)"
screen a | grep -Eq 'chosen [0-9.]+ ms, accuracy [0-9.]+%' || fail "no chosen latency and accuracy: $(screen a)"
arch=$(grep -v '^#' "$TMP/sp/chosen.txt" | cut -f2)
first=${arch%%-*}
screen a | grep -Eq "^│ *1 +$first " || fail "layer 1 is not chosen.txt's $first: $(screen a)"
$T send-keys -t a e
wait_for a 'plot written to'
[ -s "$TMP/sp/plots/search.svg" ] || fail "e wrote no search.svg"
quit a
wait_for a '^exit=0'
usable a

# --- `oneshot` alone: the quick experiment
mkdir -p "$TMP/data/examples"
sed -e 's/^name: t/name: quick/' -e '/^seed:/a output: runs/quick' "$TMP/t.yaml" > "$TMP/data/examples/quick.yaml"
run a "clear; ONESHOT_DATADIR=$TMP/data LC_ALL=C.UTF-8 $ONESHOT; echo exit=\$?"
wait_for a 'oneshot  quick '
titles a
quit a
wait_for a '^exit=[0-9]'
[ -f "$TMP/data/examples/runs/quick/experiment.yaml" ] || fail "oneshot alone made no run of quick.yaml"
$T kill-server

# --- no terminal: a clear refusal
err=$($ONESHOT tui "$TMP/t.yaml" --out "$TMP/none" </dev/null 2>&1 >/dev/null)
expect_eq "exit status without a terminal" $? 1
expect_eq "refusal" "$err" "oneshot: error: the workbench needs a terminal (standard input is not one): for a headless run use \`oneshot run EXPERIMENT.yaml\`"
[ -e "$TMP/none" ] && fail "a refused tui made its run directory"
exit 0
