/* Tests of the limits lua/luasearch.c holds a strategy to, whatever its
 * script does: the sandbox's instructions and memory, the experiment's
 * budget of generations and evaluations, an interrupt, and host errors that a
 * pcall in the script cannot swallow; each with its exact text and line.
 * The fake host: tests/luahost.h. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "luahost.h"

/* A strategy's body: 3 generations of 4 architectures not evaluated
 * before, each evaluated and reported. */
#define NEW_3X4                                                                    \
    "  for g = 1, 3 do\n"                                                          \
    "    local l = {}\n"                                                           \
    "    while #l < 4 do\n"                                                        \
    "      local a = oneshot.sample()\n"                                           \
    "      if not oneshot.evaluated(a) then oneshot.evaluate(a); l[#l + 1] = a end\n" \
    "    end\n"                                                                    \
    "    oneshot.report(g, l)\n"                                                   \
    "  end\n"

static int run_text(const char *text, int gens, struct host *h, volatile sig_atomic_t *interrupt,
                    char *path, size_t n, struct err *e)
{
    write_file("limit.lua", text, path, n);
    struct space s;
    space_builtin(&s, "fmnist");
    host_init(h, &s);
    struct luasearch *ls = open_search(path, &s, 1, gens, 4, NULL, h, interrupt, e);
    if (!CHECK(ls != NULL))
        return 0;
    int rc = luasearch_run(ls, e);
    luasearch_free(ls);
    return rc;
}

static void test_instruction_budget(void)
{
    two_objectives(1, 1);
    char path[256], want[512];
    struct err e;
    /* a runaway loop, even inside pcall, is stopped */
    CHECK(run_text("return {run = function()\n"
                   "  oneshot.evaluate(oneshot.sample())\n"
                   "  local ok = pcall(function() while true do end end)\n"
                   "  oneshot.report(1, {})\n"
                   "end}\n",
                   1, &h1, NULL, path, sizeof path, &e) == -1);
    snprintf(want, sizeof want,
             "%s: error: in run: the script ran too long (more than 200000000 instructions "
             "without a new evaluation or report)",
             path);
    CHECK_STR(e.msg, want);
    CHECK_EQ_INT(h1.nreports, 0);
    /* the budget is rearmed by every evaluation: a long search is fine */
    CHECK(run_text("return {run = function()\n"
                   "  for g = 1, 3 do\n"
                   "    local x = 0 for i = 1, 30000000 do x = x + i end\n"
                   "    oneshot.evaluate(oneshot.sample())\n"
                   "  end\n"
                   "end}\n",
                   1, &h1, NULL, path, sizeof path, &e) == 0);
    CHECK_EQ_INT(h1.calls, 3);
}

/* The experiment's budget (3 generations of 4, so 12 evaluations) holds,
 * whatever the script does: the error names its line, and a pcall cannot
 * swallow it. */
static void test_search_budget(void)
{
    two_objectives(1, 1);
    /* reporting forever: each report used to re-arm the instruction budget */
    run_error("  local g = 1\n  while true do\n    oneshot.report(g, {})\n    g = g + 1\n  end", 4,
              "oneshot.report: generation 4 is beyond the experiment's 3 (search.generations)");
    run_error("  while true do oneshot.report(1, {}) end", 2,
              "oneshot.report: generation 1 reported after generation 1 (each generation is "
              "reported once, in order)");
    run_error("  oneshot.report(2, {})\n  oneshot.report(1, {})", 3,
              "oneshot.report: generation 1 reported after generation 2 (each generation is "
              "reported once, in order)");
    run_error("  local l = {}\n  for i = 1, 5 do l[i] = oneshot.sample() end\n"
              "  oneshot.report(1, l)", 4,
              "oneshot.report: a population of 5 is larger than the experiment's 4 "
              "(search.population)");
    run_error("  while true do oneshot.evaluate(oneshot.sample()) end", 2,
              "oneshot.evaluate: the experiment's budget of 12 evaluations (search.generations 3 "
              "x search.population 4) is spent");
    run_error("  for i = 1, 100 do pcall(oneshot.report, 9, {}) end", 2,
              "oneshot.report: generation 9 is beyond the experiment's 3 (search.generations)");
    run_error("  for i = 1, 100 do pcall(oneshot.evaluate, oneshot.sample()) end", 2,
              "oneshot.evaluate: the experiment's budget of 12 evaluations (search.generations 3 "
              "x search.population 4) is spent");
    /* the budget itself is usable: 12 evaluations, 3 reports of 4 */
    char path[256];
    write_file("full.lua",
               "return {run = function()\n"
               NEW_3X4
               "  -- evaluated ones come from the cache: not counted again\n"
               "  oneshot.evaluate(oneshot.arch(oneshot.evaluated and 'k3e3-k3e3-k3e3-k3e3-k3e3-"
               "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3'))\n"
               "end}\n",
               path, sizeof path);
    struct space s;
    space_builtin(&s, "fmnist");
    struct err e;
    int rc = run_search(path, &s, 1, 3, 4, NULL, &h1, &e);
    /* the 13th, new architecture is refused (unless a random one was it) */
    CHECK_EQ_INT(rc, -1);
    CHECK(strstr(e.msg, "full.lua:11: error: in run: oneshot.evaluate: the experiment's budget "
                        "of 12 evaluations") != NULL);
    CHECK_EQ_INT(h1.calls, 12);
    CHECK_EQ_INT(h1.nreports, 3);
}

/* The first n evaluations of h1, with their metrics, preloaded into ls as
 * a resumed run's are. */
static void preload_h1(struct luasearch *ls, int n)
{
    double v[LUASEARCH_MAX_METRICS];
    for (int k = 0; k < n; k++) {
        fake_metrics(&h1, &h1.evals[k], v);
        CHECK(luasearch_preload(ls, &h1.evals[k], v) == 0);
    }
}

/* The budget is of what one run of the strategy asks for: started again over
 * evaluations made before, a strategy that replays its draws (a run resumed)
 * is held to the budget it had, and another one (a strategy edited and
 * reloaded, as lesson 10 of oneshot-tutorial(7) does) has a budget of its
 * own, the earlier evaluations reused when it asks for them. */
static void test_budget_per_run(void)
{
    static struct host h2, h3; /* static: large */
    struct space s;
    space_builtin(&s, "fmnist");
    two_objectives(1, 1);
    char draw[256], other[256];
    struct err e;
    write_file("draw.lua",
               "return {run = function()\n"
               "  while true do oneshot.evaluate(oneshot.sample()) end\n"
               "end}\n",
               draw, sizeof draw);
    CHECK(run_search(draw, &s, 1, 3, 4, NULL, &h1, &e) == -1);
    if (!CHECK(h1.calls == 12))
        return;
    /* the same strategy over its 12 evaluations: the same draws, none
     * evaluated again, and the 13th refused */
    host_init(&h2, &s);
    struct luasearch *ls = open_search(draw, &s, 1, 3, 4, NULL, &h2, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    preload_h1(ls, 12);
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK(strstr(e.msg, "draw.lua:2: error: in run: oneshot.evaluate: the experiment's budget of "
                        "12 evaluations") != NULL);
    CHECK_EQ_INT(h2.calls, 0);
    /* run() started again on the same search (a reload that failed keeps the
     * strategy it had): its budget starts again too, and is spent by the
     * same replay */
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK_EQ_INT(h2.calls, 0);
    luasearch_free(ls);
    /* another strategy over them, skipping what was evaluated: 12 new */
    write_file("other.lua",
               "return {run = function()\n"
               NEW_3X4
               "end}\n",
               other, sizeof other);
    host_init(&h3, &s);
    ls = open_search(other, &s, 1, 3, 4, NULL, &h3, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    preload_h1(ls, 12);
    if (!CHECK(luasearch_run(ls, &e) == 0))
        printf("  %s\n", e.msg);
    CHECK_EQ_INT(h3.calls, 12);
    CHECK_EQ_INT(h3.nreports, 3);
    CHECK_EQ_INT(luasearch_count(ls), 24);
    luasearch_free(ls);
}

static void test_memory_limit(void)
{
    two_objectives(1, 1);
    char path[256], want[512];
    struct err e;
    CHECK(run_text("return {run = function()\n"
                   "  local s = 'x'\n"
                   "  while true do s = s .. s end\n"
                   "end}\n",
                   1, &h1, NULL, path, sizeof path, &e) == -1);
    snprintf(want, sizeof want, "%s: error: in run: the script used more than 256 MB", path);
    CHECK_STR(e.msg, want);
    /* caught by pcall, the memory is freed and the script goes on */
    CHECK(run_text("return {run = function()\n"
                   "  local ok, msg = pcall(function()\n"
                   "    local s = 'x' while true do s = s .. s end\n"
                   "  end)\n"
                   "  print(ok, msg)\n"
                   "  oneshot.report(1, {oneshot.sample()})\n"
                   "end}\n",
                   1, &h1, NULL, path, sizeof path, &e) == 0);
    CHECK_STR(h1.printed, "false\tnot enough memory\n");
    CHECK_EQ_INT(h1.nreports, 1);
}

static void test_interrupt(void)
{
    two_objectives(1, 1);
    volatile sig_atomic_t stop = 0;
    struct err e;
    struct space s;
    space_builtin(&s, "fmnist");
    /* set by the host during the 5th evaluation of a shipped strategy */
    host_init(&h1, &s);
    h1.interrupt = &stop;
    h1.interrupt_at = 5;
    struct luasearch *ls = open_search("lua/nsga2.lua", &s, 1, 5, 8, NULL, &h1, &stop, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK_STR(e.msg, "lua/nsga2.lua: error: in run: interrupted");
    CHECK_EQ_INT(luasearch_interrupted(ls), 1);
    CHECK_EQ_INT(h1.calls, 5); /* stopped right after the evaluation that raised it */
    CHECK_EQ_INT(h1.nreports, 0);
    luasearch_free(ls);
    /* a pcall in the script does not catch it */
    stop = 0;
    char path[256];
    h1.interrupt = &stop;
    write_file("stop.lua",
               "return {run = function()\n"
               "  for i = 1, 3 do\n"
               "    local ok, msg = pcall(oneshot.evaluate, oneshot.sample())\n"
               "    pcall(function() for k = 1, 100000 do end end)\n"
               "  end\n"
               "  oneshot.report(1, {oneshot.sample()})\n"
               "end}\n",
               path, sizeof path);
    host_init(&h1, &s);
    h1.interrupt = &stop;
    h1.interrupt_at = 1;
    ls = open_search(path, &s, 1, 5, 8, NULL, &h1, &stop, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    char want[512];
    snprintf(want, sizeof want, "%s: error: in run: interrupted", path);
    CHECK_STR(e.msg, want);
    CHECK_EQ_INT(luasearch_interrupted(ls), 1);
    CHECK_EQ_INT(h1.nreports, 0);
    luasearch_free(ls);
}

/* A host callback's error ends the run with its own text, even when the
 * script catches it with pcall. */
static void test_host_errors(void)
{
    two_objectives(1, 1);
    struct err e;
    struct space s;
    space_builtin(&s, "fmnist");
    host_init(&h1, &s);
    h1.fail_at = 11;
    struct luasearch *ls = open_search("lua/nsga2.lua", &s, 1, 3, 8, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK_STR(e.msg, "host: error: evaluation 11 failed");
    CHECK_EQ_INT(luasearch_interrupted(ls), 0);
    CHECK_EQ_INT(h1.nreports, 1);
    luasearch_free(ls);

    host_init(&h1, &s);
    h1.fail_report_at = 2;
    ls = open_search("lua/aging.lua", &s, 1, 3, 8, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK_STR(e.msg, "host: error: cannot write generation 2");
    luasearch_free(ls);

    /* pcall catches the error in the script, but cannot swallow it: the run
     * still fails with it, and later evaluations fail too */
    char path[256];
    write_file("catch.lua",
               "return {run = function()\n"
               "  local ok, msg = pcall(oneshot.evaluate, oneshot.sample())\n"
               "  print('caught', ok, msg)\n"
               "  local ok2 = pcall(oneshot.evaluate, oneshot.sample())\n"
               "  print('again', ok2)\n"
               "end}\n",
               path, sizeof path);
    host_init(&h1, &s);
    h1.fail_at = 1;
    ls = open_search(path, &s, 1, 3, 8, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK_STR(e.msg, "host: error: evaluation 1 failed");
    CHECK_STR(h1.printed, "caught\tfalse\thost: error: evaluation 1 failed\nagain\tfalse\n");
    CHECK_EQ_INT(h1.calls, 1); /* the second evaluate did not reach the host */
    luasearch_free(ls);
}

int main(void)
{
    if (dir_open("lualimits"))
        return 1;
    RUN(test_instruction_budget);
    RUN(test_search_budget);
    RUN(test_budget_per_run);
    RUN(test_memory_limit);
    RUN(test_interrupt);
    RUN(test_host_errors);
    if (dir_remove())
        return 1;
    return check_done();
}
