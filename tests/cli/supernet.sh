# oneshot supernet / groundtruth / rank on the tiny space: fairness counts,
# resume equals an uninterrupted run, tables resume, rank reports.
. "$(dirname "$0")/lib.inc"
need_data
common="--space tiny --epochs 1 --train-images 1024 --val-images 512 --batch 64 --threads 2 --json"
r=$($ONESHOT supernet $common --sampler fair --out "$TMP/fair.ckpt" 2>/dev/null | tail -n 1) || fail "supernet fair exited $?"
expect_eq "fair steps" "$(json_field "$r" steps)" 16
ups=$(printf '%s\n' "$r" | grep -o '"choice_updates": .*' | grep -o '": [0-9][0-9]*' | sort -u | tr -d '": ')
expect_eq "fair: every choice 16 updates" "$ups" 16
r=$($ONESHOT supernet $common --sampler uniform --out "$TMP/uni.ckpt" 2>/dev/null | tail -n 1)
first=$(printf '%s\n' "$r" | grep -o '"choice_updates": \[{[^}]*}' | grep -o ': [0-9][0-9]*' | tr -d ': ' | awk '{s += $1} END {print s}')
expect_eq "uniform: one update per step in layer 1" "$first" 16
# path-trainings and updates: equal where every layer has as many choices as
# the fair sampler's paths; in fmnist-skip's strided layers (6 choices, 7
# paths) one choice is trained by two paths a step but updated once
tr=$(printf '%s\n' "$r" | grep -o '"choice_trainings": \[{[^}]*}' | grep -o ': [0-9][0-9]*' | tr -d ': ' | awk '{s += $1} END {print s}')
expect_eq "uniform: one path-training per step in layer 1" "$tr" 16
r=$($ONESHOT supernet --space fmnist-skip --epochs 1 --train-images 256 --val-images 64 --batch 64 --threads 2 --json --out "$TMP/skip.ckpt" 2>/dev/null | tail -n 1)
layer() { printf '%s\n' "$r" | grep -o "\"$1\": \[[^]]*\]" | sed 's/}, {/\n/g' | sed -n "$2p" | grep -o ': [0-9][0-9]*' | tr -d ': ' | tr '\n' ' '; }
expect_eq "fmnist-skip layer 3 updates" "$(layer choice_updates 3)" "4 4 4 4 4 4 "
t3=$(layer choice_trainings 3)
expect_eq "fmnist-skip layer 3 path-trainings (28 in all)" "$(echo $t3 | tr ' ' '\n' | awk '{s += $1} END {print s}')" 28
echo " $t3" | grep -q ' 5 ' || fail "no choice of layer 3 trained twice in a step: $t3"
expect_eq "fmnist-skip layer 4 (7 choices) path-trainings" "$(layer choice_trainings 4)" "4 4 4 4 4 4 4 "
# stopped and resumed == uninterrupted, to the byte
$ONESHOT supernet $common --sampler proportional --pool 5 --repeat 2 --iterations 2 --out "$TMP/p1.ckpt" >/dev/null 2>&1 || fail "proportional"
$ONESHOT supernet $common --sampler proportional --pool 5 --repeat 2 --iterations 2 --out "$TMP/p2.ckpt" --stop-after 7 >/dev/null 2>&1 || fail "stop"
$ONESHOT supernet $common --sampler proportional --pool 5 --repeat 2 --iterations 2 --out "$TMP/p2.ckpt" --resume "$TMP/p2.ckpt" >/dev/null 2>&1 || fail "resume"
cmp -s "$TMP/p1.ckpt" "$TMP/p2.ckpt" || fail "resumed supernet differs from the uninterrupted one"
err=$($ONESHOT supernet $common --sampler fair --out "$TMP/x.ckpt" --resume "$TMP/p2.ckpt" 2>&1 >/dev/null)
printf '%s\n' "$err" | grep -q "p2.ckpt: error: was saved by a run with another sampler: resume with the same settings" || fail "resume with other settings: $err"
err=$($ONESHOT supernet $common --sampler fiar --out "$TMP/x.ckpt" 2>&1 >/dev/null)
expect_eq "unknown sampler" "$err" "oneshot: error: unknown sampler 'fiar' (known: uniform, fair, proportional)"
# ground truth: three architectures, resumable
gt="groundtruth --space tiny --archs 3 --epochs 1 --train-images 512 --val-images 512 --threads 2 --out $TMP/t.csv"
$ONESHOT $gt 2>/dev/null || fail "groundtruth exited $?"
expect_eq "rows" "$(grep -c '^k' "$TMP/t.csv")" 3
head -n 1 "$TMP/t.csv" | grep -q '^# made by: oneshot groundtruth --space tiny --archs 3' || fail "no command line in the table"
msg=$($ONESHOT $gt 2>&1)
printf '%s\n' "$msg" | grep -q '3 rows in .* (3 already there)' || fail "rerun retrained: $msg"
# a row cut short by a kill is trained again, the others are not
head -c -20 "$TMP/t.csv" > "$TMP/t2.csv" && mv "$TMP/t2.csv" "$TMP/t.csv"
msg=$($ONESHOT $gt 2>&1)
printf '%s\n' "$msg" | grep -q '3 rows in .* (2 already there)' || fail "cut row not retrained: $msg"
expect_eq "rows after resume" "$(grep -c '^k' "$TMP/t.csv")" 3
r=$($ONESHOT rank --space tiny --supernet "$TMP/fair.ckpt" --truth "$TMP/t.csv" --calib-images 256 --val-images 512 --threads 2 --json 2>/dev/null)
expect_eq "rank n" "$(json_field "$r" n)" 3
for k in kendall_tau kendall_tau_ci spearman params_tau macs_tau precision_at_k; do
    [ -n "$(json_field "$r" $k)" ] || fail "rank: no $k in $r"
done
# a damaged table names file, line and column
sed -i '4s/,0,/,x,/' "$TMP/t.csv"
err=$($ONESHOT rank --space tiny --supernet "$TMP/fair.ckpt" --truth "$TMP/t.csv" 2>&1 >/dev/null)
expect_eq "bad table" "$err" "oneshot: $TMP/t.csv:4:$(( $(sed -n 4p "$TMP/t.csv" | cut -d, -f1 | wc -c) + 1 )): error: seed 'x' is not a whole number >= 0"
err=$($ONESHOT rank --space fmnist --supernet "$TMP/fair.ckpt" --truth "$TMP/t.csv" 2>&1 >/dev/null)
printf '%s\n' "$err" | grep -q "error: 'k.*' is not an architecture of the space fmnist" || fail "wrong space: $err"
# a bad architecture in a --list file names its line and column
printf '# extra\nk3e2-k3e2-k3e2-k3e2\n  k3e2-k9e2-k3e2-k3e2\n' > "$TMP/list.txt"
err=$($ONESHOT groundtruth --space tiny --archs 0 --list "$TMP/list.txt" --out "$TMP/l.csv" 2>&1 >/dev/null)
expect_eq "bad list" "$err" "oneshot: $TMP/list.txt:3:8: error: layer 2: unknown choice 'k9e2' (choices here: k3e2 k5e4 k7e6)"
# a run's pareto.csv as a list: the header skipped, the architecture ends at
# the comma, one listed twice is trained once
printf 'arch,accuracy,macs\nk3e2-k5e4-k3e2-k7e6,0.5,100\nk3e2-k5e4-k3e2-k7e6,0.5,100\n' > "$TMP/pareto.csv"
$ONESHOT groundtruth --space tiny --archs 0 --list "$TMP/pareto.csv" --epochs 1 --train-images 256 --val-images 256 --threads 2 --out "$TMP/p.csv" 2>/dev/null || fail "--list pareto.csv"
expect_eq "rows of pareto.csv" "$(grep '^k' "$TMP/p.csv" | cut -d, -f1-2)" "k3e2-k5e4-k3e2-k7e6,0"
printf 'arch,accuracy\nk3e2-k5e4-k3e2-k7e6,0.5\nk3e2-k3e2-k9e2-k3e2,0.4\n' > "$TMP/bad.csv"
err=$($ONESHOT groundtruth --space tiny --archs 0 --list "$TMP/bad.csv" --out "$TMP/b.csv" 2>&1 >/dev/null)
expect_eq "bad pareto.csv" "$err" "oneshot: $TMP/bad.csv:3:11: error: layer 3: unknown choice 'k9e2' (choices here: k3e2 k5e4 k7e6)"
exit 0
