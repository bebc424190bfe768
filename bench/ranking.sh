#!/usr/bin/env bash
# Ranking experiment of RESULTS.md: supernets of the three samplers, SEEDS
# seeds each, at equal budget, ranked against a ground-truth table.
#
#   bench/ranking.sh SPACE TRUTH.csv OUTDIR
#
# Budget: `fair` trains EPOCHS epochs on IMAGES training images (every choice
# gets EPOCHS * IMAGES/128 updates, M paths a step); `uniform` and
# `proportional` train M * EPOCHS epochs, one path a step: the same number of
# path-steps (compute) and, in expectation, the same updates per choice.
# M = the largest number of choices of a layer (fmnist-skip: 7, tiny: 3).
# Finished runs (OUTDIR/SAMPLER-SEED.rank.json) are kept: rerun to continue;
# a supernet already trained (its .train.json says it was not stopped) is
# not trained again.  TRAIN_ONLY=1 trains the supernets and ranks nothing
# (for when the ground-truth table is still being made).
set -euo pipefail
cd "$(dirname "$0")/.."
space=$1 truth=$2 out=$3
epochs=${EPOCHS:-3} images=${IMAGES:-10000} threads=${THREADS:-2} seeds=${SEEDS:-3}
m=${M:?set M, the largest number of choices of a layer}
mkdir -p "$out"
for ((seed = 0; seed < seeds; seed++)); do
    for sampler in fair uniform proportional; do
        name="$out/$sampler-$seed"
        [ -s "$name.rank.json" ] && continue
        e=$epochs
        [ "$sampler" = fair ] || e=$((m * epochs))
        if ! { [ -s "$name.ckpt" ] && grep -q '"stopped": false' "$name.train.json" 2>/dev/null; }; then
            ./oneshot supernet --space "$space" --sampler "$sampler" --epochs "$e" \
                --train-images "$images" --seed "$seed" --threads "$threads" \
                --out "$name.ckpt" --json > "$name.train.json.tmp"
            mv "$name.train.json.tmp" "$name.train.json"
        fi
        [ "${TRAIN_ONLY:-0}" = 1 ] && continue
        ./oneshot rank --space "$space" --supernet "$name.ckpt" --truth "$truth" \
            --threads "$threads" --json > "$name.rank.json.tmp"
        mv "$name.rank.json.tmp" "$name.rank.json"
        echo "$sampler seed $seed: $(cat "$name.rank.json")" >&2
    done
done
[ "${TRAIN_ONLY:-0}" = 1 ] && exit 0
./oneshot rank --space "$space" --truth "$truth" --json > "$out/table.json"
/usr/bin/python3 - "$out" <<'PY'
import json, sys, glob, os, statistics as st
out = sys.argv[1]
table = json.load(open(os.path.join(out, "table.json")))
print(f"| sampler | Kendall tau (mean of seeds) | per seed | 95% CI (seed 0) | Spearman | tau without BN recalibration | seconds of supernet training |")
print("|---|---|---|---|---|---|---|")
for s in ["fair", "uniform", "proportional"]:
    runs = sorted(glob.glob(os.path.join(out, f"{s}-*.rank.json")))
    if not runs:
        continue
    r = [json.load(open(f)) for f in runs]
    t = [json.loads(open(f.replace(".rank.json", ".train.json")).read().splitlines()[-1]) for f in runs]
    taus = [x["kendall_tau"] for x in r]
    print(f"| {s} | {st.mean(taus):.3f} | {', '.join(f'{x:.3f}' for x in taus)} | "
          f"[{r[0]['kendall_tau_ci'][0]:.3f}, {r[0]['kendall_tau_ci'][1]:.3f}] | "
          f"{st.mean(x['spearman'] for x in r):.3f} | {st.mean(x['kendall_tau_no_recal'] for x in r):.3f} | "
          f"{st.mean(x['seconds'] for x in t):.0f} |")
print()
print(f"Baselines on the same table: parameters tau {table['params_tau']:.3f}, "
      f"multiply-adds tau {table['macs_tau']:.3f}; seed-to-seed tau {table.get('seed_tau', float('nan')):.3f} "
      f"over {table['n_seeded']} architectures; spread {table['spread']:.4f}, "
      f"seed noise {table.get('seed_noise', float('nan')):.4f}; n {table['n']}.")
PY
