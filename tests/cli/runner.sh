# tests/run.sh counts what it runs: a skipped test (a unit test's
# check_skip, a CLI script's exit 77) is counted as skipped, never passed; a
# failure as failed; a binary without a summary as failed.
. "$(dirname "$0")/lib.inc"
mkdir -p "$TMP/b/tests"
cat > "$TMP/b/tests/test_fake" <<'SH'
#!/bin/sh
echo "ok   one"
echo "skip two: no data"
echo "# 1 passed, 0 failed, 1 skipped"
SH
printf '#!/bin/sh\necho crash\nexit 3\n' > "$TMP/b/tests/test_nosummary"
chmod +x "$TMP/b/tests/test_fake" "$TMP/b/tests/test_nosummary"
printf 'exit 0\n' > "$TMP/pass.sh"
printf 'echo "SKIP: no tmux" >&2; exit 77\n' > "$TMP/skip.sh"
printf 'echo broken; exit 1\n' > "$TMP/fail.sh"
out=$(tests/run.sh "$TMP/b" --unit-only fake "$TMP/pass.sh" "$TMP/skip.sh" "$TMP/fail.sh")
expect_eq "status with a failure" $? 1
expect_eq "the last line" "$(printf '%s\n' "$out" | tail -n 1)" "2 passed, 2 failed, 2 skipped"
printf '%s\n' "$out" | grep -q "^SKIP: no tmux$" || fail "the skip's reason is not shown: $out"
printf '%s\n' "$out" | grep -q "FAIL test_nosummary: exited 3 without a summary" || fail "no summary: $out"
rm "$TMP/b/tests/test_nosummary" "$TMP/fail.sh"
out=$(tests/run.sh "$TMP/b" --unit-only fake "$TMP/pass.sh" "$TMP/skip.sh") || fail "status without a failure: $out"
expect_eq "the last line" "$(printf '%s\n' "$out" | tail -n 1)" "2 passed, 0 failed, 2 skipped"
exit 0
