# The layers of ARCHITECTURE.md, read off the #include lines: src/ (the
# engine) includes only its own headers and the C and system libraries'
# (no Lua, no curses, and MPI only in src/par_mpi.c); lua/ adds Lua; exp/ (the experiment layer) adds lua/'s
# C headers, never Lua's own, ui/'s or curses; only ui/ includes curses.  The
# Makefile compiles each layer with only its own include paths; this says
# which line is wrong when one slips through (a relative path, a system one).
. "$(dirname "$0")/lib.inc"
bad=""
check() { # DIR PATTERN WHY
    local hits
    hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]($2)" "$1"/*.[ch] 2>/dev/null)
    [ -z "$hits" ] || bad="$bad
$3:
$hits"
}
ui_headers=$(cd ui && ls *.h | sed 's/\./\\./g' | paste -sd'|')
exp_headers=$(cd exp && ls *.h | sed 's/\./\\./g' | paste -sd'|')
lua_headers=$(cd lua && ls *.h | sed 's/\./\\./g' | paste -sd'|')
check src "lua\.h|lauxlib\.h|lualib\.h|n?curses[w]?\.h|ncursesw/|$lua_headers|$exp_headers|$ui_headers|\.\./" "src/ includes Lua, curses or a header of another layer"
check lua "n?curses[w]?\.h|ncursesw/|$exp_headers|$ui_headers|\.\./" "lua/ includes curses or a header of exp/ or ui/"
check exp "lua\.h|lauxlib\.h|lualib\.h|n?curses[w]?\.h|ncursesw/|$ui_headers|\.\./" "exp/ includes Lua itself, curses or a header of ui/"
check tests/../ui "lua\.h|lauxlib\.h|lualib\.h" "ui/ includes Lua itself (it goes through lua/)"
# MPI only in src/par_mpi.c (`make MPI=1`): nothing else knows it is there
hits=$(grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]mpi\.h' src/*.[ch] lua/*.[ch] exp/*.[ch] ui/*.[ch] | grep -vx src/par_mpi.c)
[ -z "$hits" ] || bad="$bad
mpi.h outside src/par_mpi.c:
$hits"
[ -z "$bad" ] || fail "layers crossed:$bad"
# and the Makefile compiles the engine with -Isrc alone
grep -q '^ENGINE_CFLAGS = .* -Isrc \$(CFLAGS)$' Makefile || fail "src/ is not compiled with -Isrc alone"
exit 0
