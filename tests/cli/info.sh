# oneshot info: exact counts (the reference figures of the fmnist spaces,
# tests/data/fmnist-reference.txt, which says where they come from) and
# errors that name the token.
. "$(dirname "$0")/lib.inc"
ref=tests/data/fmnist-reference.txt
[ -r $ref ] || fail "$ref: not found"
# ref_cost ARCH: "PARAMS MACS" of ARCH's cost line
ref_cost() { awk -v a="$1" '$1 == "cost" && $3 == a { print $4, $5; exit }' $ref; }
n=0
while read -r _ sp arch params macs; do
    out=$($ONESHOT info --space "$sp" --arch "$arch" --json) || fail "info --space $sp --arch $arch exited $?"
    expect_eq "$arch params" "$(json_field "$out" params)" "$params"
    expect_eq "$arch macs" "$(json_field "$out" macs)" "$macs"
    n=$((n + 1))
done < <(grep '^cost ' $ref)
[ $n -ge 5 ] || fail "$ref: $n cost lines, expected at least 5"
read -r params macs <<< "$(ref_cost $K3E3)"
[ -n "$macs" ] || fail "$ref: no cost line for $K3E3"
out=$($ONESHOT info --arch $K3E3 --json)
expect_eq "k3e3 json" "$out" "{\"arch\": \"$K3E3\", \"space\": \"fmnist\", \"params\": $params, \"macs\": $macs}"
out=$($ONESHOT info --arch $K3E3)
printf '%s\n' "$out" | grep -q "^total: $params parameters, $macs multiply-adds\$" || fail "table total: $out"
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
# oneshot space: size (6^3 x 7^9: skip is allowed at 9 of the 12 layers) and
# extremes (the extreme lines of the reference figures)
out=$($ONESHOT space spaces/fmnist-skip.lua --json)
expect_eq "space architectures" "$(json_field "$out" architectures)" 8716379112
n=0
while read -r _ sp which arch; do
    [ "$which" = smallest ] && m=min || m=max
    read -r params macs <<< "$(ref_cost "$arch")"
    [ -n "$macs" ] || fail "$ref: no cost line for the $which of $sp"
    out=$($ONESHOT space "$sp" --json)
    expect_eq "$sp $which" "$(json_field "$out" $which)" "\"$arch\""
    expect_eq "$sp ${m}_params" "$(json_field "$out" ${m}_params)" "$params"
    expect_eq "$sp ${m}_macs" "$(json_field "$out" ${m}_macs)" "$macs"
    n=$((n + 1))
done < <(grep '^extreme ' $ref)
[ $n -ge 3 ] || fail "$ref: $n extreme lines, expected at least 3"
expect_eq "tiny count" "$(json_field "$($ONESHOT space spaces/tiny.lua --json)" architectures)" 81
$ONESHOT space tiny | grep -q '^a sampled architecture (seed 0)' || fail "space drawing"
exit 0
