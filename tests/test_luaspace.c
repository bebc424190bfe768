/* Tests of lua/luaspace.c and of lua/luatext.c through it: the shipped
 * space files equal the built-in spaces, the sandbox stops scripts that
 * misbehave, and every error reads `path:line[:col]: error: ...` with the
 * right position.  Run from the
 * repository root (make check does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "luaspace.h"
#include "space.h"

static void same_space(const struct space *a, const struct space *b)
{
    CHECK_STR(a->name, b->name);
    CHECK_EQ_INT(a->in_c, b->in_c);
    CHECK_EQ_INT(a->in_h, b->in_h);
    CHECK_EQ_INT(a->in_w, b->in_w);
    CHECK_EQ_INT(a->classes, b->classes);
    CHECK_EQ_INT(a->stem_c, b->stem_c);
    CHECK_EQ_INT(a->stem_k, b->stem_k);
    CHECK_EQ_INT(a->stem_stride, b->stem_stride);
    CHECK_EQ_INT(a->stem_act, b->stem_act);
    CHECK_EQ_INT(a->nstages, b->nstages);
    for (int i = 0; i < SPACE_MAX_STAGES; i++) {
        CHECK_EQ_INT(a->stages[i].cout, b->stages[i].cout);
        CHECK_EQ_INT(a->stages[i].layers, b->stages[i].layers);
        CHECK_EQ_INT(a->stages[i].stride, b->stages[i].stride);
    }
    CHECK_EQ_INT(a->head_c, b->head_c);
    CHECK_EQ_INT(a->head_act, b->head_act);
    CHECK_EQ_INT(a->nchoices, b->nchoices);
    for (int c = 0; c < a->nchoices && c < b->nchoices; c++) {
        const struct choice *x = &a->choices[c], *y = &b->choices[c];
        CHECK_STR(x->name, y->name);
        CHECK_EQ_INT(x->skip, y->skip);
        CHECK_EQ_INT(x->k, y->k);
        CHECK_EQ_INT(x->e, y->e);
        CHECK_EQ_INT(x->se, y->se);
        CHECK_EQ_INT(x->act, y->act);
    }
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        CHECK_EQ_INT(a->allowed[l], b->allowed[l]);
    CHECK_EQ_INT(a->nlayers, b->nlayers);
    CHECK_NEAR(space_count(a), space_count(b), 0.5);
}

static void same_cost(const struct space *a, const struct space *b, const char *arch)
{
    struct arch x, y;
    struct err e;
    if (!CHECK(arch_parse(a, arch, "t", &x, &e) == 0) ||
        !CHECK(arch_parse(b, arch, "t", &y, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    struct cost cx = arch_cost(a, &x), cy = arch_cost(b, &y);
    CHECK_EQ_INT(cx.params, cy.params);
    CHECK_EQ_INT(cx.macs, cy.macs);
}

static int load_file(struct space *s, const char *path)
{
    struct err e;
    if (!CHECK(luaspace_load(s, path, &e) == 0)) {
        printf("  %s\n", e.msg);
        return -1;
    }
    return 0;
}

static void test_fmnist_file(void)
{
    struct space s, b;
    space_fmnist_variant(&b, 0, 0);
    if (load_file(&s, "spaces/fmnist.lua") < 0)
        return;
    same_space(&s, &b);
    same_cost(&s, &b, "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3");
    same_cost(&s, &b, "k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6");
    same_cost(&s, &b, "k5e6-k3e3-k7e3-k5e6-k3e6-k3e3-k5e3-k7e6-k3e6-k5e6-k5e6-k3e3");
}

static void test_fmnist_se_file(void)
{
    struct space s, b;
    space_fmnist_variant(&b, 1, 0);
    if (load_file(&s, "spaces/fmnist-se.lua") < 0)
        return;
    CHECK_EQ_INT(s.nchoices, 12);
    same_space(&s, &b);
    same_cost(&s, &b, "k7e6s-k7e6s-k7e6s-k7e6s-k7e6s-k7e6s-k7e6s-k7e6s-k7e6s-k7e6s-k7e6s-k7e6s");
    same_cost(&s, &b, "k5e6s-k3e3-k7e3s-k5e6-k3e6s-k3e3-k5e3-k7e6s-k3e6-k3e3s-k5e6s-k3e3");
}

static void test_fmnist_skip_file(void)
{
    struct space s, b;
    space_fmnist_variant(&b, 0, 1);
    if (load_file(&s, "spaces/fmnist-skip.lua") < 0)
        return;
    CHECK_EQ_INT(s.nchoices, 7);
    same_space(&s, &b);
    same_cost(&s, &b, "skip-skip-k3e3-skip-skip-k3e3-skip-skip-k3e3-skip-skip-skip");
    same_cost(&s, &b, "k3e3-skip-k5e6-k7e3-skip-k3e6-skip-k5e3-k7e6-k3e3-skip-k5e6");
}

static void test_tiny_file(void)
{
    struct space s, b;
    space_tiny(&b);
    if (load_file(&s, "spaces/tiny.lua") < 0)
        return;
    same_space(&s, &b);
    CHECK_NEAR(space_count(&s), 81.0, 0.5);
    same_cost(&s, &b, "k3e2-k3e2-k3e2-k3e2");
    same_cost(&s, &b, "k7e6-k5e4-k3e2-k7e6");
}

/* A valid space; the error tests replace one of its lines. */
static const char *base_space =
    "return {\n"                                                          /* 1 */
    "  name = \"t\",\n"                                                   /* 2 */
    "  input = {channels = 1, height = 28, width = 28},\n"                /* 3 */
    "  classes = 10,\n"                                                   /* 4 */
    "  stem = {channels = 16, kernel = 3, stride = 2, act = \"relu\"},\n" /* 5 */
    "  stages = {\n"                                                      /* 6 */
    "    {channels = 16, layers = 2, stride = 1},\n"                      /* 7 */
    "    {channels = 24, layers = 3, stride = 2},\n"                      /* 8 */
    "  },\n"                                                              /* 9 */
    "  choices = {\"k3e3\", \"k5e6\"},\n"                                 /* 10 */
    "  head = {channels = 128, act = \"relu\"},\n"                        /* 11 */
    "}\n";                                                                /* 12 */

/* Loads text as the file "t.lua" and expects the error want. */
static void load_error(const char *text, const char *want)
{
    struct space s, before;
    struct err e;
    memset(&s, 0x5a, sizeof s);
    memset(&before, 0x5a, sizeof before);
    if (CHECK(luaspace_load_buffer(&s, text, strlen(text), "t.lua", &e) == -1))
        CHECK_STR(e.msg, want);
    CHECK(memcmp(&s, &before, sizeof s) == 0); /* untouched on error */
}

static int load_ok(struct space *s, const char *text)
{
    struct err e;
    if (!CHECK(luaspace_load_buffer(s, text, strlen(text), "t.lua", &e) == 0)) {
        printf("  %s\n", e.msg);
        return -1;
    }
    return 0;
}

static void test_missing_file(void)
{
    struct space s;
    struct err e;
    CHECK(luaspace_load(&s, "spaces/no-such-space.lua", &e) == -1);
    CHECK_STR(e.msg, "spaces/no-such-space.lua: error: cannot read: No such file or directory");
    CHECK(luaspace_load(&s, "spaces", &e) == -1);
    CHECK_STR(e.msg, "spaces: error: cannot read: Is a directory");
}

static void test_syntax_error(void)
{
    load_error("return {\n  name = 'x',\n  classes = = 3,\n}\n",
               "t.lua:3: error: unexpected symbol near '='");
    load_error("return {\n  name = 'x'\n  classes = 3,\n}\n",
               "t.lua:3: error: '}' expected (to close '{' at line 1) near 'classes'");
    load_error("local s = \"abc\n", "t.lua:1: error: unfinished string near '\"abc'");
}

static void test_runtime_error(void)
{
    load_error("local x = 1\nlocal y = 2\nerror(\"boom\")\nreturn {}\n", "t.lua:3: error: boom");
    /* no position in the message: the line comes from the stack */
    load_error("local x = 1\n\nerror(\"boom\", 0)\n", "t.lua:3: error: boom");
    load_error("local t\n\nlocal x = t.x\n",
               "t.lua:3: error: attempt to index a nil value (local 't')");
    load_error("local function f(n)\n  return math.floor(n)\nend\nreturn f('a')\n",
               "t.lua:2: error: bad argument #1 to 'floor' (number expected, got string)");
    load_error("\nerror({})\n", "t.lua:2: error: (error object is a table value)");
    load_error("error('two\\nlines')\n", "t.lua:1: error: two lines");
    /* found by tests/fuzz/fuzz_luaspace: a NUL cut the message short, here
     * to nothing after "error: " */
    load_error("error(\"\\0\\0two\")\n", "t.lua:1: error:   two");
    load_error("error('a\\0b\\27[2J', 0)\n", "t.lua:1: error: a b [2J");
    load_error("\nerror('')\n", "t.lua:2: error: (an error with an empty message)");
    /* error level 2 names the caller's line */
    load_error(
        "local function check(v)\n  if not v then error('need v', 2) end\nend\n\ncheck(nil)\n",
        "t.lua:5: error: need v");
    /* inside a chunk made by load: its own position, then the file's line */
    load_error("local f = load('\\n\\nerror(\"deep\")')\n\nf()\n",
               "t.lua:3: error: [string \"...\"]:3: deep");
}

static void test_long_path(void)
{
    /* Lua shortens long chunk names ("...tail"); the error keeps the full path */
    const char *path = "a/very/long/directory/name/that/goes/on/and/on/and/on/spaces/t.lua";
    char want[256];
    struct space s;
    struct err e;
    const char *text = "\n\nerror('boom')\n";
    snprintf(want, sizeof want, "%s:3: error: boom", path);
    CHECK(luaspace_load_buffer(&s, text, strlen(text), path, &e) == -1);
    CHECK_STR(e.msg, want);
    text = "\nreturn {,}\n";
    snprintf(want, sizeof want, "%s:2: error: unexpected symbol near ','", path);
    CHECK(luaspace_load_buffer(&s, text, strlen(text), path, &e) == -1);
    CHECK_STR(e.msg, want);
}

static void test_instruction_limit(void)
{
    load_error("local n = 0\nwhile true do n = n + 1 end\n",
               "t.lua: error: the script ran too long (more than 10000000 instructions)");
    /* a pcall in the script does not get around it */
    load_error("while true do pcall(function() while true do end end) end\n",
               "t.lua: error: the script ran too long (more than 10000000 instructions)");
    load_error("local function f() return f() end\nreturn f()\n",
               "t.lua: error: the script ran too long (more than 10000000 instructions)");
}

static void test_memory_limit(void)
{
    load_error("local t = {} for i=1,1e9 do t[i]=i end\n",
               "t.lua: error: the script used more than 64 MB");
    load_error("local s = string.rep('x', 1e9)\n", "t.lua: error: the script used more than 64 MB");
    /* caught by a pcall in the script, which then carries on within the limit */
    struct space s;
    char text[4096];
    snprintf(text, sizeof text,
             "local ok, msg = pcall(function() local t = {} for i=1,1e9 do t[i]=i end end)\n"
             "assert(not ok and msg == 'not enough memory')\n"
             "local big = {} for i = 1, 1e5 do big[i] = i end\n"
             "%s",
             base_space);
    if (load_ok(&s, text) == 0)
        CHECK_STR(s.name, "t");
    load_error("local ok, msg = pcall(string.rep, 'x', 1e9)\n\nerror(msg)\n",
               "t.lua:3: error: not enough memory");
}

/* base_space with line n (1-based) replaced by line (which has no newline). */
static char *with_line(int n, const char *line)
{
    static char buf[4096];
    const char *p = base_space;
    size_t used = 0;
    for (int i = 1; *p; i++) {
        const char *nl = strchr(p, '\n');
        size_t len = (size_t)(nl - p) + 1;
        if (i == n)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s\n", line);
        else
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%.*s", (int)len, p);
        p += len;
    }
    return buf;
}

static void bad_line(int n, const char *line, const char *want)
{
    load_error(with_line(n, line), want);
}

static void test_sandbox(void)
{
    struct space s;
    char text[4096];
    snprintf(text, sizeof text,
             "assert(io == nil and os == nil and require == nil and package == nil)\n"
             "assert(debug == nil and dofile == nil and loadfile == nil)\n"
             "assert(load('return 1 + 1')() == 2)\n"
             "local f, msg = load(string.dump(function() end))\n"
             "assert(f == nil and msg == \"attempt to load a binary chunk (mode is 't')\")\n"
             "assert(string.find == nil and string.gsub == nil and coroutine == nil)\n"
             "assert(math.floor(2.5) == 2 and table.concat({'a', 'b'}) == 'ab')\n"
             "%s",
             base_space);
    if (load_ok(&s, text) == 0)
        CHECK_STR(s.name, "t");
    /* C functions that could run unbounded */
    load_error("local x = ('a'):rep(30) .. 'b'\nreturn x:find(('a*'):rep(20) .. 'c')\n",
               "t.lua:2: error: attempt to call a nil value (method 'find')");
    load_error("\nsetmetatable({}, {__gc = function() while true do end end})\n",
               "t.lua:2: error: scripts cannot use __gc metamethods");
    load_error("local s = string.rep('', 1e15)\nassert(s == '')\n"
               "table.move({}, 1, 1e15, 2)\n",
               "t.lua:3: error: table.move: more than 16777216 elements");
    load_error("os.exit(1)\n", "t.lua:1: error: attempt to index a nil value (global 'os')");
    load_error("\nio.open('/etc/passwd')\n",
               "t.lua:2: error: attempt to index a nil value (global 'io')");
    load_error("require('os')\n", "t.lua:1: error: attempt to call a nil value (global 'require')");
    /* metatables on the returned table are not consulted */
    snprintf(text, sizeof text,
             "local t = %s"
             "return setmetatable(t, {__index = function() error('ran') end})\n",
             base_space + strlen("return "));
    if (load_ok(&s, text) == 0)
        CHECK_EQ_INT(s.nlayers, 5);
}

static void test_wrong_type(void)
{
    bad_line(5, "  stem = {channels = \"16\", kernel = 3, stride = 2},",
             "t.lua:5:22: error: stem.channels: expected a whole number 1..4096, got \"16\"");
    bad_line(4, "  classes = 2.5,",
             "t.lua:4:13: error: classes: expected a whole number 2..100000, got 2.5");
    bad_line(3, "  input = 28,",
             "t.lua:3:11: error: input: expected a table {channels, height, width}, got 28");
    bad_line(2, "  name = 7,",
             "t.lua:2:10: error: name: expected a string of 1 to 63 characters, got 7");
    bad_line(2, "  name = 'my space',",
             "t.lua:2:10: error: name: expected letters, digits, '-', '_', '.' or '+', got "
             "\"my space\"");
    bad_line(11, "  head = {channels = 128, act = \"relu6\"},",
             "t.lua:11:33: error: head.act: expected \"relu\" or \"hswish\", got \"relu6\"");
    bad_line(7, "    16,",
             "t.lua:7:5: error: stages[1]: expected a table {channels, layers, "
             "stride}, got 16");
    bad_line(10, "  choices = {\"k3e3\", 5},",
             "t.lua:10:22: error: choices[2]: expected a choice (a string such as \"k5e6\" or a "
             "table), got 5");
    bad_line(10, "  choices = {{kernel = 5, expansion = 6, se = 1}},",
             "t.lua:10:47: error: choices[1].se: expected true or false, got 1");
}

static void test_out_of_range(void)
{
    bad_line(8, "    {channels = 24, layers = 3, stride = 0},",
             "t.lua:8:42: error: stages[2].stride: expected a whole number 1..4, got 0");
    bad_line(5, "  stem = {channels = 16, kernel = 4, stride = 2},",
             "t.lua:5:35: error: stem.kernel: expected an odd whole number 1..13, got 4");
    bad_line(7, "    {channels = 5000, layers = 2, stride = 1},",
             "t.lua:7:17: error: stages[1].channels: expected a whole number 1..4096, got 5000");
    bad_line(8, "    {channels = 24, layers = 31, stride = 2},",
             "t.lua:8:30: error: stages[2].layers: 33 searchable layers in all, at most 32");
    /* 7 stages on this line and the 2 of lines 7 and 8 */
    bad_line(6,
             "  stages = {{channels = 8, layers = 1, stride = 1}, {channels = 8, layers = 1, "
             "stride = 1}, {channels = 8, layers = 1, stride = 1}, {channels = 8, layers = 1, "
             "stride = 1}, {channels = 8, layers = 1, stride = 1}, {channels = 8, layers = 1, "
             "stride = 1}, {channels = 8, layers = 1, stride = 1},",
             "t.lua:6:12: error: stages: 9 stages, expected 1 to 8");
    bad_line(10, "  choices = {{kernel = 5, expansion = 17}},",
             "t.lua:10:39: error: choices[1].expansion: expected a whole number 1..16, got 17");
    bad_line(10, "  choices = {},", "t.lua:10:13: error: choices: the list is empty");
}

static void test_unknown_key(void)
{
    bad_line(5, "  stem = {chanels = 16, kernel = 3, stride = 2},",
             "t.lua:5:11: error: unknown key 'chanels' in stem (did you mean 'channels'?)");
    bad_line(11, "  head = {channels = 128, colour = 1},",
             "t.lua:11:27: error: unknown key 'colour' in head (keys: channels, act)");
    bad_line(8, "    {channels = 24, layers = 3, strid = 2},",
             "t.lua:8:33: error: unknown key 'strid' in stages[2] (did you mean 'stride'?)");
    bad_line(4, "  clases = 10,",
             "t.lua:4:3: error: unknown key 'clases' in the space (did you mean 'classes'?)");
    /* of two unknown keys, the one written first */
    bad_line(3, "  input = {zz = 1, channels = 1, height = 28, width = 28, aa = 2},",
             "t.lua:3:12: error: unknown key 'zz' in input (keys: channels, height, width)");
    bad_line(5, "  stem = {16, 3, 2},",
             "t.lua:5:11: error: unexpected list entry [1] in stem (keys: channels, kernel, "
             "stride, act)");
    bad_line(10, "  choices = {\"k3e3\", \"k5e6\", extra = true},",
             "t.lua:10:30: error: unexpected key 'extra' in choices, a list");
    bad_line(10, "  choices = {{kernal = 5, expansion = 6}},",
             "t.lua:10:15: error: unknown key 'kernal' in choices[1] (did you mean 'kernel'?)");
}

static void test_bad_choice(void)
{
    bad_line(10, "  choices = {\"k3e3\", \"k4e3\"},",
             "t.lua:10:22: error: choices[2]: bad choice \"k4e3\": the kernel must be odd, 1..13");
    bad_line(10, "  choices = {\"k3e3\", \"k5e6hs\"},",
             "t.lua:10:22: error: choices[2]: bad choice \"k5e6hs\": expected skip or "
             "k<kernel>e<expansion>, then s for squeeze-and-excitation and h for hard-swish, as "
             "in k5e6sh");
    bad_line(10, "  choices = {\"k3e03\"},",
             "t.lua:10:14: error: choices[1]: bad choice \"k3e03\": write it 'k3e3'");
    bad_line(10, "  choices = {\"k15e3\"},",
             "t.lua:10:14: error: choices[1]: bad choice \"k15e3\": the kernel must be odd, 1..13");
    bad_line(10, "  choices = {\"k3e0\"},",
             "t.lua:10:14: error: choices[1]: bad choice \"k3e0\": the expansion must be 1..16");
    bad_line(10, "  choices = {\"k3e3\", \"k5e6\", \"k3e3\"},",
             "t.lua:10:30: error: choices[3]: 'k3e3' is listed twice (also [1])");
    bad_line(10, "  choices = {{kernel = 5, expansion = 6, name = \"k3e3\"}},",
             "t.lua:10:49: error: choices[1].name: 'k3e3' names another choice; this one is "
             "'k5e6'");
    bad_line(10, "  choices = {{kernel = 5, expansion = 6, name = \"big-one\"}},",
             "t.lua:10:49: error: choices[1].name: expected 1 to 15 letters, digits, '_' or '.', "
             "got \"big-one\"");
    bad_line(10, "  choices = {{skip = true, kernel = 3}},",
             "t.lua:10:28: error: choices[1]: a skip choice takes no 'kernel'");
    bad_line(10, "  choices = {{expansion = 6}},",
             "t.lua:10:14: error: choices[1]: missing 'kernel' (an odd whole number 1..13)");
}

static void test_missing(void)
{
    bad_line(2, "", "t.lua:1:8: error: missing 'name' (a string)");
    bad_line(4, "", "t.lua:1:8: error: missing 'classes' (a whole number 2..100000)");
    bad_line(5, "  stem = {channels = 16, stride = 2},",
             "t.lua:5:10: error: stem: missing 'kernel' (an odd whole number 1..13)");
    bad_line(10, "",
             "t.lua:1:8: error: missing 'choices' (a list of choices; stages[1] has none of its "
             "own)");
    load_error("return 42\n",
               "t.lua:1:8: error: the script must return a table (the space), got 42");
    load_error("local x = 1\n", "t.lua: error: the script must return a table (the space); it "
                                "returned nothing");
    load_error("local t = {}\nreturn t.x\n",
               "t.lua:2:8: error: the script must return a table (the space), got nil");
}

/* A table the script computes: positions fall back to the nearest entry. */
static void test_computed_location(void)
{
    load_error("local stages = {}\n"
               "for i = 1, 2 do stages[i] = {channels = 8 * i, layers = 1, stride = i - 1} end\n"
               "return {\n"
               "  name = 't', input = {channels = 1, height = 28, width = 28}, classes = 10,\n"
               "  stem = {channels = 8, kernel = 3, stride = 2},\n"
               "  stages = stages,\n"
               "  choices = {'k3e3'}, head = {channels = 16},\n"
               "}\n",
               "t.lua:6:12: error: stages[1].stride: expected a whole number 1..4, got 0");
    load_error("local t = {name = 't', classes = 10}\nt.stem = {chanels = 1}\nreturn t\n",
               "t.lua:3:8: error: missing 'input' (a table {channels, height, width})");
    /* nothing of the path is written out: no position */
    load_error(
        "local t = {name = 't', classes = 10, input = {channels = 1, height = 1, width = 0}}\n"
        "return t\n",
        "t.lua: error: input.width: expected a whole number 1..4096, got 0");
}

static void test_stage_choices(void)
{
    struct space s;
    const char *text =
        "return {\n"
        "  name = 'mixed', input = {channels = 1, height = 28, width = 28}, classes = 10,\n"
        "  stem = {channels = 16, kernel = 3, stride = 2, act = 'hswish'},\n"
        "  stages = {\n"
        "    {channels = 16, layers = 2, stride = 1, choices = {'skip', 'k3e3'}},\n"
        "    {channels = 24, layers = 2, stride = 2},\n"
        "    {channels = 24, layers = 1, stride = 1, choices = {\n"
        "       {kernel = 5, expansion = 6, se = true, act = 'hswish'}, 'k7e3h', 'k3e3'}},\n"
        "  },\n"
        "  choices = {'k3e3', 'k5e6sh'},\n"
        "  head = {channels = 32, act = 'hswish'},\n"
        "}\n";
    if (load_ok(&s, text) < 0)
        return;
    CHECK_STR(s.name, "mixed");
    CHECK_EQ_INT(s.stem_act, ACT_HSWISH);
    CHECK_EQ_INT(s.head_act, ACT_HSWISH);
    CHECK_EQ_INT(s.nlayers, 5);
    /* the union: global list first, then each stage's new ones */
    CHECK_EQ_INT(s.nchoices, 4);
    CHECK_STR(s.choices[0].name, "k3e3");
    CHECK_STR(s.choices[1].name, "k5e6sh");
    CHECK_STR(s.choices[2].name, "skip");
    CHECK_STR(s.choices[3].name, "k7e3h");
    CHECK_EQ_INT(s.choices[1].k, 5);
    CHECK_EQ_INT(s.choices[1].e, 6);
    CHECK_EQ_INT(s.choices[1].se, 1);
    CHECK_EQ_INT(s.choices[1].act, ACT_HSWISH);
    CHECK_EQ_INT(s.choices[0].act, ACT_RELU);
    CHECK_EQ_INT(s.choices[3].act, ACT_HSWISH);
    CHECK_EQ_INT(s.choices[3].se, 0);
    CHECK_EQ_INT(s.allowed[0], 0x5); /* skip, k3e3 */
    CHECK_EQ_INT(s.allowed[1], 0x5);
    CHECK_EQ_INT(s.allowed[2], 0x3); /* global */
    CHECK_EQ_INT(s.allowed[3], 0x3);
    CHECK_EQ_INT(s.allowed[4], 0xb); /* k5e6sh, k7e3h, k3e3 */
    CHECK_EQ_INT(s.allowed[5], 0);
    CHECK_NEAR(space_count(&s), 2.0 * 2 * 2 * 2 * 3, 0.5);
    struct arch a;
    struct err e;
    CHECK(arch_parse(&s, "skip-k3e3-k5e6sh-k3e3-k7e3h", "t", &a, &e) == 0);

    /* a name used twice must mean the same operation */
    load_error("return {\n"
               "  name = 'x', input = {channels = 1, height = 8, width = 8}, classes = 2,\n"
               "  stem = {channels = 4, kernel = 3, stride = 1},\n"
               "  stages = {{channels = 4, layers = 1, stride = 1,\n"
               "             choices = {{kernel = 3, expansion = 2, name = 'big'}}}},\n"
               "  choices = {{kernel = 5, expansion = 6, name = 'big'}},\n"
               "  head = {channels = 8},\n"
               "}\n",
               "t.lua:5:25: error: stages[1].choices[1]: 'big' differs from the choice of that "
               "name in choices[1]");
    /* space_finish's own errors, with the file's name */
    load_error("return {\n"
               "  name = 'x', input = {channels = 1, height = 8, width = 8}, classes = 2,\n"
               "  stem = {channels = 4, kernel = 3, stride = 1},\n"
               "  stages = {{channels = 8, layers = 1, stride = 1, choices = {'skip'}}},\n"
               "  choices = {'k3e3'},\n"
               "  head = {channels = 8},\n"
               "}\n",
               "t.lua: error: layer 1 has no allowed choice");
}

static void test_shebang_and_bom(void)
{
    struct space s;
    char text[4096];
    snprintf(text, sizeof text, "#!/usr/bin/env lua\n%s", base_space);
    if (load_ok(&s, text) == 0)
        CHECK_STR(s.name, "t");
    snprintf(text, sizeof text, "\xEF\xBB\xBF#!/usr/bin/env lua\n\nerror('x')\n");
    load_error(text, "t.lua:3: error: x");
}

int main(void)
{
    RUN(test_fmnist_file);
    RUN(test_fmnist_se_file);
    RUN(test_fmnist_skip_file);
    RUN(test_tiny_file);
    RUN(test_missing_file);
    RUN(test_syntax_error);
    RUN(test_runtime_error);
    RUN(test_long_path);
    RUN(test_instruction_limit);
    RUN(test_memory_limit);
    RUN(test_sandbox);
    RUN(test_wrong_type);
    RUN(test_out_of_range);
    RUN(test_unknown_key);
    RUN(test_bad_choice);
    RUN(test_missing);
    RUN(test_computed_location);
    RUN(test_stage_choices);
    RUN(test_shebang_and_bom);
    return check_done();
}
