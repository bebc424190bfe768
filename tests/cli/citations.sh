# The repository cites only files it has: a reader of the source has
# nothing else.
#   1. Anywhere in the tracked files: none of the names of the notes that
#      were kept outside the repository when the project started (the space's
#      specification, the notes on the papers, the directory that held them;
#      spaces/README.md, bench/torch_ref.py and the papers themselves took
#      their place), and the PyTorch yardstick is named bench/torch_ref.py
#      (outside bench/ itself).
#   2. In the documents (*.md, man pages) and in the comments of code,
#      scripts and experiments: every path under one of the repository's
#      top-level directories (spaces/README.md, lua/nsga2.lua) names a file
#      or directory the repository holds, or one git ignores (an output,
#      such as examples/runs/quick); every NAME.md and every *.py named
#      alone is a file of the repository.  A placeholder in capitals
#      (spaces/NAME.truth.csv, tests/fuzz/fuzz_NAME.c) and a glob are not
#      paths; a program built from its C file (tests/fuzz/fuzz_ckpt) is.
. "$(dirname "$0")/lib.inc"
command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    skip "not a git work tree (the test reads the tracked files)"
self=tests/cli/citations.sh
git ls-files > "$TMP/files"
grep -q '^src/space\.c$' "$TMP/files" || fail "git ls-files does not list src/space.c: run from the top of the source tree"
problems="$TMP/problems"
: > "$problems"

# 1. names that must not appear at all
git grep -nI -e 'SPACE\.md' -e 'METHODS\.md' -e '\.\./shared' -e '/work/' -- . ":!$self" >> "$problems"
git grep -nI 'torch_ref\.py' -- . ':!bench/*' ":!$self" | grep -v 'bench/torch_ref\.py' >> "$problems"

# 2. the documents and the comments: "KIND<TAB>FILE:LINE<TAB>TEXT" for each
# path under a top-level directory (KIND path) and each NAME.md or *.py
# named alone (KIND name)
dirs=$(sed -n 's|^\([A-Za-z0-9_-]*\)/.*|\1|p' "$TMP/files" | sort -u | paste -sd'|' -)
[ -n "$dirs" ] || fail "no top-level directories among the tracked files"
grep -v -x -F "$self" "$TMP/files" | while read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done |
    xargs -d "\n" awk -v dirs="$dirs" '
    function mode(f) {
        if (f ~ /\.md$/ || f ~ /^man\//) return "doc"
        if (f ~ /\.[ch]$/) return "c"
        if (f ~ /\.lua$/) return "lua"
        if (f ~ /\.(sh|inc|py|yaml|yml)$/ || f == "Makefile") return "hash"
        return ""
    }
    FNR == 1 { m = mode(FILENAME) }
    m == "" { next }
    m == "c" && $0 !~ /\/\*|^[ \t]*\*|\/\// { next }
    m == "lua" && $0 !~ /--/ { next }
    m == "hash" && $0 !~ /(^|[ \t])#/ { next }
    {
        print "line\t-\t-"
        re = "[^A-Za-z0-9_./-](" dirs ")/[A-Za-z0-9_.*/-]*"
        line = " " $0
        while (match(line, re)) {
            print "path\t" FILENAME ":" FNR "\t" substr(line, RSTART + 1, RLENGTH - 1)
            line = substr(line, RSTART + RLENGTH)
        }
        line = " " $0
        while (match(line, /[^A-Za-z0-9_.\/-]([A-Z][A-Z_]*\.md|[a-z][a-z0-9_]*\.py)([^A-Za-z0-9_]|$)/)) {
            n = substr(line, RSTART + 1, RLENGTH - 1)
            sub(/[^A-Za-z0-9_]$/, "", n)
            print "name\t" FILENAME ":" FNR "\t" n
            line = substr(line, RSTART + RLENGTH)
        }
    }' > "$TMP/cited"
[ "$(grep -c '^line' "$TMP/cited")" -ge 1000 ] || fail "found only $(grep -c '^line' "$TMP/cited") lines of documents and comments"
[ "$(grep -c '^path' "$TMP/cited")" -ge 50 ] || fail "found only $(grep -c '^path' "$TMP/cited") paths in the documents and comments"
# what is cited and missing: "FILE:LINE<TAB>PATH"
awk -F '\t' '
    FILENAME == ARGV[1] {
        files[$0] = 1
        n = split($0, part, "/"); b = part[n]; base[b] = 1
        d = ""
        for (i = 1; i < n; i++) { d = d (i > 1 ? "/" : "") part[i]; dirs[d] = 1 }
        next
    }
    $1 == "path" {
        p = $3
        sub(/[.,:;]+$/, "", p); sub(/\/+$/, "", p)
        if (p ~ /\*/) next                                       # a glob
        if (p !~ /\.md$/ && p ~ /(^|\/|_)[A-Z][A-Z_]+(\/|\.|$)/) next # a placeholder
        if ((p ".c") in files) next           # a program built from its file
        if (!(p in files) && !(p in dirs)) print $2 "\t" p
    }
    $1 == "name" && !($3 in base) { print $2 "\t" $3 }
' "$TMP/files" "$TMP/cited" | sort -u > "$TMP/missing"
# an output the tree makes (git ignores it) may be named
cut -f2 "$TMP/missing" | git check-ignore --stdin > "$TMP/ignored" || true
awk -F '\t' 'FILENAME == ARGV[1] { ign[$0] = 1; next } !($2 in ign) { print $1 ": " $2 " is not in the repository" }' \
    "$TMP/ignored" "$TMP/missing" >> "$problems"

if [ -s "$problems" ]; then
    sort -u "$problems" >&2
    fail "$(sort -u "$problems" | wc -l) citations of files the repository does not have"
fi
exit 0
