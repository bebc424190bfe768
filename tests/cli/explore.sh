# oneshot tui --explore: the space explorer driven in tmux.  It opens on the
# tiny space's smallest architecture with the sizes and mobile-GPU latency
# oneshot info and latency predict give, a third device's column (host,
# timed first) and a small supernet's accuracy; the arrows change a layer's
# choice, b and s jump to the biggest and the smallest, r draws one, each
# seen adds to the plot; Enter copies the string to the log and to standard
# output at the end; t trains stand-alone and adds the result; ? explains,
# ? again lists the keys; q quits and leaves the terminal usable.  Without
# a terminal, and with its options but no --explore, it refuses.
. "$(dirname "$0")/lib.inc"
need_cmd tmux
need_data
ONESHOT=$(cd "$(dirname "$ONESHOT")" && pwd)/$(basename "$ONESHOT")
small_data "$TMP/data" 768 16
data="--data $TMP/data --train-images 512 --val-images 256"
$ONESHOT supernet --space tiny --sampler fair --epochs 1 --batch 64 --threads 1 $data \
    --out "$TMP/sn.ckpt" >/dev/null 2>&1 || fail "no supernet to explore with"

# refusals
err=$($ONESHOT tui --supernet "$TMP/sn.ckpt" 2>&1 >/dev/null)
expect_eq "--supernet without --explore: status (a usage error)" $? 2
case "$err" in *"--supernet goes with --explore SPACE"*) ;; *) fail "refusal: $err" ;; esac
err=$($ONESHOT tui --explore tiny --lut x.yaml --device host 2>&1 >/dev/null)
case "$err" in *"--lut and --device: give one"*) ;; *) fail "refusal: $err" ;; esac
err=$($ONESHOT tui --explore tiny </dev/null 2>&1 >/dev/null)
expect_eq "without a terminal: status" $? 1
case "$err" in *"the explorer needs a terminal"*) ;; *) fail "refusal: $err" ;; esac

tmux_open 110 32
# the session's environment is wiped: a data directory set for the test
# (a build elsewhere, as tests/run.sh runs the sanitizer's) is handed on
dd=${ONESHOT_DATADIR:+ONESHOT_DATADIR=$ONESHOT_DATADIR }
$T send-keys -t a "${dd}LC_ALL=C.UTF-8 $ONESHOT tui --explore tiny --supernet $TMP/sn.ckpt --device host $data --calib-images 128 --epochs 1 --threads 1; echo exit=\$?" Enter
wait_for 'supernet accuracy [0-9.]+%'
screen | grep -q '^│k3e2-k3e2-k3e2-k3e2 ' || fail "not the smallest first: $(screen)"
screen | grep -Eq 'choice +params +MACs +host +mobile-gpu +mobile-cpu' || fail "no device columns: $(screen)"
gpu=$($ONESHOT latency predict --space tiny --device mobile-gpu --arch k3e2-k3e2-k3e2-k3e2 --json | grep -o '"ms": [^,}]*' | sed 's/.*: //')
screen | grep -Eq "total +12k +277k .* $(printf '%.4f' "$gpu") ms" || fail "the smallest's total is not 12k, 277k, $gpu ms: $(screen)"
screen | grep -q 'pareto  seen 1 ' || fail "not one seen: $(screen)"
# the arrows: layer 1's next choice, then layer 2's previous
$T send-keys -t a Right
wait_for '^│k5e4-k3e2-k3e2-k3e2 '
$T send-keys -t a Down Left
wait_for '^│k5e4-k7e6-k3e2-k3e2 '
screen | grep -Eq '^│ 2 <k7e6 *>' || fail "layer 2 is not the one picked: $(screen)"
$T send-keys -t a b
wait_for '^│k7e6-k7e6-k7e6-k7e6 '
info=$($ONESHOT info --space tiny --arch k7e6-k7e6-k7e6-k7e6 --json)
expect_eq "the biggest's params" "$(json_field "$info" params)" 47122
screen | grep -Eq 'total +47.1k +1.2M ' || fail "the biggest's total: $(screen)"
$T send-keys -t a s
wait_for '^│k3e2-k3e2-k3e2-k3e2 '
$T send-keys -t a r
wait_for 'pareto  seen 5 '
$T send-keys -t a Enter
wait_for 'picked k[0-9a-z-]+'
picked=$(screen | sed -n 's/.*picked \(k[0-9a-z-]*\).*/\1/p' | head -n 1)
screen | grep -q "^│$picked " || fail "the picked one is not the one shown: $(screen)"
$T send-keys -t a t
wait_for 'stand-alone accuracy [0-9.]+% \(1 epochs\)' 60
screen | grep -Eq "trained $picked alone: val accuracy 0\.[0-9]+" || fail "no training in the log: $(screen)"
$T send-keys -t a '?'
wait_for 'explore: what it shows'
$T send-keys -t a '?'
wait_for 'the smallest, the biggest'
$T send-keys -t a Escape
sleep 0.3
$T send-keys -t a q
wait_for '^exit=0'
screen | grep -B1 '^exit=0' | head -n 1 | grep -qx "$picked" || fail "$picked not printed at the end: $(screen)"
$T send-keys -t a "stty -a | tr ' ' '\n' | grep -x -- '-\{0,1\}icanon'; echo ok-\$((6*7))" Enter
wait_for '^ok-42'
screen | grep -qx 'icanon' || fail "the terminal was left without icanon: $(screen)"
exit 0
