# oneshot retrain RUN_DIR: a run's retraining phase on its own.  The table it
# writes holds the run's own phase's rows (the seconds aside: rows sorted,
# since the command trains the largest multiply-adds first); rows already
# there are kept (other settings add only what they lack); a command killed
# midway and run again ends with the same table; under mpirun (3 ranks) the
# farm writes the same table, and a job killed midway, run again, too.  A run
# whose search has not ended, one without a retraining phase, a directory
# that holds no run, trainings smaller than a batch and --resume (running
# the command again is the resume) are refused.  The MPI
# parts need the MPI build (ONESHOT_MPI) and mpirun, and are skipped
# without them.
# suite: first BLAS pass only (its processes are compared with each other,
# under one BLAS setting: see tests/run.sh)
. "$(dirname "$0")/lib.inc"
need_data
small_data "$TMP/data" 1024 16
cat > "$TMP/t.yaml" <<'YAML'
name: t
seed: 3
threads: 1
dataset:
  path: data
  train_images: 512
  val_images: 256
space: tiny
supernet:
  batch: 64
  bn_recalibration: 128
search:
  generations: 2
  population: 4
objectives:
  - name: accuracy
    direction: maximize
  - name: latency
    direction: minimize
latency:
  device: mobile-gpu
retrain:
  epochs: 1
  images: 512
  seeds: 2
  which: pareto
YAML
rows() { tail -n +2 "$1" | sed 's/,[^,]*$//' | sort; }
whole_rows() { if [ -e "$1" ]; then tail -n +2 "$1" | wc -l; else echo 0; fi; } # rows with their newline
$ONESHOT run "$TMP/t.yaml" --out "$TMP/a" >/dev/null 2>"$TMP/a.err" || fail "run: $(cat "$TMP/a.err")"
expect_eq "the run's status" "$(cat "$TMP/a/status")" done
total=$(whole_rows "$TMP/a/retrained.csv")
[ "$total" -ge 4 ] || fail "the run retrained $total rows (want at least 4: 2 architectures, 2 seeds)"

# the run's phase again, by the command
cp -r "$TMP/a" "$TMP/s"
rm "$TMP/s/retrained.csv"
echo stopped > "$TMP/s/status"
$ONESHOT retrain "$TMP/s" 2>"$TMP/s.err" || fail "retrain: $(cat "$TMP/s.err")"
expect_eq "header" "$(head -n 1 "$TMP/s/retrained.csv")" "$(head -n 1 "$TMP/a/retrained.csv")"
cmp -s <(rows "$TMP/s/retrained.csv") <(rows "$TMP/a/retrained.csv") ||
    fail "the command's table differs from the run's: $(diff <(rows "$TMP/s/retrained.csv") <(rows "$TMP/a/retrained.csv"))"
expect_eq "status after the command" "$(cat "$TMP/s/status")" done
grep -q "^$total rows in $TMP/s/retrained.csv (0 already there), [0-9]* s\$" "$TMP/s.err" ||
    fail "summary: $(cat "$TMP/s.err")"
expect_eq "result lines" "$(grep -c '^retrained k.* (seed [34]): val accuracy 0\.[0-9]* stand-alone, 0\.[0-9]* in the supernet' "$TMP/s.err")" "$total"
# largest multiply-adds first
expect_eq "order" "$(tail -n +2 "$TMP/s/retrained.csv" | cut -d, -f8 | tr '\n' ' ')" \
    "$(tail -n +2 "$TMP/s/retrained.csv" | cut -d, -f8 | sort -s -rn | tr '\n' ' ')"
# again: nothing to do; a third seed: only its rows
cp "$TMP/s/retrained.csv" "$TMP/before"
$ONESHOT retrain "$TMP/s" 2>"$TMP/s.err" || fail "retrain again: $(cat "$TMP/s.err")"
cmp -s "$TMP/before" "$TMP/s/retrained.csv" || fail "a finished table changed"
grep -q "^$total rows in $TMP/s/retrained.csv ($total already there)" "$TMP/s.err" || fail "again: $(cat "$TMP/s.err")"
$ONESHOT retrain "$TMP/s" --seeds 3 2>"$TMP/s.err" || fail "--seeds 3: $(cat "$TMP/s.err")"
expect_eq "--seeds 3: trained" "$(grep -c '^retrained ' "$TMP/s.err")" $((total / 2))
expect_eq "--seeds 3: the new rows' seed" "$(tail -n +$((total + 2)) "$TMP/s/retrained.csv" | cut -d, -f2 | sort -u)" 5

# killed midway (after its first row), the same command ends the table
cp -r "$TMP/a" "$TMP/k"
rm "$TMP/k/retrained.csv"
$ONESHOT retrain "$TMP/k" 2>/dev/null &
job=$!
for _ in $(seq 500); do
    [ "$(whole_rows "$TMP/k/retrained.csv")" -ge 1 ] && break
    sleep 0.01
done
kill -9 $job 2>/dev/null
wait $job 2>/dev/null && fail "the killed command exited 0"
before=$(whole_rows "$TMP/k/retrained.csv")
[ "$before" -ge 1 ] && [ "$before" -lt "$total" ] || fail "the kill left $before rows (want 1 to $((total - 1)))"
$ONESHOT retrain "$TMP/k" 2>"$TMP/k.err" || fail "after the kill: $(cat "$TMP/k.err")"
grep -q "^$total rows in $TMP/k/retrained.csv ($before already there)" "$TMP/k.err" || fail "after the kill: $(cat "$TMP/k.err")"
cmp -s <(rows "$TMP/k/retrained.csv") <(rows "$TMP/a/retrained.csv") ||
    fail "killed and rerun: $(diff <(rows "$TMP/k/retrained.csv") <(rows "$TMP/a/retrained.csv"))"

# refused: a run stopped before its search ended (its status kept), a run
# without retraining, no run at all
$ONESHOT run "$TMP/t.yaml" --out "$TMP/e" --stop-after 3 >/dev/null 2>&1
expect_eq "stopped early" "$(cat "$TMP/e/status")" stopped
err=$($ONESHOT retrain "$TMP/e" 2>&1 >/dev/null) && fail "a run stopped in training: exit 0"
expect_eq "a run stopped in training" "$err" "oneshot: $TMP/e: error: its search has not ended (status: stopped; no chosen.txt): continue the run with \`oneshot run --resume $TMP/e\`, whose retraining phase follows"
expect_eq "its status" "$(cat "$TMP/e/status")" stopped
[ -e "$TMP/e/retrained.csv" ] && fail "a refused run got a retrained.csv"
sed -i '/^retrain:/,$ s/^  epochs: 1$/  epochs: 0/' "$TMP/e/experiment.yaml"
err=$($ONESHOT retrain "$TMP/e" 2>&1 >/dev/null) && fail "no retraining phase: exit 0"
printf '%s\n' "$err" | grep -q "^oneshot retrain: $TMP/e: error: its experiment has no retraining phase (retrain.epochs 0): give --epochs E$" ||
    fail "no retraining phase: $err"
err=$($ONESHOT retrain "$TMP/none" 2>&1 >/dev/null) && fail "no run: exit 0"
expect_eq "no run" "$err" "oneshot: $TMP/none: error: is not a run directory of oneshot (it has no experiment.yaml)"
err=$($ONESHOT retrain "$TMP/s" --resume 2>&1 >/dev/null) && fail "--resume: exit 0"
expect_eq "--resume" "$(printf '%s\n' "$err" | head -n 1)" "oneshot retrain: error: no --resume: the same command run again trains only the rows RUN_DIR/retrained.csv lacks"
err=$($ONESHOT retrain "$TMP/s" --train-images 10 2>&1 >/dev/null) && fail "--train-images 10: exit 0"
expect_eq "--train-images 10" "$err" "oneshot: error: --train-images 10: fewer than one batch of 64"
expect_eq "its status then" "$(cat "$TMP/s/status")" done

# the farm: 3 ranks write the table one process writes, also after a job
# killed midway
have_mpi() { : "${ONESHOT_MPI:=build-mpi/oneshot}"; [ -x "$ONESHOT_MPI" ] && command -v mpirun >/dev/null 2>&1; }
if ! have_mpi; then
    echo "SKIP (in part): no MPI build $ONESHOT_MPI or no mpirun: the farm is not tested" >&2
    exit 0
fi
need_mpi
# rank 0, the writer, killed once the table has a row: Open MPI ends the
# job, and the same command continues the table
cp -r "$TMP/a" "$TMP/mk"
rm "$TMP/mk/retrained.csv"
mpirun $MPI_FLAGS -np 3 "$ONESHOT_MPI" retrain "$TMP/mk" >/dev/null 2>"$TMP/mk.err" &
job=$! # mpirun, whose children are the ranks
for _ in $(seq 500); do
    [ "$(whole_rows "$TMP/mk/retrained.csv")" -ge 1 ] && break
    sleep 0.01
done
rank0=""
for pid in $(pgrep -P $job); do
    tr '\0' '\n' < /proc/$pid/environ 2>/dev/null | grep -qxE 'OMPI_COMM_WORLD_RANK=0|PMI_RANK=0' && rank0=$pid
done
[ -n "$rank0" ] || fail "no rank 0 to kill (the job ended already: $(cat "$TMP/mk.err"))"
kill -9 $rank0
wait $job 2>/dev/null && fail "mpirun exited 0 although rank 0 was killed"
before=$(whole_rows "$TMP/mk/retrained.csv")
[ "$before" -ge 1 ] && [ "$before" -lt "$total" ] || fail "the kill left $before rows (want 1 to $((total - 1)))"
mpi 3 retrain "$TMP/mk" 2>"$TMP/mk2.err" || fail "rerun after the kill: $(cat "$TMP/mk2.err")"
grep -q "^$total rows in $TMP/mk/retrained.csv ($before already there), [0-9]* s on 3 ranks\$" "$TMP/mk2.err" ||
    fail "the rerun's summary: $(cat "$TMP/mk2.err")"
# (which rank trains what is a race: with one row left, rank 0 may take it
# before the others ask; tests/cli/farm.sh checks that every rank trains)
expect_eq "-np 3: status" "$(cat "$TMP/mk/status")" done
expect_eq "-np 3: info lines" "$(grep -c 'its retraining phase alone' "$TMP/mk/info.txt")" 2
cmp -s <(rows "$TMP/mk/retrained.csv") <(rows "$TMP/a/retrained.csv") ||
    fail "killed and rerun: $(diff <(rows "$TMP/mk/retrained.csv") <(rows "$TMP/a/retrained.csv"))"
exit 0
