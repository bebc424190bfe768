#!/usr/bin/env bash
# Accuracy of oneshot against PyTorch.
#
#   bench/accuracy.sh [THREADS]    (default 2; minutes per architecture)
#
# Trains each architecture of the `accuracy` lines of
# tests/data/fmnist-reference.txt with `oneshot train` (the same epochs and
# training images, the recipe of spaces/README.md, seed 0) and compares its
# test accuracy with what bench/torch_ref.py --train measured for the same
# network in PyTorch.  oneshot passes when it is at most 0.01 below: another
# seed alone moves these accuracies by a few tenths of a point (RESULTS.md,
# seed noise), a wrong gradient or schedule costs more than a point.  Prints a
# Markdown table; exits 1 when an architecture falls short.  REFERENCE names
# another file of accuracy lines.  Not part of `make check`: it needs
# Fashion-MNIST and takes minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-2}
ref=${REFERENCE:-tests/data/fmnist-reference.txt}
tolerance=0.01
[ -x ./oneshot ] || { echo "bench/accuracy.sh: build oneshot first (make)" >&2; exit 2; }
grep -q '^accuracy ' $ref || { echo "bench/accuracy.sh: no accuracy lines in $ref" >&2; exit 2; }
status=0
echo "| architecture | epochs | training images | PyTorch test accuracy | oneshot test accuracy | oneshot validation accuracy | verdict |"
echo "|---|---|---|---|---|---|---|"
while read -r _ arch epochs images want; do
    j=$(./oneshot train --arch "$arch" --epochs "$epochs" --train-images "$images" \
        --threads "$threads" --seed 0 --json 2>/dev/null | tail -n 1)
    got=$(printf '%s\n' "$j" | grep -o '"test_accuracy": [0-9.]*' | sed 's/.*: //')
    val=$(printf '%s\n' "$j" | grep -o '"val_accuracy": [0-9.]*' | sed 's/.*: //')
    [ -n "$got" ] || { echo "bench/accuracy.sh: oneshot train failed for $arch" >&2; exit 1; }
    if awk -v g="$got" -v w="$want" -v t=$tolerance 'BEGIN { exit !(g >= w - t) }'; then
        verdict=ok
    else
        verdict="more than $tolerance below"
        status=1
    fi
    echo "| $arch | $epochs | $images | $want | $got | $val | $verdict |"
done < <(grep '^accuracy ' $ref)
exit $status
