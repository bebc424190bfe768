# mpirun -np 2 oneshot supernet, the data-parallel supernet (src/dptrain.h):
#  - two runs in the deterministic mode, one of them stopped and resumed,
#    write the same checkpoint, byte for byte, and one process emulating the
#    2 ranks (--emulate-ranks 2) writes it too;
#  - split by paths (the fair sampler's 3 paths over 2 ranks) likewise
#    equals its emulation, and src/dptrain.h's test on 2 ranks (the MPI step
#    bit-identical to the emulated one on every rank, and the path-split
#    step against the serial step within the rounding of the gradient sums)
#    passes on both;
#  - on 3 ranks too, test_dptrain passes on each and --deterministic equals
#    --emulate-ranks 3: two floats add up to the same float in any order,
#    so only a third rank shows that the sum is the rank-ordered one and not
#    MPI_Allreduce's (on 2 ranks both give the same bits);
#  - a resume on another number of ranks, or with the other split, is
#    refused with what to do; --threads beyond the cores is cut with a
#    warning; rank 0 alone prints (one JSON line).
# Runs the MPI build, ONESHOT_MPI (skipped without it or without mpirun).
# suite: first BLAS pass only (its processes are compared with each other,
# under one BLAS setting: see tests/run.sh)
. "$(dirname "$0")/lib.inc"
need_data
need_mpi
dtest=$(dirname "$ONESHOT_MPI")/tests/test_dptrain
[ -x "$dtest" ] || fail "no $dtest (make check builds it with the MPI binary)"
out=$(mpi_run 2 "$dtest" 2>&1) || fail "mpirun test_dptrain: $out"
expect_eq "test_dptrain on 2 ranks" "$(printf '%s\n' "$out" | grep -c '^# 6 passed, 0 failed, 0 skipped$')" 2
out=$(mpi_run 3 "$dtest" 2>&1) || fail "mpirun -np 3 test_dptrain: $out"
expect_eq "test_dptrain on 3 ranks" "$(printf '%s\n' "$out" | grep -c '^# 6 passed, 0 failed, 0 skipped$')" 3

small_data "$TMP/data" 320 64
sn="supernet --space tiny --epochs 1 --train-images 256 --val-images 64 --batch 64 --threads 1 --data $TMP/data --json"
mpi 2 $sn --deterministic --out "$TMP/a.ckpt" >"$TMP/a.json" 2>"$TMP/a.err" || fail "mpirun supernet: $(cat "$TMP/a.err")"
expect_eq "one JSON line, from rank 0" "$(wc -l < "$TMP/a.json")" 1
r=$(cat "$TMP/a.json")
expect_eq "ranks" "$(json_field "$r" ranks)" 2
expect_eq "steps" "$(json_field "$r" steps)" 4
[ "$(json_field "$r" allreduce_floats)" -gt 0 ] || fail "no allreduce size: $r"
expect_eq "one epoch line" "$(grep -c '^epoch 1/1' "$TMP/a.err")" 1
mpi 2 $sn --deterministic --out "$TMP/b.ckpt" --stop-after 2 >/dev/null 2>"$TMP/b.err" || fail "stop: $(cat "$TMP/b.err")"
mpi 2 $sn --deterministic --out "$TMP/b.ckpt" --resume "$TMP/b.ckpt" >/dev/null 2>"$TMP/b.err" ||
    fail "resume on 2 ranks: $(cat "$TMP/b.err")"
cmp -s "$TMP/a.ckpt" "$TMP/b.ckpt" || fail "two deterministic runs on 2 ranks (one resumed) differ"
$ONESHOT $sn --emulate-ranks 2 --out "$TMP/e.ckpt" >/dev/null 2>"$TMP/e.err" || fail "--emulate-ranks 2: $(cat "$TMP/e.err")"
cmp -s "$TMP/a.ckpt" "$TMP/e.ckpt" || fail "one process emulating 2 ranks differs from 2 ranks"
mpi 3 $sn --deterministic --out "$TMP/a3.ckpt" >/dev/null 2>"$TMP/a3.err" || fail "mpirun -np 3 supernet: $(cat "$TMP/a3.err")"
$ONESHOT $sn --emulate-ranks 3 --out "$TMP/e3.ckpt" >/dev/null 2>"$TMP/e3.err" || fail "--emulate-ranks 3: $(cat "$TMP/e3.err")"
cmp -s "$TMP/a3.ckpt" "$TMP/e3.ckpt" || fail "one process emulating 3 ranks differs from 3 deterministic ranks"

# another number of ranks (the MPI build alone is one rank), another split
err=$("$ONESHOT_MPI" $sn --out "$TMP/x.ckpt" --resume "$TMP/b.ckpt" 2>&1 >/dev/null) && fail "resume on 1 rank: exit 0"
expect_eq "resume on 1 rank" "$err" "oneshot: $TMP/b.ckpt: error: was saved by a run on 2 ranks, and this one has 1: resume on 2 ranks (each step's shares depend on their number)"
err=$($ONESHOT $sn --emulate-ranks 3 --out "$TMP/x.ckpt" --resume "$TMP/b.ckpt" 2>&1 >/dev/null) && fail "resume on 3 ranks: exit 0"
expect_eq "resume on 3 ranks" "$err" "oneshot: $TMP/b.ckpt: error: was saved by a run on 2 ranks, and this one has 3: resume on 2 ranks (each step's shares depend on their number)"
err=$($ONESHOT $sn --emulate-ranks 2 --split paths --out "$TMP/x.ckpt" --resume "$TMP/b.ckpt" 2>&1 >/dev/null) && fail "resume with another split: exit 0"
expect_eq "resume with another split" "$err" "oneshot: $TMP/b.ckpt: error: was saved by a run that split its steps by data, not by paths: resume with the same split"
[ ! -e "$TMP/x.ckpt" ] || fail "a refused resume wrote a checkpoint"

# the fair sampler's paths shared out, with more threads than the cores allow
cores=$(getconf _NPROCESSORS_ONLN)
mpi 2 $sn --split paths --deterministic --threads $((cores + 1)) --out "$TMP/p.ckpt" >/dev/null 2>"$TMP/p.err" || fail "--split paths: $(cat "$TMP/p.err")"
share=$((cores / 2 > 0 ? cores / 2 : 1))
expect_eq "threads warning" "$(grep warning "$TMP/p.err")" \
    "oneshot: warning: --threads $((cores + 1)) on 2 ranks of this host's $cores cores: $share each"
# (the emulation runs the ranks' shares with the threads each rank had)
$ONESHOT ${sn/--threads 1/--threads $share} --split paths --emulate-ranks 2 --out "$TMP/pe.ckpt" >/dev/null 2>&1 || fail "--split paths --emulate-ranks 2"
cmp -s "$TMP/p.ckpt" "$TMP/pe.ckpt" || fail "split by paths: 2 ranks and their emulation differ"
err=$($ONESHOT $sn --sampler uniform --split paths --emulate-ranks 2 --out "$TMP/x.ckpt" 2>&1 >/dev/null) && fail "uniform by paths: exit 0"
printf '%s\n' "$err" | grep -q "^oneshot supernet: error: --split paths shares out a step's paths, and only the fair sampler draws more than one$" ||
    fail "uniform by paths: $err"
exit 0
