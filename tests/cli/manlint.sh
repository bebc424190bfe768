# The manual pages are mandoc -Tlint clean (style messages included), but for
# the cross-references between oneshot's own pages, which are not installed
# while the tests run.  Skipped where mandoc is not installed.
. "$(dirname "$0")/lib.inc"
need_cmd mandoc
mandoc -Tlint -Wstyle man/oneshot.1 man/oneshot.yaml.5 man/oneshot-lua.7 man/oneshot-tutorial.7 > "$TMP/lint" 2>&1
grep -v 'STYLE: referenced manual not found: Xr oneshot\(\.yaml\|-lua\|-tutorial\)\? [157]\( (.*)\)\?$' "$TMP/lint" > "$TMP/left"
[ -s "$TMP/left" ] && fail "mandoc -Tlint: $(cat "$TMP/left")"
exit 0
