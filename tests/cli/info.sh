# oneshot info: exact counts (SPACE.md's table) and errors that name the token.
. "$(dirname "$0")/lib.inc"
out=$($ONESHOT info --arch $K3E3 --json)
expect_eq "k3e3 json" "$out" '{"arch": "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3", "space": "fmnist", "params": 149642, "macs": 3524800}'
out=$($ONESHOT info --space fmnist-se-skip --arch k5e6s-k3e3-k7e3s-k5e6-k3e6s-k3e3-k5e3-k7e6s-k3e6-skip-k5e6s-k3e3 --json)
expect_eq "mixed params" "$(json_field "$out" params)" 328878
expect_eq "mixed macs" "$(json_field "$out" macs)" 5609872
out=$($ONESHOT info --arch $K3E3)
printf '%s\n' "$out" | grep -q '^total: 149642 parameters, 3524800 multiply-adds$' || fail "table total: $out"
# a bad token: exit 1, file:line:col error naming the token
err=$($ONESHOT info --arch k3e3-k3e3-k9e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3 2>&1 >/dev/null); rc=$?
expect_eq "bad token status" $rc 1
expect_eq "bad token" "$err" "oneshot: --arch:1:11: error: layer 3: unknown choice 'k9e3' (choices here: k3e3 k3e6 k5e3 k5e6 k7e3 k7e6)"
# an unknown option: exit 2 with a suggestion
err=$($ONESHOT info --arc $K3E3 2>&1 >/dev/null); rc=$?
expect_eq "unknown option status" $rc 2
printf '%s\n' "$err" | head -n 1 | grep -qx "oneshot info: error: unknown option '--arc' (did you mean --arch?)" || fail "suggestion: $err"
err=$($ONESHOT frobnicate 2>&1 >/dev/null); rc=$?
expect_eq "unknown command status" $rc 2
# a space file gives the same counts as the built-in space of that name
for sp in fmnist fmnist-skip tiny; do
    case $sp in
        tiny) a=k3e2-k5e4-k7e6-k3e2;;
        fmnist-skip) a=skip-skip-k3e3-skip-skip-k3e3-skip-skip-k3e3-skip-skip-skip;;
        *) a=$K3E3;;
    esac
    expect_eq "space file $sp" "$($ONESHOT info --space spaces/$sp.lua --arch $a --json)" "$($ONESHOT info --space $sp --arch $a --json)"
done
err=$($ONESHOT info --space "$TMP/none.lua" --arch $K3E3 2>&1 >/dev/null)
expect_eq "missing space" "$err" "oneshot: $TMP/none.lua: error: neither a built-in space (fmnist, fmnist-se, fmnist-skip, fmnist-se-skip, tiny) nor a space file: No such file or directory"
line=$(grep -n 'stem *=' spaces/tiny.lua | head -n 1 | cut -d: -f1)
sed "${line}s/channels/chanels/" spaces/tiny.lua > "$TMP/bad.lua"
err=$($ONESHOT info --space "$TMP/bad.lua" --arch k3e2-k5e4-k7e6-k3e2 2>&1 >/dev/null)
printf '%s\n' "$err" | grep -q "^oneshot: $TMP/bad.lua:$line:[0-9]*: error: unknown key 'chanels' in stem (did you mean 'channels'?)" || fail "bad space file: $err"
# oneshot space: size and extremes (SPACE.md's smallest and largest rows)
out=$($ONESHOT space spaces/fmnist-skip.lua --json)
expect_eq "space architectures" "$(json_field "$out" architectures)" 8716379112
expect_eq "space min_macs" "$(json_field "$out" min_macs)" 746800
expect_eq "space min_params" "$(json_field "$out" min_params)" 32298
expect_eq "space max_macs" "$(json_field "$out" max_macs)" 10437184
out=$($ONESHOT space fmnist-se --json)
expect_eq "se max_params" "$(json_field "$out" max_params)" 747842
expect_eq "se max_macs" "$(json_field "$out" max_macs)" 10789696
expect_eq "tiny count" "$(json_field "$($ONESHOT space spaces/tiny.lua --json)" architectures)" 81
$ONESHOT space tiny | grep -q '^a sampled architecture (seed 0)' || fail "space drawing"
exit 0
