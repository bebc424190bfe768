# The manual pages against the program, both ways:
#   oneshot(1): every option a command's --help lists is documented under
#     that command (in COMMANDS), every option COMMANDS or the SYNOPSIS gives
#     a command exists in its --help, every command has an entry and a
#     SYNOPSIS line, and the usage lines of the --help texts name only
#     options of their commands;
#   oneshot(1), DEVICE FILES: the keys of latency tables and device models
#     are those src/latency.c accepts;
#   oneshot.yaml(5): the keys of each section are those the experiment
#     loader accepts (the *_keys tables of src/experiment.c);
#   oneshot-lua(7): the keys of a space file are those the space loader
#     accepts (the *_keys tables of lua/luaspace.c); the functions the Lua
#     bindings install (lua/*.c) are documented, and every function the page
#     documents is installed.
# Each mismatch is listed; the test fails if there is any.  mandoc -Tlint is
# tests/cli/manlint.sh (skipped where mandoc is not installed).
. "$(dirname "$0")/lib.inc"
for f in man/oneshot.1 man/oneshot.yaml.5 man/oneshot-lua.7 src/experiment.c src/latency.c lua/luaspace.c; do
    [ -r "$f" ] || fail "$f: not found (run from the top of the source tree)"
done
problems="$TMP/problems"
: > "$problems"
problem() { echo "$*" >> "$problems"; }
# key_tables FILE [SUFFIX]: "TABLE<TAB>KEY" for the loader's key tables in
# FILE, static const char *const TABLE_keys[] = {"a", ..., NULL} (another
# SUFFIX than _keys: TABLE_names[...])
key_tables() {
    awk -v suffix="${2:-_keys}" '$0 ~ "^static const char \\*const [a-z]+" suffix "\\[[A-Z_ +0-9]*\\] = \\{" {
             name = $0; sub(/^static const char \*const /, "", name); sub(suffix ".*", "", name); on = 1
         }
         on {
             line = $0
             while (match(line, /"[a-z_]+"/)) { print name "\t" substr(line, RSTART + 1, RLENGTH - 2); line = substr(line, RSTART + RLENGTH) }
             if ($0 ~ /NULL *\};/) on = 0
         }' "$1" | sort -u
}

# ---- oneshot(1) against --help
# commands: "oneshot --help" lists them, "latency build|check|..." as one line
$ONESHOT --help > "$TMP/help" || fail "oneshot --help exited $?"
awk '/^commands:/ { on = 1; next }
     on && /^$/ { on = 0 }
     on && /^  [a-z]/ {
         if ($2 ~ /^[a-z|]+$/ && $2 ~ /\|/) {
             n = split($2, sub_, "|")
             for (i = 1; i <= n; i++) print $1 " " sub_[i]
         } else print $1
     }' "$TMP/help" | sort -u > "$TMP/commands"
[ "$(wc -l < "$TMP/commands")" -ge 10 ] || fail "found only these commands in oneshot --help: $(tr '\n' ' ' < "$TMP/commands")"
grep -qx 'latency build' "$TMP/commands" || fail "no 'latency build' among the commands of oneshot --help"

# usage_options FILE: "COMMAND<TAB>OPTION" for each option a usage line
# ("oneshot CMD [SUB] ... --opt ...") or a line of the command list names
usage_options() {
    awk '{
        line = $0
        if (line ~ /^(usage:)? *oneshot [a-z]/) sub(/^(usage:)? *oneshot /, "", line)
        else if (!(line ~ /^  [a-z]/ && listing)) { if (line ~ /^commands:/) listing = 1; next }
        n = split(line, w, " ")
        cmd = ""
        for (i = 1; i <= n && w[i] ~ /^[a-z]+$/; i++) cmd = cmd (cmd == "" ? "" : " ") w[i]
        for (; i <= n; i++)
            if (match(w[i], /--[a-z][a-z0-9-]*/)) print cmd "\t" substr(w[i], RSTART + 2, RLENGTH - 2)
    }' "$1"
}
usage_options "$TMP/help" > "$TMP/usage"

: > "$TMP/help_opts"
while read -r cmd; do
    # shellcheck disable=SC2086 # "latency build" is two words
    $ONESHOT $cmd --help > "$TMP/h" 2>&1 || problem "oneshot $cmd --help: exit status $?"
    awk -v c="$cmd" '/^options:/ { on = 1; next } on && /^  --/ { print c "\t" substr($1, 3) }' "$TMP/h" >> "$TMP/help_opts"
    usage_options "$TMP/h" >> "$TMP/usage"
done < "$TMP/commands"
[ "$(wc -l < "$TMP/help_opts")" -ge 50 ] || fail "found only $(wc -l < "$TMP/help_opts") options in the --help texts"
sort -u -o "$TMP/help_opts" "$TMP/help_opts"

# The usage lines of the --help texts name options of their own command
# ("oneshot run --resume DIR" needs --resume among run's options).  The
# usage of "latency" alone names its subcommands' options.
sort -u "$TMP/usage" | while IFS="$(printf '\t')" read -r cmd opt; do
    grep -qxF "$cmd	$opt" "$TMP/help_opts" ||
        problem "oneshot --help or $cmd --help: a usage line gives '$cmd' the option --$opt, which its --help does not list"
done

# man_options SECTION: "COMMAND<TAB>OPTION" for every option (\-name) on a
# macro line of the section.  In COMMANDS an item of the outer list that
# starts with Cm opens a command's entry ("latency build"); the items that
# follow, nested lists and outer items such as ".It Fl \-reload", belong to
# it.  In the SYNOPSIS a .Nm line starts a form and .Cm names its command.
# An option on a .Nm line (".Nm Fl \-version") is the program's, not a
# command's.  Commands with no option print "COMMAND<TAB>" once.
man_options() {
    awk -v want="$1" '
    /^\.Sh / { insec = ($0 == ".Sh " want); cmd = ""; next }
    !insec { next }
    want == "COMMANDS" && /^\.Bl/ { depth++; next }
    want == "COMMANDS" && /^\.El/ { depth--; next }
    want == "COMMANDS" && depth == 1 && /^\.It Cm / { cmd = words(3); print cmd "\t" }
    want == "SYNOPSIS" && /^\.Nm/ { cmd = ""; next }
    want == "SYNOPSIS" && /^\.Cm / { cmd = words(2); print cmd "\t" }
    cmd != "" && /^\./ && !/^\.Nm/ {
        line = $0
        while (match(line, /\\-[a-z][a-z0-9-]*/)) {
            print cmd "\t" substr(line, RSTART + 2, RLENGTH - 2)
            line = substr(line, RSTART + RLENGTH)
        }
    }
    function words(from,   i, s) {
        s = ""
        for (i = from; i <= NF && $i ~ /^[a-z]+$/; i++) s = s (s == "" ? "" : " ") $i
        return s
    }' man/oneshot.1 | sort -u
}
man_options COMMANDS > "$TMP/man_opts"
man_options SYNOPSIS > "$TMP/syn_opts"
[ "$(wc -l < "$TMP/man_opts")" -ge 50 ] || fail "found only $(wc -l < "$TMP/man_opts") options in the COMMANDS of man/oneshot.1"

while read -r cmd; do
    grep -q "^$cmd	" "$TMP/man_opts" || problem "man/oneshot.1: command '$cmd' has no entry (.It Cm $cmd) in COMMANDS"
    grep -q "^$cmd	" "$TMP/syn_opts" || problem "man/oneshot.1: command '$cmd' is not in the SYNOPSIS"
done < "$TMP/commands"
while IFS="$(printf '\t')" read -r cmd opt; do
    grep -qx "$cmd" "$TMP/commands" || { problem "man/oneshot.1: COMMANDS documents '$cmd', which oneshot --help does not list"; continue; }
    [ -n "$opt" ] || continue
    grep -qxF "$cmd	$opt" "$TMP/help_opts" ||
        problem "man/oneshot.1: COMMANDS documents --$opt for '$cmd', which 'oneshot $cmd --help' does not list"
done < "$TMP/man_opts"
while IFS="$(printf '\t')" read -r cmd opt; do
    [ -n "$opt" ] || continue
    grep -qxF "$cmd	$opt" "$TMP/help_opts" ||
        problem "man/oneshot.1: the SYNOPSIS gives '$cmd' the option --$opt, which 'oneshot $cmd --help' does not list"
done < "$TMP/syn_opts"
while IFS="$(printf '\t')" read -r cmd opt; do
    grep -qxF "$cmd	$opt" "$TMP/man_opts" ||
        problem "man/oneshot.1: --$opt of '$cmd' (in 'oneshot $cmd --help') is not documented under $cmd in COMMANDS"
done < "$TMP/help_opts"

# ---- oneshot(1), DEVICE FILES, against the keys src/latency.c accepts
# The tables: table and model (the top of each kind), space, fixed and layer
# (a table's mappings), op_names (the keys of a model's efficiency).  The
# page: in the subsections Tables and Device models, an item of the outer
# list names one or more keys (".It Cm threads : ... , Cm batch : ...",
# ".It Cm stem , head : ..."); items of a nested list are the keys of the
# outer item's first key.
{ key_tables src/latency.c; key_tables src/latency.c _names | sed 's/^op\t/efficiency\t/'; } |
    sed 's/^layer\t/layers\t/' | sort -u > "$TMP/device_code"
[ "$(wc -l < "$TMP/device_code")" -ge 30 ] || fail "found only $(wc -l < "$TMP/device_code") keys in the tables of src/latency.c"
awk '/^\.Sh / { insec = ($0 == ".Sh DEVICE FILES"); next }
     !insec { next }
     /^\.Ss / { sub_ = ($0 == ".Ss Tables") ? "table" : ($0 == ".Ss Device models") ? "model" : ""; depth = 0; next }
     /^\.Bl/ { depth++; next }
     /^\.El/ { depth--; next }
     sub_ != "" && (depth == 1 || depth == 2) && /^\.It Cm / {
         first = ""
         for (i = 3; i < NF; i++)
             if ($i ~ /^[a-z_]+$/ && ($(i - 1) == "Cm" || $(i - 1) == ",") && ($(i + 1) == "," || $(i + 1) == ":")) {
                 if (first == "") first = $i
                 print (depth == 1 ? sub_ : parent) "\t" $i
             }
         if (depth == 1) parent = first
     }' man/oneshot.1 | sort -u > "$TMP/device_man"
[ "$(wc -l < "$TMP/device_man")" -ge 30 ] || fail "found only $(wc -l < "$TMP/device_man") keys under DEVICE FILES in man/oneshot.1"
comm -23 "$TMP/device_code" "$TMP/device_man" | while IFS="$(printf '\t')" read -r sec key; do
    problem "man/oneshot.1: key '$key' of $sec (src/latency.c) is not documented under DEVICE FILES"
done
comm -13 "$TMP/device_code" "$TMP/device_man" | while IFS="$(printf '\t')" read -r sec key; do
    problem "man/oneshot.1: DEVICE FILES documents key '$key' of $sec, which src/latency.c does not accept"
done

# ---- oneshot.yaml(5) against the keys src/experiment.c accepts
key_tables src/experiment.c > "$TMP/yaml_code"
[ "$(wc -l < "$TMP/yaml_code")" -ge 20 ] || fail "found only $(wc -l < "$TMP/yaml_code") keys in the *_keys tables of src/experiment.c"
# The page: a subsection per section ("Top level" is the top's, "objectives"
# the keys of each objective), an item ".It Cm KEY :" per key.  The top's
# keys are the "Top level" items and the other subsections' names.
awk '/^\.Sh / { insec = ($0 == ".Sh DESCRIPTION"); next }
     !insec { next }
     /^\.Ss / {
         sec = substr($0, 5)
         if (sec == "Top level") sec = "top"
         else { print "top\t" sec; if (sec == "objectives") sec = "objective" }
         depth = 0; next
     }
     /^\.Bl/ { depth++; next }
     /^\.El/ { depth--; next }
     sec != "" && depth == 1 && /^\.It Cm [a-z_]+ :/ { print sec "\t" $3 }' man/oneshot.yaml.5 | sort -u > "$TMP/yaml_man"
[ "$(wc -l < "$TMP/yaml_man")" -ge 20 ] || fail "found only $(wc -l < "$TMP/yaml_man") keys in man/oneshot.yaml.5"
comm -23 "$TMP/yaml_code" "$TMP/yaml_man" | while IFS="$(printf '\t')" read -r sec key; do
    problem "man/oneshot.yaml.5: key '$key' of $sec (${sec}_keys in src/experiment.c) is not documented"
done
comm -13 "$TMP/yaml_code" "$TMP/yaml_man" | while IFS="$(printf '\t')" read -r sec key; do
    problem "man/oneshot.yaml.5: documents key '$key' of $sec, which src/experiment.c (${sec}_keys) does not accept"
done

# ---- oneshot-lua(7), SPACE FILES, against the keys lua/luaspace.c accepts
# The tables: root (the space), input, stem, stage (an item of stages), head,
# choice (a choice written as a table).  The page: the first outer list of
# SPACE FILES holds the space's keys as ".It Va KEY", each with a nested list
# of its own keys; the second outer list holds a choice table's keys.
key_tables lua/luaspace.c | sed 's/^stage	/stages	/' > "$TMP/space_code"
[ "$(wc -l < "$TMP/space_code")" -ge 20 ] || fail "found only $(wc -l < "$TMP/space_code") keys in the *_keys tables of lua/luaspace.c"
awk '/^\.Sh / { insec = ($0 == ".Sh SPACE FILES"); next }
     !insec { next }
     /^\.Bl/ { depth++; if (depth == 1) lists++; next }
     /^\.El/ { depth--; next }
     depth == 1 && /^\.It Va [a-z_]+$/ { item = $3; print (lists == 1 ? "root" : "choice") "\t" item }
     depth == 2 && lists == 1 && /^\.It Va [a-z_]+$/ { print item "\t" $3 }' man/oneshot-lua.7 | sort -u > "$TMP/space_man"
[ "$(wc -l < "$TMP/space_man")" -ge 20 ] || fail "found only $(wc -l < "$TMP/space_man") keys under SPACE FILES in man/oneshot-lua.7"
comm -23 "$TMP/space_code" "$TMP/space_man" | while IFS="$(printf '\t')" read -r sec key; do
    problem "man/oneshot-lua.7: key '$key' of a space file's $sec (lua/luaspace.c) is not documented under SPACE FILES"
done
comm -13 "$TMP/space_code" "$TMP/space_man" | while IFS="$(printf '\t')" read -r sec key; do
    problem "man/oneshot-lua.7: SPACE FILES documents key '$key' of $sec, which lua/luaspace.c does not accept"
done

# ---- oneshot-lua(7) against what lua/*.c installs into a script's state
# Installed: the entries of each luaL_Reg table; a C function stored with
# lua_setfield(L, -2, "N") right after lua_pushcfunction (into the table the
# last lua_getglobal fetched) or with lua_setglobal; a standard function
# replaced by wrap(L, "N", f).
for f in lua/*.c; do
    awk -v file="$(basename "$f")" '
    /luaL_Reg [a-z_]+\[\] = \{/ { arr = $0; sub(/.*luaL_Reg /, "", arr); sub(/\[.*/, "", arr); on = 1 }
    on {
        line = $0
        while (match(line, /\{"[A-Za-z_]+",/)) { print "reg\t" file ":" arr "\t" substr(line, RSTART + 2, RLENGTH - 4); line = substr(line, RSTART + RLENGTH) }
        if ($0 ~ /\{NULL, NULL\}/) on = 0
    }
    /lua_getglobal\(L, "[a-z_]+"\)/ { t = $0; sub(/.*lua_getglobal\(L, "/, "", t); sub(/".*/, "", t); tbl = t }
    /lua_pushglobaltable\(L\)/ { tbl = "" }
    pushed && /lua_setfield\(L, -2, "[a-z_]+"\)/ { n = $0; sub(/.*lua_setfield\(L, -2, "/, "", n); sub(/".*/, "", n); print "std\t" file "\t" (tbl == "" ? "" : tbl ".") n }
    pushed && /lua_setglobal\(L, "[a-z_]+"\)/ { n = $0; sub(/.*lua_setglobal\(L, "/, "", n); sub(/".*/, "", n); print "std\t" file "\t" n }
    { pushed = ($0 ~ /lua_pushc(function|closure)\(/) }
    /[^_a-z]wrap\(L, "[a-z_]+", / { n = $0; sub(/.*wrap\(L, "/, "", n); sub(/".*/, "", n); print "std\t" file "\t" (tbl == "" ? "" : tbl ".") n }
    ' "$f"
done > "$TMP/lua_code"
[ "$(wc -l < "$TMP/lua_code")" -ge 20 ] || fail "found only $(wc -l < "$TMP/lua_code") functions in lua/*.c"
# The page's reference: the .It items of THE ONESHOT MODULE, each function as
# "Fn NAME"; all of the page for the standard functions the sandbox changes.
awk '/^\.Sh / { insec = ($0 == ".Sh THE ONESHOT MODULE"); next }
     insec && /^\.It / { for (i = 2; i < NF; i++) if ($i == "Fn") print $(i + 1) }' man/oneshot-lua.7 | sort -u > "$TMP/lua_items"
grep -o 'Fn [A-Za-z_.:]*' man/oneshot-lua.7 | cut -c4- | sort -u > "$TMP/lua_named"
lua_item() { grep -qxF "$1" "$TMP/lua_items"; }
# the metamethods of an architecture, and how the page shows each
meta_doc() {
    case $1 in
        __index) grep -q '^\.It Li a\[i\]' man/oneshot-lua.7;;
        __newindex) grep -q 'immutable' man/oneshot-lua.7;;
        __tostring) lua_item tostring;;
        __len) grep -q '^\.It Li #a' man/oneshot-lua.7;;
        __eq) grep -q '^\.Ql ==' man/oneshot-lua.7;;
        *) return 2;;
    esac
}
: > "$TMP/lua_installed"
while IFS="$(printf '\t')" read -r kind where name; do
    case "$kind $where" in
        "reg luaarch.c:funcs" | "reg luasearch.c:search_funcs") full=oneshot.$name;;
        "reg luaarch.c:methods") full=a:$name;;
        "reg luaarch.c:meta")
            meta_doc "$name"
            case $? in
                0) ;;
                1) problem "man/oneshot-lua.7: the architecture metamethod $name is not documented";;
                *) problem "tests/cli/manpage.sh: does not know how the page shows the metamethod $name (lua/luaarch.c); add it to meta_doc";;
            esac
            [ "$name" = __tostring ] && echo tostring >> "$TMP/lua_installed"
            continue;;
        "reg luanao.c:methods") full=c:$name;;
        "reg luanao.c:meta") continue;; # __gc, __close, __tostring of a controller
        "std luanao.c") # the functions of the oneshot.nao table it makes
            name=oneshot.nao.${name#oneshot.}
            echo "$name" >> "$TMP/lua_installed"
            lua_item "$name" || problem "man/oneshot-lua.7: $name (lua/luanao.c) has no item (.It Fn $name) in THE ONESHOT MODULE"
            continue;;
        "std "*) echo "$name" >> "$TMP/lua_installed"
            case $name in
                math.* | print) lua_item "$name" || problem "man/oneshot-lua.7: $name (lua/*.c) has no item in THE ONESHOT MODULE";;
                *) grep -qxF "$name" "$TMP/lua_named" || problem "man/oneshot-lua.7: $name, which the sandbox (lua/*.c) replaces, is not named (.Fn $name)";;
            esac
            continue;;
        *) problem "tests/cli/manpage.sh: does not know where the functions of luaL_Reg $where go; add the table to it"; continue;;
    esac
    echo "$full" >> "$TMP/lua_installed"
    lua_item "$full" || problem "man/oneshot-lua.7: $full (lua/$where) has no item (.It Fn $full) in THE ONESHOT MODULE"
done < "$TMP/lua_code"
while read -r name; do
    grep -qxF "$name" "$TMP/lua_installed" ||
        problem "man/oneshot-lua.7: documents $name, which lua/*.c does not install"
done < "$TMP/lua_items"

if [ -s "$problems" ]; then
    sort -u "$problems" >&2
    fail "$(sort -u "$problems" | wc -l) mismatches between the manual pages and the program"
fi
exit 0
