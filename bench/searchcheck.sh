#!/usr/bin/env bash
# The search check of RESULTS.md (issues 11, 12 and 13): do the searches'
# picks beat the plain architectures at the same latency once trained
# stand-alone?
#
#   bench/searchcheck.sh run OUTDIR [moga random nao]   the searches (resumable)
#   bench/searchcheck.sh pick OUTDIR                    OUTDIR/picks.csv, picks.txt
#   bench/searchcheck.sh train OUTDIR                   the picks stand-alone (resumable)
#   bench/searchcheck.sh table OUTDIR                   the table of RESULTS.md
#
# The searches are the experiments of bench/searchcheck/: MoGA's weighted
# NSGA-II and random search on one supernet recipe (fair, 3 epochs of 10,000
# images, 1,638 path-steps), and NAO-V2 at the same supernet budget, all
# with the latency table results/singlepath/host-skip.yaml.
#
# DEVICE=mobile-gpu does the same on the mobile-GPU device model (issue 11):
# MoGA searches again with that model's latency (bench/searchcheck/
# moga-gpu.yaml, the same supernet recipe and seed), random search's
# evaluations are the host run's (random search scores what it draws
# whatever the device: copy the host OUTDIR's random/ into this OUTDIR), and
# the targets are Single-Path's three mobile-GPU targets (0.8836, 1.1323 and
# 1.4307 ms), with its architectures of results/singlepath/mobile-gpu-*.json.
#
# FROM=CKPT: MoGA and random search search that supernet instead of
# training base's: a checkpoint of the ranking study's full8 recipe
# (bench/study.sh: fair, 8 epochs of all 50,000 training images, seed 0),
# through the experiments' supernet.from; OUTDIR gets the experiments, so
# edited.  NAO trains its own supernet and is not run then.
#
# Targets (TARGETS, milliseconds on that table): by default the latencies of
# the uniform architectures k3e3 x 12 (1.906), k5e3 x 12 and k3e6 x 12 (3.599
# and 3.627, their mean 3.613), and Single-Path's three host targets of
# RESULTS.md (2.988, 5.679 and 8.908; k7e3 x 12, 5.556, is within 5% of the
# second).  At each target every method's pick is the architecture it
# evaluated with the best supernet accuracy among those within 5% of the
# target; beside them, every uniform architecture (k*e* x 12, and the skip
# family: k*e* where a layer must be kept, skip wherever it may be) and every
# Single-Path architecture of results/singlepath/ within 5%.  All of them
# are trained as the ground truth is (4 epochs of 50,000 images, batch 128),
# SEEDS seeds each (default 3), by `oneshot groundtruth --list`.
set -euo pipefail
cd "$(dirname "$0")/.."
cmd=$1 out=$2
shift 2
bin=${ONESHOT:-./oneshot} threads=${THREADS:-1} seeds=${SEEDS:-3}
case ${DEVICE:=host} in
host)
    targets=${TARGETS:-"1.906 2.988 3.613 5.679 8.908"}
    lut=results/singlepath/host-skip.yaml sp=results/singlepath/host-skip yaml="" ;;
mobile-gpu)
    targets=${TARGETS:-"0.8836 1.1323 1.4307"}
    lut=mobile-gpu sp=results/singlepath/mobile-gpu yaml=-gpu ;;
*)
    echo "bench/searchcheck.sh: DEVICE=$DEVICE: host or mobile-gpu" >&2
    exit 2 ;;
esac
mkdir -p "$out"
out=$(cd "$out" && pwd)
case $cmd in
run)
    [ -z "$yaml" ] || [ -e "$out/random/evaluations.csv" ] ||
        echo "bench/searchcheck.sh: no $out/random/evaluations.csv: copy the host run's random/ here" >&2
    for m in ${*:-moga random nao}; do
        [ -e "bench/searchcheck/$m$yaml.yaml" ] || { echo "no bench/searchcheck/$m$yaml.yaml: $m not run" >&2; continue; }
        d="$out/$m" x="bench/searchcheck/$m$yaml.yaml"
        if grep -qs done "$d/status"; then continue; fi
        if [ -n "${FROM:-}" ]; then
            [ "$m" != nao ] || { echo "FROM: nao trains its own supernet: not run" >&2; continue; }
            # the full8 recipe, from the checkpoint; paths made absolute
            sed -e "s|^  train_images: 10000|  train_images: 50000|" \
                -e "s|^  epochs: 3\$|  epochs: 8\n  from: $(realpath "$FROM")|" \
                -e "s|^  device: \.\./\.\./|  device: $PWD/|" "$x" > "$out/$m.yaml"
            grep -q '^  from: ' "$out/$m.yaml" || { echo "$x: no supernet epochs to replace" >&2; exit 1; }
            x="$out/$m.yaml"
        fi
        echo "$(date -u +%H:%M) searching: $m" >&2
        if [ -d "$d" ]; then
            $bin run --resume "$d"
        else
            $bin run "$x" --out "$d"
        fi
    done
    ;;
pick)
    # every candidate's latency on the table, then the picks
    cands="$out/candidates.csv"
    {
        echo "method,arch,supernet_accuracy"
        # each search's scored architectures: METHOD FILE (a CSV with arch and accuracy)
        for mf in "moga $out/moga/evaluations.csv" "random $out/random/evaluations.csv" "nao $out/nao/pool.csv"; do
            set -- $mf
            [ -s "$2" ] || continue
            /usr/bin/python3 -c '
import csv, sys
for r in csv.DictReader(l for l in open(sys.argv[2]) if not l.startswith("#")):
    print(sys.argv[1] + "," + r["arch"] + "," + r["accuracy"])' "$1" "$2"
        done
        for c in k3e3 k3e6 k5e3 k5e6 k7e3 k7e6; do
            echo "uniform,$c-$c-$c-$c-$c-$c-$c-$c-$c-$c-$c-$c,"
            echo "uniform,skip-skip-$c-skip-skip-$c-skip-skip-$c-$c-skip-$c,"
        done
        for f in "$sp"-*.json; do
            a=$(grep -o '"arch": "[^"]*"' "$f" | head -n 1 | sed 's/.*: "//; s/"$//')
            [ -n "$a" ] && echo "singlepath,$a,"
        done
    } > "$cands.tmp"
    # latency of each distinct architecture, from the table
    cut -d, -f2 "$cands.tmp" | tail -n +2 | sort -u | while read -r a; do
        ms=$($bin latency predict --space fmnist-skip --device "$lut" --arch "$a" --json |
            grep -o '"ms": [0-9.eE+-]*' | tail -n 1 | sed 's/.*: //')
        echo "$a,$ms"
    done > "$out/latency.csv"
    mv "$cands.tmp" "$cands"
    /usr/bin/python3 - "$out" $targets <<'PY'
import csv, sys
out, targets = sys.argv[1], [float(t) for t in sys.argv[2:]]
lat = dict(l.strip().split(",") for l in open(f"{out}/latency.csv"))
rows = list(csv.DictReader(open(f"{out}/candidates.csv")))
picks = []
for t in targets:
    near = [r for r in rows if abs(float(lat[r["arch"]]) / t - 1) <= 0.05]
    for m in ("moga", "random", "nao"):
        c = [r for r in near if r["method"] == m]
        if c:
            b = max(c, key=lambda r: float(r["supernet_accuracy"]))
            picks.append((t, m, b["arch"], lat[b["arch"]], b["supernet_accuracy"], len(c)))
    for m in ("uniform", "singlepath"):
        for r in near:
            if r["method"] == m:
                picks.append((t, m, r["arch"], lat[r["arch"]], "", 1))
with open(f"{out}/picks.csv", "w") as f:
    f.write("target_ms,method,arch,latency_ms,supernet_accuracy,candidates_within_5pct\n")
    for p in picks:
        f.write(",".join(str(x) for x in p) + "\n")
with open(f"{out}/picks.txt", "w") as f:
    for a in dict.fromkeys(p[2] for p in picks):
        f.write(a + "\n")
PY
    cat "$out/picks.csv"
    ;;
train)
    # as a worker of OUTDIR/claims: run it in several shells to use more cores
    $bin groundtruth --space fmnist-skip --archs 0 --list "$out/picks.txt" --epochs 4 \
        --seeds "$seeds" --threads "$threads" --out "$out/standalone.csv" --worker "$out/claims"
    ;;
table)
    /usr/bin/python3 - "$out" <<'PY'
import csv, glob, math, statistics as st, sys
out = sys.argv[1]
acc, seen = {}, set()
for f in sorted(glob.glob(f"{out}/standalone*.csv")):    # standalone.csv, and any kept apart
    for r in csv.DictReader(l for l in open(f) if not l.startswith("#")):
        if (r["arch"], r["seed"]) not in seen:
            seen.add((r["arch"], r["seed"]))
            acc.setdefault(r["arch"], []).append(float(r["test_accuracy"]))
picks = list(csv.DictReader(open(f"{out}/picks.csv")))
def ms(v):
    if len(v) < 2:
        return f"{v[0]:.4f} (1 seed)" if v else "-"
    return f"{st.mean(v):.4f} ± {st.stdev(v):.4f}"
print("| target ms | method | architecture | latency ms | supernet accuracy | within 5% | stand-alone test accuracy (mean ± sd of seeds) | seeds |")
print("|---|---|---|---|---|---|---|---|")
for p in picks:
    v = acc.get(p["arch"], [])
    print(f"| {p['target_ms']} | {p['method']} | {p['arch']} | {float(p['latency_ms']):.3f} | {p['supernet_accuracy'] or '-'} | "
          f"{p['candidates_within_5pct']} | {ms(v)} | {len(v)} |")
print()
print("Differences of means, each search's pick minus the best plain architecture at its target")
print("(± the standard error of the difference, sqrt(sd1^2/n1 + sd2^2/n2)):")
print()
for t in dict.fromkeys(p["target_ms"] for p in picks):
    here = [p for p in picks if p["target_ms"] == t and len(acc.get(p["arch"], [])) >= 2]
    plain = [p for p in here if p["method"] == "uniform"]
    if not plain:
        continue
    best = max(plain, key=lambda p: st.mean(acc[p["arch"]]))
    b = acc[best["arch"]]
    for p in here:
        if p["method"] == "uniform":
            continue
        v = acc[p["arch"]]
        se = math.sqrt(st.variance(v) / len(v) + st.variance(b) / len(b))
        print(f"- {t} ms, {p['method']} - {best['arch']}: {st.mean(v) - st.mean(b):+.4f} ± {se:.4f}")
PY
    ;;
*)
    echo "usage: bench/searchcheck.sh run|pick|train|table OUTDIR" >&2
    exit 2
    ;;
esac
