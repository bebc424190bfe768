# The kill campaign: `oneshot run`, `supernet` and `groundtruth` are killed
# with SIGKILL at random moments and resumed (run --resume DIR, supernet
# --resume CKPT with the same options, groundtruth rerun on the same --out)
# until they finish.  The results must equal an uninterrupted run's byte for
# byte (the seconds columns aside); after every kill no CSV row but a last
# one cut short may be torn and a checkpoint must be whole (its size; the
# resume then loads it), and at the end every row is whole.
#
# The disk is made slow (tests/diskshim.c, preloaded: every write of the
# test's files cut in two with a pause of KILL_SLOW_MS, default 15 ms, and the
# same pause before each fsync and rename) so that a share of the kills lands
# while a file is being written, and some cut a row in two.
#
# The delays come from bash's RANDOM seeded with KILL_SEED (printed; default:
# a fresh one), so KILL_SEED=N replays the same delays (where they land still
# depends on the machine's speed).  KILL_RUN, KILL_SUPERNET, KILL_GROUNDTRUTH
# set the kills per command (default 20, 16, 14); the last lines printed say
# how many there were, where they landed and what it cost.
. "$(dirname "$0")/lib.inc"
need_data
: "${DISKSHIM_SO:=build/tests/diskshim.so}"
[ -r "$DISKSHIM_SO" ] || skip "no $DISKSHIM_SO (make check builds it)"
DISKSHIM_SO=$(cd "$(dirname "$DISKSHIM_SO")" && pwd)/$(basename "$DISKSHIM_SO")
slow_ms=${KILL_SLOW_MS:-15}
seed=${KILL_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
RANDOM=$seed
echo "kill.sh: seed $seed (KILL_SEED=$seed replays these delays)" >&2
kfail() { fail "$* [kill.sh seed $seed: KILL_SEED=$seed replays it]"; }
t0=$(date +%s%N)
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
sleep_ms() { sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"; }
# 1280 training and 256 test images: oneshot starts about 100 times here
small_data "$TMP/data" 1280 256

# Where a kill landed: the command's phase, looked at just before it, and
# whether a file was being written: the main thread in a syscall that writes,
# syncs, renames or cuts a file, or in the slow disk's pause (x86-64 numbers;
# elsewhere only the temporary files and the cut rows left say so).
arch=$(uname -m)
in_write() { # in_write PID
    [ "$arch" = x86_64 ] || return 1
    local nr fd rest
    read -r nr fd rest 2>/dev/null < "/proc/$1/syscall" || return 1
    case $nr in
    1 | 18 | 20) [ "$fd" != 0x1 ] && [ "$fd" != 0x2 ] ;; # write, pwrite64, writev: not to stdout/stderr
    74 | 75 | 77 | 82 | 264 | 316) return 0 ;;           # fsync, fdatasync, ftruncate, rename(at)(2)
    35 | 230) return 0 ;;                                  # the slow disk's pause: oneshot itself never sleeps
    *) return 1 ;;
    esac
}
writing() {
    case $where in *writing*) ;; *) where="$where, writing a file" ;; esac
}
declare -A landed=()
kills=0 torn_seen=0
count_kill() {
    kills=$((kills + 1))
    landed["$1: $where"]=$((${landed["$1: $where"]:-0} + 1))
}

# rows_ok CSV [COMMENT]: after a kill, every row but the last has the
# header's fields and its newline (lines matching the regular expression
# COMMENT aside); a last row cut short (no newline) is counted: the resume
# must drop it
rows_ok() {
    [ -s "$1" ] || return 0
    local torn=0
    if [ -n "$(tail -c 1 "$1")" ]; then
        torn=1 torn_seen=$((torn_seen + 1))
        writing # the kill cut a row
    fi
    awk -F, -v torn=$torn -v skip="${2:-^$}" '$0 ~ skip {next} {nf[++m] = NF}
        END {for (i = 2; i <= m - torn; i++) if (nf[i] != nf[1]) exit 1}' "$1" ||
        kfail "$1: a torn row (or one with another number of fields) before the last"
}
# whole CSV [COMMENT]: at the end, every row whole
whole() {
    [ -z "$(tail -c 1 "$1")" ] || kfail "$1: its last row is torn"
    awk -F, -v skip="${2:-^$}" '$0 ~ skip {next} {nf[++m] = NF}
        END {for (i = 2; i <= m; i++) if (nf[i] != nf[1]) exit 1}' "$1" || kfail "$1: a torn row"
}

# attempt NAME MAXMS DIR CMD...: runs CMD on the slow disk; unless MAXMS is
# 0, kills it with SIGKILL after a random delay below MAXMS milliseconds.
# Sets rc to 0 (finished) or 137 (killed: where says where it landed, and
# count_kill NAME counts it once the caller has looked at the files); any
# other status fails the test.
attempt() {
    local name=$1 max=$2 dir=$3 st=""
    shift 3
    where=""
    DISKSHIM_MATCH=$TMP/ DISKSHIM_SLOW_MS=$slow_ms LD_PRELOAD=$DISKSHIM_SO "$@" >/dev/null 2>"$TMP/attempt.err" &
    local pid=$!
    if [ "$max" -gt 0 ]; then
        sleep_ms $(((RANDOM * 32768 + RANDOM) % max))
        case $name in
        run)
            read -r st 2>/dev/null < "$dir/status"
            case $st in
            searching) where=search ;;
            training) where=training ;; # the ranking probe at the epoch's end too
            esac
            # the run's files not open yet: still setting up
            [[ $(ls -l "/proc/$pid/fd" 2>/dev/null) == *history.csv* ]] || where=starting
            ;;
        groundtruth) where="training or evaluating" ;;
        *) where=training ;;
        esac
        in_write $pid && writing
        kill -9 $pid 2>/dev/null
    fi
    wait $pid 2>/dev/null # no "Killed" line from bash
    rc=$?
    case $rc in
    0) ;;
    137)
        local tmps=("$dir"/*.tmp)
        [ ! -e "${tmps[0]}" ] || writing
        ;;
    *) kfail "$name exited $rc: $(cat "$TMP/attempt.err")" ;;
    esac
}
# The delays are drawn below 70% of an uninterrupted run's time (MS), so most
# runs are killed several times; after 8 kills (KILLS of the command, ROUND of
# this run) a run is left to finish.
max_of() { echo $(($2 < quota && $3 < 8 ? $1 * 7 / 10 : 0)); } # max_of MS KILLS ROUND
mtime_ms() { stat -c %.3Y "$1" | tr -d .; }

# run: a tiny experiment; its supernet is saved at the end of training (and
# every minute), so a kill in training starts it again: the delays are drawn
# below 1.6 times the time training took uninterrupted, so that about one in
# three attempts gets through it; once it is saved, below the time the setup
# and the search took (the search reuses every evaluation made).  After 6
# kills a run is left to finish.
cat > "$TMP/k.yaml" <<YAML
name: k
seed: 1
threads: 1
dataset:
  path: $TMP/data
  train_images: 512
  val_images: 256
space: tiny
supernet:
  sampler: fair
  epochs: 1
  batch: 64
  bn_recalibration: 128
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
t=$(date +%s%N)
attempt run 0 "$TMP/run-ref" $ONESHOT run "$TMP/k.yaml" --out "$TMP/run-ref"
run_ms=$(ms_since $t)
t=$((t / 1000000))
setup_ms=$(($(mtime_ms "$TMP/run-ref/experiment.yaml") - t))
train_ms=$(($(mtime_ms "$TMP/run-ref/supernet.ckpt") - t))
ckpt_size=$(wc -c < "$TMP/run-ref/supernet.ckpt")
run_max() { # run_max DIR
    if [ $n -ge $quota ] || [ $k -ge 6 ]; then
        echo 0
    elif [ -e "$1/supernet.ckpt" ]; then
        echo $((setup_ms + run_ms - train_ms))
    else
        echo $((train_ms * 16 / 10))
    fi
}
quota=${KILL_RUN:-20}
n=0 r=0
while [ $n -lt $quota ]; do
    r=$((r + 1)) k=0
    d="$TMP/run.$r"
    while :; do
        if [ -e "$d/experiment.yaml" ]; then
            attempt run "$(run_max "$d")" "$d" $ONESHOT run --resume "$d"
        else # killed before the run directory was made: start it again
            attempt run "$(run_max "$d")" "$d" $ONESHOT run "$TMP/k.yaml" --out "$d"
        fi
        [ $rc = 0 ] && break
        n=$((n + 1)) k=$((k + 1))
        for f in "$d"/*.csv; do
            [ -e "$f" ] && rows_ok "$f"
        done
        [ ! -e "$d/supernet.ckpt" ] || [ "$(wc -c < "$d/supernet.ckpt")" = "$ckpt_size" ] ||
            kfail "$d/supernet.ckpt: $(wc -c < "$d/supernet.ckpt") bytes, not $ckpt_size"
        count_kill run
    done
    for f in history evaluations; do
        whole "$d/$f.csv"
        cmp -s <(cut -d, -f1-5 "$d/$f.csv") <(cut -d, -f1-5 "$TMP/run-ref/$f.csv") ||
            kfail "run: $f.csv differs from the uninterrupted run's: $(diff <(cut -d, -f1-5 "$d/$f.csv") <(cut -d, -f1-5 "$TMP/run-ref/$f.csv") | head -n 20)"
    done
    for f in generations.csv pareto.csv ranking.csv chosen.txt supernet.ckpt; do
        [ "${f%.csv}" = "$f" ] || whole "$d/$f"
        cmp -s "$d/$f" "$TMP/run-ref/$f" ||
            kfail "run: $f differs from the uninterrupted run's: $(diff "$d/$f" "$TMP/run-ref/$f" | head -n 20)"
    done
    expect_eq "run: status" "$(cat "$d/status")" done
done
n_run=$n rounds_run=$r

# supernet: saved every 16 of its 32 steps, resumed from its checkpoint
sc="--space tiny --sampler fair --epochs 2 --train-images 1024 --val-images 256 --batch 64 --threads 1 --save-every 16 --data $TMP/data"
t=$(date +%s%N)
attempt supernet 0 "$TMP" $ONESHOT supernet $sc --out "$TMP/sn-ref.ckpt"
sn_ms=$(ms_since $t)
ckpt_size=$(wc -c < "$TMP/sn-ref.ckpt")
quota=${KILL_SUPERNET:-16}
n=0 r=0
while [ $n -lt $quota ]; do
    r=$((r + 1)) k=0
    mkdir -p "$TMP/sn.$r"
    ck="$TMP/sn.$r/s.ckpt"
    while :; do
        if [ -e "$ck" ]; then
            attempt supernet "$(max_of $sn_ms $n $k)" "$TMP/sn.$r" $ONESHOT supernet $sc --out "$ck" --resume "$ck"
        else
            attempt supernet "$(max_of $sn_ms $n $k)" "$TMP/sn.$r" $ONESHOT supernet $sc --out "$ck"
        fi
        [ $rc = 0 ] && break
        n=$((n + 1)) k=$((k + 1))
        [ ! -e "$ck" ] || [ "$(wc -c < "$ck")" = "$ckpt_size" ] || kfail "$ck: $(wc -c < "$ck") bytes, not $ckpt_size"
        count_kill supernet
    done
    cmp -s "$ck" "$TMP/sn-ref.ckpt" || kfail "supernet: the checkpoint differs from the uninterrupted run's"
done
n_sn=$n rounds_sn=$r

# groundtruth: four architectures, each a row of the table once trained and
# evaluated
gt="groundtruth --space tiny --archs 4 --epochs 1 --train-images 256 --val-images 256 --batch 64 --threads 1 --data $TMP/data"
mkdir -p "$TMP/gt-ref"
t=$(date +%s%N)
attempt groundtruth 0 "$TMP/gt-ref" $ONESHOT $gt --out "$TMP/gt-ref/t.csv"
gt_ms=$(ms_since $t)
quota=${KILL_GROUNDTRUTH:-14}
n=0 r=0
while [ $n -lt $quota ]; do
    r=$((r + 1)) k=0
    mkdir -p "$TMP/gt.$r"
    out="$TMP/gt.$r/t.csv"
    while :; do
        attempt groundtruth "$(max_of $gt_ms $n $k)" "$TMP/gt.$r" $ONESHOT $gt --out "$out"
        [ $rc = 0 ] && break
        n=$((n + 1)) k=$((k + 1))
        [ -e "$out" ] && rows_ok "$out" '^#'
        count_kill groundtruth
    done
    whole "$out" '^#'
    cmp -s <(grep -v '^#' "$out" | cut -d, -f1-7) <(grep -v '^#' "$TMP/gt-ref/t.csv" | cut -d, -f1-7) ||
        kfail "groundtruth: the table differs from the uninterrupted run's"
    cmp -s <(grep '^#' "$out") <(grep '^#' "$TMP/gt-ref/t.csv" | sed "s|$TMP/gt-ref/|$TMP/gt.$r/|") ||
        kfail "groundtruth: the table's first lines differ from the uninterrupted run's"
done
n_gt=$n rounds_gt=$r

where() { # where NAME: "training 3; training, writing a file 1" for the kills of NAME
    local k out=""
    for k in "${!landed[@]}"; do
        [ "${k%%: *}" = "$1" ] && out="$out; ${k#*: } ${landed[$k]}"
    done
    echo "${out#; }"
}
times > "$TMP/times" # its second line: the CPU time of the commands run
read -r cpu_user cpu_sys < <(sed -n 2p "$TMP/times")
echo "kill.sh: $kills kills in $(($(ms_since $t0) / 1000)) s (CPU $cpu_user user, $cpu_sys system), seed $seed"
echo "kill.sh: run $n_run in $rounds_run runs ($(where run))"
echo "kill.sh: supernet $n_sn in $rounds_sn runs ($(where supernet))"
echo "kill.sh: groundtruth $n_gt in $rounds_gt runs ($(where groundtruth))"
echo "kill.sh: last rows cut short by a kill (dropped when resumed): $torn_seen; uninterrupted: run $run_ms ms, supernet $sn_ms ms, groundtruth $gt_ms ms"
[ $kills -ge 50 ] || kfail "only $kills kills"
exit 0
