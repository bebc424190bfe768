#!/usr/bin/env bash
# The ranking study of RESULTS.md: supernet recipes ("levers"), SEEDS seeds
# each, on fmnist-skip, each supernet ranked against a ground-truth table by
# validation accuracy and by validation loss (one `oneshot rank` gives both).
#
#   bench/study.sh train OUTDIR [RECIPE...]     train the supernets (resumable)
#   bench/study.sh rank OUTDIR TRUTH.csv [RECIPE...]   rank every trained one
#   bench/study.sh table OUTDIR TRUTH.csv       the table of RESULTS.md
#
# A recipe is a name and the options of `oneshot supernet` it adds to the
# common ones (--space fmnist-skip --seed S --threads $THREADS); see RECIPES
# below.  Finished work is kept: rerun to continue.  Budgets are reported as
# path-steps (forward and backward passes of one batch of 128 through one
# path), which BENCHMARKS.md converts to minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=$1 out=$2
shift 2
seeds=${SEEDS:-5} threads=${THREADS:-2} bin=${ONESHOT:-./oneshot}
declare -A RECIPES=(
    [base]="--sampler fair --epochs 3 --train-images 10000"
    [full3]="--sampler fair --epochs 3 --train-images 50000"
    [full8]="--sampler fair --epochs 8 --train-images 50000"
    [shared]="--sampler fair --epochs 3 --train-images 50000 --shared-lr 0.142857"
    [smooth]="--sampler fair --epochs 3 --train-images 50000 --label-smoothing 0.1"
    [uniform3]="--sampler uniform --epochs 21 --train-images 50000"
    # The levers one at a time at the base budget (10,000 images, 1,638
    # path-steps), a fifth of the full-data recipes' cost:
    [uniform]="--sampler uniform --epochs 21 --train-images 10000"
    [shared10]="--sampler fair --epochs 3 --train-images 10000 --shared-lr 0.142857"
    [smooth10]="--sampler fair --epochs 3 --train-images 10000 --label-smoothing 0.1"
)
ORDER="base uniform shared10 smooth10 full3 uniform3 shared smooth full8"
mkdir -p "$out"
case $cmd in
train)
    names=${*:-$ORDER}
    for ((seed = 0; seed < seeds; seed++)); do
        for name in $names; do
            f="$out/$name-$seed"
            grep -qs '"stopped": false' "$f.train.json" && continue
            resume=()
            [ -s "$f.ckpt" ] && resume=(--resume "$f.ckpt")
            echo "$(date -u +%H:%M) training $name seed $seed" >&2
            $bin supernet --space fmnist-skip ${RECIPES[$name]} --seed "$seed" --threads "$threads" \
                --save-every 200 --out "$f.ckpt" "${resume[@]}" --json > "$f.train.json.tmp"
            mv "$f.train.json.tmp" "$f.train.json"
        done
    done
    ;;
rank)
    truth=$1
    shift
    tag=$(basename "$truth" .csv)
    names=${*:-$ORDER}
    for name in $names; do
        for f in "$out/$name"-*.train.json; do
            [ -e "$f" ] || continue
            b=${f%.train.json}
            for calib in ${CALIB:-2000}; do
                r="$b.$tag.c$calib.rank.json"
                [ -s "$r" ] && continue
                echo "$(date -u +%H:%M) ranking $b (calibration $calib)" >&2
                $bin rank --space fmnist-skip --supernet "$b.ckpt" --truth "$truth" \
                    --calib-images "$calib" --threads "$threads" --json > "$r.tmp"
                mv "$r.tmp" "$r"
            done
        done
    done
    ;;
table)
    truth=$1
    /usr/bin/python3 - "$out" "$(basename "$truth" .csv)" "$("$bin" rank --space fmnist-skip --truth "$truth" --json)" <<'PY'
import glob, json, math, os, re, statistics as st, sys
out, tag, table = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
rows = {}
for f in sorted(glob.glob(os.path.join(out, f"*.{tag}.c*.rank.json"))):
    m = re.match(r"(.+)-(\d+)\.%s\.c(\d+)\.rank\.json" % re.escape(tag), os.path.basename(f))
    name, seed, calib = m.group(1), int(m.group(2)), int(m.group(3))
    r = json.load(open(f))
    t = json.loads(open(os.path.join(out, f"{name}-{seed}.train.json")).read().splitlines()[-1])
    rows.setdefault((name, calib), []).append((seed, r, t))
def ms(v):
    v = [x for x in v if x is not None]
    if not v:
        return "-"
    sd = st.stdev(v) if len(v) > 1 else float("nan")
    return f"{st.mean(v):.3f} ± {sd / math.sqrt(len(v)):.3f} (sd {sd:.3f})"
print("| recipe | calibration | seeds | tau by accuracy | tau by loss | path-steps | seconds (1 thread, shared machine) |")
print("|---|---|---|---|---|---|---|")
for (name, calib), v in sorted(rows.items()):
    ta = [r.get("kendall_tau") for _, r, _ in v]
    tl = [r.get("kendall_tau_by_loss") for _, r, _ in v]
    steps = v[0][2]["steps"] * max(1, round(v[0][2]["path_images_per_s"] * v[0][2]["seconds"] / max(1, v[0][2]["steps"]) / 128))
    print(f"| {name} | {calib} | {len(v)} | {ms(ta)} | {ms(tl)} | {steps} | {st.mean(t['seconds'] for _, _, t in v):.0f} |")
print()
print(f"Size baselines on {tag}: parameters tau {table['params_tau']:.3f}, multiply-adds tau {table['macs_tau']:.3f}; "
      f"{table['n']} architectures, seed-to-seed tau {table.get('seed_tau', float('nan')):.3f} over {table['n_seeded']}.")
PY
    ;;
*)
    echo "usage: bench/study.sh train|rank|table OUTDIR ..." >&2
    exit 2
    ;;
esac
