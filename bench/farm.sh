#!/usr/bin/env bash
# The ground-truth farm on 1 and 2 ranks, side by side in one run.
#
#   bench/farm.sh [ROUNDS]          (default 2 rounds)
#
# Alternates, ROUNDS times, the same groundtruth command (GT below: 8
# architectures of the fmnist space spanning its sizes, 1 epoch on 5,000
# images, validated on 1,000 and tested on the 10,000 test images) as
#   1 rank:      mpirun -np 1 build-mpi/oneshot ... --threads 2
#   2 ranks:     mpirun -np 2 build-mpi/oneshot ...  (1 thread each: the
#                host's 2 cores shared by its ranks)
#   2 workers:   two build-mpi/oneshot ... --worker DIR --threads 1 at once
# each into a fresh table, and prints the median wall seconds and the
# speed-up over 1 rank as a Markdown table.  Needs the MPI build (make MPI=1
# or make check) and mpirun.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
bin=build-mpi/oneshot
[ -x "$bin" ] || { echo "bench/farm.sh: no $bin (make MPI=1)" >&2; exit 1; }
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
flags=""
mpirun --version 2>&1 | grep -q 'Open MPI' && flags="--oversubscribe --bind-to none"
GT=${GT:-"groundtruth --space fmnist --archs 8 --epochs 1 --train-images 5000 --val-images 1000"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
run() { # run CONFIG: prints its wall seconds
    rm -rf "$tmp/t.csv" "$tmp/claims"
    local t0=$(now)
    case $1 in
    rank1) mpirun $flags -np 1 $bin $GT --threads 2 --out "$tmp/t.csv" 2>/dev/null ;;
    rank2) mpirun $flags -np 2 $bin $GT --out "$tmp/t.csv" 2>/dev/null ;;
    worker2)
        $bin $GT --threads 1 --out "$tmp/t.csv" --worker "$tmp/claims" 2>/dev/null &
        $bin $GT --threads 1 --out "$tmp/t.csv" --worker "$tmp/claims" 2>/dev/null
        wait
        ;;
    esac
    [ "$(grep -c '^k' "$tmp/t.csv")" = 8 ] || { echo "bench/farm.sh: $1 did not write 8 rows" >&2; exit 1; }
    awk -v a="$(now)" -v b="$t0" 'BEGIN {print a - b}'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
declare -A secs=()
for ((r = 0; r < rounds; r++)); do
    for c in rank1 rank2 worker2; do
        s=$(run $c)
        secs[$c]="${secs[$c]:-} $s"
        printf 'round %d %s: %.1f s\n' $((r + 1)) $c "$s" >&2
    done
done
base=$(median ${secs[rank1]})
echo "| configuration | wall s (median of $rounds) | speed-up over 1 rank |"
echo "|---|---|---|"
for c in rank1 rank2 worker2; do
    m=$(median ${secs[$c]})
    case $c in
    rank1) name="1 rank, 2 threads" ;;
    rank2) name="2 ranks, 1 thread each" ;;
    worker2) name="2 workers (--worker), 1 thread each" ;;
    esac
    printf '| %s | %.1f | %.2fx |\n' "$name" "$m" "$(awk -v a="$base" -v b="$m" 'BEGIN {print a / b}')"
done
