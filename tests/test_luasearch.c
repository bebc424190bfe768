/* Tests of lua/luasearch.c: every binding of the search module against the C
 * primitives it wraps (pareto.h), a strategy built on a shipped one
 * (oneshot.strategy), and the exact text and line of every way a strategy, a
 * metrics file or search.params can be wrong.  The shipped strategies:
 * tests/test_luastrategies.c and tests/test_luaevolution.c; the sandbox's
 * limits: tests/test_lualimits.c; the fake host: tests/luahost.h. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "luahost.h"
#include "pareto.h"

/* The line of file path that contains needle (0 if none). */
static int line_of(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char buf[1024];
    int line = 0, found = 0;
    if (!f)
        return 0;
    while (!found && fgets(buf, sizeof buf, f)) {
        line++;
        found = strstr(buf, needle) != NULL;
    }
    fclose(f);
    return found ? line : 0;
}

/* oneshot.strategy: a strategy built on a shipped one; the files it loaded
 * are listed (a run keeps copies); bad names are argument errors. */
static void test_strategy_library(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    two_objectives(1, 1);
    struct err e;
    struct host h = {0};
    struct luasearch *ls = open_search("lua/moga.lua", &s, 1, 2, 4, NULL, &h, NULL, &e);
    if (CHECK(ls != NULL)) {
        CHECK_STR(luasearch_name(ls), "moga");
        if (CHECK(luasearch_nloaded(ls) == 1))
            CHECK_STR(luasearch_loaded(ls, 0), "lua/nsga2.lua");
        luasearch_free(ls);
    } else {
        printf("  %s\n", e.msg);
    }
    char path[512], want[1024];
    write_file("lib.lua", "local s = oneshot.strategy('nsga3')\nreturn s\n", path, sizeof path);
    CHECK(open_search(path, &s, 1, 2, 4, NULL, &h, NULL, &e) == NULL);
    snprintf(want, sizeof want,
             "%s:1: error: oneshot.strategy('nsga3'): lua/nsga3.lua: error: cannot read: No such "
             "file or directory",
             path);
    CHECK_STR(e.msg, want);
    write_file("lib.lua", "return oneshot.strategy('../x')\n", path, sizeof path);
    CHECK(open_search(path, &s, 1, 2, 4, NULL, &h, NULL, &e) == NULL);
    snprintf(want, sizeof want,
             "%s:1: error: bad argument #1 to 'strategy' (a strategy's name: letters, digits, "
             "'_' and '-')",
             path);
    CHECK_STR(e.msg, want);
}

static const char *bind_lua =
    "return {\n"
    "  name = 'bind',\n"
    "  params = {n = 3, rate = 0.5, flag = true, word = 'hi'},\n"
    "  run = function()\n"
    "    local p = oneshot.params\n"
    "    oneshot.log('params', p.n, math.type(p.n), p.rate, p.flag, p.word)\n"
    "    local o = oneshot.objectives\n"
    "    print('fields', oneshot.generations, oneshot.population, oneshot.seed, #o,\n"
    "          o[1].name, o[1].direction, o[1].maximize, o[1].weight,\n"
    "          o[2].name, o[2].direction, o[2].maximize, o[2].weight,\n"
    "          table.concat(oneshot.metrics, ','), oneshot.space.name)\n"
    "    local a = oneshot.arch('k3e3-k3e6-k5e3-k5e6-k7e3-k7e6-k3e3-k3e6-k5e3-k5e6-k7e3-k7e6')\n"
    "    local before = oneshot.evaluated(a)\n"
    "    local m = oneshot.evaluate(a)\n"
    "    local again, seen = oneshot.evaluate(a), oneshot.evaluated(a)\n"
    "    oneshot.log('evaluate', tostring(before), m.params == a:cost().params,\n"
    "                m.macs == a:cost().macs, again.accuracy == m.accuracy,\n"
    "                seen.accuracy == m.accuracy, m.accuracy > 0.5)\n"
    "    local w = oneshot.weights()\n"
    "    oneshot.log('weights', #w, w[1], w[2])\n"
    "    local list = {}\n"
    "    for i = 1, 30 do list[i] = oneshot.sample() end\n"
    "    oneshot.report(1, list)\n"
    "    oneshot.report(2, oneshot.select(list, 10))\n"
    "    oneshot.report(3, oneshot.select(list, 10, {1, 0.25}))\n"
    "    oneshot.report(4, oneshot.pareto(list))\n"
    "    local rank, crowd = oneshot.fronts(list)\n"
    "    local c = {}\n"
    "    for i = 1, #crowd do c[i] = string.format('%.17g', crowd[i]) end\n"
    "    oneshot.log('fronts', table.concat(rank, ' '))\n"
    "    oneshot.log('crowd', table.concat(c, ' '))\n"
    "    local _, wc = oneshot.fronts(list, {4, 1})\n"
    "    for i = 1, #wc do c[i] = string.format('%.17g', wc[i]) end\n"
    "    oneshot.log('wcrowd', table.concat(c, ' '))\n"
    "    local sc = oneshot.scores({list[1], list[2]})\n"
    "    oneshot.log('scores', #sc, #sc[1], sc[1][1] == oneshot.evaluate(list[1]).accuracy,\n"
    "                sc[2][2] == list[2]:cost().params)\n"
    "    local t = oneshot.tournament(list, rank, crowd)\n"
    "    local found = false\n"
    "    for i = 1, #list do found = found or list[i] == t end\n"
    "    oneshot.log('tournament', found)\n"
    "    local dups = oneshot.pareto({list[1], list[1], list[1]})\n"
    "    oneshot.log('pareto', #dups, #oneshot.select({}, 0), #oneshot.pareto({}))\n"
    "  end,\n"
    "}\n";

/* The line of printed that starts with prefix (without it), or "". */
static const char *printed_line(const struct host *h, const char *prefix, char *out, size_t n)
{
    out[0] = 0;
    const char *p = h->printed;
    size_t pl = strlen(prefix);
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= pl && strncmp(p, prefix, pl) == 0) {
            snprintf(out, n, "%.*s", (int)(len - pl), p + pl);
            break;
        }
        p += len + (end != NULL);
    }
    return out;
}

/* The objective matrix of a kept report (accuracy, params). */
static void matrix(const struct kept *k, double *f)
{
    for (int i = 0; i < k->n; i++) {
        f[i * 2] = k->values[i * k->nm];
        f[i * 2 + 1] = k->values[i * k->nm + 1];
    }
}

static void test_bindings(void)
{
    char path[256];
    write_file("bind.lua", bind_lua, path, sizeof path);
    struct space s;
    space_builtin(&s, "fmnist");
    two_objectives(2, 0.5);
    struct err e;
    host_init(&h1, &s);
    struct luasearch *ls = open_search(path, &s, 99, 4, 30, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_STR(luasearch_name(ls), "bind");
    CHECK_STR(luasearch_params(ls), "flag=true n=3 rate=0.5 word=hi");
    CHECK_EQ_INT(luasearch_nmetrics(ls), 3);
    CHECK_STR(luasearch_metric_name(ls, 2), "macs");
    if (!CHECK(luasearch_run(ls, &e) == 0)) {
        printf("  %s\n  %s\n", e.msg, luasearch_traceback(ls));
        luasearch_free(ls);
        return;
    }
    luasearch_free(ls);
    char line[2048];
    CHECK_STR(printed_line(&h1, "params\t", line, sizeof line), "3\tinteger\t0.5\ttrue\thi");
    CHECK_STR(printed_line(&h1, "fields\t", line, sizeof line),
              "4\t30\t99\t2\taccuracy\tmaximize\ttrue\t2.0\tparams\tminimize\tfalse\t0.5\t"
              "accuracy,params,macs\tfmnist");
    CHECK_STR(printed_line(&h1, "evaluate\t", line, sizeof line),
              "nil\ttrue\ttrue\ttrue\ttrue\ttrue");
    CHECK_STR(printed_line(&h1, "weights\t", line, sizeof line), "2\t2.0\t0.5");
    CHECK_STR(printed_line(&h1, "scores\t", line, sizeof line), "2\t2\ttrue\ttrue");
    CHECK_STR(printed_line(&h1, "tournament\t", line, sizeof line), "true");
    CHECK_STR(printed_line(&h1, "pareto\t", line, sizeof line), "1\t0\t0");
    CHECK_EQ_INT(h1.calls, 31); /* a, then the 30 of the list, each once */
    CHECK_EQ_INT(h1.dup, 0);
    if (!CHECK(h1.nreports == 4))
        return;
    /* select, fronts and pareto against the C primitives on the same matrix */
    const struct kept *all = &h1.kept[0];
    CHECK_EQ_INT(all->n, 30);
    double f[60], crowd[30], w[2] = {1, 0.25};
    int rank[30], chosen[10], maximize[2] = {1, 0};
    matrix(all, f);
    CHECK(nsga2_select(f, 30, 2, maximize, NULL, 10, chosen) == 0);
    CHECK_EQ_INT(h1.kept[1].n, 10);
    for (int i = 0; i < 10; i++)
        CHECK(arch_equal(&h1.kept[1].pop[i], &all->pop[chosen[i]]));
    CHECK(nsga2_select(f, 30, 2, maximize, w, 10, chosen) == 0);
    int same = 1;
    for (int i = 0; i < 10; i++)
        same &= arch_equal(&h1.kept[2].pop[i], &all->pop[chosen[i]]);
    CHECK(same);
    int nfronts = pareto_sort(f, 30, 2, maximize, rank);
    CHECK(nfronts > 1);
    int k = 0;
    for (int i = 0; i < 30; i++)
        if (rank[i] == 0)
            CHECK(k < h1.kept[3].n && arch_equal(&h1.kept[3].pop[k++], &all->pop[i]));
    CHECK_EQ_INT(k, h1.kept[3].n);
    char want[2048];
    size_t used = 0;
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s%d", i ? " " : "",
                                 rank[i] + 1);
    CHECK_STR(printed_line(&h1, "fronts\t", line, sizeof line), want);
    CHECK(pareto_crowding(f, 30, 2, rank, NULL, crowd) == 0);
    used = 0;
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s%.17g", i ? " " : "",
                                 crowd[i]);
    CHECK_STR(printed_line(&h1, "crowd\t", line, sizeof line), want);
    CHECK(strstr(line, "inf") != NULL); /* boundary points */
    double w41[2] = {1, 0.25};         /* {4, 1} scaled by the largest */
    CHECK(pareto_crowding(f, 30, 2, rank, w41, crowd) == 0);
    used = 0;
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s%.17g", i ? " " : "",
                                 crowd[i]);
    CHECK_STR(printed_line(&h1, "wcrowd\t", line, sizeof line), want);
}

/* Equal weights of any value give the crowding of no weights, bit for bit. */
static void test_fronts_equal_weights(void)
{
    char path[256];
    write_file("eq.lua",
               "return {run = function()\n"
               "  local list = {}\n"
               "  for i = 1, 40 do list[i] = oneshot.sample() end\n"
               "  local _, c0 = oneshot.fronts(list)\n"
               "  local _, c1 = oneshot.fronts(list, {0.3, 0.3})\n"
               "  local _, c2 = oneshot.fronts(list, {7, 7})\n"
               "  local s0, s1 = oneshot.select(list, 13), oneshot.select(list, 13, {0.3, 0.3})\n"
               "  local bad = 0\n"
               "  for i = 1, #list do\n"
               "    if c0[i] ~= c1[i] or c0[i] ~= c2[i] then bad = bad + 1 end\n"
               "  end\n"
               "  for i = 1, 13 do if s0[i] ~= s1[i] then bad = bad + 1 end end\n"
               "  print('bad', bad)\n"
               "end}\n",
               path, sizeof path);
    struct space s;
    space_builtin(&s, "fmnist");
    two_objectives(1, 1);
    x.nobjectives = 2;
    struct err e;
    if (!CHECK(run_search(path, &s, 4, 1, 40, NULL, &h1, &e) == 0))
        printf("  %s\n", e.msg);
    CHECK_STR(h1.printed, "bad\t0\n");
}

static void test_argument_errors(void)
{
    two_objectives(1, 1);
    run_error("  oneshot.report(0, {})", 2,
              "bad argument #1 to 'report' (generations count from 1)");
    run_error("  local l = {oneshot.sample()}\n  oneshot.select(l, 2)", 3,
              "bad argument #2 to 'select' (k must lie in 0..#list)");
    run_error("  oneshot.select({oneshot.sample(), 1}, 1)", 2,
              "bad argument #1 to 'select' (element 2 is a number, not an architecture)");
    run_error("  oneshot.fronts({oneshot.sample()}, {1})", 2,
              "bad argument #2 to 'fronts' (expected 2 weights, one per objective)");
    run_error("  oneshot.fronts({oneshot.sample()}, {0, 0})", 2,
              "bad argument #2 to 'fronts' (at least one weight must be positive)");
    run_error("  oneshot.select({oneshot.sample()}, 1, {1, -1})", 2,
              "bad argument #3 to 'select' (weights must be finite numbers >= 0)");
    run_error("  oneshot.tournament({}, {}, {})", 2,
              "bad argument #1 to 'tournament' (the list is empty)");
    run_error("  oneshot.tournament({oneshot.sample()}, {1, 2}, {0})", 2,
              "bad argument #2 to 'tournament' (rank and crowding must have one entry per "
              "element)");
    run_error("  oneshot.evaluate('k3e3')", 2,
              "bad argument #1 to 'evaluate' (oneshot.arch expected, got string)");
    run_error("\n  math.randomseed(1)", 3,
              "math.randomseed: oneshot seeds every random stream from the experiment's seed");
    run_error("  local t = nil\n  return t.x", 3, "attempt to index a nil value (local 't')");
    run_error("  error('boom', 0)", 2, "boom");
    run_error("  error({})", 2, "(error object is a table value)");
}

/* A strategy file that is wrong: loading fails with want (path prefixed). */
static void load_error(const char *text, const char *want)
{
    char path[256], full[1024];
    write_file("broken.lua", text, path, sizeof path);
    struct space s;
    space_builtin(&s, "tiny");
    struct err e;
    host_init(&h1, &s);
    struct luasearch *ls = open_search(path, &s, 1, 2, 4, NULL, &h1, NULL, &e);
    CHECK(ls == NULL);
    luasearch_free(ls);
    snprintf(full, sizeof full, "%s%s", path, want);
    CHECK_STR(e.msg, full);
}

static void test_broken_strategies(void)
{
    two_objectives(1, 1);
    load_error("return {\n  run = function()\n    local x = = 1\n  end,\n}\n",
               ":3: error: unexpected symbol near '='");
    load_error("local t = {}\n\nt.a.b = 1\n",
               ":3: error: attempt to index a nil value (field 'a')");
    load_error("return 42\n",
               ": error: a strategy must return a table with a function 'run' (it returned a "
               "number)");
    load_error("-- nothing returned\n",
               ": error: a strategy must return a table with a function 'run' (it returned a "
               "nil)");
    load_error("return {name = 'x', run = 'later'}\n",
               ": error: a strategy must return a table with a function 'run'");
    /* read raw: a metamethod cannot raise an error outside a protected call */
    load_error("return setmetatable({}, {__index = function() error('no') end})\n",
               ": error: a strategy must return a table with a function 'run'");
    load_error("return {run = function() end, params = 5}\n",
               ": error: the strategy's 'params' must be a table");
    load_error("return {run = function() end, params = {'a'}}\n",
               ": error: the keys of 'params' must be names");
    load_error("while true do end\n",
               ": error: the script ran too long (more than 200000000 instructions without "
               "a new evaluation or report)");

    /* the runtime error of run, with the line, the hook and a traceback */
    char path[256];
    write_file("run.lua",
               "local function helper(t)\n"
               "  return t.field.sub\n"
               "end\n"
               "return {run = function()\n"
               "  oneshot.evaluate(oneshot.sample())\n"
               "  helper({})\n"
               "end}\n",
               path, sizeof path);
    struct space s;
    space_builtin(&s, "tiny");
    struct err e;
    host_init(&h1, &s);
    struct luasearch *ls = open_search(path, &s, 1, 2, 4, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    char want[512];
    snprintf(want, sizeof want,
             "%s:2: error: in run: attempt to index a nil value (field 'field')", path);
    CHECK_STR(e.msg, want);
    /* the traceback has both frames of the script */
    const char *tb = luasearch_traceback(ls);
    char frame[300];
    CHECK(strncmp(tb, "stack traceback:\n", 17) == 0);
    snprintf(frame, sizeof frame, "%s:2: in ", path);
    CHECK(strstr(tb, frame) != NULL);
    snprintf(frame, sizeof frame, "%s:6: in ", path);
    CHECK(strstr(tb, frame) != NULL);
    CHECK_EQ_INT(luasearch_interrupted(ls), 0);
    luasearch_free(ls);
}

/* search.params from a YAML file: overrides, unknown keys, wrong types. */
static void test_params_yaml(void)
{
    char yaml[256];
    struct err e;
    struct space s;
    space_builtin(&s, "tiny");
    const char *head = "search:\n"              /* 1 */
                       "  strategy: nsga2\n"    /* 2 */
                       "  params:\n";           /* 3 */
    const char *tail = "objectives:\n"                   /* 5 */
                       "  - name: accuracy\n"            /* 6 */
                       "    direction: maximize\n"       /* 7 */
                       "  - name: params\n"              /* 8 */
                       "    direction: minimize\n";      /* 9 */
    static const struct {
        const char *line4, *want; /* want: after "PATH" */
    } cases[] = {
        {"    mutation: 0.25\n", NULL},
        {"    mutaton: 0.25\n",
         ":4:5: error: search.params: unknown parameter 'mutaton' of strategy nsga2 (did you "
         "mean 'mutation'?)"},
        {"    speed: 3\n",
         ":4:5: error: search.params: unknown parameter 'speed' of strategy nsga2 (it has "
         "crossover, mutation, tries, weighted)"},
        {"    mutation: lots\n",
         ":4:15: error: search.params.mutation: expected a number, got 'lots'"},
        {"    mutation: '0.25'\n",
         ":4:15: error: search.params.mutation: expected a number, got '0.25'"},
        {"    tries: 2.5\n",
         ":4:12: error: search.params.tries: expected a whole number, got '2.5'"},
        {"    weighted: maybe\n",
         ":4:15: error: search.params.weighted: expected true or false, got 'maybe'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024], want[1024];
        snprintf(text, sizeof text, "%s%s%s", head, cases[i].line4, tail);
        write_file("exp.yaml", text, yaml, sizeof yaml);
        if (!CHECK(experiment_load(&x, yaml, &e) == 0)) {
            printf("  %s\n", e.msg);
            continue;
        }
        host_init(&h1, &s);
        struct luasearch *ls = open_search("lua/nsga2.lua", &s, 1, 3, 6, NULL, &h1, NULL, &e);
        if (!cases[i].want) {
            if (CHECK(ls != NULL))
                CHECK_STR(luasearch_params(ls), "crossover=0.9 mutation=0.25 tries=100 "
                                                "weighted=false");
            luasearch_free(ls);
            continue;
        }
        CHECK(ls == NULL);
        luasearch_free(ls);
        snprintf(want, sizeof want, "%s%s", yaml, cases[i].want);
        CHECK_STR(e.msg, want);
    }
    /* a value in range for its type but not for the strategy: run() says so */
    char text[1024];
    snprintf(text, sizeof text, "%s    crossover: 1.5\n%s", head, tail);
    write_file("exp.yaml", text, yaml, sizeof yaml);
    if (CHECK(experiment_load(&x, yaml, &e) == 0)) {
        CHECK(run_search("lua/nsga2.lua", &s, 1, 3, 6, NULL, &h1, &e) == -1);
        char want[512];
        snprintf(want, sizeof want,
                 "lua/nsga2.lua:%d: error: in run: search.params.crossover must lie in [0, 1], "
                 "not 1.5",
                 line_of("lua/nsga2.lua", "search.params.crossover must"));
        CHECK_STR(e.msg, want);
    }
}

/* Objectives name metrics: the engine's or a metrics file's. */
static void test_objectives_and_metrics(void)
{
    char yaml[256], metrics[256];
    struct err e;
    struct space s;
    space_builtin(&s, "tiny");
    write_file("exp.yaml",
               "objectives:\n"               /* 1 */
               "  - name: accuracy\n"        /* 2 */
               "    direction: maximize\n"   /* 3 */
               "  - name: reward\n"          /* 4 */
               "    direction: maximize\n",  /* 5 */
               yaml, sizeof yaml);
    if (!CHECK(experiment_load(&x, yaml, &e) == 0))
        return;
    host_init(&h1, &s);
    struct luasearch *ls = open_search("lua/nsga2.lua", &s, 1, 3, 6, NULL, &h1, NULL, &e);
    CHECK(ls == NULL);
    luasearch_free(ls);
    char want[1024];
    snprintf(want, sizeof want,
             "%s:4:11: error: objectives[1]: no metric 'reward' (known: accuracy, params, macs; "
             "others can come from a metrics file)",
             yaml);
    CHECK_STR(e.msg, want);

    /* a metrics file adds kparams and reward (name order: kparams first, so
     * reward can use it) */
    write_file("metrics.lua",
               "return {\n"
               "  reward = function(m, a)\n"
               "    return m.accuracy - 0.001 * m.kparams + 0 * #a\n"
               "  end,\n"
               "  kparams = function(m) return m.params / 1000 end,\n"
               "}\n",
               metrics, sizeof metrics);
    host_init(&h1, &s);
    ls = open_search("lua/nsga2.lua", &s, 1, 3, 6, metrics, &h1, NULL, &e);
    if (!CHECK(ls != NULL)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_EQ_INT(luasearch_nmetrics(ls), 5);
    CHECK_STR(luasearch_metric_name(ls, 3), "kparams");
    CHECK_STR(luasearch_metric_name(ls, 4), "reward");
    if (!CHECK(luasearch_run(ls, &e) == 0))
        printf("  %s\n", e.msg);
    luasearch_free(ls);
    CHECK_EQ_INT(h1.nreports, 3);
    CHECK_EQ_INT(h1.bad_values, 0);
    int bad = 0;
    for (int r = 0; r < 3; r++) {
        const struct kept *k = &h1.kept[r];
        CHECK_EQ_INT(k->nm, 5);
        for (int i = 0; i < k->n; i++) {
            const double *v = k->values + i * k->nm;
            bad += v[3] != v[1] / 1000 || v[4] != v[0] - 0.001 * v[3];
        }
    }
    CHECK_EQ_INT(bad, 0);

    /* broken metrics files */
    static const struct {
        const char *text, *want; /* want: after the metrics path, or after the strategy path */
        int at_run;
    } cases[] = {
        {"return 3\n", ": error: a metrics file must return a table of functions, name = "
                       "function(m, a)", 0},
        {"return {reward = 3}\n", ": error: metric 'reward' must be a function(m, a), not a "
                                  "number", 0},
        {"return {accuracy = function() return 1 end}\n",
         ": error: metric 'accuracy' is one the engine computes", 0},
        {"return {['9lives'] = function() return 1 end}\n",
         ": error: metric names must be words of letters, digits and '_' not starting with a "
         "digit", 0},
        {"return {reward = function() return 'high' end}\n", "", 1},
        {"return {reward = function() return 0/0 end}\n", "", 2},
        {"return {reward = function(m) return m.nothing + 1 end}\n", "", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file("metrics.lua", cases[i].text, metrics, sizeof metrics);
        host_init(&h1, &s);
        ls = open_search("lua/nsga2.lua", &s, 1, 3, 6, metrics, &h1, NULL, &e);
        if (!cases[i].at_run) {
            CHECK(ls == NULL);
            snprintf(want, sizeof want, "%s%s", metrics, cases[i].want);
            CHECK_STR(e.msg, want);
            luasearch_free(ls);
            continue;
        }
        if (!CHECK(ls != NULL)) {
            printf("  %s\n", e.msg);
            continue;
        }
        CHECK(luasearch_run(ls, &e) == -1);
        int line = line_of("lua/nsga2.lua", "oneshot.evaluate(a)");
        if (cases[i].at_run == 1)
            snprintf(want, sizeof want,
                     "lua/nsga2.lua:%d: error: in run: metric 'reward' of %s: expected a finite "
                     "number, got string",
                     line, metrics);
        else if (cases[i].at_run == 2)
            snprintf(want, sizeof want,
                     "lua/nsga2.lua:%d: error: in run: metric 'reward' of %s: expected a finite "
                     "number, got a non-finite one",
                     line, metrics);
        else
            snprintf(want, sizeof want,
                     "lua/nsga2.lua:%d: error: in run: %s:1: attempt to perform arithmetic on a "
                     "nil value (field 'nothing')",
                     line, metrics);
        CHECK_STR(e.msg, want);
        luasearch_free(ls);
    }
}

int main(void)
{
    if (dir_open("luasearch"))
        return 1;
    RUN(test_strategy_library);
    RUN(test_bindings);
    RUN(test_fronts_equal_weights);
    RUN(test_argument_errors);
    RUN(test_broken_strategies);
    RUN(test_params_yaml);
    RUN(test_objectives_and_metrics);
    if (dir_remove())
        return 1;
    return check_done();
}
