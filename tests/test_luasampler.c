/* Tests of lua/luasampler.c: a Lua sampler drives sampler_next, gets the
 * step and the counts, draws from the sampler's own stream (same seed, same
 * paths; another seed, others), and every way a sampler file can be wrong
 * ends in an error that names the file, the line and the hook. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "evolve.h"
#include "luasampler.h"
#include "sampler.h"
#include "space.h"

static char dir[64]; /* the mkdtemp directory */

/* Writes text to dir/name; the path goes to path. */
static void write_file(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!CHECK(f != NULL))
        return;
    fputs(text, f);
    fclose(f);
}

struct lines {
    char text[4096];
    int n;
};

static void collect(void *ud, const char *text)
{
    struct lines *l = ud;
    size_t used = strlen(l->text);
    snprintf(l->text + used, sizeof l->text - used, "%s\n", text);
    l->n++;
}

/* A sampler from text (file dir/name) for space s, NULL with e filled. */
static struct luasampler *load(const char *name, const char *text, const struct space *s,
                               struct lines *out, struct err *e)
{
    char path[256];
    write_file(name, text, path, sizeof path);
    return luasampler_new(path, s, NULL, out ? collect : NULL, out, e);
}

/* The paths of `steps` steps of a sampler file with seed, as one string. */
static int paths_of(const char *text, const struct space *s, uint64_t seed, int steps, char *out,
                    size_t n)
{
    struct err e;
    struct luasampler *ls = load("paths.lua", text, s, NULL, &e);
    out[0] = 0;
    if (!CHECK(ls != NULL)) {
        printf("  %s\n", e.msg);
        return -1;
    }
    struct sampler_custom c;
    struct sampler sm;
    luasampler_custom(ls, &c);
    sampler_init_custom(&sm, &c, s, seed);
    size_t used = 0;
    struct arch paths[SPACE_MAX_CHOICES];
    for (int t = 0; t < steps; t++) {
        int k = sampler_next(&sm, 0, paths);
        if (!CHECK(k > 0)) {
            printf("  %s\n", sm.err.msg);
            break;
        }
        for (int p = 0; p < k; p++) {
            char buf[512];
            arch_format(s, &paths[p], buf, sizeof buf);
            used += (size_t)snprintf(out + used, n - used, "%s%s", p ? "," : "", buf);
            if (used >= n)
                used = n - 1;
        }
        used += (size_t)snprintf(out + used, n - used, ";");
        if (used >= n)
            used = n - 1;
    }
    sampler_done(&sm);
    luasampler_free(ls);
    return 0;
}

static const char *uniform2 = "-- two random paths a step\n"
                              "return {\n"
                              "  name = 'two',\n"
                              "  next = function(step, counts)\n"
                              "    local a = oneshot.sample()\n"
                              "    return {a, a:mutate_one()}\n"
                              "  end,\n"
                              "}\n";

static void test_drives_sampler(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    struct err e;
    struct luasampler *ls = load("two.lua", uniform2, &s, NULL, &e);
    if (!CHECK(ls != NULL)) {
        printf("  %s\n", e.msg);
        return;
    }
    struct sampler_custom c;
    struct sampler sm;
    luasampler_custom(ls, &c);
    CHECK_STR(c.name, "two");
    sampler_init_custom(&sm, &c, &s, 5);
    CHECK_STR(sampler_name(&sm), "two");
    struct arch paths[SPACE_MAX_CHOICES];
    int64_t total = 0;
    for (int t = 0; t < 50; t++) {
        int k = sampler_next(&sm, 0, paths);
        CHECK_EQ_INT(k, 2);
        CHECK_EQ_INT(arch_distance(&paths[0], &paths[1]), 1);
        total += k;
    }
    CHECK_EQ_INT(sm.st.step, 50);
    for (int l = 0; l < s.nlayers; l++) {
        int64_t sum = 0;
        for (int ch = 0; ch < s.nchoices; ch++)
            sum += sm.st.counts[l][ch];
        CHECK_EQ_INT(sum, total);
    }
    sampler_done(&sm);
    luasampler_free(ls);

    /* without a name, the file's name */
    ls = load("noname.lua", "return {next = function() return {oneshot.sample()} end}", &s,
              NULL, &e);
    if (CHECK(ls != NULL)) {
        luasampler_custom(ls, &c);
        CHECK_STR(c.name, "noname.lua");
        luasampler_free(ls);
    }
}

/* The sampler checks the step and the counts it is given against its own
 * bookkeeping: every layer's first choice is handed out once per step. */
static void test_counts_passed(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    const char *text =
        "local first = oneshot.arch('k3e2-k3e2-k3e2-k3e2')\n"
        "local steps = 0\n"
        "return {next = function(step, counts)\n"
        "  if step ~= steps then error('step ' .. step .. ', expected ' .. steps) end\n"
        "  steps = steps + 1\n"
        "  for l = 1, 4 do\n"
        "    if counts[l].k3e2 ~= 2 * step or counts[l].k5e4 ~= step or counts[l].k7e6 ~= 0 then\n"
        "      error('counts of layer ' .. l .. ' at step ' .. step)\n"
        "    end\n"
        "  end\n"
        "  return {first, first:with(1, 'k3e2'):with(2, 'k3e2'):with(3, 'k3e2'), "
        "oneshot.arch('k5e4-k5e4-k5e4-k5e4')}\n"
        "end}\n";
    char out[8192];
    if (paths_of(text, &s, 1, 6, out, sizeof out) == 0)
        CHECK(strncmp(out, "k3e2-k3e2-k3e2-k3e2,k3e2-k3e2-k3e2-k3e2,k5e4-k5e4-k5e4-k5e4;", 60) ==
              0);
    /* and a wrong count would have been noticed: the same sampler, told
     * counts it does not expect (the C side counts three paths a step) */
    struct err e;
    struct luasampler *ls = load("counts.lua", text, &s, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    struct sampler_custom c;
    struct sampler sm;
    luasampler_custom(ls, &c);
    sampler_init_custom(&sm, &c, &s, 1);
    struct arch paths[SPACE_MAX_CHOICES];
    CHECK_EQ_INT(sampler_next(&sm, 0, paths), 3);
    sm.st.counts[2][0] = 7; /* layer 3, k3e2 */
    CHECK_EQ_INT(sampler_next(&sm, 0, paths), 0);
    char want[512];
    snprintf(want, sizeof want, "%s/counts.lua:8: error: in next: counts of layer 3 at step 1",
             dir);
    CHECK_STR(sm.err.msg, want);
    sampler_done(&sm);
    luasampler_free(ls);
}

static void test_same_seed(void)
{
    struct space s;
    space_builtin(&s, "fmnist");
    const char *text = "return {next = function(step)\n"
                       "  local n = math.random(1, 3)\n"
                       "  local t = {}\n"
                       "  for i = 1, n do t[i] = oneshot.sample():mutate(oneshot.random()) end\n"
                       "  return t\n"
                       "end}\n";
    char a[16384], b[16384], c[16384];
    paths_of(text, &s, 42, 20, a, sizeof a);
    paths_of(text, &s, 42, 20, b, sizeof b);
    paths_of(text, &s, 43, 20, c, sizeof c);
    CHECK(strlen(a) > 100);
    CHECK_STR(a, b);
    CHECK(strcmp(a, c) != 0);
    /* draws while the file loads do not move the sampler's stream */
    char d[16384];
    char text2[1024];
    snprintf(text2, sizeof text2, "for i = 1, 10 do oneshot.sample() math.random() end\n%s", text);
    paths_of(text2, &s, 42, 20, d, sizeof d);
    CHECK_STR(a, d);
    /* the sampler's stream is the one the checkpoint keeps: restoring a
     * state replays the same paths */
    struct err e;
    struct luasampler *ls = load("replay.lua", text, &s, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    struct sampler_custom cu;
    struct sampler sm;
    luasampler_custom(ls, &cu);
    sampler_init_custom(&sm, &cu, &s, 42);
    struct arch p1[SPACE_MAX_CHOICES], p2[SPACE_MAX_CHOICES];
    for (int t = 0; t < 5; t++)
        sampler_next(&sm, 0, p1);
    struct sampler_state saved = sm.st;
    int k1 = sampler_next(&sm, 0, p1);
    CHECK(sampler_restore(&sm, &saved, NULL, NULL) == 0);
    int k2 = sampler_next(&sm, 0, p2);
    CHECK_EQ_INT(k1, k2);
    for (int p = 0; p < k1 && p < k2; p++)
        CHECK(arch_equal(&p1[p], &p2[p]));
    sampler_done(&sm);
    luasampler_free(ls);
}

/* One step of the sampler file text; expects sampler_next to fail with want
 * (the dir prefix added). */
static void step_error(const char *text, const struct space *load_space,
                       const struct space *run_space, const char *want_fmt)
{
    struct err e;
    struct luasampler *ls = load("bad.lua", text, load_space, NULL, &e);
    if (!CHECK(ls != NULL)) {
        printf("  %s\n", e.msg);
        return;
    }
    struct sampler_custom c;
    struct sampler sm;
    luasampler_custom(ls, &c);
    sampler_init_custom(&sm, &c, run_space, 1);
    struct arch paths[SPACE_MAX_CHOICES];
    CHECK_EQ_INT(sampler_next(&sm, 0, paths), 0);
    char want[1024];
    snprintf(want, sizeof want, want_fmt, dir);
    CHECK_STR(sm.err.msg, want);
    sampler_done(&sm);
    luasampler_free(ls);
}

static void test_bad_paths(void)
{
    struct space s, other;
    space_builtin(&s, "tiny");
    space_builtin(&other, "fmnist");
    step_error("return {next = function() return {} end}", &s, &s,
               "%s/bad.lua: error: next(0) returned 0 paths (1 to 48 allowed)");
    step_error("return {next = function()\n"
               "  local t = {} for i = 1, 49 do t[i] = oneshot.sample() end return t\n"
               "end}",
               &s, &s, "%s/bad.lua: error: next(0) returned 49 paths (1 to 48 allowed)");
    step_error("return {next = function() return {oneshot.sample(), 'k3e2-k3e2-k3e2-k3e2'} end}",
               &s, &s,
               "%s/bad.lua: error: next(0): element 2 of the result is a string, not an "
               "architecture");
    step_error("return {next = function() return oneshot.sample() end}", &s, &s,
               "%s/bad.lua: error: next(0) must return a list of architectures, not an "
               "architecture");
    step_error("return {next = function() end}", &s, &s,
               "%s/bad.lua: error: next(0) must return a list of architectures, not nil");
    /* an architecture of another space than the sampler runs on */
    step_error("return {next = function() return {oneshot.sample()} end}", &s, &other,
               "error: sampler bad.lua: path 1 of step 0 has 4 layers, the space 12");
}

/* A result list with a length metamethod that fails: read raw, so the
 * metamethod cannot raise an error outside the protected call. */
static void test_len_metamethod(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    char out[256];
    CHECK(paths_of("return {next = function()\n"
                   "  local t = {oneshot.arch('k5e4-k5e4-k5e4-k5e4')}\n"
                   "  return setmetatable(t, {__len = function() error('len') end})\n"
                   "end}",
                   &s, 1, 2, out, sizeof out) == 0);
    CHECK_STR(out, "k5e4-k5e4-k5e4-k5e4;k5e4-k5e4-k5e4-k5e4;");
}

/* Loads text and expects the error want (dir prefix added). */
static void load_error(const char *text, const char *want_fmt)
{
    struct space s;
    space_builtin(&s, "tiny");
    struct err e;
    struct luasampler *ls = load("bad.lua", text, &s, NULL, &e);
    CHECK(ls == NULL);
    char want[1024];
    snprintf(want, sizeof want, want_fmt, dir, dir);
    CHECK_STR(e.msg, want);
    luasampler_free(ls);
}

static void test_errors(void)
{
    load_error("return {\n  next = function(\nend}\n",
               "%s/bad.lua:3: error: <name> or '...' expected near 'end'");
    load_error("local x = nil\nreturn x.y\n",
               "%s/bad.lua:2: error: attempt to index a nil value (local 'x')");
    load_error("return 42\n", "%s/bad.lua: error: a sampler must return a table with a function "
                              "'next'");
    load_error("return {next = 'soon'}\n",
               "%s/bad.lua: error: a sampler must return a table with a function 'next'");
    load_error("return setmetatable({}, {__index = function() error('no') end})\n",
               "%s/bad.lua: error: a sampler must return a table with a function 'next'");
}

static void test_runtime_errors(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    step_error("return {next = function(step)\n"
               "  local t = nil\n"
               "  return t[1]\n"
               "end}",
               &s, &s, "%s/bad.lua:3: error: in next: attempt to index a nil value (local 't')");
    step_error("return {next = function(step)\n"
               "  return {oneshot.sample():with(9, 'k3e2')}\n"
               "end}",
               &s, &s,
               "%s/bad.lua:2: error: in next: bad argument #1 to 'with' (layer 9 is not in 1..4)");
    /* the instruction budget is per step */
    step_error("return {next = function(step)\n  while true do end\nend}", &s, &s,
               "%s/bad.lua: error: in next: the script ran too long (more than 10000000 "
               "instructions)");
    step_error("return {next = function(step)\n"
               "  pcall(function() while true do end end)\n"
               "  return {oneshot.sample()}\n"
               "end}",
               &s, &s,
               "%s/bad.lua: error: in next: the script ran too long (more than 10000000 "
               "instructions)");
    step_error("return {next = function(step)\n"
               "  local s = 'x' while true do s = s .. s end\n"
               "end}",
               &s, &s, "%s/bad.lua: error: in next: the script used more than 64 MB");
}

static void test_budget_per_step(void)
{
    /* a sampler using most of its budget every step runs for many steps */
    struct space s;
    space_builtin(&s, "tiny");
    const char *text = "return {next = function(step)\n"
                       "  local x = 0 for i = 1, 1500000 do x = x + i end\n"
                       "  return {oneshot.sample()}\n"
                       "end}\n";
    char out[4096];
    CHECK(paths_of(text, &s, 3, 8, out, sizeof out) == 0);
    CHECK(strlen(out) == 8 * 20);
}

static void test_print(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    struct lines out = {.n = 0};
    struct err e;
    struct luasampler *ls =
        load("print.lua",
             "print('loading', 1)\n"
             "return {next = function(step) print('step', step) return {oneshot.sample()} end}",
             &s, &out, &e);
    if (!CHECK(ls != NULL))
        return;
    struct sampler_custom c;
    struct sampler sm;
    luasampler_custom(ls, &c);
    sampler_init_custom(&sm, &c, &s, 1);
    struct arch paths[SPACE_MAX_CHOICES];
    sampler_next(&sm, 0, paths);
    sampler_next(&sm, 0, paths);
    CHECK_STR(out.text, "loading\t1\nstep\t0\nstep\t1\n");
    sampler_done(&sm);
    luasampler_free(ls);
}

static void raise_flag(void *ud, const char *text)
{
    (void)text;
    *(volatile sig_atomic_t *)ud = 1;
}

/* The interrupt flag stops next() at its next instruction, pcall or not. */
static void test_interrupt(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    volatile sig_atomic_t stop = 0;
    char path[256];
    write_file("fine.lua", "return {next = function() return {oneshot.sample()} end}", path,
               sizeof path);
    struct err e;
    struct luasampler *ls = luasampler_new(path, &s, &stop, NULL, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    struct sampler_custom c;
    struct sampler sm;
    luasampler_custom(ls, &c);
    sampler_init_custom(&sm, &c, &s, 1);
    struct arch paths[SPACE_MAX_CHOICES];
    CHECK_EQ_INT(sampler_next(&sm, 0, paths), 1);
    stop = 1;
    CHECK_EQ_INT(sampler_next(&sm, 0, paths), 0);
    char want[512];
    snprintf(want, sizeof want, "%s: error: in next: interrupted", path);
    CHECK_STR(sm.err.msg, want);
    sampler_done(&sm);
    luasampler_free(ls);
    /* raised while next() runs (by print, a host callback), in a loop that
     * pcall guards */
    stop = 0;
    write_file("stop.lua",
               "return {next = function(step)\n"
               "  print('stop')\n"
               "  pcall(function() while true do end end)\n"
               "  return {oneshot.sample()}\n"
               "end}\n",
               path, sizeof path);
    ls = luasampler_new(path, &s, &stop, raise_flag, (void *)&stop, &e);
    if (!CHECK(ls != NULL))
        return;
    luasampler_custom(ls, &c);
    sampler_init_custom(&sm, &c, &s, 1);
    CHECK_EQ_INT(sampler_next(&sm, 0, paths), 0);
    snprintf(want, sizeof want, "%s: error: in next: interrupted", path);
    CHECK_STR(sm.err.msg, want);
    CHECK_EQ_INT(stop, 1);
    sampler_done(&sm);
    luasampler_free(ls);
}

/* The sampler example of oneshot-lua(7): it trains the least trained choice
 * of every layer, so a layer's counts never differ by more than one. */
static void test_man_example(void)
{
    FILE *f = fopen("man/oneshot-lua.7", "r");
    static char man[1 << 16], text[4096];
    size_t n = f ? fread(man, 1, sizeof man - 1, f) : 0;
    if (f)
        fclose(f);
    man[n] = 0;
    const char *b = strstr(man, "return {\n  name = \"least-trained\"");
    const char *e = b ? strstr(b, "\n.Ed") : NULL;
    if (!CHECK(b && e))
        return;
    snprintf(text, sizeof text, "%.*s\n", (int)(e - b), b);
    struct space s;
    space_builtin(&s, "fmnist-skip");
    struct err err;
    struct luasampler *ls = load("least.lua", text, &s, NULL, &err);
    if (!CHECK(ls != NULL)) {
        printf("  %s\n", err.msg);
        return;
    }
    struct sampler_custom c;
    struct sampler sm;
    luasampler_custom(ls, &c);
    CHECK_STR(c.name, "least-trained");
    sampler_init_custom(&sm, &c, &s, 3);
    struct arch paths[SPACE_MAX_CHOICES];
    int bad = 0;
    for (int t = 0; t < 50; t++) {
        if (!CHECK(sampler_next(&sm, 0, paths) == 1)) {
            printf("  %s\n", sm.err.msg);
            break;
        }
        for (int l = 0; l < s.nlayers; l++) {
            int64_t lo = INT64_MAX, hi = 0;
            for (int ch = 0; ch < s.nchoices; ch++)
                if (s.allowed[l] & (1ULL << ch)) {
                    lo = sm.st.counts[l][ch] < lo ? sm.st.counts[l][ch] : lo;
                    hi = sm.st.counts[l][ch] > hi ? sm.st.counts[l][ch] : hi;
                }
            bad += hi - lo > 1;
        }
    }
    CHECK_EQ_INT(bad, 0);
    sampler_done(&sm);
    luasampler_free(ls);
    char a[8192], d[8192];
    paths_of(text, &s, 3, 30, a, sizeof a);
    paths_of(text, &s, 3, 30, d, sizeof d);
    CHECK_STR(a, d);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/oneshot-luasampler-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_drives_sampler);
    RUN(test_counts_passed);
    RUN(test_same_seed);
    RUN(test_bad_paths);
    RUN(test_len_metamethod);
    RUN(test_errors);
    RUN(test_runtime_errors);
    RUN(test_budget_per_step);
    RUN(test_print);
    RUN(test_interrupt);
    RUN(test_man_example);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_done();
}
