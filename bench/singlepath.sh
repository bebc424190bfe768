#!/usr/bin/env bash
# The Single-Path NAS results of RESULTS.md: Single-Path Mobile AutoML's
# tuning of lambda for three target latencies (a quarter, a half and
# four fifths of the way from the smallest to the largest network of
# fmnist-skip) on the mobile-gpu model and on a table of this machine; the
# architectures found trained stand-alone as the ground truth was; and a
# table next to the ground truth's architectures at equal latency.
#
#   bench/singlepath.sh OUTDIR [TRUTH.csv...]
#
# Finished work is kept: rerun to continue.  ONESHOT= another binary,
# THREADS= threads of each job (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
shift
truths=("$@")
[ ${#truths[@]} -gt 0 ] || truths=(spaces/fmnist-skip.truth.csv)
bin=${ONESHOT:-./oneshot} threads=${THREADS:-1}
mkdir -p "$out"
small=skip-skip-k3e3-skip-skip-k3e3-skip-skip-k3e3-skip-skip-skip
large=k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6
ms() { $bin latency predict --space fmnist-skip --arch "$1" --device "$2" --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["ms"])'; }
[ -s "$out/host-skip.yaml" ] ||
    $bin latency build --out "$out/host-skip.yaml" --space fmnist-skip --threads 1 > "$out/lut.log"
common=(--space fmnist-skip --epochs 6 --train-images 10000 --val-images 10000 --threads "$threads" --trials 8)
: > "$out/summary.txt"
for dev in mobile-gpu "$out/host-skip.yaml"; do
    lo=$(ms $small "$dev") hi=$(ms $large "$dev") tag=$(basename "${dev%.yaml}") first=""
    for f in 0.25 0.5 0.8; do
        T=$(python3 -c "print(round($lo + $f * ($hi - $lo), 4))") d=$out/$tag-$f
        mkdir -p "$d"
        # the warm-up does not depend on the target: every target of a device forks from one
        [ -n "$first" ] && [ ! -e "$d/warmup.ckpt" ] && cp "$first/warmup.ckpt" "$d/"
        if [ ! -s "$d/result.json" ]; then
            if [ -e "$d/trials.csv" ]; then where=(--resume "$d"); else where=(--save "$d"); fi
            echo "$(date -u +%H:%M) $tag: target $T ms" >&2
            $bin singlepath "${common[@]}" --device "$dev" --target-ms "$T" "${where[@]}" --json \
                > "$d/result.json.tmp" 2> "$d/log"
            mv "$d/result.json.tmp" "$d/result.json"
        fi
        python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(sys.argv[2], sys.argv[3], r["target_ms"], r["arch"], r["predicted_ms"], r["val_accuracy"],
      r["lambda"], len(r["trials"]), round(r["seconds"]))' "$d/result.json" "$tag" "$dev" >> "$out/summary.txt"
        first=$d
    done
done
awk '{print $4}' "$out/summary.txt" | sort -u > "$out/archs.txt"
$bin groundtruth --space fmnist-skip --archs 0 --list "$out/archs.txt" --epochs 4 --seeds 1 \
    --threads "$threads" --out "$out/standalone.csv" >&2
python3 - "$bin" "$out" "${truths[@]}" <<'PY'
import csv, json, subprocess, sys, statistics as st
bin, out, truths = sys.argv[1], sys.argv[2], sys.argv[3:]
def table(path):
    acc = {}
    with open(path) as f:
        for r in csv.DictReader(l for l in f if not l.startswith("#")):
            acc.setdefault(r["arch"], []).append(float(r["test_accuracy"]))
    return {a: st.mean(v) for a, v in acc.items()}
def ms(arch, dev):
    p = subprocess.run([bin, "latency", "predict", "--space", "fmnist-skip", "--arch", arch,
                        "--device", dev, "--json"], capture_output=True, text=True, check=True)
    return json.loads(p.stdout)["ms"]
truth = {}
for t in truths:
    truth.update(table(t))
alone = table(f"{out}/standalone.csv")
lat = {}
print("| device | target ms | architecture found | predicted ms | lambda | trials | search s "
      "| proxy accuracy | stand-alone test accuracy | truth's within 5% of its latency (test accuracy) "
      "| truth's best at or under its latency |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for line in open(f"{out}/summary.txt"):
    tag, dev, T, arch, pred, proxy, lam, trials, secs = line.split()
    pred = float(pred)
    lat.setdefault(dev, {a: ms(a, dev) for a in truth})
    near = [truth[a] for a in truth if abs(lat[dev][a] - pred) <= 0.05 * pred]
    under = [(truth[a], lat[dev][a]) for a in truth if lat[dev][a] <= pred]
    best = max(under) if under else None
    print(f"| {tag} | {T} | {arch} | {pred:.3f} | {float(lam):.3g} | {trials} | {secs} "
          f"| {float(proxy):.4f} | {alone[arch]:.4f} "
          f"| {f'{len(near)}: {min(near):.4f} to {max(near):.4f}' if near else 'none'} "
          f"| {f'{best[0]:.4f} ({best[1]:.3f} ms)' if best else 'none'} |")
print(f"\n{len(truth)} ground-truth architectures from {', '.join(truths)}")
PY
