# oneshot groundtruth --worker DIR: processes sharing one table through
# claim files in DIR, without MPI.  Three workers at once give the serial
# command's rows (order and the seconds column aside), each row once, and
# leave no claim behind; a stale claim (a worker that died) is taken over;
# a worker killed midway leaves its claim to go stale, and another worker
# takes the training over and completes the table.  --resume is refused:
# the same command continues a table.
# suite: first BLAS pass only (its processes are compared with each other,
# under one BLAS setting: see tests/run.sh)
. "$(dirname "$0")/lib.inc"
need_data
small_data "$TMP/data" 1280 256
gt="groundtruth --space tiny --archs 8 --epochs 1 --train-images 1024 --val-images 256 --batch 64 --threads 1 --data $TMP/data"
rows() { grep -v '^#' "$1" | cut -d, -f1-7 | sort; }
same_as_serial() { # NAME TABLE
    [ -z "$(tail -c 1 "$2")" ] || fail "$1: the last row is torn"
    expect_eq "$1: rows once each" "$(grep '^k' "$2" | cut -d, -f1,2 | sort | uniq -d)" ""
    cmp -s <(rows "$2") <(rows "$TMP/serial.csv") || fail "$1: not the serial table: $(diff <(rows "$2") <(rows "$TMP/serial.csv"))"
}
$ONESHOT $gt --out "$TMP/serial.csv" 2>"$TMP/serial.err" || fail "serial groundtruth: $(cat "$TMP/serial.err")"
largest=$(grep '^k' "$TMP/serial.csv" | sort -t, -k4,4n | tail -n 1 | cut -d, -f1)

# three workers at once on one table
mkdir -p "$TMP/w" "$TMP/k"
pids=""
for i in 1 2 3; do
    $ONESHOT $gt --out "$TMP/w/t.csv" --worker "$TMP/w/claims" 2>"$TMP/w$i.err" &
    pids="$pids $!"
done
i=0
for p in $pids; do
    i=$((i + 1))
    wait $p || fail "worker $i exited $?: $(cat "$TMP/w$i.err")"
done
same_as_serial "three workers" "$TMP/w/t.csv"
expect_eq "rows each worker trained, added up" \
    "$(cat "$TMP"/w?.err | sed -n 's/^8 rows in .* (\([0-9]*\) trained by this worker), .*/\1/p' | awk '{s += $1} END {print s}')" 8
expect_eq "claims left" "$(ls "$TMP/w/claims")" ""
# a worker on a finished table has nothing to do
$ONESHOT $gt --out "$TMP/w/t.csv" --worker "$TMP/w/claims" 2>"$TMP/w4.err" || fail "worker on a full table: $(cat "$TMP/w4.err")"
grep -q '^8 rows in .* (0 trained by this worker)' "$TMP/w4.err" || fail "worker on a full table: $(cat "$TMP/w4.err")"

# a claim whose heartbeat stopped an hour ago is taken over
mkdir -p "$TMP/s/claims"
echo "deadhost 4242" > "$TMP/s/claims/$largest.seed0.claim"
touch -d '1 hour ago' "$TMP/s/claims/$largest.seed0.claim"
$ONESHOT $gt --out "$TMP/s/t.csv" --worker "$TMP/s/claims" --stale 60 2>"$TMP/s.err" || fail "stale claim: $(cat "$TMP/s.err")"
grep -q "^$largest.seed0: taking over from deadhost 4242 (its heartbeat 36[0-9][0-9] s old)$" "$TMP/s.err" ||
    fail "stale claim: $(cat "$TMP/s.err")"
same_as_serial "a stale claim taken over" "$TMP/s/t.csv"

# a worker killed while it trains: its claim goes stale after 2 s and a
# second worker, started after the kill, takes it over
$ONESHOT $gt --out "$TMP/k/t.csv" --worker "$TMP/k/claims" --stale 2 2>/dev/null &
victim=$!
for _ in $(seq 500); do
    ls "$TMP/k/claims/"*.claim >/dev/null 2>&1 && break
    sleep 0.01
done
kill -9 $victim
wait $victim 2>/dev/null
held=$(ls "$TMP/k/claims/")
[ -n "$held" ] || fail "the killed worker left no claim"
$ONESHOT $gt --out "$TMP/k/t.csv" --worker "$TMP/k/claims" --stale 2 2>"$TMP/k.err" || fail "after the kill: $(cat "$TMP/k.err")"
grep -q "^${held%.claim}: taking over from .* (its heartbeat [0-9]* s old)$" "$TMP/k.err" || fail "after the kill: $(cat "$TMP/k.err")"
same_as_serial "a killed worker's training taken over" "$TMP/k/t.csv"
expect_eq "claims left after the kill" "$(ls "$TMP/k/claims")" ""

# an architecture both chosen and listed is trained once, by one worker or
# one process
grep '^k' "$TMP/serial.csv" | cut -d, -f1 | head -n 2 > "$TMP/list.txt"
$ONESHOT $gt --list "$TMP/list.txt" --out "$TMP/d.csv" 2>"$TMP/d.err" || fail "--list twice: $(cat "$TMP/d.err")"
same_as_serial "chosen and listed" "$TMP/d.csv"

# no --resume: the same command continues the table, and says so
err=$($ONESHOT $gt --out "$TMP/d.csv" --resume 2>&1 >/dev/null); status=$?
expect_eq "--resume: status" $status 2
expect_eq "--resume" "$(printf '%s\n' "$err" | head -n 1)" "oneshot groundtruth: error: no --resume: the same command run again trains only the rows its table lacks"

# the timeout is at least a second
err=$($ONESHOT $gt --out "$TMP/x.csv" --worker "$TMP/x" --stale 0.5 2>&1 >/dev/null)
expect_eq "--stale 0.5" "$(printf '%s\n' "$err" | head -n 1)" "oneshot groundtruth: error: --stale: 0.5 is below a second"
exit 0
