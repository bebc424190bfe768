/* Tests of lua/luaarch.c: architectures as Lua values (parse errors with
 * their exact text, with/mutate/mutate_one/crossover always valid, distance,
 * cost against arch_cost, ==, tostring, immutability), oneshot.space, and
 * the seeded random stream (oneshot.random and math.random in range, the
 * same for the same seed, another for another seed, math.randomseed refused). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "check.h"
#include "arch.h"
#include "luaarch.h"
#include "luabox.h"
#include "space.h"

struct box {
    struct space s;
    struct rng r, *rp;
    struct luabox *b;
};

static int setup(lua_State *L)
{
    struct box *x = lua_touserdata(L, 1);
    return luaarch_open(L, &x->s, &x->rp);
}

static int open_box(struct box *x, const char *space, uint64_t seed)
{
    struct err e;
    if (!CHECK(space_builtin(&x->s, space) == 0))
        return -1;
    rng_seed(&x->r, seed, RNG_STREAM_SEARCH);
    x->rp = &x->r;
    struct luabox_opts o = {.memory = 16u << 20, .instructions = 10000000L};
    x->b = luabox_new(&o, &e);
    if (!CHECK(x->b != NULL))
        return -1;
    lua_State *L = luabox_state(x->b);
    lua_pushcfunction(L, setup);
    lua_pushlightuserdata(L, x);
    if (!CHECK(lua_pcall(L, 1, 0, 0) == LUA_OK))
        return -1;
    return 0;
}

static void close_box(struct box *x) { luabox_free(x->b); }

/* Runs code as the file "t.lua"; its result, as tostring would show it, goes
 * to out; on an error, out gets the error line.  Returns 0 or -1. */
static int eval(struct box *x, const char *code, char *out, size_t n)
{
    struct err e;
    lua_State *L = luabox_state(x->b);
    luabox_rearm(x->b);
    if (luabox_run(x->b, code, strlen(code), "t.lua", 1, &e)) {
        snprintf(out, n, "%s", e.msg);
        return -1;
    }
    snprintf(out, n, "%s", luaL_tolstring(L, -1, NULL));
    lua_settop(L, 0);
    return 0;
}

/* Expects code to return the string want. */
#define EXPECT(x, code, want)                                                                      \
    do {                                                                                           \
        char out_[1024];                                                                           \
        if (!CHECK(eval((x), (code), out_, sizeof out_) == 0))                                     \
            printf("  %s\n", out_);                                                                \
        else                                                                                       \
            CHECK_STR(out_, (want));                                                               \
    } while (0)

/* Expects code to fail with the error want. */
#define EXPECT_ERROR(x, code, want)                                                                \
    do {                                                                                           \
        char out_[1024];                                                                           \
        CHECK(eval((x), (code), out_, sizeof out_) == -1);                                         \
        CHECK_STR(out_, (want));                                                                   \
    } while (0)

static void test_parse(void)
{
    struct box x;
    if (open_box(&x, "tiny", 1))
        return;
    EXPECT(&x, "return oneshot.arch('k3e2-k5e4-k7e6-k3e2'):encode()", "k3e2-k5e4-k7e6-k3e2");
    EXPECT(&x, "return tostring(oneshot.decode('k7e6-k7e6-k7e6-k7e6'))", "k7e6-k7e6-k7e6-k7e6");
    EXPECT(&x, "return #oneshot.arch('k3e2-k5e4-k7e6-k3e2')", "4");
    EXPECT(&x, "local a = oneshot.arch('k3e2-k5e4-k7e6-k3e2') return a[2] .. a[4]", "k5e4k3e2");
    EXPECT(&x, "return table.concat(oneshot.arch('k3e2-k5e4-k7e6-k3e2'):choices(), ',')",
           "k3e2,k5e4,k7e6,k3e2");
    EXPECT_ERROR(&x, "\nreturn oneshot.arch('k3e2-k9e9-k7e6-k3e2')",
                 "t.lua:2: error: oneshot.arch: 'k3e2-k9e9-k7e6-k3e2': layer 2: unknown choice "
                 "'k9e9' (choices here: k3e2 k5e4 k7e6)");
    EXPECT_ERROR(&x, "return oneshot.arch('k3e2-k5e4')",
                 "t.lua:1: error: oneshot.arch: 'k3e2-k5e4': 2 layers given, the space tiny has 4");
    EXPECT_ERROR(&x, "return oneshot.arch('k3e2-k5e4-k7e6-k3e2-k3e2')",
                 "t.lua:1: error: oneshot.arch: 'k3e2-k5e4-k7e6-k3e2-k3e2': too many layers: the "
                 "space tiny has 4");
    EXPECT_ERROR(&x, "return oneshot.arch('k3e2--k7e6-k3e2')",
                 "t.lua:1: error: oneshot.arch: 'k3e2--k7e6-k3e2': layer 2: empty choice");
    EXPECT_ERROR(&x, "return oneshot.arch({})",
                 "t.lua:1: error: bad argument #1 to 'arch' (string expected, got table)");
    EXPECT_ERROR(&x, "local a = oneshot.arch('k3e2-k5e4-k7e6-k3e2')\nreturn a[5]",
                 "t.lua:2: error: bad argument #2 to 'index' (layer 5 is not in 1..4)");
    EXPECT_ERROR(&x, "local a = oneshot.arch('k3e2-k5e4-k7e6-k3e2')\nreturn a[0]",
                 "t.lua:2: error: bad argument #2 to 'index' (layer 0 is not in 1..4)");
    EXPECT(&x, "return tostring(oneshot.arch('k3e2-k5e4-k7e6-k3e2').nothing)", "nil");
    close_box(&x);

    /* a choice the space does not allow at that layer */
    if (open_box(&x, "fmnist-skip", 1))
        return;
    char want[512];
    struct err e;
    struct arch a;
    CHECK(arch_parse(&x.s, "k3e3-skip-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3", "x", &a,
                     &e) == 0);
    if (!CHECK(arch_parse(&x.s, "k3e3-k3e3-skip-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3",
                          "x", &a, &e) == -1))
        return;
    snprintf(want, sizeof want, "t.lua:1: error: oneshot.arch: '%s': %s",
             "k3e3-k3e3-skip-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3",
             strstr(e.msg, "error: ") + 7);
    CHECK(strstr(want, "layer 3: 'skip' is not allowed here (16->24 channels, stride 2;") != NULL);
    EXPECT_ERROR(&x,
                 "return oneshot.arch('k3e3-k3e3-skip-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-"
                 "k3e3')",
                 want);
    close_box(&x);
}

static void test_equal_tostring(void)
{
    struct box x;
    if (open_box(&x, "tiny", 1))
        return;
    EXPECT(&x,
           "local a, b = oneshot.arch('k3e2-k5e4-k7e6-k3e2'), oneshot.arch('k3e2-k5e4-k7e6-k3e2')\n"
           "local c = oneshot.arch('k3e2-k5e4-k7e6-k5e4')\n"
           "return tostring(a == b) .. tostring(a ~= c) .. tostring(a == 'k3e2-k5e4-k7e6-k3e2')"
           " .. tostring(rawequal(a, b))",
           "truetruefalsefalse");
    EXPECT(&x, "return tostring(oneshot.arch('k5e4-k5e4-k5e4-k5e4'))", "k5e4-k5e4-k5e4-k5e4");
    EXPECT(&x, "return string.format('%s', oneshot.arch('k5e4-k5e4-k5e4-k7e6'))",
           "k5e4-k5e4-k5e4-k7e6");
    /* architectures as table keys: by identity, so strategies key by a:encode() */
    EXPECT(&x, "local t = {[oneshot.arch('k3e2-k3e2-k3e2-k3e2'):encode()] = 1}\n"
               "return t[oneshot.arch('k3e2-k3e2-k3e2-k3e2'):encode()]",
           "1");
    /* immutable, metatable hidden */
    EXPECT_ERROR(&x, "local a = oneshot.arch('k3e2-k5e4-k7e6-k3e2')\na[1] = 'k7e6'",
                 "t.lua:2: error: architectures cannot be changed: use a:with(layer, choice)");
    EXPECT(&x, "return tostring(getmetatable(oneshot.arch('k3e2-k5e4-k7e6-k3e2')))", "false");
    EXPECT_ERROR(&x, "return oneshot.arch('k3e2-k5e4-k7e6-k3e2'):encode(1, 2) .. "
                     "oneshot.arch.encode({})",
                 "t.lua:1: error: attempt to index a function value (field 'arch')");
    EXPECT_ERROR(&x, "local a = oneshot.arch('k3e2-k5e4-k7e6-k3e2')\nreturn a.encode({})",
                 "t.lua:2: error: bad argument #1 to 'encode' (oneshot.arch expected, got table)");
    close_box(&x);
}

static void test_space_table(void)
{
    struct box x;
    if (open_box(&x, "fmnist-skip", 1))
        return;
    EXPECT(&x, "local s = oneshot.space\nreturn s.name .. ' ' .. s.layers .. ' ' .. #s.choices",
           "fmnist-skip 12 12");
    EXPECT(&x, "return table.concat(oneshot.space.choices[1], ',')",
           "k3e3,k3e6,k5e3,k5e6,k7e3,k7e6,skip");
    EXPECT(&x, "return table.concat(oneshot.space.choices[2], ',')",
           "k3e3,k3e6,k5e3,k5e6,k7e3,k7e6,skip");
    EXPECT(&x, "return table.concat(oneshot.space.choices[3], ',')",
           "k3e3,k3e6,k5e3,k5e6,k7e3,k7e6");
    char want[64];
    snprintf(want, sizeof want, "%.0f", space_count(&x.s));
    EXPECT(&x, "return string.format('%.0f', oneshot.space.count)", want);
    close_box(&x);
}

/* The architecture string code returns, parsed in C (so it must be valid). */
static int eval_arch(struct box *x, const char *code, struct arch *a)
{
    char out[1024];
    struct err e;
    if (!CHECK(eval(x, code, out, sizeof out) == 0)) {
        printf("  %s\n", out);
        return -1;
    }
    if (!CHECK(arch_parse(&x->s, out, "result", a, &e) == 0)) {
        printf("  %s\n", e.msg);
        return -1;
    }
    return 0;
}

static void test_with(void)
{
    struct box x;
    if (open_box(&x, "fmnist-skip", 1))
        return;
    const char *base = "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3";
    char code[512];
    snprintf(code, sizeof code, "local a = oneshot.arch('%s')\nlocal b = a:with(2, 'skip')\n"
                                "return a:encode() .. ' ' .. b:encode()",
             base);
    EXPECT(&x, code,
           "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3 "
           "k3e3-skip-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3");
    snprintf(code, sizeof code, "local a = oneshot.arch('%s')\n\nreturn a:with(3, 'skip')", base);
    EXPECT_ERROR(&x, code,
                 "t.lua:3: error: bad argument #2 to 'with' ('skip' is not allowed at layer 3)");
    snprintf(code, sizeof code, "local a = oneshot.arch('%s')\nreturn a:with(3, 'k9e9')", base);
    EXPECT_ERROR(&x, code,
                 "t.lua:2: error: bad argument #2 to 'with' (no choice 'k9e9' in the space "
                 "fmnist-skip)");
    snprintf(code, sizeof code, "local a = oneshot.arch('%s')\nreturn a:with(13, 'k3e3')", base);
    EXPECT_ERROR(&x, code,
                 "t.lua:2: error: bad argument #1 to 'with' (layer 13 is not in 1..12)");
    /* every layer to every choice the space lists for it: valid */
    snprintf(code, sizeof code,
             "local a, n = oneshot.arch('%s'), 0\n"
             "for l = 1, #a do for _, c in ipairs(oneshot.space.choices[l]) do\n"
             "  local b = a:with(l, c)\n"
             "  assert(b[l] == c and a:distance(b) == (c == a[l] and 0 or 1))\n"
             "  assert(oneshot.arch(b:encode()) == b); n = n + 1\n"
             "end end\nreturn n",
             base);
    EXPECT(&x, code, "81"); /* 12 layers x 6 choices + 9 layers that allow skip */
    close_box(&x);
}

static void test_mutate_crossover(void)
{
    struct box x;
    if (open_box(&x, "fmnist-skip", 7))
        return;
    /* a Lua check over many draws: results are valid architectures (they
     * parse back), mutate(0) is the identity, mutate(1) changes every layer,
     * mutate_one exactly one, crossover takes each layer from a parent */
    EXPECT(&x,
           "local bad = 0\n"
           "for i = 1, 300 do\n"
           "  local a, b = oneshot.sample(), oneshot.sample()\n"
           "  local m, o, c = a:mutate(), a:mutate_one(), a:crossover(b)\n"
           "  for _, v in ipairs({m, o, c, oneshot.crossover(a, b), a:mutate(0.5)}) do\n"
           "    if oneshot.arch(v:encode()) ~= v then bad = bad + 1 end\n"
           "  end\n"
           "  if a:mutate(0) ~= a then bad = bad + 1 end\n"
           "  if a:mutate(1):distance(a) ~= #a then bad = bad + 1 end\n"
           "  if o:distance(a) ~= 1 then bad = bad + 1 end\n"
           "  for l = 1, #a do\n"
           "    if c[l] ~= a[l] and c[l] ~= b[l] then bad = bad + 1 end\n"
           "  end\n"
           "end\nreturn bad",
           "0");
    EXPECT(&x,
           "local a = oneshot.arch('k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3')\n"
           "local b = oneshot.arch('k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6')\n"
           "local na = 0\n"
           "for i = 1, 200 do local c = a:crossover(b) for l = 1, #c do\n"
           "  if c[l] == a[l] then na = na + 1 end end end\n"
           "return tostring(na > 1000 and na < 1400) .. ' ' .. a:distance(b)",
           "true 12");
    EXPECT_ERROR(&x, "local a = oneshot.sample()\nreturn a:mutate(1.5)",
                 "t.lua:2: error: bad argument #1 to 'mutate' (the rate must lie in [0, 1])");
    EXPECT_ERROR(&x, "local a = oneshot.sample()\nreturn a:crossover('x')",
                 "t.lua:2: error: bad argument #1 to 'crossover' (oneshot.arch expected, got "
                 "string)");
    /* and in C: the strings parse, so the layers are allowed ones */
    struct arch a;
    for (int i = 0; i < 20; i++)
        if (eval_arch(&x,
                      "return oneshot.sample():mutate(0.7):crossover(oneshot.sample()):encode()",
                      &a) == 0)
            CHECK(arch_is_valid(&x.s, &a));
    close_box(&x);
}

static void test_cost(void)
{
    struct box x;
    if (open_box(&x, "fmnist", 3))
        return;
    const char *archs[] = {"k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3",
                           "k7e6-k5e3-k3e6-k7e3-k5e6-k3e3-k7e6-k5e3-k3e6-k7e3-k5e6-k3e3"};
    for (int i = 0; i < 2; i++) {
        struct arch a;
        struct err e;
        char code[256], want[64];
        CHECK(arch_parse(&x.s, archs[i], "t", &a, &e) == 0);
        struct cost c = arch_cost(&x.s, &a);
        snprintf(code, sizeof code,
                 "local c = oneshot.arch('%s'):cost()\n"
                 "return math.type(c.params) .. ' ' .. c.params .. ' ' .. c.macs",
                 archs[i]);
        snprintf(want, sizeof want, "integer %lld %lld", (long long)c.params, (long long)c.macs);
        EXPECT(&x, code, want);
    }
    close_box(&x);
}

static void test_random(void)
{
    struct box x, y, z;
    if (open_box(&x, "tiny", 11) || open_box(&y, "tiny", 11) || open_box(&z, "tiny", 12))
        return;
    /* in range, the right type, every value reached */
    EXPECT(&x,
           "local bad, hit = 0, {}\n"
           "for i = 1, 2000 do\n"
           "  local u, k, m = oneshot.random(), oneshot.random(6), math.random(-3, 3)\n"
           "  if math.type(u) ~= 'float' or u < 0 or u >= 1 then bad = bad + 1 end\n"
           "  if math.type(k) ~= 'integer' or k < 1 or k > 6 then bad = bad + 1 end\n"
           "  if m < -3 or m > 3 then bad = bad + 1 end\n"
           "  hit[k] = true; hit[m + 10] = true\n"
           "end\n"
           "local n = 0 for _ in pairs(hit) do n = n + 1 end\n"
           "return bad .. ' ' .. n .. ' ' .. oneshot.random(5, 5) .. ' ' .. "
           "math.type(math.random(0)) .. ' ' .. math.type(oneshot.random(math.mininteger, "
           "math.maxinteger))",
           "0 13 5 integer integer");
    EXPECT_ERROR(&x, "return oneshot.random(3, 1)",
                 "t.lua:1: error: bad argument #2 to 'random' (interval is empty)");
    EXPECT_ERROR(&x, "return math.random(-2)",
                 "t.lua:1: error: bad argument #1 to 'random' (interval is empty)");
    EXPECT_ERROR(&x, "return oneshot.random(1, 2, 3)",
                 "t.lua:1: error: oneshot.random: wrong number of arguments");
    EXPECT_ERROR(&x, "\nmath.randomseed(42)",
                 "t.lua:2: error: math.randomseed: oneshot seeds every random stream from the "
                 "experiment's seed");
    /* the same seed replays; another seed does not; math.random is the same stream */
    const char *draw = "local t = {}\n"
                       "for i = 1, 8 do t[#t + 1] = oneshot.random(1000000) end\n"
                       "for i = 1, 4 do t[#t + 1] = math.random(1000000) end\n"
                       "t[#t + 1] = oneshot.sample():encode()\n"
                       "t[#t + 1] = oneshot.sample():mutate():encode()\n"
                       "t[#t + 1] = string.format('%.17g', math.random())\n"
                       "return table.concat(t, ' ')";
    char a[1024], b[1024], c[1024];
    CHECK(eval(&x, draw, a, sizeof a) == 0);
    CHECK(eval(&y, draw, b, sizeof b) == 0);
    CHECK(eval(&z, draw, c, sizeof c) == 0);
    /* x has drawn before: replay its stream from a fresh box */
    CHECK(strcmp(b, c) != 0);
    close_box(&x);
    if (open_box(&x, "tiny", 11))
        return;
    CHECK(eval(&x, draw, a, sizeof a) == 0);
    CHECK_STR(a, b);
    /* the stream the host passes is the one drawn from */
    struct rng before = x.r;
    CHECK(eval(&x, "return oneshot.random(10)", c, sizeof c) == 0);
    CHECK(memcmp(&before, &x.r, sizeof before) != 0);
    close_box(&x);
    close_box(&y);
    close_box(&z);
}

int main(void)
{
    RUN(test_parse);
    RUN(test_equal_tostring);
    RUN(test_space_table);
    RUN(test_with);
    RUN(test_mutate_crossover);
    RUN(test_cost);
    RUN(test_random);
    return check_done();
}
