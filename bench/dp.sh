#!/usr/bin/env bash
# The data-parallel supernet on 1 and 2 ranks of this host, side by side in
# one run, and what 8 and 64 hosts would take.
#
#   bench/dp.sh [ROUNDS]          (default 2 rounds)
#
# Alternates, ROUNDS times, the same supernet command (SN below: the fmnist
# space, the fair sampler, STEPS steps of batch 128) as
#   1 rank, 1 thread:        mpirun -np 1 build-mpi/oneshot SN --threads 1
#   1 rank, 2 threads:       mpirun -np 1 ... --threads 2   (one host's compute)
#   2 ranks, split by data:  mpirun -np 2 ... --threads 1   (the host's 2 cores)
#   2 ranks, by data, --deterministic
#   2 ranks, split by paths: mpirun -np 2 ... --split paths
# and prints, as Markdown, each one's median seconds per step, its speed-up
# over 1 rank with 1 thread, and the floats each rank adds up per step (the
# JSON's allreduce_floats) with the seconds that took (waiting for the
# slower rank included).
#
# Then the expected step time on H = 8 and 64 hosts, each a host like this
# one running one rank of 2 threads, from the measured 2-thread step time
# T and the allreduce size S (bytes, 4 a float), over a network of
# bandwidth BW (bytes/s) and per-message latency LAT (s), default 10 Gb/s
# Ethernet with 50 us per message:
#   ring allreduce (MPI_Allreduce):  2 (H-1) LAT + 2 (H-1)/H S / BW
#   the deterministic allgather:       (H-1) LAT +   (H-1)   S / BW
#                                    + H S / 4 additions at ADD s each
#                                      (default 1 ns: adding H buffers in double)
#   weak scaling (each host a whole batch of 128, the global batch 128 H):
#     step = T + comm, throughput H T / (T + comm) times one host's;
#   strong scaling (the global batch stays 128): step = T / H + comm.
# The compute share T/H of strong scaling assumes the per-image cost stays
# as at 128 images, which small shards (2 images on 64 hosts) do not keep.
# Needs the MPI build (make MPI=1, or make mpi) and mpirun.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
bin=build-mpi/oneshot
[ -x "$bin" ] || { echo "bench/dp.sh: no $bin (make MPI=1)" >&2; exit 1; }
[ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
flags=""
mpirun --version 2>&1 | grep -q 'Open MPI' && flags="--oversubscribe --bind-to none"
STEPS=${STEPS:-10}
BW=${BW:-1.25e9}
LAT=${LAT:-50e-6}
ADD=${ADD:-1e-9}
SN=${SN:-"supernet --space fmnist --sampler fair --epochs 1 --batch 128 --train-images $((STEPS * 128)) --val-images 1000 --json"}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
field() { printf '%s\n' "$1" | grep -o "\"$2\": [^,}]*" | head -n 1 | sed 's/^[^:]*: //'; }
run() { # run CONFIG: prints "seconds-per-step allreduce-floats allreduce-seconds"
    local out
    case $1 in
    r1t1) out=$(mpirun $flags -np 1 $bin $SN --threads 1 --out "$tmp/sn.ckpt" 2>/dev/null) ;;
    r1t2) out=$(mpirun $flags -np 1 $bin $SN --threads 2 --out "$tmp/sn.ckpt" 2>/dev/null) ;;
    r2) out=$(mpirun $flags -np 2 $bin $SN --threads 1 --out "$tmp/sn.ckpt" 2>/dev/null) ;;
    r2det) out=$(mpirun $flags -np 2 $bin $SN --threads 1 --deterministic --out "$tmp/sn.ckpt" 2>/dev/null) ;;
    r2paths) out=$(mpirun $flags -np 2 $bin $SN --threads 1 --split paths --out "$tmp/sn.ckpt" 2>/dev/null) ;;
    esac
    local steps secs
    steps=$(field "$out" steps)
    secs=$(field "$out" seconds)
    [ "$steps" = "$STEPS" ] || { echo "bench/dp.sh: $1 took $steps steps, not $STEPS: $out" >&2; exit 1; }
    awk -v s="$secs" -v n="$steps" -v f="$(field "$out" allreduce_floats)" \
        -v a="$(field "$out" allreduce_seconds)" 'BEGIN {printf "%.4f %d %.4f\n", s / n, f, a / n}'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
configs="r1t1 r1t2 r2 r2det r2paths"
declare -A step=() floats=() sums=()
for ((r = 0; r < rounds; r++)); do
    for c in $configs; do
        read -r s f a <<< "$(run $c)"
        step[$c]="${step[$c]:-} $s"
        sums[$c]="${sums[$c]:-} $a"
        floats[$c]=$f
        printf 'round %d %s: %.3f s a step, %d floats summed in %.4f s\n' $((r + 1)) $c "$s" "$f" "$a" >&2
    done
done
base=$(median ${step[r1t1]})
echo "$(nproc) cores, load average at the end $(cut -d' ' -f1-3 /proc/loadavg); $STEPS steps of: $SN"
echo
echo "| configuration | s per step (median of $rounds) | speed-up over 1 rank, 1 thread | floats summed per step | s summing per step |"
echo "|---|---|---|---|---|"
for c in $configs; do
    m=$(median ${step[$c]})
    case $c in
    r1t1) name="1 rank, 1 thread" ;;
    r1t2) name="1 rank, 2 threads" ;;
    r2) name="2 ranks by data, 1 thread each" ;;
    r2det) name="2 ranks by data, --deterministic" ;;
    r2paths) name="2 ranks by paths (fair's 6), 1 thread each" ;;
    esac
    awk -v n="$name" -v m="$m" -v b="$base" -v f="${floats[$c]}" -v a="$(median ${sums[$c]})" \
        'BEGIN {printf "| %s | %.3f | %.2f | %s | %.4f |\n", n, m, b / m, f, a}'
done
T=$(median ${step[r1t2]})
S=$(awk -v f="${floats[r2]}" 'BEGIN {print 4 * f}')
echo
echo "Extrapolated from T = $T s a step (1 rank, 2 threads), S = $S bytes summed per step, BW = $BW bytes/s, LAT = $LAT s, ADD = $ADD s:"
echo
echo "| hosts | allreduce s | weak: s per step | weak: speed-up | strong: s per step | deterministic allgather s | weak, deterministic: speed-up |"
echo "|---|---|---|---|---|---|---|"
for H in 8 64; do
    awk -v H=$H -v T="$T" -v S="$S" -v BW="$BW" -v LAT="$LAT" -v ADD="$ADD" 'BEGIN {
        ring = 2 * (H - 1) * LAT + 2 * (H - 1) / H * S / BW
        gath = (H - 1) * LAT + (H - 1) * S / BW + H * S / 4 * ADD
        printf "| %d | %.4f | %.3f | %.1f | %.4f | %.4f | %.1f |\n", H, ring, T + ring,
               H * T / (T + ring), T / H + ring, gath, H * T / (T + gath)
    }'
done
