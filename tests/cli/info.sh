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
exit 0
