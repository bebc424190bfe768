#!/usr/bin/env bash
# Throughput of oneshot against PyTorch, side by side in one run.
#
#   bench/run.sh [ROUNDS]          (default 3 rounds)
#
# For each architecture it alternates `oneshot bench` and PyTorch's yardstick
# `bench/torch_ref.py --bench` (the same network from torch.nn modules; both
# at THREADS threads, batch 128, 30 timed steps after 5 warm-up steps),
# ROUNDS times, and prints the medians and their ratio as a Markdown table.
# The yardstick needs Debian's python3-torch; without it, only oneshot's
# figures are printed.  TORCH_REF names another script taking the same
# arguments.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
threads=${THREADS:-2}
ref=${TORCH_REF:-bench/torch_ref.py}
py=/usr/bin/python3
have_ref=1
if [ ! -f "$ref" ] || ! $py -c 'import torch' 2>/dev/null; then
    have_ref=0
    echo "note: no PyTorch yardstick ($ref, python3-torch); oneshot only" >&2
fi
# the smallest and the largest of the fmnist space, and one of mixed choices
names=("k3e3 x 12" "k7e6 x 12" "mixed")
archs=(
  "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3"
  "k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6"
  "k5e6-k3e3-k7e3-k5e6-k3e6-k3e3-k5e3-k7e6-k3e6-k5e6-k5e6-k3e3"
)
field() { $py -c 'import json,sys; print(json.loads(sys.stdin.read().strip().splitlines()[-1])[sys.argv[1]])' "$1"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "| architecture | oneshot train img/s | torch train img/s | ratio | oneshot eval img/s | torch eval img/s | ratio | oneshot GFLOP/s |"
echo "|---|---|---|---|---|---|---|---|"
for i in "${!archs[@]}"; do
    a=${archs[$i]}
    ot=(); oe=(); tt=(); te=(); og=()
    for ((r = 0; r < rounds; r++)); do
        j=$(./oneshot bench --arch "$a" --threads "$threads" --json)
        ot+=("$(field train_images_per_s <<<"$j")"); oe+=("$(field eval_images_per_s <<<"$j")")
        og+=("$(field train_gflops <<<"$j")")
        if [ $have_ref = 1 ]; then
            j=$($py "$ref" --bench --arch "$a" --threads "$threads" 2>/dev/null)
            tt+=("$(field train_images_per_s <<<"$j")"); te+=("$(field eval_images_per_s <<<"$j")")
        fi
    done
    mot=$(median "${ot[@]}"); moe=$(median "${oe[@]}"); mog=$(median "${og[@]}")
    if [ $have_ref = 1 ]; then
        mtt=$(median "${tt[@]}"); mte=$(median "${te[@]}")
        printf '| %s | %.0f | %.0f | %.2fx | %.0f | %.0f | %.2fx | %.1f |\n' "${names[$i]}" "$mot" "$mtt" \
            "$(awk -v a="$mot" -v b="$mtt" 'BEGIN{print a/b}')" "$moe" "$mte" \
            "$(awk -v a="$moe" -v b="$mte" 'BEGIN{print a/b}')" "$mog"
    else
        printf '| %s | %.0f | - | - | %.0f | - | - | %.1f |\n' "${names[$i]}" "$mot" "$moe" "$mog"
    fi
done
peak=$(./oneshot bench --arch "${archs[0]}" --threads "$threads" --steps 1 --warmup 0 --peak --json)
echo
echo "sgemm peak (1024^3, $threads threads, through oneshot's gemm): $(field sgemm_peak_gflops <<<"$peak") GFLOP/s"
