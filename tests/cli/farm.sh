# mpirun -np N oneshot groundtruth: rank 0 hands the trainings out, largest
# first, and alone writes the table, which must hold the serial command's
# rows (order and the seconds column aside) on 2 and 4 ranks; a job whose
# rank is killed midway, rerun with the same command, trains only what the
# table lacks and ends with the same rows (--resume is refused, once, with
# that advice).  Also: --version under mpirun (the BLAS restart happens
# before MPI_Init, alike on every rank), threads times the host's ranks
# capped at its cores, and src/par.h's own test on 2 and 3 ranks.
# Runs the MPI build,
# ONESHOT_MPI (make check builds build-mpi/oneshot; skipped without it or
# without mpirun).
# suite: first BLAS pass only (its processes are compared with each other,
# under one BLAS setting: see tests/run.sh)
. "$(dirname "$0")/lib.inc"
need_data
need_mpi
# src/par.h over MPI on 2 and 3 ranks (tests/test_par.c built with MPI):
# each rank's harness must pass all.  Two floats add up to the same float in
# any order, so only the third rank shows that par_sum_ordered adds in rank
# order and not as MPI_Allreduce does.
ptest=$(dirname "$ONESHOT_MPI")/tests/test_par
[ -x "$ptest" ] || fail "no $ptest (make check builds it with the MPI binary)"
for np in 2 3; do
    out=$(mpi_run $np "$ptest" 2>&1) || fail "mpirun -np $np test_par: $out"
    expect_eq "test_par on $np ranks" "$(printf '%s\n' "$out" | grep -c '^# 3 passed, 0 failed, 0 skipped$')" $np
done

small_data "$TMP/data" 1280 256
gt="groundtruth --space tiny --archs 8 --epochs 1 --train-images 1024 --val-images 256 --batch 64 --threads 1 --data $TMP/data"
rows() { grep -v '^#' "$1" | cut -d, -f1-7 | sort; }
whole_rows() { [ -e "$1" ] && grep '^k' "$1" | wc -l || echo 0; } # rows with their newline

$ONESHOT $gt --out "$TMP/serial.csv" 2>"$TMP/serial.err" || fail "serial groundtruth: $(cat "$TMP/serial.err")"
expect_eq "serial rows" "$(grep -c '^k' "$TMP/serial.csv")" 8
# one process takes the trainings as rank 0 hands them out: largest first
expect_eq "serial order" "$(grep '^k' "$TMP/serial.csv" | cut -d, -f4 | tr '\n' ' ')" \
    "$(grep '^k' "$TMP/serial.csv" | cut -d, -f4 | sort -rn | tr '\n' ' ')"

out=$(mpi 2 --version 2>&1) || fail "mpirun --version: $out"
expect_eq "MPI lines" "$(printf '%s\n' "$out" | grep -c '^MPI: built in (')" 2
expect_eq "one BLAS line on both ranks" "$(printf '%s\n' "$out" | grep '^BLAS: ' | sort -u | wc -l)" 1

for np in 2 4; do
    mpi $np $gt --out "$TMP/np$np.csv" 2>"$TMP/np$np.err" || fail "mpirun -np $np: $(cat "$TMP/np$np.err")"
    cmp -s <(rows "$TMP/np$np.csv") <(rows "$TMP/serial.csv") ||
        fail "the table of $np ranks differs from the serial one: $(diff <(rows "$TMP/np$np.csv") <(rows "$TMP/serial.csv"))"
    grep -q "^8 rows in $TMP/np$np.csv (0 already there), .* on $np ranks\$" "$TMP/np$np.err" ||
        fail "-np $np: the summary: $(cat "$TMP/np$np.err")"
    # every rank trained
    others=$(grep -o ', rank [0-9]*)$' "$TMP/np$np.err" | sort -u | wc -l)
    grep -q ' s)$' "$TMP/np$np.err" || fail "-np $np: rank 0 trained nothing: $(cat "$TMP/np$np.err")"
    expect_eq "-np $np: other ranks that trained" "$others" $((np - 1))
done
# the first lines are the serial command's (with its --out)
cmp -s <(grep '^#' "$TMP/np2.csv" | sed "s|$TMP/np2.csv|OUT|") <(grep '^#' "$TMP/serial.csv" | sed "s|$TMP/serial.csv|OUT|") ||
    fail "the first lines differ: $(grep '^#' "$TMP/np2.csv")"

# a rank killed once the table has two rows: Open MPI ends the job, and the
# same command run again continues the table
mpirun $MPI_FLAGS -np 2 "$ONESHOT_MPI" $gt --out "$TMP/k.csv" >/dev/null 2>"$TMP/k.err" &
job=$! # mpirun, whose children are the ranks
for _ in $(seq 600); do
    [ "$(whole_rows "$TMP/k.csv")" -ge 2 ] && break
    sleep 0.02
done
victims=$(pgrep -P $job)
[ -n "$victims" ] || fail "no rank to kill (the job ended already: $(cat "$TMP/k.err"))"
kill -9 $(printf '%s\n' $victims | shuf -n 1) 2>/dev/null
wait $job && fail "mpirun exited 0 although a rank was killed"
before=$(whole_rows "$TMP/k.csv")
[ "$before" -ge 2 ] && [ "$before" -lt 8 ] || fail "the kill left $before rows (want 2 to 7)"
mpi 2 $gt --out "$TMP/k.csv" 2>"$TMP/k2.err" || fail "rerun after the kill: $(cat "$TMP/k2.err")"
grep -q "^8 rows in $TMP/k.csv ($before already there)" "$TMP/k2.err" || fail "the rerun (after $before rows): $(cat "$TMP/k2.err"; cat "$TMP/k.csv")"
cmp -s <(rows "$TMP/k.csv") <(rows "$TMP/serial.csv") ||
    fail "killed and rerun: $(diff <(rows "$TMP/k.csv") <(rows "$TMP/serial.csv"))"

# an error every rank meets (no such data) is printed once, by rank 0
err=$(mpi 2 ${gt/--data $TMP\/data/--data $TMP/none} --out "$TMP/n.csv" 2>&1 >/dev/null) && fail "no data: exit 0"
expect_eq "no data: the error, once" "$(printf '%s\n' "$err" | grep -c '^oneshot: ')" 1
printf '%s\n' "$err" | grep -q "^oneshot: $TMP/none/train-images-idx3-ubyte.gz: error: cannot open: No such file or directory$" ||
    fail "no data: $err"

# --resume (the rerun above is the resume) is refused, by rank 0 alone
err=$(mpi 2 $gt --out "$TMP/np2.csv" --resume 2>&1 >/dev/null) && fail "--resume: exit 0"
expect_eq "--resume under mpirun: printed once" "$(printf '%s\n' "$err" | grep -c '^oneshot groundtruth: error: no --resume: ')" 1

# the build without MPI under mpirun refuses (each rank would train every
# row), unless each rank is a --worker
err=$(mpi_run 2 $ONESHOT $gt --out "$TMP/s.csv" 2>&1 >/dev/null) && fail "the serial build under mpirun: exit 0"
printf '%s\n' "$err" | grep -q "^oneshot: error: started by mpirun, but built without MPI: every rank would train every row (build with make MPI=1, or give each rank --worker DIR)$" ||
    fail "the serial build under mpirun: $err"
[ ! -e "$TMP/s.csv" ] || fail "the serial build under mpirun made a table"

# threads times ranks: no more than the host's cores
cores=$(getconf _NPROCESSORS_ONLN)
if [ $((cores / 2)) -lt 4 ]; then
    share=$((cores / 2 > 0 ? cores / 2 : 1))
    mpi 2 ${gt/--archs 8/--archs 1} --threads 4 --out "$TMP/t.csv" 2>"$TMP/t.err" || fail "--threads 4: $(cat "$TMP/t.err")"
    expect_eq "threads warning" "$(grep warning "$TMP/t.err")" \
        "oneshot: warning: --threads 4 on 2 ranks of this host's $cores cores: $share each"
fi
exit 0
