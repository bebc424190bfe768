# oneshot latency: a table built on the tiny space (few repeats: timing is not
# judged here), check's JSON keys, the device models, and the errors for a
# table of another space and an unknown device.
. "$(dirname "$0")/lib.inc"
fast="--threads 1 --repeats 3 --warmup 1 --rounds 1"
r=$($ONESHOT latency build --space tiny $fast --check-archs 4 --out "$TMP/tiny.yaml" --json 2>/dev/null) || fail "build exited $?"
for k in n within_5pct within_10pct rmse_ms kendall_tau stem_ms head_ms overhead_ms; do
    [ -n "$(json_field "$r" $k)" ] || fail "build: no key $k in $r"
done
expect_eq "build n" "$(json_field "$r" n)" 4
expect_eq "build threads" "$(json_field "$r" threads)" 1
grep -q '^kind: table$' "$TMP/tiny.yaml" || fail "table kind"
grep -q '^threads: 1$' "$TMP/tiny.yaml" || fail "table threads"
grep -q '^batch: 1$' "$TMP/tiny.yaml" || fail "table batch"
grep -q '^date: "20' "$TMP/tiny.yaml" || fail "table date"
grep -q '^blas: "OpenBLAS' "$TMP/tiny.yaml" || fail "table blas"
expect_eq "table layers" "$(grep -c '^  - shape:' "$TMP/tiny.yaml")" 4
# check: the space comes from the table
r=$($ONESHOT latency check --lut "$TMP/tiny.yaml" --archs 3 --repeats 3 --warmup 1 --json 2>/dev/null) || fail "check exited $?"
for k in within_5pct within_10pct rmse_ms kendall_tau n; do
    [ -n "$(json_field "$r" $k)" ] || fail "check: no key $k in $r"
done
expect_eq "check n" "$(json_field "$r" n)" 3
expect_eq "check space" "$(json_field "$r" space)" '"tiny"'
$ONESHOT latency check --lut "$TMP/tiny.yaml" --archs 2 --repeats 2 --warmup 0 2>/dev/null | grep -q '^  within +-5%: ' || fail "check text"
# predictions: the JSON sum equals the layers plus the fixed part of the table
r=$($ONESHOT latency predict --space tiny --device "$TMP/tiny.yaml" --arch k3e2-k5e4-k7e6-k3e2 --json)
expect_eq "predict macs" "$(json_field "$r" macs)" "$($ONESHOT info --space tiny --arch k3e2-k5e4-k7e6-k3e2 --json | grep -o '"macs": [0-9]*' | sed 's/.*: //')"
# a table of another space: exit 1, the file's line and column, both spaces named
line=$(grep -n '^  stem: \[' "$TMP/tiny.yaml" | head -n 1 | cut -d: -f1)
err=$($ONESHOT latency check --lut "$TMP/tiny.yaml" --space fmnist --archs 2 2>&1 >/dev/null); rc=$?
expect_eq "other space status" $rc 1
expect_eq "other space" "$err" "oneshot: $TMP/tiny.yaml:$line:9: error: space.stem: [8, 3, 2] in the table, [16, 3, 2] in space fmnist (the table is for space tiny)"
# the shipped device models, by name; a model cannot be checked on this machine
r=$($ONESHOT latency predict --space fmnist-se --device mobile-gpu --arch k3e3s-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3 --json)
expect_eq "model origin" "$(json_field "$r" origin)" '"model"'
$ONESHOT latency predict --space fmnist-se --device mobile-cpu --arch k3e3s-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3 | grep -q 'a model, not a measurement' || fail "model label"
r=$($ONESHOT latency compare --lut "$TMP/tiny.yaml" --device mobile-gpu --archs 20 --examples 1 --json)
expect_eq "compare n" "$(json_field "$r" n)" 20
[ -n "$(json_field "$r" kendall_tau)" ] || fail "compare: no kendall_tau in $r"
err=$($ONESHOT latency check --lut devices/mobile-gpu.yaml --space tiny --archs 2 2>&1 >/dev/null); rc=$?
expect_eq "check a model status" $rc 1
expect_eq "check a model" "$err" "oneshot: devices/mobile-gpu.yaml: error: a device model (mobile-gpu) cannot be checked on this machine"
err=$($ONESHOT latency predict --device tpu --arch $K3E3 2>&1 >/dev/null); rc=$?
expect_eq "unknown device status" $rc 1
expect_eq "unknown device" "$err" "oneshot: error: unknown device 'tpu' (host, mobile-gpu, mobile-cpu, or a path to a table or device model)"
err=$($ONESHOT latency build --space tiny 2>&1 >/dev/null); rc=$?
expect_eq "no --out status" $rc 2
err=$($ONESHOT latency frob 2>&1 >/dev/null); rc=$?
expect_eq "unknown subcommand status" $rc 2
exit 0
